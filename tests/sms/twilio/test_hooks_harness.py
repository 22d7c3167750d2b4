"""The shared harness for Twilio hook case tables (nyaruka/courier style): given a world, post a form, check it all.

A HookCase names the world it starts from, the form (a sample file from ../shared/reference/twilio/samples plus
changes), how it is signed, and what must follow. An empty expectation means "none of these happened": no
opt-outs, the run did not move, nothing was queued, the text's status and history are as they were. Every hook
also gets the generic cases (unsigned, forged, signed for another URL, unknown account, oversized) and every
case checks that the captured logs hold neither the auth token nor a whole phone number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from connector.services.registry import Registry
from connector.services.runs import opt_out, start_run
from connector.settings import load_settings
from connector.sms.twilio import hooks
from connector.store.tables import Outbox
from connector.store.uow import Store
from connector.web import create_app

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT.parent / "shared" / "reference" / "twilio" / "samples"
TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
PUBLIC = "https://connector.example.com"
FROM, OURS = "+14155550123", "+14155550100"  # the samples' handset and our number
SID = "SM4f0c8e3b2a1d4c5e9f7a6b5c4d3e2f10"  # the status samples' MessageSid
T0 = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
WORLDS = ("none", "waiting", "sent", "delivered", "unrecorded", "opted_out")


@dataclass(frozen=True)
class HookCase:
    """One row of a hook's table; `query` and form values may say {key} for the world's outbox key."""

    id: str
    form: str | dict[str, str]
    changes: dict[str, str | None] = field(default_factory=dict)
    world: str = "sent"
    before: tuple[dict[str, str | None], ...] = ()  # changes of earlier posts of the same form, in order
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    signed: str = "ok"  # ok | none | wrong-token | wrong-url
    http: int = 200
    status: str | None = None  # the text's status afterwards; None: unchanged
    history: tuple[str, ...] | None = None  # the text's whole status history afterwards; None: unchanged
    opt_outs: tuple[str, ...] = ()
    run: tuple[str, str | None] | None = None  # (status, ended_reason) afterwards; None: the run did not move
    queued: int = 0  # texts added to the outbox
    audit: tuple[str, ...] = ()  # audit actions added


def load_form(name: str) -> dict[str, str]:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"Twilio sample {path} is missing (expected beside the repo in ../shared/reference)")
    return dict(parse_qsl(path.read_text(encoding="utf-8").strip(), keep_blank_values=True))


def generic_cases(path: str, happy: HookCase) -> list[HookCase]:
    """The cases every hook gets, built from one of its happy cases; all change nothing."""
    refused = {"status": None, "history": None, "opt_outs": happy.opt_outs if happy.world == "opted_out" else ()}
    oversized = {**happy.changes, "Body": "x" * 300_000}
    return [
        replace(happy, id=f"{path}-unsigned-refused", signed="none", http=403, run=None, queued=0, audit=(), **refused),
        replace(happy, id=f"{path}-forged-refused", signed="wrong-token", http=403, run=None, queued=0, audit=(),
                **refused),
        replace(happy, id=f"{path}-signed-for-another-url-refused", signed="wrong-url", http=403, run=None, queued=0,
                audit=(), **refused),
        replace(happy, id=f"{path}-unknown-account-refused", changes={**happy.changes, "AccountSid": "AC" + "f" * 32},
                http=403, run=None, queued=0, audit=(), **refused),
        replace(happy, id=f"{path}-oversized-body-413", changes=oversized, http=413, run=None, queued=0, audit=(),
                **refused),
    ]  # fmt: skip


def load_registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@dataclass
class World:
    """An app with the Twilio hooks on a fresh store, and what the case's world put in it."""

    app: Flask
    store: Store
    registry: Registry
    key: str | None = None

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def post(self, path: str, case: HookCase, changes: dict[str, str | None]) -> int:
        form = load_form(case.form) if isinstance(case.form, str) else dict(case.form)
        for name, value in changes.items():
            if value is None:
                form.pop(name, None)
            else:
                form[name] = value.replace("{key}", self.key or "")
        query = case.query.replace("{key}", urlencode({"k": self.key or ""})[2:])
        url = f"{PUBLIC}/hooks/twilio/{path}" + (f"?{query}" if query else "")
        headers = dict(case.headers)
        if case.signed != "none":
            token = "f" * 32 if case.signed == "wrong-token" else TOKEN
            signed_url = url.replace(PUBLIC, "http://localhost") if case.signed == "wrong-url" else url
            headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(signed_url, form)
        response = self.client().post(
            f"/hooks/twilio/{path}" + (f"?{query}" if query else ""),
            data=urlencode(form),
            headers=headers,
            content_type="application/x-www-form-urlencoded",
        )
        if response.status_code == 200 and path == "inbound":
            assert response.content_type.startswith("text/xml")
            assert response.get_data(as_text=True) == hooks.EMPTY_TWIML
        return response.status_code

    def snapshot(self) -> dict[str, Any]:
        """Everything a hook may change, in a comparable form."""
        with self.store.unit_of_work() as uow:
            text = uow.messages.by_action_id(self.key) if self.key else None
            run = uow.runs.get(self.key.split(":", 1)[0]) if self.key else None
            contact = uow.contacts.by_phone(FROM)
            return {
                "status": text.status if text else None,
                "history": tuple(s for s, _, _ in uow.messages.status_history(text.id)) if text else None,
                "opted_out": (FROM,) if contact and contact.opted_out else (),
                "run": (run.status, run.ended_reason, run.seq) if run else None,
                "queued": uow.session.scalar(select(func.count()).select_from(Outbox).where(Outbox.kind == "send_sms")),
                "audit": [a.action for a in uow.audit.recent(1000)],
            }


