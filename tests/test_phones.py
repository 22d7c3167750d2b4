import re

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.phones import (
    InvalidPhone,
    is_mobile_capable,
    mask,
    mask_in_text,
    national_format,
    region_of,
    time_zones,
    to_e164,
    try_e164,
)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        pytest.param("(415) 555-0188", "US", "+14155550188", id="us-national-with-punctuation"),
        pytest.param("1 (415) 555-0188", "US", "+14155550188", id="us-national-with-trunk-1"),
        pytest.param("  +1.415.555.0123 ", "US", "+14155550123", id="spaces-and-dots-ignored"),
        pytest.param("+44 20 7946 0000", "US", "+442079460000", id="plus-number-ignores-default-region"),
        pytest.param("020 7946 0000", "GB", "+442079460000", id="gb-national-with-trunk-0"),
        pytest.param("020 7946 0000", "gb", "+442079460000", id="region-is-case-insensitive"),
        pytest.param("0044 20 7946 0000", "GB", "+442079460000", id="gb-international-prefix-00"),
        pytest.param("011 44 20 7946 0000", "US", "+442079460000", id="us-international-prefix-011"),
        pytest.param("+1 415 555 0123", "US", "+14155550123", id="fictional-us-555-01xx-accepted"),
        pytest.param("+1 202 555 0143", "GB", "+12025550143", id="fictional-dc-555-01xx-accepted"),
        pytest.param("+44 7700 900123", "US", "+447700900123", id="ofcom-drama-mobile-accepted"),
        pytest.param("07700 900123", "GB", "+447700900123", id="ofcom-drama-mobile-national-accepted"),
        pytest.param("01632 960123", "GB", "+441632960123", id="ofcom-drama-geographic-accepted"),
        pytest.param("+15005550006", "US", "+15005550006", id="twilio-magic-from-number-accepted"),
        pytest.param("+49 151 23456789", "US", "+4915123456789", id="german-mobile"),
    ],
)
def test_to_e164_accepts(raw: str, region: str, e164: str) -> None:
    assert to_e164(raw, region) == e164
    assert try_e164(raw, region) == e164


