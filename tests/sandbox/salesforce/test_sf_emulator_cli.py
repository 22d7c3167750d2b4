"""`smsflow emulate salesforce` as a process: one JSON line to configure clients by, then serving until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading

import requests
from click.testing import CliRunner
from simple_salesforce import Salesforce

from connector.sandbox.salesforce.cli import salesforce

RUN = "from connector.sandbox.salesforce.cli import salesforce; salesforce()"


def _first_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline() if process.stdout else ""))
    reader.start()
    reader.join(timeout)
    return line[0] if line else ""


def test_prints_its_settings_serves_them_and_stops_on_sigterm() -> None:
    env = os.environ | {"NO_PROXY": "127.0.0.1,localhost"}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN, "--port", "0", "--manifest", "manifest.yaml"],
        stdout=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        printed = json.loads(_first_line(process))
        assert set(printed) == {"instance_url", "ca_bundle", "session_id", "org_id"}
        assert printed["instance_url"].startswith("https://127.0.0.1:") and printed["org_id"].startswith("00D")
        session = requests.Session()
        session.verify, session.trust_env = printed["ca_bundle"], False
        sf = Salesforce(instance_url=printed["instance_url"], session_id=printed["session_id"], session=session)
        assert sf.Lead.create({"LastName": "Ruiz", "Company": "Acme", "SMS_Opt_Out__c": True})["success"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_callout_url_needs_a_secret() -> None:
    result = CliRunner().invoke(
        salesforce, ["--callout-url", "http://127.0.0.1:9/hook"], env={"SMSFLOW_CALLOUT_SECRET": None}
    )
    assert result.exit_code == 2 and "--callout-secret" in result.output
