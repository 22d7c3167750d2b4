"""Phone numbers: normalise CRM input to E.164, describe a number, and keep numbers out of logs.

Built on `phonenumbers` (Google's libphonenumber metadata). A few fictional ranges that the metadata calls
invalid are accepted on purpose, because demos, docs and tests use them (see `FICTIONAL`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberType, ValidationResult
from phonenumbers import timezone as pn_timezone


class InvalidPhone(ValueError):
    """A value that cannot be texted; `reason` is written for an admin ("too short for GB")."""

    def __init__(self, raw: str, reason: str) -> None:
        # The message may end up in a log, so it carries the masked number only.
        super().__init__(f"{reason}: {mask(raw)}")
        self.raw = raw
        self.reason = reason


class Fictional(NamedTuple):
    pattern: re.Pattern[str]
    region: str
    mobile: bool


# Ranges reserved for fiction that libphonenumber rejects (or may reject in a later metadata release). They
# are never assigned to anyone, so accepting them cannot text a real person.
FICTIONAL = (
    Fictional(re.compile(r"\+447700900\d{3}"), "GB", True),  # Ofcom drama: 07700 900000-900999 (mobile)
    Fictional(re.compile(r"\+441632960\d{3}"), "GB", False),  # Ofcom drama: 01632 960000-960999
    Fictional(re.compile(r"\+1[2-9]\d{2}55501\d{2}"), "US", True),  # NANPA: NXX-555-0100 to 0199
)

_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_LETTERS = re.compile(r"[^\W\d_]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_FORMATTING = re.compile(r"[\s().-]")
_SHOWN = 7  # mask() shows "+" and 4 digits in front and 2 digits at the end
_MIN_HIDDEN = 4  # and hides at least this many, else it hides everything


def _fictional(e164: str) -> Fictional | None:
    return next((f for f in FICTIONAL if f.pattern.fullmatch(e164)), None)


def _where(number: PhoneNumber) -> str:
    region = phonenumbers.region_code_for_country_code(number.country_code)
    return region if region not in ("ZZ", "001") else f"+{number.country_code}"


def _parse_error(exc: NumberParseException, text: str, default_region: str) -> str:
    kind = exc.error_type
    if kind == NumberParseException.INVALID_COUNTRY_CODE:
        if text.startswith("+") or default_region.upper() in phonenumbers.SUPPORTED_REGIONS:
            return "unknown country code"
        return f"no country code, and {default_region!r} is not a known region"
    if kind == NumberParseException.TOO_LONG:
        return "too long"
    if kind in (NumberParseException.TOO_SHORT_NSN, NumberParseException.TOO_SHORT_AFTER_IDD):
        return "too short"
    return "not a number"


_LENGTH_REASONS = {
    ValidationResult.TOO_SHORT: "too short for {}",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too short for {}",  # a local number without its area code
    ValidationResult.TOO_LONG: "too long for {}",
    ValidationResult.INVALID_LENGTH: "wrong length for {}",
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
}


def to_e164(raw: str, default_region: str = "US") -> str:
    """Normalise a number as typed in the CRM: "(415) 555-0188" -> "+14155550188".

    A number without "+" or an international prefix is read as a national number of `default_region`. Raises
    InvalidPhone for anything that cannot be texted, including numbers with an extension or letters (vanity
    numbers such as 1-800-FLOWERS are refused too: in a CRM field, letters usually mean a note, not a number).
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise InvalidPhone(raw, "empty")
    if not any(ch.isdigit() for ch in text):
        raise InvalidPhone(raw, "not a number")
    try:
        number = phonenumbers.parse(text, default_region.upper())
    except NumberParseException as exc:
        reason = "contains letters" if _LETTERS.search(text) else _parse_error(exc, text, default_region)
        raise InvalidPhone(raw, reason) from None
    if number.extension:
        raise InvalidPhone(raw, "has an extension")
    if _LETTERS.search(text):
        raise InvalidPhone(raw, "contains letters")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if _fictional(e164):
        return e164
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in _LENGTH_REASONS:
        raise InvalidPhone(raw, _LENGTH_REASONS[possible].format(_where(number)))
    if not phonenumbers.is_valid_number(number):
        where = _where(number)
        raise InvalidPhone(raw, f"not a valid number for {'' if where.startswith('+') else 'region '}{where}")
    return e164


def try_e164(raw: str | None, default_region: str = "US") -> str | None:
    """Like to_e164, but None for a missing or invalid number."""
    if raw is None:
        return None
    try:
        return to_e164(raw, default_region)
    except InvalidPhone:
        return None


def _parse(e164: str) -> PhoneNumber | None:
    if not isinstance(e164, str) or not e164.startswith("+"):
        return None
    try:
        return phonenumbers.parse(e164, None)
    except NumberParseException:
        return None