NOT_VALID = "not a valid number for region"


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        pytest.param("", "US", "empty", id="empty-is-refused"),
        pytest.param("   ", "US", "empty", id="blank-is-refused"),
        pytest.param("abc", "US", "not a number", id="letters-only-is-not-a-number"),
        pytest.param("n/a", "US", "not a number", id="placeholder-is-not-a-number"),
        pytest.param("+", "US", "not a number", id="lone-plus-is-not-a-number"),
        pytest.param("1-800-FLOWERS", "US", "contains letters", id="vanity-number-refused"),
        pytest.param("415 555 0188 call after 5", "US", "contains letters", id="note-after-number-refused"),
        pytest.param("415 555 0188 ext 12", "US", "has an extension", id="extension-refused"),
        pytest.param("12", "US", "too short for US", id="two-digits-too-short"),
        pytest.param("555-0188", "US", "too short for US", id="us-number-without-area-code-too-short"),
        pytest.param("+44 20 7946 00", "GB", "too short for GB", id="gb-number-too-short"),
        pytest.param("020 7946 00", "GB", f"{NOT_VALID} GB", id="gb-national-short-is-invalid"),
        pytest.param("+1 415 555 01889", "US", "too long for US", id="us-number-too-long"),
        pytest.param("1" * 300, "US", "too long", id="absurdly-long-input-too-long"),
        pytest.param("+1 123 555 0188", "US", f"{NOT_VALID} US", id="us-area-code-1xx-invalid"),
        pytest.param("+44 7700 901123", "GB", f"{NOT_VALID} GB", id="just-outside-ofcom-drama-range-invalid"),
        pytest.param("+999 1234 5678", "US", "unknown country code", id="unknown-country-code"),
        pytest.param(
            "(415) 555-0188",
            "XX",
            "no country code, and 'XX' is not a known region",
            id="unknown-default-region",
        ),
    ],
)
def test_to_e164_refuses_with_reason(raw: str, region: str, reason: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        to_e164(raw, region)
    assert caught.value.reason == reason
    assert caught.value.raw == raw
    assert try_e164(raw, region) is None


def test_invalid_phone_is_a_value_error_whose_message_hides_the_number() -> None:
    with pytest.raises(ValueError) as caught:
        to_e164("+1 415 555 01889")
    assert "41555501889" not in str(caught.value)
    assert str(caught.value) == "too long for US: +1415******89"


def test_try_e164_treats_none_as_missing() -> None:
    assert try_e164(None) is None


@given(st.text(max_size=40), st.sampled_from(["US", "GB", "DE", "XX", ""]))
def test_to_e164_returns_e164_or_raises_invalid_phone(raw: str, region: str) -> None:
    try:
        e164 = to_e164(raw, region)
    except InvalidPhone as exc:
        assert exc.reason
        return
    assert re.fullmatch(r"\+[1-9]\d{6,14}", e164)
    assert to_e164(e164) == e164


@pytest.mark.parametrize("region", ["US", "GB", "DE", "FR", "IN", "BR", "AU", "JP", "MX", "ZA"])
def test_example_numbers_round_trip_through_national_format(region: str) -> None:
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
        assert to_e164(national_format(e164), region) == e164
        assert region_of(e164) == region


LONDON = ("Europe/London",)


@pytest.mark.parametrize(
    ("e164", "region", "zones", "national", "mobile"),
    [
        pytest.param("+14155550123", "US", ("America/Los_Angeles",), "(415) 555-0123", True, id="us-sf"),
        pytest.param("+12025550143", "US", ("America/New_York",), "(202) 555-0143", True, id="us-dc"),
        pytest.param("+442079460000", "GB", LONDON, "020 7946 0000", False, id="gb-london-fixed-line"),
        pytest.param("+441632960123", "GB", LONDON, "01632 960123", False, id="gb-drama-fixed-line"),
        pytest.param("+4915123456789", "DE", ("Europe/Berlin",), "01512 3456789", True, id="de-mobile"),
        pytest.param("+80012345678", None, (), "1234 5678", None, id="freephone-800-has-no-region"),
    ],
)
def test_number_facts(
    e164: str, region: str | None, zones: tuple[str, ...], national: str, mobile: bool | None
) -> None:
    assert region_of(e164) == region
    assert time_zones(e164) == zones
    assert national_format(e164) == national
    assert is_mobile_capable(e164) is mobile


def test_ofcom_drama_mobile_facts() -> None:
    e164 = "+447700900123"
    assert region_of(e164) == "GB"
    assert "Europe/London" in time_zones(e164)
    assert national_format(e164) == "07700 900123"
    assert is_mobile_capable(e164) is True


@pytest.mark.parametrize("garbage", ["", "garbage", "4155550123", "+", "+999123"])
def test_facts_about_garbage_are_unknown(garbage: str) -> None:
    assert region_of(garbage) is None
    assert time_zones(garbage) == ()
    assert is_mobile_capable(garbage) is None
    with pytest.raises(InvalidPhone):
        national_format(garbage)


@given(st.from_regex(r"\+[1-9]\d{6,14}", fullmatch=True))
def test_time_zones_never_report_unknown(e164: str) -> None:
    assert "Etc/Unknown" not in time_zones(e164)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        pytest.param("+12025550143", "+1202*****43", id="us-number-keeps-prefix-and-last-two"),
        pytest.param("+442079460000", "+4420******00", id="gb-number-keeps-prefix-and-last-two"),
        pytest.param("+1 (202) 555-0143", "+1202*****43", id="formatted-e164-is-compacted"),
        pytest.param("+1234567890", "+1234****90", id="eleven-chars-hide-four"),
        pytest.param("+123456789", "***", id="too-short-to-hide-four-is-fully-masked"),
        pytest.param("(202) 555-0143", "***", id="national-number-fully-masked"),
        pytest.param("garbage", "***", id="garbage-fully-masked"),
        pytest.param("", "", id="empty-stays-empty"),
        pytest.param(None, "", id="none-is-empty"),
    ],
)
def test_mask(phone: str | None, masked: str) -> None:
    assert mask(phone) == masked


