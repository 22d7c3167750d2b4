"""The demo's summary: what the connector's store says it did, and what the emulated org holds, counted apart.

    {"texts_sent": 18, "texts_delivered": 18, ..., "activities_written": 26, "crm_api_calls": 60}

Texts, replies, tasks and opt-outs come from the store; `activities_written` counts the text Tasks (SMS_Direction__c
set) on the org's records and `crm_api_calls` the REST calls the org charged, both read in the emulator, not in the
connector. `activities_missing` counts texts and replies whose Task is not on their record with their latest status:
0 when every text, reply and receipt is on the timeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.engine.replies import classify
from connector.sandbox.salesforce import SalesforceEmulator
from connector.services.activities import DIRECTION_FIELD, STATUS_FIELD, STATUS_LABELS
from connector.services.messages import NEEDS_PERSON
from connector.store.tables import AuditEntry, ConsentChange, Contact, Message, Run, Writeback
from connector.store.uow import Store

NOT_UNDERSTOOD = frozenset({"unknown", "person"})
NOT_YET = frozenset({"pending", "in_flight"})  # an outbound text the provider has not seen: no activity yet
MESSAGE_ID_FIELD = "SMS_Message_Id__c"  # mappings/*.yaml activity.message_id_field


def reply_outcome(session: Session, message: Message) -> str:
    """What the connector made of a reply: its run's outcome ("yes", "2", "text", "unknown"), the keyword it acted
    on without a run ("stop", "start", "help"), or "person" when no run waited and it went to a person."""
    if message.run_id:
        run = session.get(Run, message.run_id)
        visits = (run.state.get("history") or []) if run is not None else []
        said = [v for v in visits if v.get("reply") == message.body]
        return str(said[-1].get("outcome") or "unknown") if said else "unknown"
    needs_person = (
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == NEEDS_PERSON, AuditEntry.subject == message.provider_id)
    )
    if session.scalar(needs_person):
        return "person"
    return classify(message.body, "text").outcome


def record_of(session: Session, message: Message) -> str | None:
    """The CRM record a text belongs to: its run's, else its contact's (as write-back decides)."""
    run = session.get(Run, message.run_id) if message.run_id else None
    if run is not None:
        return run.record_id
    contact = session.get(Contact, message.contact_id)
    return contact.crm_record_id if contact is not None else None


def _count(session: Session, model: type, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _revoked_contacts(session: Session, *where: Any) -> int:
    stmt = select(func.count(func.distinct(ConsentChange.contact_id))).where(
        ConsentChange.category == "all", ConsentChange.state == "revoked", *where
    )
    return int(session.scalar(stmt) or 0)


def on_timeline(message: Message, record_id: str | None, tasks: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the org has this text's Task on its record, showing its latest status (so the receipt too)."""
    direction = "Outbound" if message.direction == "out" else "Inbound"
    label = STATUS_LABELS.get(message.status)
    for task in tasks:
        if task.get("WhoId") != record_id or task.get(DIRECTION_FIELD) != direction:
            continue
        same = task.get(MESSAGE_ID_FIELD) == message.provider_id if message.provider_id else (
            task.get(MESSAGE_ID_FIELD) is None and message.body in str(task.get("Description") or "")
        )  # fmt: skip
        if same and task.get(STATUS_FIELD) == label:
            return True
    return False


def summarize(store: Store, org: SalesforceEmulator) -> dict[str, int]:
    """Every count of the summary, in the order it is printed."""
    tasks = [t for t in org.tasks() if t.get(DIRECTION_FIELD)]
    with store.unit_of_work() as uow:
        s = uow.session
        out, inbound = Message.direction == "out", Message.direction == "in"
        replies = list(s.scalars(select(Message).where(inbound)))
        shown = [m for m in s.scalars(select(Message).where(out)) if m.status not in NOT_YET] + replies
        counts = {
            "texts_sent": _count(s, Message, out, Message.provider_id.is_not(None)),
            "texts_delivered": _count(s, Message, out, Message.status.in_(("delivered", "read"))),
            "texts_failed": _count(s, Message, out, Message.status.in_(("failed", "undelivered", "canceled"))),
            "replies": len(replies),
            "replies_understood": sum(reply_outcome(s, m) not in NOT_UNDERSTOOD for m in replies),
            "tasks_created": _count(s, Writeback, Writeback.kind == "create_task", Writeback.status == "done"),
            "opt_outs": _revoked_contacts(s, ConsentChange.source != "invalid_number"),
            "invalid_numbers": _revoked_contacts(s, ConsentChange.source == "invalid_number"),
            "deferred_quiet_hours": uow.decisions.count(decision="defer", cause="window"),
            "not_texted": _count(s, AuditEntry, AuditEntry.action.startswith("run_not_started:")),
            "records_updated": _count(s, Writeback, Writeback.kind == "update_record", Writeback.status == "done"),
            "activities_written": len(tasks),
            "activities_missing": sum(not on_timeline(m, record_of(s, m), tasks) for m in shown),
        }
    counts["crm_api_calls"] = org.api_usage[0]
    return counts


def describe(counts: Mapping[str, int]) -> list[str]:
    """The summary for people, one line each."""
    c = counts
    return [
        f"texts sent            {c['texts_sent']} ({c['texts_delivered']} delivered, {c['texts_failed']} failed)",
        f"replies               {c['replies']} ({c['replies_understood']} understood by the flows)",
        f"tasks for people      {c['tasks_created']}",
        f"opt-outs              {c['opt_outs']} (and {c['invalid_numbers']} invalid number blocked)",
        f"deferred, quiet hours {c['deferred_quiet_hours']} texts",
        f"not texted at all     {c['not_texted']} (a flow the contact policy refused to start)",
        f"records updated       {c['records_updated']}",
        f"activities in the org {c['activities_written']} ({c['activities_missing']} texts or replies missing)",
        f"CRM API calls         {c['crm_api_calls']}",
    ]
