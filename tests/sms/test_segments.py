import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.sms.segments import GSM7_BASIC, GSM7_EXTENSION, Segments, count, is_gsm7, main_lines

CYR = "д"  # one UTF-16 unit, not GSM-7
EMOJI = "😀"  # outside the BMP: a surrogate pair
GSM_NON_ASCII = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà"


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "units", "per_segment"),
    [
        pytest.param("", "GSM-7", 0, 0, 160, id="empty-text-has-no-segments"),
        pytest.param("a" * 160, "GSM-7", 1, 160, 160, id="160-gsm-chars-fit-one-segment"),
        pytest.param("a" * 161, "GSM-7", 2, 161, 153, id="161-gsm-chars-need-two"),
        pytest.param("a" * 306, "GSM-7", 2, 306, 153, id="306-gsm-chars-fit-two-of-153"),
        pytest.param("a" * 307, "GSM-7", 3, 307, 153, id="307-gsm-chars-need-three"),
        pytest.param("€", "GSM-7", 1, 2, 160, id="euro-takes-two-septets"),
        pytest.param("\f^{}\\[~]|€", "GSM-7", 1, 20, 160, id="every-extension-char-takes-two-septets"),
        pytest.param("{" * 80, "GSM-7", 1, 160, 160, id="80-extension-chars-fill-one-segment"),
        pytest.param("a" * 159 + "€", "GSM-7", 2, 161, 153, id="extension-char-past-160-splits"),
        pytest.param("a" * 152 + "€" + "a" * 152, "GSM-7", 3, 306, 153, id="euro-at-boundary-starts-next-segment"),
        pytest.param("a" * 151 + "€" + "a" * 153, "GSM-7", 2, 306, 153, id="euro-ending-a-segment-fits"),
        pytest.param(GSM_NON_ASCII, "GSM-7", 1, 44, 160, id="gsm-accents-and-greek-are-one-septet"),
        pytest.param("It’s here", "UCS-2", 1, 9, 70, id="curly-quote-makes-ucs2"),
        pytest.param("Call now — today", "UCS-2", 1, 16, 70, id="em-dash-makes-ucs2"),
        pytest.param("ça va", "UCS-2", 1, 5, 70, id="lowercase-c-cedilla-is-not-gsm7"),
        pytest.param("a\tb", "UCS-2", 1, 3, 70, id="tab-is-not-gsm7"),
        pytest.param("€" * 70, "GSM-7", 1, 140, 160, id="70-euros-are-140-septets"),
        pytest.param("€" + CYR, "UCS-2", 1, 2, 70, id="extension-char-is-one-unit-in-ucs2"),
        pytest.param(CYR * 70, "UCS-2", 1, 70, 70, id="70-ucs2-units-fit-one-segment"),
        pytest.param(CYR * 71, "UCS-2", 2, 71, 67, id="71-ucs2-units-need-two"),
        pytest.param(CYR * 134, "UCS-2", 2, 134, 67, id="134-ucs2-units-fit-two-of-67"),
        pytest.param(CYR * 135, "UCS-2", 3, 135, 67, id="135-ucs2-units-need-three"),
        pytest.param(EMOJI, "UCS-2", 1, 2, 70, id="emoji-takes-two-units"),
        pytest.param(EMOJI * 35, "UCS-2", 1, 70, 70, id="35-emoji-fit-one-segment"),
        pytest.param(EMOJI * 36, "UCS-2", 2, 72, 67, id="36-emoji-need-two-of-33"),
        pytest.param(CYR * 66 + EMOJI + CYR * 66, "UCS-2", 3, 134, 67, id="emoji-at-boundary-is-not-split"),
        pytest.param(CYR * 65 + EMOJI + CYR * 67, "UCS-2", 2, 134, 67, id="emoji-ending-a-segment-fits"),
        pytest.param("Hi 👍", "UCS-2", 1, 5, 70, id="one-emoji-makes-whole-text-ucs2"),
        pytest.param("你好" * 35, "UCS-2", 1, 70, 70, id="cjk-70-characters-fit-one-segment"),
        pytest.param("你好" * 35 + "。", "UCS-2", 2, 71, 67, id="cjk-71-characters-need-two"),
        pytest.param("ΔΦΓΛΩΠΨΣΘΞ" * 16, "GSM-7", 1, 160, 160, id="greek-capitals-in-gsm7-stay-one-septet"),
        pytest.param("Καλημέρα", "UCS-2", 1, 8, 70, id="greek-lower-case-is-ucs2"),
    ],
)
def test_count(text: str, encoding: str, segments: int, units: int, per_segment: int) -> None:
    result = count(text)
    got = (result.encoding, result.segments, result.units, result.per_segment)
    assert got == (encoding, segments, units, per_segment)
    assert is_gsm7(text) == (encoding == "GSM-7")


