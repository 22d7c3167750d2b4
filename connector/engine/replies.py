"""Understand a contact's reply: deterministic, explainable, and driven by word tables that are easy to extend.

    confirm:
      send: "Reply YES to confirm Tuesday 3pm, or NO to cancel."
      expect: yes_no        # or {choice: [Morning, Afternoon]}, {keywords: {callback: [call me]}}, {text: date}

Whatever a step expects, a reply is first checked for opt-out and help, in this order:
1. the whole reply is a keyword: Twilio's STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE and their
   cousins in other languages (PARA, ARRÊT, STOPP, 退订...) are "stop"; START/UNSTOP "start"; HELP/INFO "help".
   A bare "cancel" is "stop" even in a booking dialog: Twilio itself blocks the number on it, so the run must end
   too; "cancel my booking" is no keyword, and answers a yes_no question "no".
2. one sentence of the reply is a strong stop word, alone or with polite words: "Wrong number. STOP", "stop pls".
3. a sentence holds an opt-out phrase ("please stop texting me", "no más mensajes", 退订), as US rules honour an
   opt-out made by any reasonable means, unless a negation comes right before it ("don't stop texting me").
"Don't stop", "stop by tomorrow?", "para mañana" and "arrête de rire" are not opt-outs.

yes_no: a false "yes" is the worst mistake, so in doubt the answer is "unknown": a question (?, ¿, the Greek ;,
Chinese 吗 or 好不好), a doubtful word (maybe, quizás, ίσως, 也许, instead, tomorrow...), a number or number word
(likely another time), both yes and no words ("yes I can't", 不 + 确认), or a yes among more than two words the
tables don't know. Words match longest phrase first, so "no problem" is yes and "not sure" is doubt.
choice: "2", "#2", "option 2", "two", "the second one", "la segunda", 第二个, the option's text, or a unique prefix of
3+ letters. keywords: the one group whose keyword appears as whole words; two groups, or only negated keywords, is
unknown. text: see replies_text.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from connector.engine.replies_normalise import is_cjk, match_key, normalise, question
from connector.engine.replies_text import TEXT_KINDS, read_text
from connector.engine.reply_words import (
    CHOICE_FILLER,
    DOUBT,
    FILLER,
    HELP_WORDS,
    NEGATORS,
    NO,
    NOT_OPTING_OUT,
    OPT_OUT_PHRASES,
    ORDINALS,
    POLITE,
    START_WORDS,
    STOP_SENTENCES,
    STOP_WORDS,
    YES,
)

__all__ = ["EXPECTS", "MAX_NO_OTHER", "MAX_YES_OTHER", "Understanding", "classify", "normalise"]

EXPECTS = ("yes_no", "choice", "keywords", "text")
# A yes may carry at most this many words outside all tables, a no more: a wrong no costs less.
MAX_YES_OTHER, MAX_NO_OTHER = 2, 6
_SENTENCES = re.compile(r"[.!?¿¡;:,\n。！？；，、…]+")
Lexicon = dict[str, tuple[str, str]]


@dataclass(frozen=True)
class Understanding:
    """What a reply means for the step: an outcome for `next:`, a value (choice or text), and why."""

    outcome: str
    value: str | None = None
    reason: str = ""


def _entries(*tables: str) -> dict[str, str]:
    """Each table entry by its key; the first spelling wins, so reasons quote the plainest form."""
    pairs = [(match_key(w), w.strip()) for t in tables for w in t.split(",")]
    return {k: w for k, w in reversed(pairs) if k}


def _lexicon(**labelled: Mapping[str, str] | str) -> Lexicon:
    """Every entry's key with its label and spelling; a key under two labels is refused."""
    lexicon: Lexicon = {}
    for label, table in labelled.items():
        for key, word in _entries(*([table] if isinstance(table, str) else table.values())).items():
            if lexicon.setdefault(key, (label, word))[0] != label:
                raise ValueError(f"{word!r} is both {lexicon[key][0]} and {label} in the reply tables")
    return lexicon


def _single_words(*tables: str) -> dict[str, str]:
    """Entries of a table matched word by word (choice filler, ordinals); a phrase there is refused."""
    entries = _entries(*tables)
    if phrases := [w for k, w in entries.items() if " " in k]:
        raise ValueError(f"{phrases[0]!r} must be one word in its reply table")
    return entries


