"""Understand a contact's reply: deterministic, explainable, and driven by word tables that are easy to extend.

    confirm:
      send: "Reply YES to confirm Tuesday 3pm, or NO to cancel."
      expect: yes_no        # or {choice: [Morning, Afternoon]}, {keywords: {callback: [call me]}}, {text: date}

Whatever a step expects, a reply is first checked for carrier keywords: Twilio's opt-out words as the whole message
(STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE, plus PARA, BAJA, ARRÊT, STOPP...; any case, any
punctuation) are "stop", START/UNSTOP "start", HELP/INFO (AYUDA...) "help"; clear opt-out phrases anywhere ("please
stop texting me", "remove me from your list", "darme de baja") are "stop" too, as US rules honour an opt-out made by
any reasonable means. A bare "cancel" is "stop" even in a booking dialog: Twilio itself blocks the number on CANCEL,
so the run must end as well; "cancel my booking" is no bare keyword, and answers a yes_no question "no". "Don't stop"
and "stop by tomorrow?" are not opt-outs.

yes_no: a false "yes" is the worst mistake, so in doubt the answer is "unknown": a question mark, a doubtful word
(maybe, not sure, instead, can we, if, tomorrow...), a number (likely another time), both yes and no words ("yes I
can't"), or a yes among more than two words the tables don't know. Words match after normalise(), with doubled
letters squashed too ("yess"), longest phrase first, so "no problem" is yes and "not sure" is doubt.
choice: "2", "#2", "option 2", "two", "the second one", the option's text, or a unique prefix of 3+ letters.
keywords: the one group whose keyword appears as whole words; two groups, or only negated keywords, is unknown.
text: free (trimmed, cut at 1000 characters), number (exactly one; "1,234" is 1234, "3,5" is 3.5), email (exactly
one), date, address (5..200 characters with a number and a word). A date is ISO or d/m/y with its year (the engine
has no clock to guess one); 03/04/2025 is unknown, not guessed, but 25/12/2025 and 12/25/2025 are read as the
numbers decide, and 25/12/25 is in 2025.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from connector.engine.reply_words import (
    CHOICE_FILLER,
    DOUBT,
    FILLER,
    HELP_WORDS,
    NEGATORS,
    NO,
    OPT_OUT_PHRASES,
    ORDINALS,
    START_WORDS,
    STOP_WORDS,
    YES,
)

# A yes may carry at most this many words outside all tables, a no more: a wrong no costs less.
MAX_YES_OTHER, MAX_NO_OTHER = 2, 6
_MEANINGFUL = frozenset("👍✅✔☑👌👎❌✖🚫")
_APOSTROPHES = re.compile("['’‘`´]")
_RUNS, _DOUBLES = re.compile(r"([^\W\d_])\1{2,}"), re.compile(r"([^\W\d_])\1+")


@dataclass(frozen=True)
class Understanding:
    """What a reply means for the step: an outcome for `next:`, a value (choice or text), and why."""

    outcome: str
    value: str | None = None
    reason: str = ""


def normalise(text: str) -> str:
    """Lower case, no Latin accents (other scripts intact), runs of 3+ letters as one, 👍 ✅ 👎 ❌ as words."""
    out, base = [], ""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text)).casefold())
    for ch in folded:
        if unicodedata.category(ch).startswith("M"):  # a mark: keep it on Greek, Devanagari..., drop it on Latin
            if base.isalpha() and not unicodedata.name(base, "").startswith("LATIN"):
                out.append(ch)
            continue
        base = ch
        out.append(ch if ch.isalnum() else f" {ch} " if ch in _MEANINGFUL else " ")
    return " ".join(_RUNS.sub(r"\1", unicodedata.normalize("NFC", "".join(out))).split())


def _key(text: str) -> str:
    """normalise() with doubled letters squashed too, so "yess" and "noo" meet "yes" and "no"."""
    return _DOUBLES.sub(r"\1", normalise(text))


def _entries(*tables: str) -> dict[str, str]:
    """Each table entry by its key; the first spelling wins, so reasons quote the plainest form."""
    return {k: w for k, w in reversed([(_key(w), w.strip()) for t in tables for w in t.split(",") if _key(w)])}


def _lexicon(**labelled: Mapping[str, str] | str) -> dict[str, tuple[str, str]]:
    lexicon: dict[str, tuple[str, str]] = {}
    for label, table in labelled.items():
        for key, word in _entries(*([table] if isinstance(table, str) else table.values())).items():
            if lexicon.setdefault(key, (label, word))[0] != label:
                raise ValueError(f"{word!r} is both {lexicon[key][0]} and {label} in the reply tables")
    return lexicon


_LEXICON = _lexicon(yes=YES, no=NO, doubt=DOUBT, filler=FILLER)
_LONGEST = max(len(k.split()) for k in _LEXICON)
_STOP, _START, _HELP = (_entries(t) for t in (STOP_WORDS, START_WORDS, HELP_WORDS))
_OPT_OUT = _entries(*OPT_OUT_PHRASES.values())
_CHOICE_FILLER, _NEGATORS = set(_entries(CHOICE_FILLER)), set(_entries(NEGATORS))
_ORDINALS = {k: n for n, table in ORDINALS.items() for k in _entries(table)}


def _has(key: str, phrase: str) -> bool:
    return f" {phrase} " in f" {key} "


def _scan(key: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Left to right, longest phrase first: the (label, phrase) of each table phrase, and the other words."""
    tokens, found, other, i = key.split(), [], [], 0
    while i < len(tokens):
        for size in range(min(_LONGEST, len(tokens) - i), 0, -1):
            if hit := _LEXICON.get(" ".join(tokens[i : i + size])):
                found.append(hit)
                i += size
                break
        else:
            other.append(tokens[i])
            i += 1
    return found, other