def region_of(e164: str) -> str | None:
    """The ISO region of a number ("US", "GB"); None when unknown or not tied to a region (+800)."""
    fictional = _fictional(e164)
    if fictional:
        return fictional.region
    number = _parse(e164)
    region = phonenumbers.region_code_for_number(number) if number else None
    return region if region not in (None, "ZZ", "001") else None


def time_zones(e164: str) -> tuple[str, ...]:
    """IANA time zones the number may be in; empty when unknown. Non-geographic numbers may list many."""
    number = _parse(e164)
    if number is None:
        return ()
    if _fictional(e164):
        zones = pn_timezone.time_zones_for_geographical_number(number)
    else:
        zones = pn_timezone.time_zones_for_number(number)
    return tuple(zone for zone in zones if zone != pn_timezone.UNKNOWN_TIMEZONE)


def national_format(e164: str) -> str:
    """The number as written at home, for templates: "+442079460000" -> "020 7946 0000"."""
    number = _parse(e164)
    if number is None:
        raise InvalidPhone(e164, "not an E.164 number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def display_format(e164: str, reader_region: str | None) -> str:
    """The number as the reader should dial it: national at home, international from abroad."""
    number = _parse(e164)
    if number is None:
        raise InvalidPhone(e164, "not an E.164 number")
    same = reader_region is not None and region_of(e164) == reader_region
    style = phonenumbers.PhoneNumberFormat.NATIONAL if same else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def is_mobile_capable(e164: str) -> bool | None:
    """False for a fixed-line-only number, True for mobile or fixed-line-or-mobile, None when unknown.

    From numbering-plan metadata, not a carrier lookup: every NANP (+1) number is fixed-line-or-mobile (True).
    """
    fictional = _fictional(e164)
    if fictional:
        return fictional.mobile
    number = _parse(e164)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    kind = phonenumbers.number_type(number)
    if kind in _MOBILE_TYPES:
        return True
    if kind == PhoneNumberType.FIXED_LINE:
        return False
    return None


def mask(phone: str | None) -> str:
    """Mask a number for logs: "+12025550143" -> "+1202*****43".

    Shows "+" and the next 4 digits and the last 2; anything that is not an E.164 number, or too short to hide
    at least 4 digits, becomes "***". None and "" become "".
    """
    if not phone:
        return ""
    if not isinstance(phone, str):
        return "***"
    compact = _FORMATTING.sub("", phone)
    if not _E164.fullmatch(compact) or not compact.isascii() or len(compact) - _SHOWN < _MIN_HIDDEN:
        return "***"
    return compact[:5] + "*" * (len(compact) - _SHOWN) + compact[-2:]


# Left to right, the first alternative that matches wins: things that merely look numeric are kept; what is
# left is a phone candidate, masked when it has 7+ digits. Repeats are bounded so hostile lines stay fast.
_SCAN = re.compile(
    r"""
    (?P<keep>
        \d{4}-\d{2}-\d{2} (?:[T ]\d{2}:\d{2} (?::\d{2} (?:[.,]\d+)? )? )? (?!\d)   # ISO date and time
      | \d{1,2}:\d{2} (?::\d{2})? (?:[.,]\d+)? (?!\d)                        # clock time
      | \d{1,3} (?:\.\d{1,3}){3} (?![\d.])                                    # IPv4
      | [0-9A-Fa-f]{8} (?:-[0-9A-Fa-f]{4}){3} -[0-9A-Fa-f]{12}                # UUID
      | (?<!\w) \w*[^\W\d]\w*                                                # word or id with letters (SIDs)
    )
  | (?P<phone>
        (?:\+|%2[Bb]) \d[\d\s().-]{5,40}\d                                     # +1 415..., %2B1415...
      | (?<!\w) \d{16,}                                                       # too long for one number
      | (?<![\w+]) \(?\d[\d\s().-]{5,40}\d (?!\w)                              # (415) 555-0188, 020 7946 0000
    )
    """,
    re.VERBOSE,
)
_MIN_DIGITS = 7


def _mask_match(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if match.group("keep") is not None or digits < _MIN_DIGITS:
        return text
    if text[0] == "%":  # URL-encoded "+", as in a logged form body
        masked = mask("+" + text[3:])
        return "%2B" + masked[1:] if masked.startswith("+") else masked
    if text[0] == "+":
        return mask(text)
    seen = 0
    out = []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 2 else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_in_text(text: str) -> str:
    """Mask every phone-number-looking run (7+ digits, "+" or national) in a log line.

    "+" numbers become mask()'s form; national ones keep punctuation and the last 2 digits: "(***) ***-**88".
    Errs on the side of masking: a bare 7+ digit count or epoch timestamp is masked too.
    """
    return _SCAN.sub(_mask_match, text)