def _ordinals(tables: Mapping[int, str]) -> dict[str, int]:
    """Each number word's key with its number; a word under two numbers is refused."""
    numbers: dict[str, int] = {}
    for n, table in tables.items():
        for key, word in _single_words(table).items():
            if numbers.setdefault(key, n) != n:
                raise ValueError(f"{word!r} is both {numbers[key]} and {n} in ORDINALS")
    return numbers


def _longest(lexicon: Lexicon) -> int:
    return max(len(k.split()) for k in lexicon)


_LEXICON = _lexicon(yes=YES, no=NO, doubt=DOUBT, filler=FILLER)
_STOP, _START, _HELP = (_entries(*t.values()) for t in (STOP_WORDS, START_WORDS, HELP_WORDS))
_STOP_SENTENCE = _lexicon(stop=STOP_SENTENCES, polite=POLITE)
_LONGEST, _STOP_SENTENCE_LONGEST = _longest(_LEXICON), _longest(_STOP_SENTENCE)
_OPT_OUT = _entries(*OPT_OUT_PHRASES.values())
_NOT_OPTING_OUT = set(_entries(NOT_OPTING_OUT))
_CHOICE_FILLER, _NEGATORS = set(_single_words(*CHOICE_FILLER.values())), set(_entries(*NEGATORS.values()))
_ORDINALS = _ordinals(ORDINALS)
# Number words above one say "another time" in a yes_no reply ("yes at four"); "one" is too often an article.
_NUMBER_WORDS = {k for k, n in _ORDINALS.items() if n > 1}


def _has(key: str, phrase: str) -> bool:
    return f" {phrase} " in f" {key} "


def _preceded_by(tokens: list[str], i: int, phrases: set[str]) -> bool:
    """Whether one of `phrases` (up to four words) ends right before tokens[i]."""
    return any(" ".join(tokens[i - n : i]) in phrases for n in range(1, min(i, 4) + 1))


def _scan(key: str, lexicon: Lexicon = _LEXICON, longest: int = _LONGEST) -> tuple[list[tuple[str, str]], list[str]]:
    """Left to right, longest phrase first: the (label, phrase) of each table phrase, and the other words.

    Unknown Chinese characters in a row stay one other word: the tables cannot tell where its words end.
    """
    tokens, found, other, i, glued = key.split(), [], [], 0, False
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            if hit := lexicon.get(" ".join(tokens[i : i + size])):
                found.append(hit)
                i, glued = i + size, False
                break
        else:
            if glued and is_cjk(tokens[i]):
                other[-1] += tokens[i]
            else:
                other.append(tokens[i])
            i, glued = i + 1, is_cjk(tokens[i])
    return found, other


def _opt_out(raw: str, key: str) -> Understanding | None:
    """The reply's opt-out, if it makes one: a keyword as the whole reply, a stop sentence, or a phrase."""
    for outcome, words in (("stop", _STOP), ("start", _START), ("help", _HELP)):
        if key in words:
            return Understanding(outcome, reason=f"{outcome} keyword {words[key]!r}")
    for sentence in filter(None, map(match_key, _SENTENCES.split(raw))):
        found, other = _scan(sentence, _STOP_SENTENCE, _STOP_SENTENCE_LONGEST)
        if not other and (said := [w for label, w in found if label == "stop"]):
            return Understanding("stop", reason=f"{said[0]!r} as a sentence of its own")
        tokens = sentence.split()
        for phrase, word in _OPT_OUT.items():
            if not _has(sentence, phrase):
                continue
            size, words = len(phrase.split()), phrase.split()
            starts = [i for i in range(len(tokens) - size + 1) if tokens[i : i + size] == words]
            if any(not _preceded_by(tokens, i, _NOT_OPTING_OUT) for i in starts):
                return Understanding("stop", reason=f"opt-out phrase {word!r}")
    return None