def _yes_no(raw: str, key: str) -> Understanding:
    if "?" in raw or "¿" in raw:
        return Understanding("unknown", reason="a question, not an answer")
    found, other = _scan(key)
    said = {label: [w for lab, w in found if lab == label] for label in ("yes", "no", "doubt")}
    numbers = [w for w in other if any(c.isdigit() for c in w)]
    yes, no = said["yes"][:1], said["no"][:1]
    kind = "phrase" if " " in (yes + no + [""])[0] else "word"
    if said["doubt"]:
        return Understanding("unknown", reason=f"doubtful {said['doubt'][0]!r}")
    if numbers:
        return Understanding("unknown", reason=f"mentions {numbers[0]!r}, perhaps another time")
    if yes and no:
        return Understanding("unknown", reason=f"both yes ({yes[0]!r}) and no ({no[0]!r})")
    for outcome, words, most in (("yes", yes, MAX_YES_OTHER), ("no", no, MAX_NO_OTHER)):
        if words and len(other) > most:
            return Understanding("unknown", reason=f"{outcome} ({words[0]!r}) among {len(other)} unknown words")
        if words:
            return Understanding(outcome, reason=f"matched {outcome} {kind} {words[0]!r}")
    return Understanding("unknown", reason="no yes or no word")


def _choice(key: str, options: Sequence[str]) -> Understanding:
    tokens = [t for t in key.split() if t not in _CHOICE_FILLER]
    if len(tokens) == 2 and tokens[1] == _key("one"):  # "the second one"
        tokens = tokens[:1]
    said, keys = " ".join(tokens), [_key(o) for o in options]

    def pick(i: int, why: str) -> Understanding:
        return Understanding(str(i + 1), options[i], why)

    if keys.count(said) == 1:
        return pick(keys.index(said), f"matched option {options[keys.index(said)]!r}")
    if any(label in ("no", "doubt") for label, _ in _scan(said)[0]):
        return Understanding("unknown", reason="negated or doubtful")
    if len(tokens) == 1 and ((tokens[0].isascii() and tokens[0].isdigit()) or tokens[0] in _ORDINALS):
        n = int(tokens[0]) if tokens[0].isdigit() else _ORDINALS[tokens[0]]
        if 1 <= n <= len(options):
            return pick(n - 1, f"option number {n}")
        return Understanding("unknown", reason=f"there is no option {n}")
    starts = [i for i, k in enumerate(keys) if len(said) >= 3 and " " not in said and k.startswith(said)]
    inside = [i for i, k in enumerate(keys) if k and _has(said, k)]
    for hits, why in ((starts, "begins option"), (inside, "mentions option")):
        if len(hits) == 1:
            return pick(hits[0], f"{why} {options[hits[0]]!r}")
    return Understanding("unknown", reason="ambiguous choice" if starts or inside else "no option matched")


