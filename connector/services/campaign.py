"""Campaigns: start a trigger-less flow for every record of an audience, streamed from the CRM a page at a time.

    create_campaign(store, registry, campaign_id="spring-2027", flow_id="promo-reactivation", obj="Lead",
                    audience="LastActivityDate < LAST_N_DAYS:180 AND SMS_Marketing_Opt_In__c = true", by="ana", at=now)
    run_campaign(store, ingest, "spring-2027", clock=utcnow)     # again after a crash or a pause: it resumes

A campaign only plans and queues: each batch goes through `start_runs`, the bulk form of a triggered start (no
phone, STOP, the opt-out field, `never_text_when` and the flow's dedupe key refuse a record there), and the
texts it queues wait in the outbox, where the dispatcher's contact policy applies marketing consent, caps, quiet
hours and the send rate to each one.

Records arrive in Id order and are started `batch` at a time, each batch one transaction with the campaign's
counters and checkpoint (its last record Id), so a crash loses at most the batch in hand and a resume asks the
CRM only for records after the checkpoint. Run ids derive from the campaign id and the record id: even a record
seen twice (a checkpoint lost, the campaign re-run) starts nobody twice. Memory holds one CRM page and one batch,
whatever the audience's size.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, NoReturn

from connector.config.flow import Flow
from connector.crm.audience import AudienceError, parse
from connector.crm.port import CrmError
from connector.engine import expr
from connector.phones import mask_in_text
from connector.services.ingest import Ingest, plain_record
from connector.services.registry import Registry
from connector.services.runs import Started, StartRequest, start_run, start_runs
from connector.store.tables_campaign import BatchTally, CampaignRecord, CampaignRepository
from connector.store.uow import Store, UnitOfWork

BATCH = 200  # records per transaction: short enough that SQLite's one writer lets webhooks in between
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class CampaignError(ValueError):
    """A campaign that cannot be created or run as asked; the message says why, for the admin."""


def cause_of(campaign_id: str) -> str:
    """What runs of this campaign are named after (with the record id): `campaign:<id>`."""
    return f"campaign:{campaign_id}"


def default_id(flow_id: str, at: datetime) -> str:
    """A campaign id when the admin gives none: the flow and the minute it was created."""
    return f"{flow_id}-{at:%Y%m%d-%H%M}"[:64]


def create_campaign(
    store: Store,
    registry: Registry,
    *,
    campaign_id: str,
    flow_id: str,
    obj: str,
    audience: str,
    by: str,
    at: datetime,
) -> tuple[CampaignRecord, bool]:
    """The campaign, created if new; (campaign, False) when this id already names the same campaign.

    CampaignError when the flow, object or audience is wrong, or the id names a different campaign.
    """
    if not _ID.match(campaign_id):
        raise CampaignError(f"campaign id {campaign_id!r}: use up to 64 letters, digits, '-', '_' or '.'")
    flow = registry.flows.get(flow_id)
    if flow is None:
        raise CampaignError(f"no flow {flow_id!r}; flows: {', '.join(sorted(registry.flows)) or 'none'}")
    if flow.trigger is not None:
        raise CampaignError(
            f"flow {flow_id!r} starts on its own trigger ({flow.trigger.object} {flow.trigger.on}); "
            "campaigns start flows that have no trigger"
        )
    if obj not in registry.mappings:
        raise CampaignError(f"no mapping for {obj!r}; mapped objects: {', '.join(sorted(registry.mappings))}")
    try:
        parse(audience)
    except AudienceError as exc:
        raise CampaignError(f"audience: {exc}") from None
    with store.unit_of_work() as uow:
        repo = CampaignRepository(uow.session)
        created = repo.create(
            campaign_id=campaign_id, flow=flow_id, flow_version=flow.version, obj=obj, audience=audience, by=by, at=at
        )
        campaign = repo.get(campaign_id)
        assert campaign is not None
        if not created and (campaign.flow, campaign.object, campaign.audience) != (flow_id, obj, audience):
            raise CampaignError(
                f"campaign {campaign_id!r} exists with another flow, object or audience; choose another id"
            )
        if created:
            detail = {"flow": flow_id, "object": obj, "audience": audience, "by": by}
            uow.audit.log("campaign", "campaign_created", campaign_id, detail, at=at)
        uow.commit()
    return campaign, created


def campaign_status(store: Store, campaign_id: str) -> CampaignRecord | None:
    """The campaign as recorded now."""
    with store.unit_of_work() as uow:
        return CampaignRepository(uow.session).get(campaign_id)


def recent_campaigns(store: Store, limit: int = 50) -> list[CampaignRecord]:
    """The newest campaigns first."""
    with store.unit_of_work() as uow:
        return CampaignRepository(uow.session).recent(limit)


@dataclass
class Progress:
    """This pass over a campaign: batches committed and their counts (the campaign row holds the totals)."""

    batches: int = 0
    planned: int = 0
    started: int = 0
    refused: Counter[str] = field(default_factory=Counter)


class _Stop(Exception):
    """The batch in hand must not be committed; the campaign is paused with this reason."""


def run_campaign(
    store: Store,
    ingest: Ingest,
    campaign_id: str,
    *,
    clock: Callable[[], datetime],
    batch: int = BATCH,
    stopping: Callable[[], bool] = lambda: False,
    on_batch: Callable[[CampaignRecord, Progress], None] | None = None,
) -> CampaignRecord:
    """Plan the campaign from its checkpoint to the end of its audience (or until `stopping()`); its row after.

    A CRM error, a switched-off flow or `stopping()` pauses it (the batch in hand is not kept); another process
    committing batches of the same campaign stops this one. Resuming is calling this again.
    """
    campaign = _resume(store, ingest.registry, campaign_id, clock())
    if campaign.status == "done":
        return campaign
    flow = ingest.registry.flows[campaign.flow]
    fields, where = read_fields(ingest, campaign.object), parse(campaign.audience)
    progress, checkpoint = Progress(), campaign.checkpoint
    try:
        records = ingest.crm.stream(campaign.object, fields, where, after_id=checkpoint)
        for chunk in _chunks(records, batch):
            if stopping():
                raise _Stop("stopped by the admin; resume to go on")
            campaign = _commit_batch(store, ingest.registry, flow, campaign_id, checkpoint, chunk, clock(), progress)
            checkpoint = campaign.checkpoint
            if on_batch is not None:
                on_batch(campaign, progress)
    except CrmError as exc:
        return _set_status(store, campaign_id, "paused", clock(), f"the CRM refused: {mask_in_text(str(exc))}")
    except _Stop as stop:
        return _set_status(store, campaign_id, "paused", clock(), str(stop))
    except _Superseded as lost:
        raise CampaignError(str(lost)) from None
    return _set_status(store, campaign_id, "done", clock(), None)


def read_fields(ingest: Ingest, obj: str) -> list[str]:
    """What start_run needs of each record: the manifest's and mapping's fields, and never_text_when's names."""
    mapping = ingest.registry.mappings.get(obj)
    rule = [n.removeprefix("record.") for n in expr.parse(mapping.never_text_when).names()] if mapping else []
    return list(dict.fromkeys([*ingest.fields_for(obj), *(rule if mapping and mapping.never_text_when else [])]))