@given(st.one_of(st.text(alphabet="+0123456789 -().", max_size=25), st.text(max_size=25)))
def test_mask_never_reveals_more_than_prefix_and_last_two(phone: str) -> None:
    masked = mask(phone)
    if masked in ("", "***"):
        return
    compact = re.sub(r"[\s().-]", "", phone)
    hidden = len(compact) - 7
    assert hidden >= 4
    assert masked == compact[:5] + "*" * hidden + compact[-2:]
    assert sum(ch.isdigit() for ch in masked) <= 6


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        pytest.param("sms_sent to=+14155550123 step=2", "sms_sent to=+1415*****23 step=2", id="e164-masked"),
        pytest.param("from=+1 (202) 555-0143.", "from=+1202*****43.", id="formatted-e164-masked"),
        pytest.param("To=%2B14155550123&Body=hi", "To=%2B1415*****23&Body=hi", id="url-encoded-plus-masked"),
        pytest.param("call (415) 555-0188 today", "call (***) ***-**88 today", id="us-national-masked"),
        pytest.param("office 020 7946 0000", "office *** **** **00", id="gb-national-masked"),
        pytest.param("a=+14155550123,b=+447700900123", "a=+1415*****23,b=+4477******23", id="two-masked"),
        pytest.param('{"to": "+442079460000"}', '{"to": "+4420******00"}', id="number-in-json-masked"),
        pytest.param("to+14155550123abc", "to+1415*****23abc", id="plus-number-glued-to-words-masked"),
        pytest.param("epoch 1732370712", "epoch ********12", id="bare-long-number-masked-to-be-safe"),
        pytest.param("n=" + "1" * 30, "n=" + "*" * 28 + "11", id="run-too-long-for-a-number-masked"),
        pytest.param("4155550123 " * 3, "********** ********** ********23 ", id="spaced-numbers-all-masked"),
    ],
)
def test_mask_in_text_masks(line: str, masked: str) -> None:
    assert mask_in_text(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("at 2026-11-23T14:05:12.123Z ok", id="iso-timestamp-kept"),
        pytest.param("2026-11-23 14:05:12,123 INFO", id="log-timestamp-kept"),
        pytest.param("sid=SM0123456789abcdef0123456789abcdef", id="twilio-sid-kept"),
        pytest.param("run=3f2a1b4c-1234-5678-9abc-def012345678", id="uuid-kept"),
        pytest.param("record=0035g00000AbCdEfGHI", id="salesforce-id-kept"),
        pytest.param("peer 192.168.100.200:5000", id="ipv4-kept"),
        pytest.param("attempt 3 of 5, 123456 bytes", id="numbers-under-7-digits-kept"),
    ],
)
def test_mask_in_text_keeps(line: str) -> None:
    assert mask_in_text(line) == line


def _formats(digits: str) -> list[str]:
    area, exchange, line = digits[:3], digits[3:6], digits[6:]
    return [
        f"+1{digits}",
        f"+1 {area} {exchange} {line}",
        f"+1 ({area}) {exchange}-{line}",
        f"({area}) {exchange}-{line}",
        f"{area}-{exchange}-{line}",
        f"{area}.{exchange}.{line}",
        f"{area} {exchange} {line}",
        digits,
        f"%2B1{digits}",
    ]


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ _=:,;'\"[]{}<>/", max_size=30)
separators = st.sampled_from([" ", "=", ":", ", ", '"', "'", "[", "<", "\n", "\t"])


@given(
    st.from_regex(r"[2-9]\d{9}", fullmatch=True),
    st.integers(min_value=0, max_value=8),
    words,
    separators,
    separators,
    words,
)
def test_mask_in_text_leaves_at_most_six_digits_of_a_number(
    digits: str, fmt: int, before: str, sep1: str, sep2: str, after: str
) -> None:
    number = _formats(digits)[fmt]
    out = mask_in_text(before + sep1 + number + sep2 + after)
    shown = re.findall(r"\d", out.replace("%2B", ""))
    assert len(shown) <= 6
    assert all(len(run) <= 4 for run in re.findall(r"\d+", out.replace("%2B", "")))
    assert digits[4:8] not in out