def _keywords(key: str, groups: Mapping[str, Sequence[str]]) -> Understanding:
    tokens, hits = key.split(), dict[str, str]()
    for group, words in groups.items():
        for kw in filter(None, map(_key, words)):
            size = len(kw.split())
            for i in range(len(tokens) - size + 1):
                negated = i and (tokens[i - 1] in _NEGATORS or " ".join(tokens[max(0, i - 2) : i]) in _NEGATORS)
                if tokens[i : i + size] == kw.split() and not negated:
                    hits.setdefault(group, kw)
    if len(hits) == 1:
        ((group, kw),) = hits.items()
        return Understanding(group, reason=f"matched {group} keyword {kw!r}")
    return Understanding("unknown", reason=f"matched {' and '.join(hits)}" if hits else "no keyword matched")


_NUMBER = re.compile(r"(?<![\d.,])-?\d[\d.,]*(?<=\d)")
_NUMBER_FORMS = (
    (re.compile(r"-?\d+(\.\d+)?"), ""),
    (re.compile(r"-?\d+,\d{1,2}"), ","),
    (re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?"), "thousands"),
)
_EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_DATE = re.compile(r"\b(\d{4})[-/.](\d\d?)[-/.](\d\d?)\b|\b(\d\d?)[-/.](\d\d?)[-/.](\d{4}|\d\d)\b")


def _number(raw: str) -> str | None:
    found = _NUMBER.findall(raw)
    for pattern, form in _NUMBER_FORMS:
        if len(found) == 1 and pattern.fullmatch(found[0]):
            text = found[0].replace(",", "" if form == "thousands" else ".")
            return str(Decimal(text))
    return None


def _date(raw: str) -> tuple[date | None, str]:
    found: set[tuple[int, int, int]] = set()
    for match in _DATE.findall(raw):
        y, m, d, a, b, c = (int(x) if x else 0 for x in match)
        if y:  # ISO 2025-12-25
            found.add((y, m, d))
        elif a <= 12 and b <= 12 and a != b:
            return None, f"an unambiguous date: {a}/{b} could be day/month or month/day"
        else:  # the number above 12 is the day, whichever way round: 25/12/2025 or 12/25/2025
            found.add((c + 2000 if c < 100 else c, min(a, b), max(a, b)))
    if len(found) != 1:
        return None, "one date with its year" if not found else "one date, not several"
    try:
        return date(*found.pop()), "one date"
    except ValueError:
        return None, "a real date"


def _text(raw: str, kind: str) -> Understanding:
    value: str | None
    if kind == "free":
        value, why = raw[:1000], "free text"
    elif kind == "number":
        value, why = _number(raw), "one number"
    elif kind == "email":
        emails = {e.rsplit("@", 1)[0] + "@" + e.rsplit("@", 1)[1].lower() for e in _EMAIL.findall(raw)}
        value, why = (emails.pop() if len(emails) == 1 else None), "one email address"
    elif kind == "date":
        when, why = _date(raw)
        value = when.isoformat() if when else None
    elif kind == "address":
        fits = 5 <= len(raw) <= 200 and re.search(r"\d", raw) and re.search(r"[^\W\d_]{2,}", raw)
        value, why = (raw if fits else None), "an address: 5 to 200 characters with a number and a word"
    else:
        raise ValueError(f"unknown text kind {kind!r}; expected free, number, email, date or address")
    return Understanding("text", value, why) if value else Understanding("unknown", reason=f"expected {why}")


def classify(
    text: str,
    expect: str,
    *,
    options: Sequence[str] = (),
    keywords: Mapping[str, Sequence[str]] | None = None,
    text_kind: str = "free",
) -> Understanding:
    """What a reply means for a step expecting yes_no, choice, keywords or text; opt-out and help come first."""
    raw, key = text.strip(), _key(text)
    if not raw:
        return Understanding("unknown", reason="empty reply")
    for outcome, words in (("stop", _STOP), ("start", _START), ("help", _HELP)):
        if key in words:
            return Understanding(outcome, reason=f"{outcome} keyword {words[key]!r}")
    for phrase, word in _OPT_OUT.items():
        if _has(key, phrase):
            return Understanding("stop", reason=f"opt-out phrase {word!r}")
    if expect == "yes_no":
        return _yes_no(raw, key)
    if expect == "choice":
        return _choice(key, options)
    if expect == "keywords":
        return _keywords(key, keywords or {})
    if expect == "text":
        return _text(raw, text_kind)
    raise ValueError(f"unknown expect {expect!r}; expected yes_no, choice, keywords or text")
