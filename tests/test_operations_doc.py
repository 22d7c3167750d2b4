"""docs/operations.md names only settings, metrics, jobs and migrations that exist, and lists every migration."""

from __future__ import annotations

import re
from pathlib import Path

from connector.settings import Settings
from connector.worker import JOBS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def test_every_setting_named_exists() -> None:
    named = set(re.findall(r"`((?:SMSFLOW|TWILIO|SALESFORCE)_[A-Z_]+|DATABASE_URL)`", DOC))
    known = {str(field.validation_alias) for field in Settings.model_fields.values()}
    assert named and named <= known, f"unknown settings: {sorted(named - known)}"


def test_every_metric_named_exists() -> None:
    source = (ROOT / "connector" / "web" / "admin" / "metrics.py").read_text(encoding="utf-8")
    named = {re.sub(r"_(bucket|sum|count)$", "", name) for name in re.findall(r"`(smsflow_[a-z_]+)", DOC)}
    missing = [name for name in named if f'"{name}"' not in source]  # each is declared by _help("<name>", ...)
    assert named and not missing, f"not in connector/web/admin/metrics.py: {missing}"


def test_jobs_and_leaders_are_as_the_worker_runs_them() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| \d+ (?:s|min) \| (every worker|one worker at a time) \|", DOC, re.M))
    assert rows == {job.name: "one worker at a time" if job.leader_only else "every worker" for job in JOBS}


def test_every_migration_is_listed() -> None:
    revisions = sorted(p.name[:4] for p in (ROOT / "connector/store/migrations/versions").glob("[0-9]*.py"))
    assert re.findall(r"^\| `(\d{4})` \|", DOC, re.M) == revisions
