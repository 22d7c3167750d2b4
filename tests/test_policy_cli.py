"""`smsflow policy check` as an admin runs it: one JSON object and exit 0, or a clear message and exit 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from connector.policy_cli import policy
from connector.store.uow import Store

FL = "+13055550123"


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(policy, ["check", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--category", "marketing"],
            {"decision": "send", "until": None, "window": "08:00-20:00 America/New_York", "cause": "ok"},
            id="issue-example-sends-inside-florida-hours",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-29T01:30:00Z", "--category", "marketing"],
            {
                "decision": "defer",
                "until": "2026-11-29T13:00:00Z",
                "window": "08:00-20:00 America/New_York",
                "cause": "window",
            },
            id="florida-after-8pm-defers-to-8am",
        ),
        pytest.param(
            ["--phone", "(305) 555-0123", "--at", "2026-11-28T20:30:00-05:00", "--category", "transactional"],
            {"decision": "send", "until": None, "window": "08:00-21:00 America/New_York", "cause": "ok"},
            id="national-number-and-offset-accepted",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--category", "marketing", "--not-opted-in"],
            {"decision": "drop", "until": None, "window": None, "cause": "consent"},
            id="marketing-without-opt-in-drops",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T19:30:00Z", "--category", "transactional", "--opted-out"],
            {"decision": "drop", "until": None, "window": None, "cause": "consent"},
            id="opted-out-drops",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T12:30:00Z", "--category", "marketing", "--time-zone", "Asia/Tokyo"],
            {
                "decision": "defer",
                "until": "2026-11-28T23:00:00Z",
                "window": "08:00-20:00 Asia/Tokyo",
                "cause": "window",
            },
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
            {
                "decision": "defer",
                "until": "2026-11-29T15:00:00Z",
                "window": "08:00-20:00 America/New_York",
                "cause": "cap",
            },
            id="cap-defers-until-window-frees",
        ),
        pytest.param(
            ["--phone", FL, "--at", "2026-11-28T12:30:00Z", "--category", "marketing", "--quiet-hours", "09:00-17:00"],
            {
                "decision": "defer",
                "until": "2026-11-28T14:00:00Z",
                "window": "09:00-17:00 America/New_York",
                "cause": "window",
            },
            id="flow-window-applies",
        ),
    ],
)
def test_check_prints_one_json_object(args: list[str], expected: dict[str, object]) -> None:
    code, output = check(*args)
    assert code == 0, output
    decision = json.loads(output)
    assert set(decision) == {"decision", "until", "reason", "window", "cause"} and decision["reason"]
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


def test_history_prints_a_contacts_decisions_oldest_first(store: Store, db_url: str) -> None:
    at = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    with store.unit_of_work() as uow:
        contact = uow.contacts.get_or_create(FL, now=at)
        uow.decisions.add(
            at=at,
            contact_id=contact.id,
            category="transactional",
            decision="defer",
            cause="window",
            reason="22:00 is outside the window",
            until=at + timedelta(hours=10),
            local_window="08:00-21:00 America/New_York",
            flow="booking-confirm",
        )
        uow.decisions.add(
            at=at + timedelta(hours=10),
            contact_id=contact.id,
            category="transactional",
            decision="send",
            cause="ok",
            reason="inside the window",
        )
        uow.commit()

    result = CliRunner(env={"DATABASE_URL": db_url}).invoke(policy, ["history", "--phone", "(305) 555-0123"])

    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["decision"], r["cause"], r["until"]) for r in rows] == [
        ("defer", "window", "2026-11-24T13:00:00Z"),
        ("send", "ok", None),
    ]
    assert rows[0]["window"] == "08:00-21:00 America/New_York" and rows[0]["flow"] == "booking-confirm"


def test_history_of_an_unknown_number_says_so(db_url: str) -> None:
    result = CliRunner(env={"DATABASE_URL": db_url}).invoke(policy, ["history", "--phone", FL])
    assert result.exit_code == 1 and "no contact with that number" in result.output
