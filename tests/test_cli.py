"""The `smsflow` command as an admin runs it: exit codes, what it prints, the exported schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from connector.cli import main
from connector.config.yamlpos import load

RECORDS = Path("tests/flows/records")


@pytest.fixture
def cli(repo_root: Path) -> CliRunner:
    return CliRunner()


def test_validate_passes_on_shipped_config(cli: CliRunner) -> None:
    result = cli.invoke(main, ["validate", "flows/", "mappings/", "manifest.yaml"])
    assert result.exit_code == 0, result.output
    assert "7 flows, 2 mappings, 1 manifest: 0 errors, 0 warnings" in result.output


def test_validate_fails_with_file_line_column(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("flow: bad\npolicy: {category: transactional}\nstart: a\nsteps:\n  a: {sned: hi, end: true}\n")
    result = cli.invoke(main, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:5:7: steps.a.sned: unknown key" in result.output


def test_validate_names_a_missing_path(cli: CliRunner) -> None:
    result = cli.invoke(main, ["validate", "flows/nope.yaml"])
    assert result.exit_code == 1 and "flows/nope.yaml:1:1: no such file" in result.output


def test_strict_makes_warnings_fail(cli: CliRunner, tmp_path: Path) -> None:
    flow = tmp_path / "curly.yaml"
    flow.write_text(
        "flow: curly\npolicy: {category: transactional}\nstart: a\nsteps:\n"
        '  a: {send: "It’s {{ sender }}", end: true}\n'
    )
    assert cli.invoke(main, ["validate", str(flow)]).exit_code == 0
    assert cli.invoke(main, ["validate", "--strict", str(flow)]).exit_code == 1


@pytest.mark.parametrize("kind", ["flow", "mapping", "manifest"])
def test_schema_accepts_the_shipped_files(cli: CliRunner, kind: str) -> None:
    result = cli.invoke(main, ["schema", kind])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    files = {
        "flow": sorted(Path("flows").glob("*.yaml")),
        "mapping": sorted(Path("mappings").glob("*.yaml")),
        "manifest": [Path("manifest.yaml")],
    }[kind]
    for path in files:
        jsonschema.validate(load(path.read_text(encoding="utf-8")).data, schema)


def test_flow_schema_rejects_a_misspelt_key(cli: CliRunner) -> None:
    schema = json.loads(cli.invoke(main, ["schema", "flow"]).output)
    flow = load(Path("flows/intro-text.yaml").read_text(encoding="utf-8")).data
    jsonschema.validate(flow, schema)
    flow["stepz"] = flow.pop("steps")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(flow, schema)


def test_simulate_plays_a_dialog_with_scripted_replies(cli: CliRunner) -> None:
    result = cli.invoke(
        main,
        [
            "simulate",
            "flows/booking-confirm.yaml",
            "--record",
            str(RECORDS / "lead-booking.json"),
            "--at",
            "2026-11-23T14:00:00Z",
            "--reply",
            "/timeout",
            "--reply",
            "Yes, see you then",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Hi Ben, it's Acme Homes. Reply YES to" in out and "just checking" in out
    assert "understood as: yes" in out and "Status = 'Booked'" in out and "run ended (end)" in out
    assert "1 segment · GSM-7" in out
    assert "Mon 23 Nov 09:00 EST" in out, "times are shown in the contact's zone"


def test_simulate_signs_texts_with_the_sender_given(cli: CliRunner) -> None:
    args = ["simulate", "flows/intro-text.yaml", "--record", str(RECORDS / "lead-web.json")]
    result = cli.invoke(main, [*args, "--sender", "Ruiz Roofing"])
    assert result.exit_code == 0, result.output
    assert "thanks for contacting Ruiz Roofing." in result.output
    for refused in ("x" * 31, "Café ☕", " "):
        result = cli.invoke(main, [*args, "--sender", refused])
        assert result.exit_code == 2 and "--sender" in result.output, refused


def test_simulate_plays_a_wait_until_the_day_before(cli: CliRunner) -> None:
    args = ["simulate", "flows/appointment-reminder.yaml", "--record", str(RECORDS / "lead-booked.json")]
    result = cli.invoke(main, [*args, "--at", "2026-11-23T15:00:00Z", "--reply", "no"])
    assert result.exit_code == 0, result.output
    assert "waiting for the pause to end until Tue 24 Nov 10:30 EST" in result.output
    assert "Tue 24 Nov 10:30 EST  ⏱  the pause is over" in result.output
    assert "A reminder of your" in result.output and "to confirm or NO to rebook" in result.output
    assert "Status = 'Cancelled'" in result.output


def test_simulate_stops_when_replies_run_out(cli: CliRunner) -> None:
    result = cli.invoke(main, ["simulate", "flows/missed-call.yaml", "--record", str(RECORDS / "lead-web.json")])
    assert result.exit_code == 0
    assert "simulation stopped while the run waits" in result.output


def test_simulate_rejects_a_record_that_is_not_json(cli: CliRunner, tmp_path: Path) -> None:
    record = tmp_path / "r.json"
    record.write_text("{not json")
    result = cli.invoke(main, ["simulate", "flows/intro-text.yaml", "--record", str(record)])
    assert result.exit_code == 2 and "r.json" in result.output


def test_segments_reads_json_lines(cli: CliRunner) -> None:
    result = cli.invoke(main, ["segments"], input='"hello"\n"' + "€" * 81 + '"\n"héllo 👍"\nnot json\n')
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0] == {"encoding": "GSM-7", "segments": 1}
    assert lines[1] == {"encoding": "GSM-7", "segments": 2}
    assert lines[2] == {"encoding": "UCS-2", "segments": 1}
    assert "error" in lines[3]


def test_db_upgrade_migrates_the_configured_database(cli: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'x.db'}"
    (tmp_path / "var").mkdir()
    result = cli.invoke(main, ["db", "upgrade"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    from connector.store.migrate import current, head

    assert current(url) == head()


def test_db_upgrade_names_a_bad_setting(cli: CliRunner) -> None:
    result = cli.invoke(main, ["db", "upgrade"], env={"DATABASE_URL": "mysql://nope"})
    assert result.exit_code != 0
    assert "DATABASE_URL" in result.output


def test_simulate_checks_a_call_logged_trigger_against_the_call(cli: CliRunner) -> None:
    args = ["simulate", "flows/missed-call.yaml", "--record", str(RECORDS / "lead-web.json"), "--reply", "2"]
    without = cli.invoke(main, args)
    assert "no --call given" in without.output
    with_call = cli.invoke(main, [*args, "--call", str(RECORDS / "task-call-no-answer.json")])
    assert "call.CallDisposition == 'No Answer' → would start" in with_call.output
