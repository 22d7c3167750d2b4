"""SMS encoding and segment counting, as GSM 03.38 (3GPP TS 23.038) and Twilio count them.

A text that uses only the GSM-7 default alphabet and its extension table is sent as GSM-7: 160 septets in
one segment, 153 per segment once split (the other 7 carry the concatenation header). Any other character
makes the whole text UCS-2: 70 UTF-16 code units in one segment, 67 per segment once split. Nothing is
transliterated here; `non_gsm` names the characters that forced UCS-2, so an admin can be warned about a
stray ’ or —.

    >>> count("Hi Ana, see you at 3pm?")
    Segments(encoding='GSM-7', segments=1, units=23, per_segment=160, non_gsm=())
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 section 6.2.1, default alphabet in code order 0x00-0x7F; 0x1B (escape) is not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Section 6.2.1.1, default extension table: each is sent as escape (0x1B) + code, so it takes two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class Segments:
    """How a text will be sent: its encoding, how many segments, and why it is UCS-2 if it is."""

    encoding: Encoding
    segments: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    per_segment: int  # 160/153 or 70/67: the limit that applied
    non_gsm: tuple[str, ...]  # distinct characters that forced UCS-2, in order of appearance


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM-7 default alphabet or its extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def _gsm7_units(ch: str) -> int:
    return 2 if ch in GSM7_EXTENSION else 1


def _ucs2_units(ch: str) -> int:
    # A character outside the Basic Multilingual Plane is a UTF-16 surrogate pair.
    return 2 if ord(ch) > 0xFFFF else 1


def _pack(sizes: list[int], single: int, multi: int) -> tuple[int, int]:
    """Return (segments, per_segment) for characters of the given sizes.

    A character's units are never split across two segments (an escape + char pair, a surrogate pair), so
    packing is greedy: a character that does not fit in the rest of a segment starts the next one.
    """
    total = sum(sizes)
    if total == 0:
        return 0, single
    if total <= single:
        return 1, single
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return segments, multi


def count(text: str) -> Segments:
    """Count the segments Twilio will bill for `text`.

    An empty text has 0 segments: Twilio refuses an empty body (error 21602), so there is nothing to bill.
    """
    non_gsm = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    if non_gsm:
        encoding: Encoding = "UCS-2"
        sizes = [_ucs2_units(ch) for ch in text]
        segments, per_segment = _pack(sizes, UCS2_SINGLE, UCS2_MULTI)
    else:
        encoding = "GSM-7"
        sizes = [_gsm7_units(ch) for ch in text]
        segments, per_segment = _pack(sizes, GSM7_SINGLE, GSM7_MULTI)
    return Segments(encoding, segments, sum(sizes), per_segment, non_gsm)


def main_lines(lines: Iterable[str]) -> Iterator[str]:
    """Count each line's text; every input line is one JSON string and gives one JSON object line.

        in:  "Hello ’world’"
        out: {"encoding": "UCS-2", "segments": 1}

    A line that is not a JSON string (blank lines included, so output lines match input lines one to one)
    gives `{"error": "line N: expected a JSON string"}` and the rest still run.
    """
    for number, line in enumerate(lines, start=1):
        try:
            text = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            text = None
        if not isinstance(text, str):
            yield json.dumps({"error": f"line {number}: expected a JSON string"})
            continue
        result = count(text)
        yield json.dumps({"encoding": result.encoding, "segments": result.segments})


if __name__ == "__main__":
    sys.stdout.writelines(out + "\n" for out in main_lines(sys.stdin))