class _Superseded(Exception):
    """Another process moved the campaign on: this one stops without touching it."""


def _resume(store: Store, registry: Registry, campaign_id: str, at: datetime) -> CampaignRecord:
    with store.unit_of_work() as uow:
        repo = CampaignRepository(uow.session)
        campaign = repo.get(campaign_id, for_update=True)
        if campaign is None:
            raise CampaignError(f"no campaign {campaign_id!r}")
        if campaign.status == "done":
            return campaign
        if campaign.flow not in registry.flows:
            raise CampaignError(f"flow {campaign.flow!r} is no longer loaded; restore its file to resume")
        if campaign.status == "paused":
            repo.set_status(campaign_id, "running", at=at)
            uow.audit.log("campaign", "campaign_resumed", campaign_id, {"after": campaign.checkpoint}, at=at)
        uow.commit()
        return repo.get(campaign_id) or campaign


def _chunks(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def _commit_batch(
    store: Store,
    registry: Registry,
    flow: Flow,
    campaign_id: str,
    checkpoint: str | None,
    chunk: list[dict[str, Any]],
    at: datetime,
    progress: Progress,
) -> CampaignRecord:
    """Start a run per record and move the checkpoint, in one transaction; a record that raises is set aside."""
    try:
        tally = _start_all(store, registry, flow, campaign_id, checkpoint, chunk, at, careful=False)
    except (_Stop, _Superseded):
        raise
    except Exception:  # one record's data broke something: do the batch again, record by record
        tally = _start_all(store, registry, flow, campaign_id, checkpoint, chunk, at, careful=True)
    progress.batches += 1
    progress.planned += tally.planned
    progress.started += tally.started
    progress.refused.update(tally.refusals)
    return campaign_status(store, campaign_id) or _missing(campaign_id)


def _start_all(
    store: Store,
    registry: Registry,
    flow: Flow,
    campaign_id: str,
    checkpoint: str | None,
    chunk: list[dict[str, Any]],
    at: datetime,
    *,
    careful: bool,
) -> BatchTally:
    with store.unit_of_work() as uow:
        repo = CampaignRepository(uow.session)
        campaign = repo.get(campaign_id, for_update=True)
        if campaign is None:
            _missing(campaign_id)
        if campaign.status != "running" or campaign.checkpoint != checkpoint:
            raise _Superseded(f"campaign {campaign_id!r} was moved on by another process ({campaign.status})")
        if not uow.flow_switches.enabled(flow.flow, flow.enabled):
            raise _Stop(f"flow {flow.flow!r} was switched off; switch it on and resume")
        outcomes: Counter[str] = Counter()
        examples: dict[str, list[str]] = {}
        if careful:
            each = [_start_one(uow, registry, flow, campaign, str(record["Id"]), record, at) for record in chunk]
        else:
            each = _start_batch(uow, registry, flow, campaign, chunk, at)
        for record, outcome in zip(chunk, each, strict=True):
            record_id = str(record["Id"])
            outcomes[outcome] += 1
            if outcome != "started":
                kept = examples.setdefault(outcome, [])
                if len(kept) < CampaignRepository.EXAMPLES:
                    kept.append(record_id)
        started = outcomes.pop("started", 0)
        tally = BatchTally(len(chunk), started, dict(outcomes), examples)
        repo.advance(campaign, str(chunk[-1]["Id"]), tally, at=at)
        uow.commit()
    return tally


def _start_batch(
    uow: UnitOfWork, registry: Registry, flow: Flow, campaign: CampaignRecord, chunk: list[dict[str, Any]], at: datetime
) -> list[str]:
    """What became of each record of the batch, all started together (a few statements for the whole batch)."""
    cause = cause_of(campaign.id)
    requests = [StartRequest(str(record["Id"]), plain_record(record), cause) for record in chunk]
    return [
        _outcome(started, cause)
        for started in start_runs(uow, registry, flow, obj=campaign.object, requests=requests, at=at)
    ]


def _start_one(
    uow: UnitOfWork,
    registry: Registry,
    flow: Flow,
    campaign: CampaignRecord,
    record_id: str,
    record: dict[str, Any],
    at: datetime,
) -> str:
    """What became of one record, started alone inside a savepoint: "started", the reason it was not, or
    "error" when its data broke something (the rest of its batch still starts)."""
    cause = cause_of(campaign.id)
    savepoint = uow.session.begin_nested()
    try:
        started = start_run(
            uow,
            registry,
            flow,
            obj=campaign.object,
            record_id=record_id,
            fields=plain_record(record),
            cause=cause,
            at=at,
        )
    except Exception as exc:
        savepoint.rollback()
        uow.audit.log("campaign", "run_not_started:error", record_id, {"error": type(exc).__name__}, at=at)
        return "error"
    savepoint.commit()
    return _outcome(started, cause)


def _outcome(started: Started, cause: str) -> str:
    if started.status != "duplicate":
        return started.status
    # The same run id: this campaign started the record before (a re-run); otherwise the flow's dedupe key.
    return "already_started" if started.reason == f"already started by {cause}" else "duplicate"


def _set_status(store: Store, campaign_id: str, status: str, at: datetime, error: str | None) -> CampaignRecord:
    with store.unit_of_work() as uow:
        repo = CampaignRepository(uow.session)
        repo.set_status(campaign_id, status, at=at, error=error)
        action = {"done": "campaign_finished", "paused": "campaign_paused"}.get(status, "campaign_running")
        uow.audit.log("campaign", action, campaign_id, {"reason": error} if error else None, at=at)
        uow.commit()
        return repo.get(campaign_id) or _missing(campaign_id)


def _missing(campaign_id: str) -> NoReturn:
    raise CampaignError(f"no campaign {campaign_id!r}")