def _yes_no(raw: str, key: str) -> Understanding:
    if asked := question(raw):
        return Understanding("unknown", reason=asked)
    found, other = _scan(key)
    said = {label: [w for lab, w in found if lab == label] for label in ("yes", "no", "doubt")}
    numbers = [w for w in other if any(c.isdigit() for c in w) or w in _NUMBER_WORDS]
    # Chinese words are mostly two characters long, so a run of unknown characters counts as half as many words.
    unknown = sum(-(-len(w) // 2) if is_cjk(w) else 1 for w in other)
    yes, no = said["yes"][:1], said["no"][:1]
    kind = "phrase" if " " in (yes + no + [""])[0] else "word"
    if said["doubt"]:
        return Understanding("unknown", reason=f"doubtful {said['doubt'][0]!r}")
    if numbers:
        return Understanding("unknown", reason=f"mentions {numbers[0]!r}, perhaps another time")
    if yes and no:
        return Understanding("unknown", reason=f"both yes ({yes[0]!r}) and no ({no[0]!r})")
    for outcome, words, most in (("yes", yes, MAX_YES_OTHER), ("no", no, MAX_NO_OTHER)):
        if words and unknown > most:
            return Understanding("unknown", reason=f"{outcome} ({words[0]!r}) among {unknown} unknown words")
        if words:
            return Understanding(outcome, reason=f"matched {outcome} {kind} {words[0]!r}")
    return Understanding("unknown", reason="no yes or no word")


def _choice(key: str, options: Sequence[str]) -> Understanding:
    tokens = [t for t in key.split() if t not in _CHOICE_FILLER]
    if len(tokens) == 2 and tokens[1] == "one":  # "the second one"
        tokens = tokens[:1]
    said, keys = " ".join(tokens), [match_key(o) for o in options]

    def pick(i: int, why: str) -> Understanding:
        return Understanding(str(i + 1), options[i], why)

    if keys.count(said) == 1:
        return pick(keys.index(said), f"matched option {options[keys.index(said)]!r}")
    # Before the doubt check: Greek τρίτη is both "third" and "Tuesday".
    if len(tokens) == 1 and ((tokens[0].isascii() and tokens[0].isdigit()) or tokens[0] in _ORDINALS):
        n = int(tokens[0]) if tokens[0].isdigit() else _ORDINALS[tokens[0]]
        if 1 <= n <= len(options):
            return pick(n - 1, f"option number {n}")
        return Understanding("unknown", reason=f"there is no option {n}")
    if any(label in ("no", "doubt") for label, _ in _scan(said)[0]):
        return Understanding("unknown", reason="negated or doubtful")
    starts = [i for i, k in enumerate(keys) if len(said) >= 3 and " " not in said and k.startswith(said)]
    inside = [i for i, k in enumerate(keys) if k and _has(said, k)]
    for hits, why in ((starts, "begins option"), (inside, "mentions option")):
        if len(hits) == 1:
            return pick(hits[0], f"{why} {options[hits[0]]!r}")
    return Understanding("unknown", reason="ambiguous choice" if starts or inside else "no option matched")


def _keywords(key: str, groups: Mapping[str, Sequence[str]]) -> Understanding:
    tokens, hits = key.split(), dict[str, str]()
    for group, words in groups.items():
        for kw in filter(None, map(match_key, words)):
            size = len(kw.split())
            for i in range(len(tokens) - size + 1):
                if tokens[i : i + size] == kw.split() and not _preceded_by(tokens, i, _NEGATORS):
                    hits.setdefault(group, kw)
    if len(hits) == 1:
        ((group, kw),) = hits.items()
        return Understanding(group, reason=f"matched {group} keyword {kw!r}")
    return Understanding("unknown", reason=f"matched {' and '.join(hits)}" if hits else "no keyword matched")


def classify(
    text: str,
    expect: str,
    *,
    options: Sequence[str] = (),
    keywords: Mapping[str, Sequence[str]] | None = None,
    text_kind: str = "free",
) -> Understanding:
    """What a reply means for a step expecting yes_no, choice, keywords or text; opt-out and help come first."""
    if expect not in EXPECTS:
        raise ValueError(f"unknown expect {expect!r}; expected yes_no, choice, keywords or text")
    if expect == "text" and text_kind not in TEXT_KINDS:
        raise ValueError(f"unknown text kind {text_kind!r}; expected {', '.join(TEXT_KINDS)}")
    raw, key = text.strip(), match_key(text)
    if not raw:
        return Understanding("unknown", reason="empty reply")
    if opted := _opt_out(raw, key):
        return opted
    if expect == "yes_no":
        return _yes_no(raw, key)
    if expect == "choice":
        return _choice(key, options)
    if expect == "keywords":
        return _keywords(key, keywords or {})
    value, why = read_text(raw, text_kind)
    return Understanding("text", value, why) if value else Understanding("unknown", reason=f"expected {why}")
