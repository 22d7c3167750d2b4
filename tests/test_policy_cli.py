"""`smsflow policy check` as an admin runs it: one JSON object and exit 0, or a clear message and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.policy_cli import policy

FL = "+13055550123"


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(policy, ["check", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--category", "marketing"],
            {"decision": "send", "until": None, "window": "08:00-20:00 America/New_York"},
            id="issue-example-sends-inside-florida-hours",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-29T01:30:00Z", "--category", "marketing"],
            {"decision": "defer", "until": "2026-11-29T13:00:00Z", "window": "08:00-20:00 America/New_York"},
            id="florida-after-8pm-defers-to-8am",
        ),
        pytest.param(
            ["--phone", "(305) 555-0123", "--at", "2026-11-28T20:30:00-05:00", "--category", "transactional"],
            {"decision": "send", "until": None, "window": "08:00-21:00 America/New_York"},
            id="national-number-and-offset-accepted",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--category", "marketing", "--not-opted-in"],
            {"decision": "drop", "until": None, "window": None},
            id="marketing-without-opt-in-drops",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--category", "transactional", "--opted-out"],
            {"decision": "drop", "until": None, "window": None},
            id="opted-out-drops",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T12:30:00Z", "--category", "marketing", "--time-zone", "Asia/Tokyo"],
            {"decision": "defer", "until": "2026-11-28T23:00:00Z", "window": "08:00-20:00 Asia/Tokyo"},
            id="record-time-zone-used",
        ),
        pytest.param(
            [
                "--phone",
                FL,
                "--at",
                "2026-11-28T19:30:00Z",
                "--category",
                "marketing",
                "--per-day",
                "1",
                "--sent",
                "2026-11-28T15:00:00Z",
            ],
            {"decision": "defer", "until": "2026-11-29T15:00:00Z", "window": "08:00-20:00 America/New_York"},
            id="cap-defers-until-window-frees",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T12:30:00Z", "--category", "marketing", "--quiet-hours", "09:00-17:00"],
            {"decision": "defer", "until": "2026-11-28T14:00:00Z", "window": "09:00-17:00 America/New_York"},
            id="flow-window-applies",
        ),
    ],
)
def test_check_prints_one_json_object(args: list[str], expected: dict[str, object]) -> None:
    code, output = check(*args)
    assert code == 0, output
    decision = json.loads(output)
    assert set(decision) == {"decision", "until", "reason", "window"} and decision["reason"]
    assert {key: decision[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--phone", "call me", "--at", "2026-11-28T19:30:00Z"], "not a phone number", id="not-a-phone"),
        pytest.param(["--phone", "+1202", "--at", "2026-11-28T19:30:00Z"], "too short", id="too-short"),
        pytest.param(["--phone", FL, "--at", "tomorrow"], "is not a time like", id="bad-time"),
        pytest.param(["--phone", FL, "--at", "2026-11-28T19:30:00"], "has no offset", id="time-without-offset"),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--quiet-hours", "9 to 5"],
            "is not a window",
            id="bad-window",
        ),
        pytest.param(["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--sent", "yesterday"], "--sent", id="bad-sent"),
    ],
)
def test_bad_input_exits_2_with_a_message(args: list[str], message: str) -> None:
    code, output = check(*args, "--category", "marketing")
    assert code == 2
    assert message in output and "Traceback" not in output


def test_overrides_file_changes_the_state_rule(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("states:\n  FL: {enabled: false}\n", encoding="utf-8")
    code, output = check(
        "--phone", FL, "--at", "2026-11-29T01:30:00Z", "--category", "marketing", "--overrides", str(overrides)
    )
    assert code == 0 and json.loads(output)["decision"] == "send"


def test_a_broken_overrides_file_exits_2(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("states:\n  FL: {window: soon}\n", encoding="utf-8")
    code, output = check(
        "--phone", FL, "--at", "2026-11-29T01:30:00Z", "--category", "marketing", "--overrides", str(overrides)
    )
    assert code == 2 and "--overrides" in output
