"""Steering the emulator from another process: the /_emulator admin routes and the standalone command."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from urllib.parse import quote

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_support import Sink, raw

from connector.sandbox.twilio import TwilioEmulator

PHONE, FROM = "+12025550143", "+12025550100"
HANDSET = f"/_emulator/handsets/{quote(PHONE)}"


def test_info_tells_a_client_where_and_how(twilio_emulator: TwilioEmulator) -> None:
    status, _, info = raw(twilio_emulator, "GET", "/_emulator")
    assert status == 200
    assert {k: info[k] for k in ("url", "account_sid", "auth_token")} == twilio_emulator.describe()
    assert info["knobs"]["opt_out_mode"] == "refuse"


def test_admin_routes_need_the_account_credentials(twilio_emulator: TwilioEmulator) -> None:
    status, _, body = raw(twilio_emulator, "POST", "/_emulator/knobs", json_body={"error_rate": 1}, auth=("x", "y"))
    assert (status, body["code"]) == (401, 20003)
    assert twilio_emulator.knobs.error_rate == 0


def test_knobs_change_over_http(twilio_emulator: TwilioEmulator) -> None:
    status, _, knobs = raw(twilio_emulator, "POST", "/_emulator/knobs", json_body={"undelivered_codes": [30005]})
    assert status == 200 and knobs["undelivered_codes"] == [30005]
    assert twilio_emulator.knobs.undelivered_codes == (30005,)


def test_bad_knobs_over_http_are_400_and_change_nothing(twilio_emulator: TwilioEmulator) -> None:
    status, _, body = raw(twilio_emulator, "POST", "/_emulator/knobs", json_body={"failure_rate": 2})
    assert (status, body["code"]) == (400, 20001) and "failure_rate" in body["message"]
    assert twilio_emulator.knobs.failure_rate == 0


def test_faults_are_injected_over_http(twilio_emulator: TwilioEmulator, twilio_client: Client) -> None:
    assert raw(twilio_emulator, "POST", "/_emulator/faults", json_body={"fault": "500"})[0] == 200
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages.create(to=PHONE, from_=FROM, body="hi")
    assert caught.value.status == 500


def test_a_handset_replies_and_shows_its_inbox_over_http(
    twilio_emulator: TwilioEmulator, twilio_client: Client, webhook_sink: Sink
) -> None:
    assert raw(twilio_emulator, "POST", "/_emulator/inbound", json_body={"url": webhook_sink.url("/in")})[0] == 200
    twilio_client.messages.create(to=PHONE, from_=FROM, body="Reply YES")
    assert twilio_emulator.wait_idle()
    status, _, reply = raw(twilio_emulator, "POST", f"{HANDSET}/replies", json_body={"body": "STOP"})
    assert status == 200 and reply["status"] == 200
    assert webhook_sink.wait_for(1)[0].get("Body") == "STOP"
    _, _, handset = raw(twilio_emulator, "GET", HANDSET)
    assert handset["opted_out"] is True and [t["body"] for t in handset["inbox"]] == ["Reply YES"]


def test_a_handset_outcome_is_set_over_http(twilio_emulator: TwilioEmulator) -> None:
    fail = {"fail_with": {"status": "undelivered", "error_code": 30005}}
    status, _, handset = raw(twilio_emulator, "POST", HANDSET, json_body=fail)
    assert status == 200 and handset["fail_with"] == {"status": "undelivered", "error_code": 30005}


def test_deliveries_are_listed_over_http(
    twilio_emulator: TwilioEmulator, twilio_client: Client, webhook_sink: Sink
) -> None:
    twilio_client.messages.create(to=PHONE, from_=FROM, body="hi", status_callback=webhook_sink.url())
    assert twilio_emulator.wait_idle()
    _, _, body = raw(twilio_emulator, "GET", "/_emulator/deliveries")
    assert [dict(d["params"])["MessageStatus"] for d in body["deliveries"]] == ["sending", "sent", "delivered"]


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True).start()  # type: ignore[union-attr]
    return lines.get(timeout=timeout)


def test_the_command_prints_its_json_line_serves_and_stops_on_sigterm() -> None:
    command = [sys.executable, "-m", "connector.sandbox.twilio.cli", "--port", "0", "--seed", "5"]
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        info = json.loads(_first_line(process, timeout=30))
        assert set(info) == {"url", "account_sid", "auth_token"} and info["url"].startswith("http://127.0.0.1:")
        expected = TwilioEmulator(seed=5)
        assert (info["account_sid"], info["auth_token"]) == (expected.account_sid, expected.auth_token)
        client = Client(
            info["account_sid"], info["auth_token"], environment={"TWILIO_ACCOUNT_SID": info["account_sid"]}
        )
        client.api.base_url = info["url"]
        assert client.messages.create(to=PHONE, from_=FROM, body="hi").status == "queued"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