@pytest.mark.parametrize(
    ("text", "non_gsm"),
    [
        pytest.param("plain [text] €5", (), id="gsm7-text-has-no-non-gsm-chars"),
        pytest.param("’Hi’ — it’s me 😀’", ("’", "—", "😀"), id="non-gsm-chars-distinct-in-order"),
        pytest.param("Zoë", ("ë",), id="umlaut-e-is-not-gsm7"),
    ],
)
def test_non_gsm_names_what_forced_ucs2(text: str, non_gsm: tuple[str, ...]) -> None:
    assert count(text).non_gsm == non_gsm


def test_segments_is_frozen() -> None:
    result = count("hi")
    assert result == Segments("GSM-7", 1, 2, 160, ())
    with pytest.raises(AttributeError):
        result.segments = 2  # type: ignore[misc]


GSM_CHARS = sorted(GSM7_BASIC | GSM7_EXTENSION)
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(GSM_CHARS),
        st.sampled_from(sorted(GSM7_EXTENSION)),
        st.sampled_from(["’", "—", "ç", CYR, EMOJI, "🏽", "\t"]),
        st.characters(),
    ),
    max_size=400,
)
gsm_texts = st.text(alphabet=st.sampled_from(GSM_CHARS), max_size=400)
# Long fillers put the tail's characters near the 160/153 and 70/67 boundaries.
near_boundaries = st.builds(
    lambda filler, n, tail: filler * n + tail,
    st.sampled_from(["a", "€", CYR, EMOJI]),
    st.integers(min_value=30, max_value=320),
    texts,
)
any_texts = st.one_of(texts, gsm_texts, near_boundaries)


@given(any_texts)
def test_segments_never_drop_as_text_grows(text: str) -> None:
    counts = [count(text[:i]).segments for i in range(len(text) + 1)]
    assert counts == sorted(counts)


@given(any_texts)
def test_gsm7_iff_every_char_is_in_the_tables(text: str) -> None:
    in_tables = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    assert is_gsm7(text) == in_tables
    assert (count(text).encoding == "GSM-7") == in_tables


@given(any_texts)
def test_units_are_septets_or_utf16_code_units(text: str) -> None:
    result = count(text)
    if result.encoding == "GSM-7":
        assert result.units == len(text) + sum(ch in GSM7_EXTENSION for ch in text)
    else:
        assert result.units == len(text.encode("utf-16-le", "surrogatepass")) // 2


@given(any_texts)
def test_segments_hold_the_units_and_waste_at_most_one_unit_each(text: str) -> None:
    result = count(text)
    if not text:
        assert result.segments == 0
        return
    assert result.units <= result.segments * result.per_segment
    assert result.units > (result.segments - 1) * (result.per_segment - 1)
    assert (
        result.per_segment
        == {
            ("GSM-7", True): 160,
            ("GSM-7", False): 153,
            ("UCS-2", True): 70,
            ("UCS-2", False): 67,
        }[(result.encoding, result.segments == 1)]
    )


@given(texts)
def test_non_gsm_lists_each_offending_char_once_in_order(text: str) -> None:
    offending = [ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION]
    assert list(count(text).non_gsm) == list(dict.fromkeys(offending))


def test_main_lines_counts_each_json_string_and_reports_bad_lines() -> None:
    lines = [
        '"Hello ’world’"\n',
        json.dumps("a" * 161) + "\n",
        "not json\n",
        "42\n",
        "\n",
        '"€"',
    ]
    assert list(main_lines(lines)) == [
        '{"encoding": "UCS-2", "segments": 1}',
        '{"encoding": "GSM-7", "segments": 2}',
        '{"error": "line 3: expected a JSON string"}',
        '{"error": "line 4: expected a JSON string"}',
        '{"error": "line 5: expected a JSON string"}',
        '{"encoding": "GSM-7", "segments": 1}',
    ]


def test_main_lines_survives_absurdly_nested_json() -> None:
    assert list(main_lines(["[" * 100_000])) == ['{"error": "line 1: expected a JSON string"}']


def test_module_runs_as_a_filter() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "connector.sms.segments"],
        input='"Hi 😀"\n"Hi"\n',
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert out.splitlines() == [
        '{"encoding": "UCS-2", "segments": 1}',
        '{"encoding": "GSM-7", "segments": 1}',
    ]
