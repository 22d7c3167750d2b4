"""Reply text made comparable: normalise() for reading, match_key() for looking words up in the reply tables.

    normalise("Ça marche 👍🏽!")   # "ca marche 👍"
    match_key("ΌΧΙ, ευχαριστώ")    # "οχι ευχαριστω"
    match_key("好的，谢谢")          # "好 的 谢 谢"

Chinese has no spaces, so in a key each Chinese character is a word of its own.
"""

from __future__ import annotations

import re
import unicodedata

_MEANINGFUL = frozenset("👍✅✔☑👌👎❌✖🚫")
_APOSTROPHES = re.compile("['’‘`´]")
_RUNS, _DOUBLES = re.compile(r"([^\W\d_])\1{2,}"), re.compile(r"([^\W\d_])\1+")
# Han and kana: scripts written without spaces between words.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_CJK_CHAR = re.compile(f"([{_CJK}])")
_GREEK = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")
# A Chinese "A-not-A" question: 好不好, 是不是, 可不可以, 有没有.
_A_NOT_A = re.compile(f"([{_CJK}])[不没沒]\\1")


def _fold(text: str, strip_marks_of: tuple[str, ...]) -> str:
    """Case-fold, drop marks on letters of the given scripts, and keep only letters, digits and meaningful emoji."""
    out, base = [], ""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text)).casefold())
    for ch in folded:
        if unicodedata.category(ch).startswith("M"):  # a mark: an accent on Latin, a vowel sign in Devanagari
            if base.isalpha() and not unicodedata.name(base, "").startswith(strip_marks_of):
                out.append(ch)
            continue
        base = ch
        out.append(ch if ch.isalnum() else f" {ch} " if ch in _MEANINGFUL else " ")
    return " ".join(_RUNS.sub(r"\1", unicodedata.normalize("NFC", "".join(out))).split())


def normalise(text: str) -> str:
    """Lower case, no Latin accents (other scripts intact), runs of 3+ letters as one, 👍 ✅ 👎 ❌ as words."""
    return _fold(text, ("LATIN",))


def match_key(text: str) -> str:
    """normalise() without Greek accents, doubled letters squashed ("yess"), each Chinese character a word.

    Greek is often typed without accents (and always in capitals), so ναι, ναί and ΝΑΙ must meet; casefold()
    already makes a final sigma σ. Chinese characters become words so that table phrases match inside a
    sentence with no spaces, longest first: 不好 (no) before 好 (yes).
    """
    spaced = _CJK_CHAR.sub(r" \1 ", _fold(text, ("LATIN", "GREEK")))
    return " ".join(_DOUBLES.sub(r"\1", spaced).split())


def is_cjk(word: str) -> bool:
    """Whether a word is written in Han or kana (and so has no spaces around its words)."""
    return bool(word) and _CJK_CHAR.fullmatch(word[0]) is not None


def question(text: str) -> str | None:
    """Why a reply reads as a question rather than an answer, if it does."""
    plain = unicodedata.normalize("NFKC", text)  # full-width ？ and the Greek question mark become ? and ;
    if "?" in plain or "¿" in plain:
        return "a question, not an answer"
    if ";" in plain and _GREEK.search(plain):
        return "a question (; is the Greek question mark), not an answer"
    if found := _A_NOT_A.search(plain):  # within a run of characters: "是，不是" answers, "是不是" asks
        return f"a question ({found.group(0)}), not an answer"
    return None
