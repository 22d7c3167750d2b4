"""Campaigns on FakeCrm: a run per audience record, batch by batch, resumable, and nobody started twice.

Runs on SQLite always and on PostgreSQL when SMSFLOW_TEST_DATABASE_URL is set (the `store` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connector.crm import audience
from connector.crm.fake import FakeCrm
from connector.crm.port import CrmError
from connector.services.campaign import CampaignError, campaign_status, create_campaign, run_campaign
from connector.services.ingest import Ingest
from connector.services.registry import Registry
from connector.store.tables import Outbox, Run
from connector.store.uow import Store

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
FLOW = "promo-reactivation"
STALE = "LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load(ROOT / "flows", ROOT / "mappings", ROOT / "manifest.yaml")


@pytest.fixture
def crm() -> FakeCrm:
    return FakeCrm(now=T0)


def lead(crm: FakeCrm, n: int, *, days_idle: int = 400, **fields: Any) -> str:
    values: dict[str, Any] = {
        "FirstName": f"Lee{n}", "LastName": f"Lead {n}", "Company": "Acme", "MobilePhone": f"+1415555{n:04d}",
        "SMS_Marketing_Opt_In__c": True, "LastActivityDate": (T0.date() - timedelta(days=days_idle)).isoformat(),
    }  # fmt: skip
    return crm.put("Lead", **(values | fields))


def create(store: Store, registry: Registry, campaign_id: str = "spring", where: str = STALE, **kw: Any) -> None:
    create_campaign(
        store, registry, campaign_id=campaign_id, flow_id=kw.pop("flow", FLOW), obj=kw.pop("obj", "Lead"),
        audience=where, by="test", at=T0,
    )  # fmt: skip


def run(store: Store, registry: Registry, crm: Any, campaign_id: str = "spring", **kw: Any):
    return run_campaign(store, Ingest(registry, crm), campaign_id, clock=lambda: T0, **kw)


def count(store: Store, model: type, **where: Any) -> int:
    with store.unit_of_work() as uow:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return uow.session.scalar(stmt) or 0


def test_every_stale_opted_in_lead_gets_a_run_and_its_text_is_queued(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    stale = [lead(crm, n) for n in range(5)]
    lead(crm, 90, days_idle=10)  # active lately: not in the audience
    lead(crm, 91, SMS_Marketing_Opt_In__c=False)  # never said yes to promotions: not in the audience
    create(store, registry)
    done = run(store, registry, crm, batch=2)
    assert (done.status, done.planned, done.started, done.refused, done.batches) == ("done", 5, 5, 0, 3)
    assert done.checkpoint == max(stale)
    assert count(store, Run) == 5 and count(store, Outbox, kind="send_sms", status="pending") == 5
    with store.unit_of_work() as uow:
        records = set(uow.session.scalars(select(Run.record_id)))
    assert records == set(stale)


def test_records_that_may_not_be_texted_are_counted_by_reason_with_examples(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    lead(crm, 1)
    no_phone = lead(crm, 2, MobilePhone=None)
    opted_out = lead(crm, 3, SMS_Opt_Out__c=True)
    converted = lead(crm, 4, IsConverted=True)
    create(store, registry)
    done = run(store, registry, crm)
    assert (done.planned, done.started, done.refused) == (4, 1, 3)
    assert done.refusals == {"no_phone": 1, "opted_out": 1, "never_text": 1}
    assert done.examples == {"no_phone": [no_phone], "opted_out": [opted_out], "never_text": [converted]}


def test_a_crm_outage_pauses_and_resume_goes_on_after_the_checkpoint(
    store: Store, registry: Registry, crm: FakeCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("connector.crm.fake.QUERY_PAGE", 3)
    ids = [lead(crm, n) for n in range(8)]
    create(store, registry)
    calls = crm.calls["query"]
    crm.fail_next = []

    def fail_on_second_page(*_: Any) -> None:
        if crm.calls["query"] - calls == 1 and not crm.fail_next:
            crm.fail_next.append(CrmError("unavailable", True, "503"))

    paused = run(store, registry, crm, batch=3, on_batch=fail_on_second_page)
    assert (paused.status, paused.planned, paused.checkpoint) == ("paused", 3, ids[2])
    assert paused.last_error is not None and "unavailable" in paused.last_error
    done = run(store, registry, crm, batch=3)
    assert (done.status, done.planned, done.started, done.refused) == ("done", 8, 8, 0)
    assert done.last_error is None
    assert count(store, Run) == 8


def test_a_crash_mid_campaign_loses_only_the_batch_in_hand_and_starts_nobody_twice(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    for n in range(7):
        lead(crm, n)
    create(store, registry)
    batches = []

    def crash_on_third(*_: Any) -> bool:
        batches.append(1)
        if len(batches) == 3:
            raise KeyboardInterrupt  # the process dies between reading a batch and committing it
        return False

    with pytest.raises(KeyboardInterrupt):
        run(store, registry, crm, batch=2, stopping=crash_on_third)
    crashed = campaign_status(store, "spring")
    assert crashed is not None and (crashed.status, crashed.planned, crashed.started) == ("running", 4, 4)
    done = run(store, registry, crm, batch=2)
    assert (done.status, done.planned, done.started, done.refused) == ("done", 7, 7, 0)
    assert count(store, Run) == 7 and count(store, Outbox, kind="send_sms") == 7


def test_a_rerun_from_scratch_finds_every_run_already_started(store: Store, registry: Registry, crm: FakeCrm) -> None:
    for n in range(3):
        lead(crm, n)
    create(store, registry)
    run(store, registry, crm)
    with store.unit_of_work() as uow:  # as if the checkpoint were lost: the whole audience comes again
        from connector.store.tables_campaign import CampaignRow

        uow.session.execute(
            CampaignRow.__table__.update().values(status="paused", checkpoint=None)  # type: ignore[attr-defined]
        )
        uow.commit()
    again = run(store, registry, crm)
    assert (again.planned, again.started, again.refusals) == (6, 3, {"already_started": 3})
    assert count(store, Run) == 3 and count(store, Outbox) == 3


def test_a_second_campaign_within_the_flows_dedupe_window_texts_nobody_again(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    for n in range(3):
        lead(crm, n)
    create(store, registry, "spring")
    run(store, registry, crm, "spring")
    create(store, registry, "spring-again")
    again = run(store, registry, crm, "spring-again")
    assert (again.started, again.refusals) == (0, {"duplicate": 3})


def test_stopping_pauses_before_the_next_batch_and_resume_finishes(
    store: Store, registry: Registry, crm: FakeCrm
) -> None:
    for n in range(5):
        lead(crm, n)
    create(store, registry)
    seen = []
    paused = run(store, registry, crm, batch=2, stopping=lambda: bool(seen), on_batch=lambda *_: seen.append(1))
    assert (paused.status, paused.planned) == ("paused", 2)
    assert paused.last_error == "stopped by the admin; resume to go on"
    assert run(store, registry, crm, batch=2).planned == 5


def test_a_flow_switched_off_pauses_the_campaign(store: Store, registry: Registry, crm: FakeCrm) -> None:
    lead(crm, 1)
    create(store, registry)
    with store.unit_of_work() as uow:
        uow.flow_switches.set(FLOW, False, by="ops", at=T0)
        uow.commit()
    paused = run(store, registry, crm)
    assert (paused.status, paused.planned) == ("paused", 0)
    assert paused.last_error is not None and "switched off" in paused.last_error


def test_a_finished_campaign_run_again_asks_the_crm_nothing(store: Store, registry: Registry, crm: FakeCrm) -> None:
    lead(crm, 1)
    create(store, registry)
    run(store, registry, crm)
    before = crm.total_calls
    assert run(store, registry, crm).status == "done"
    assert crm.total_calls == before


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        pytest.param({"flow": "intro-text"}, "starts on its own trigger", id="a-triggered-flow-is-refused"),
        pytest.param({"flow": "nope"}, "no flow 'nope'", id="an-unknown-flow-is-refused"),
        pytest.param({"obj": "Account"}, "no mapping for 'Account'", id="an-unmapped-object-is-refused"),
        pytest.param({"where": "LastActivityDate < LAST_N_DAYS"}, r"like LAST_N_DAYS:30 \(at character 20\)",
                     id="a-bad-audience-says-where"),
        pytest.param({"campaign_id": "a b"}, "use up to 64 letters", id="an-id-with-spaces-is-refused"),
    ],
)  # fmt: skip
def test_create_refuses_what_it_cannot_run(store: Store, registry: Registry, kw: dict[str, Any], message: str) -> None:
    with pytest.raises(CampaignError, match=message):
        create(store, registry, **kw)


def test_an_id_names_one_campaign(store: Store, registry: Registry) -> None:
    create(store, registry, "spring")
    create(store, registry, "spring")  # the same campaign again: fine, it resumes
    with pytest.raises(CampaignError, match="exists with another flow, object or audience"):
        create(store, registry, "spring", where="SMS_Marketing_Opt_In__c = true")


@dataclass
class Generated:
    """A CRM of `size` generated leads that says how far reading ran ahead of what the campaign committed."""

    size: int
    page: int = 50
    pulled: int = 0
    ahead: list[int] = field(default_factory=list)

    def stream(
        self, obj: str, fields: Sequence[str], where: audience.Condition | None = None, *, after_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        start = int(after_id[-6:]) + 1 if after_id else 0
        for n in range(start, self.size):
            self.pulled += 1
            yield {"Id": f"00Q5e0000{n:06d}AAA", "FirstName": "Lee", "MobilePhone": f"+1415{n % 10_000_000:07d}",
                   "SMS_Marketing_Opt_In__c": True}  # fmt: skip


def test_the_audience_is_streamed_never_loaded_whole(store: Store, registry: Registry) -> None:
    crm = Generated(size=1_000)
    create(store, registry)
    committed: list[int] = []

    def check(record: Any, _: Any) -> None:
        committed.append(record.planned)
        crm.ahead.append(crm.pulled - record.planned)

    done = run(store, registry, crm, batch=100, on_batch=check)
    assert done.planned == 1_000 and len(committed) == 10
    assert max(crm.ahead) <= 100  # never more than the batch in hand was read ahead of the commits


def test_stale_means_before_the_last_n_days() -> None:
    condition = audience.parse(STALE)
    today = date(2026, 11, 23)
    old = {"LastActivityDate": "2026-05-26", "SMS_Marketing_Opt_In__c": True}
    edge = {"LastActivityDate": "2026-05-27", "SMS_Marketing_Opt_In__c": True}
    assert audience.matches(condition, old, today) and not audience.matches(condition, edge, today)


def test_a_record_that_breaks_start_run_is_set_aside_and_its_batch_goes_on(
    store: Store, registry: Registry, crm: FakeCrm, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [lead(crm, n) for n in range(3)]
    from connector.services import campaign as service

    real_batch, real_one = service.start_runs, service.start_run

    def batch_breaks_on_the_second(uow: Any, registry: Registry, flow: Any, **kw: Any) -> Any:
        started = real_batch(uow, registry, flow, **kw)  # the whole batch's writes must be rolled back
        if ids[1] in {request.record_id for request in kw["requests"]}:
            raise ValueError("a template met data it cannot render")
        return started

    def breaks_on_the_second(uow: Any, registry: Registry, flow: Any, **kw: Any) -> Any:
        started = real_one(uow, registry, flow, **kw)  # its writes must be rolled back with the savepoint
        if kw["record_id"] == ids[1]:
            raise ValueError("a template met data it cannot render")
        return started

    monkeypatch.setattr(service, "start_runs", batch_breaks_on_the_second)
    monkeypatch.setattr(service, "start_run", breaks_on_the_second)
    create(store, registry)
    done = run(store, registry, crm)
    assert (done.status, done.started, done.refusals, done.examples) == ("done", 2, {"error": 1}, {"error": [ids[1]]})
    with store.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Run.record_id))) == {ids[0], ids[2]}
    assert count(store, Outbox) == 2