def make_world(db_url: str, registry: Registry, world: str) -> World:
    assert world in WORLDS, world
    settings = load_settings(
        {
            "DATABASE_URL": db_url,
            "SMSFLOW_PUBLIC_URL": PUBLIC,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "SMSFLOW_FLOWS_DIR": str(ROOT / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(ROOT / "mappings"),
            "SMSFLOW_MANIFEST": str(ROOT / "manifest.yaml"),
        }
    )
    app = create_app(settings, upgrade_db=False)
    container = app.extensions["smsflow.container"]
    container.clock = lambda: T0
    state = World(app, container.store, registry)
    if world == "none":
        return state
    fields = json.loads((ROOT / "tests/flows/records/lead-booking.json").read_text(encoding="utf-8"))
    fields.pop("attributes")
    fields["MobilePhone"] = FROM
    with state.store.unit_of_work() as uow:
        flow = registry.flows["booking-confirm"]
        started = start_run(uow, registry, flow, obj="Lead", record_id=fields["Id"], fields=fields, cause="e", at=T0)
        assert started.step is not None
        state.key = started.step.state.sent[0]
        text = uow.messages.by_action_id(state.key)
        assert text is not None
        if world != "waiting":
            uow.messages.record_status(text.id, "in_flight", at=T0)
        if world in ("sent", "delivered", "opted_out"):
            uow.messages.mark_sent(text.id, provider_id=SID, status="queued", at=T0)
        if world == "delivered":
            uow.messages.record_status(text.id, "delivered", at=T0)
        if world == "opted_out":
            opt_out(uow, registry, FROM, T0, source="sms")
        uow.commit()
    return state


def check_case(path: str, case: HookCase, db_url: str, registry: Registry, caplog: pytest.LogCaptureFixture) -> World:
    """Build the case's world, post its earlier forms and then its form, and check every expectation."""
    caplog.set_level("DEBUG")
    world = make_world(db_url, registry, case.world)
    for earlier in case.before:
        assert world.post(path, replace(case, signed="ok"), {**case.changes, **earlier}) in (200, 204)
    before = world.snapshot()
    assert world.post(path, case, case.changes) == case.http
    after = world.snapshot()
    assert after["status"] == (case.status or before["status"])
    assert after["history"] == (case.history or before["history"])
    assert after["opted_out"] == case.opt_outs
    if case.run is None:
        assert after["run"] == before["run"], "the run did not move"
    else:
        assert after["run"] is not None and after["run"][:2] == case.run
    assert after["queued"] - before["queued"] == case.queued
    assert sorted(after["audit"][: len(after["audit"]) - len(before["audit"])]) == sorted(case.audit)
    logged = caplog.text
    assert TOKEN not in logged, "the auth token is never logged"
    for number in (FROM, OURS, FROM[2:], OURS[2:]):
        assert number not in logged, f"a whole phone number was logged: {number}"
    return world
