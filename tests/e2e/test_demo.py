"""End to end: `smsflow demo` plays its whole scenario through the real clients and both emulators, counts the same
on every run, and leaves every text, reply and receipt as an activity on its record in the emulated org.

One run happens in-process (so the tests can look inside the org and the handsets afterwards), one as the
README's command in a subprocess; their summaries must be equal. Real time runs here, with the demo's clock
jumping over the quiet stretches; no assertion is about how long anything took.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from connector.demo.run import Demo, Result, open_demo
from connector.demo.scenario import START, Person
from connector.sandbox.twilio.store import Filters

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = (
    "texts_sent",
    "texts_delivered",
    "replies",
    "replies_understood",
    "tasks_created",
    "opt_outs",
    "deferred_quiet_hours",
    "activities_written",
    "crm_api_calls",
)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Result]]:
    with open_demo(tmp_path_factory.mktemp("demo")) as demo:
        yield demo, demo.play()


def person(demo: Demo, key: str) -> tuple[Person, str]:
    return demo.scenario.people[key], demo.scenario.record_ids[key]


def activities(demo: Demo, record_id: str, direction: str) -> list[dict[str, Any]]:
    return [t for t in demo.stack.salesforce.tasks(who_id=record_id) if t.get("SMS_Direction__c") == direction]


def test_the_run_goes_as_scripted_and_every_count_is_there(played: tuple[Demo, Result]) -> None:
    _, result = played
    assert result.ok and result.stalled == []
    counts = result.counts
    assert all(isinstance(counts[name], int) for name in REQUIRED), counts
    assert all(counts[name] > 0 for name in REQUIRED), counts
    assert counts["deferred_quiet_hours"] >= 1


def test_the_counts_agree_with_each_other_and_with_the_org(played: tuple[Demo, Result]) -> None:
    demo, result = played
    c, org = result.counts, demo.stack.salesforce
    assert c["texts_delivered"] <= c["texts_sent"]
    assert c["replies_understood"] < c["replies"], "the gibberish reply is not understood"
    assert c["activities_written"] == c["texts_sent"] + c["texts_failed"] + c["replies"]
    assert c["activities_written"] == len([t for t in org.tasks() if t.get("SMS_Direction__c")])
    assert c["activities_missing"] == 0
    assert c["crm_api_calls"] == len(org.api_calls)


def test_every_text_reply_and_receipt_is_an_activity_on_its_record(played: tuple[Demo, Result]) -> None:
    demo, _ = played
    twilio = demo.stack.twilio
    for key in demo.scenario.people:
        who, record_id = person(demo, key)
        inbox = twilio.phone(who.e164).inbox
        sent = {t["SMS_Message_Id__c"]: t for t in activities(demo, record_id, "Outbound")}
        for text in inbox:
            assert sent[text.sid]["SMS_Status__c"] == "Delivered", (who.name, text.body)
        replies = [m for m in twilio.store.query(Filters(from_=who.e164)) if m.direction == "inbound"]
        received = {t["SMS_Message_Id__c"]: t for t in activities(demo, record_id, "Inbound")}
        assert set(received) == {m.sid for m in replies}, who.name
        assert all(t["SMS_Status__c"] == "Received" for t in received.values())


def test_the_invalid_number_fails_once_and_shows_on_the_lead(played: tuple[Demo, Result]) -> None:
    demo, result = played
    frank, record_id = person(demo, "frank")
    assert demo.stack.twilio.phone(frank.e164).inbox == []
    assert demo.stack.twilio.store.query(Filters(to=frank.e164)) == [], "Twilio refused it; nothing was created"
    [failed] = activities(demo, record_id, "Outbound")
    assert failed["SMS_Status__c"] == "Failed"
    assert result.counts["invalid_numbers"] == 1


def test_after_stop_nothing_more_is_sent(played: tuple[Demo, Result]) -> None:
    demo, result = played
    eve, record_id = person(demo, "eve")
    assert [t.body for t in demo.stack.twilio.phone(eve.e164).inbox][1:] == [], "only the intro, before STOP"
    lead = demo.stack.salesforce.record("Lead", record_id)
    assert lead is not None and lead["SMS_Opt_Out__c"] is True
    assert result.counts["opt_outs"] == 1
    assert result.counts["not_texted"] >= 1, "the missed call after STOP started nothing"


def test_gibberish_becomes_an_open_task_for_the_owner(played: tuple[Demo, Result]) -> None:
    demo, _ = played
    _, record_id = person(demo, "dev")
    owner = demo.scenario.owner_id
    tasks = [t for t in demo.stack.salesforce.tasks(who_id=record_id) if not t.get("SMS_Direction__c")]
    calls = [t for t in tasks if t.get("TaskSubtype") == "Call"]
    [task] = [t for t in tasks if t not in calls]
    assert task["Subject"] == "SMS reply needs a person: ghjk lmnop qwx"
    assert (task["Status"], task["Priority"], task["OwnerId"]) == ("Not Started", "High", owner)


@pytest.mark.parametrize(("key", "zone"), [("ben", "America/Los_Angeles"), ("eve", "America/Denver"),
                                           ("grace", "Pacific/Honolulu")])  # fmt: skip
def test_a_text_due_at_night_arrives_at_8am_local(played: tuple[Demo, Result], key: str, zone: str) -> None:
    demo, _ = played
    who, _ = person(demo, key)
    assert START.astimezone(ZoneInfo(zone)).hour < 8, "the scenario starts at night there"
    first = demo.stack.twilio.phone(who.e164).inbox[0]
    local = first.at.astimezone(ZoneInfo(zone))
    assert local.hour == 8, f"{who.name} got the first text at {local}, not when the window opened"


def test_the_readme_command_counts_the_same(played: tuple[Demo, Result], tmp_path: Path) -> None:
    _, result = played
    done = subprocess.run(
        [sys.executable, "-m", "connector.cli", "demo", "--once", "--json", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = done.stdout.splitlines()
    assert json.loads(line) == result.counts
    assert "deferred to" in done.stderr and "+1213*****43" in done.stderr, "progress went to stderr, masked"
    assert "+12135550143" not in done.stderr


def test_after_the_run_it_keeps_serving_on_the_worker_schedule(played: tuple[Demo, Result]) -> None:
    """Last in this module: it adds a reply after the summary was taken."""
    demo, _ = played
    stop = threading.Event()
    serving = threading.Thread(target=demo.serve, args=(stop,), daemon=True)
    serving.start()
    try:
        assert requests.get(f"{demo.stack.url}/healthz", timeout=10).status_code == 200
        ana, record_id = person(demo, "ana")
        assert demo.stack.twilio.phone(ana.e164).reply("Thanks! Do you do gutters too?").status == 200
        deadline = time.monotonic() + 60  # the write-back job runs every 10 s on this schedule
        subjects: list[str] = []
        while time.monotonic() < deadline:
            subjects = [t["Subject"] for t in demo.stack.salesforce.tasks(who_id=record_id)]
            if "SMS reply needs a person: Thanks! Do you do gutters too?" in subjects:
                break
            time.sleep(0.5)
        assert "SMS reply needs a person: Thanks! Do you do gutters too?" in subjects
    finally:
        stop.set()
        serving.join(timeout=30)
    assert not serving.is_alive()
