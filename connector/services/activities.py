"""Queue rows into CRM writes: a Task per text, reply and receipt as the mapping says, and open Tasks for people.

activity:
  object: Task
  link_field: WhoId
  fields: {Status: Completed, Priority: Normal, Type: Other, TaskSubtype: Task}
  message_id_field: SMS_Message_Id__c
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from connector.config.mapping import Mapping
from connector.crm.port import WriteOp
from connector.engine.records import field_value
from connector.engine.templates import render
from connector.services.registry import Registry
from connector.store.records import WritebackItem
from connector.store.tables_crm import CrmStateRepository
from connector.store.uow import UnitOfWork

# The manifest's Task custom fields beside SMS_Message_Id__c; written when the mapping names a message id field,
# since an org that has that field was set up from the same manifest.
DIRECTION_FIELD = "SMS_Direction__c"
STATUS_FIELD = "SMS_Status__c"
# Our message statuses (Twilio's) onto the SMS_Status__c picklist the manifest declares.
STATUS_LABELS = {
    "pending": "Queued",
    "accepted": "Queued",
    "scheduled": "Queued",
    "queued": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "delivered": "Delivered",
    "read": "Delivered",
    "undelivered": "Undelivered",
    "failed": "Failed",
    "canceled": "Failed",
    "receiving": "Received",
    "received": "Received",
}
CREATE_ONLY = frozenset({"TaskSubtype"})  # Object Reference: Task.TaskSubtype is create-only
SUBJECT_MAX, DESCRIPTION_MAX = 255, 32_000  # Task.Subject and Task.Description lengths

ActivityKind = Literal["sent", "status", "received"]


@dataclass(frozen=True)
class TextActivity:
    """One text as its activity shows it: which way it went, its current status, and between which numbers."""

    kind: ActivityKind
    direction: Literal["in", "out"]
    body: str
    status: str
    provider_id: str | None
    contact_phone: str
    our_number: str | None
    at: datetime


def activity_fields(mapping: Mapping, record_id: str, text: TextActivity) -> dict[str, Any]:
    """The activity record for a text, by default a completed Task with the mapping's subject and description."""
    activity = mapping.activity
    outbound = text.direction == "out"
    ours = text.our_number or "us"
    values = {
        "body": text.body,
        "direction": "Outbound" if outbound else "Inbound",
        "status": text.status,
        "provider_id": text.provider_id or "",
        "from": ours if outbound else text.contact_phone,
        "to": text.contact_phone if outbound else ours,
    }
    subject = activity.subjects.get(text.kind) or activity.subjects.get("sent") or "SMS"
    fields: dict[str, Any] = {"Status": "Completed", **activity.fields}
    fields.update(
        {
            activity.link_field: record_id,
            "Subject": _clip(render(subject, values), SUBJECT_MAX),
            "Description": _clip(render(activity.description, values), DESCRIPTION_MAX),
            "ActivityDate": text.at.date().isoformat(),
        }
    )
    if activity.message_id_field:
        if text.provider_id:
            fields[activity.message_id_field] = text.provider_id
        fields[DIRECTION_FIELD] = values["direction"]
        label = STATUS_LABELS.get(text.status)
        if label:
            fields[STATUS_FIELD] = label
    return fields


def task_fields(
    link_field: str,
    record_id: str,
    *,
    subject: str,
    priority: str = "High",
    owner_id: str | None = None,
    description: str | None = None,
    due: date | None = None,
) -> dict[str, Any]:
    """An open Task for a person on the record, assigned to `owner_id` (the record's owner) when known."""
    fields: dict[str, Any] = {
        link_field: record_id,
        "Subject": _clip(subject, SUBJECT_MAX),
        "Status": "Not Started",
        "Priority": priority,
    }
    if owner_id:
        fields["OwnerId"] = owner_id
    if description:
        fields["Description"] = _clip(description, DESCRIPTION_MAX)
    if due is not None:
        fields["ActivityDate"] = due.isoformat()
    return fields


def reply_task_subject(body: str) -> str:
    """The subject of the Task a reply no flow understood becomes."""
    return _clip(f"SMS reply needs a person: {' '.join(body.split())}", SUBJECT_MAX)


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Planned:
    """One CRM write and the queue rows it settles."""

    op: WriteOp
    items: list[WritebackItem]


@dataclass(frozen=True)
class Outcome:
    """How a queue row ended this round: done (with the CRM id), retry (at `at`) or fail, with the error."""

    item: WritebackItem
    status: Literal["done", "retry", "fail"]
    crm_id: str | None = None
    error: str | None = None
    at: datetime | None = None


def plan(
    uow: UnitOfWork, registry: Registry, items: list[WritebackItem], our_number: str | None
) -> tuple[list[Planned], list[Outcome]]:
    """Turn claimed rows into writes: one per text (its sent row and receipts merged), one per record updated."""
    planned: list[Planned] = []
    outcomes: list[Outcome] = []
    by_message: dict[int, list[WritebackItem]] = {}
    by_record: dict[tuple[str, str], list[WritebackItem]] = {}
    for item in items:
        if item.kind == "activity":
            by_message.setdefault(int(item.payload["message_id"]), []).append(item)
        elif item.kind == "update_record":
            by_record.setdefault((item.object, item.record_id), []).append(item)
        else:
            planned.append(_task(uow, registry, item))
    for group in by_message.values():
        result = _activity(uow, registry, group, our_number)
        if isinstance(result, Planned):
            planned.append(result)
        else:
            outcomes.extend(result)
    for (obj, record_id), group in by_record.items():
        fields: dict[str, Any] = {}
        for item in group:  # claimed oldest first, so a later update of the same field wins
            fields.update(item.payload.get("fields") or {})
        planned.append(Planned(WriteOp(f"record:{obj}:{record_id}", obj, "update", fields, record_id), group))
    return planned, outcomes


def _activity(
    uow: UnitOfWork, registry: Registry, group: list[WritebackItem], our_number: str | None
) -> Planned | list[Outcome]:
    first = group[0]
    provider_id, action_id = first.payload.get("provider_id"), first.payload.get("action_id")
    message = uow.messages.by_provider_id(provider_id) if provider_id else None
    message = message or (uow.messages.by_action_id(action_id) if action_id else None)
    mapping = registry.mappings.get(first.object)
    contact = uow.contacts.get(message.contact_id) if message else None
    if message is None or contact is None or mapping is None:
        return [Outcome(i, "fail", error="no such message, contact or mapping") for i in group]
    kinds = {i.payload.get("kind") for i in group}
    kind: ActivityKind = "received" if message.direction == "in" else "status" if "status" in kinds else "sent"
    # Built from the message as it is now, so a retried or reordered row never writes back an older status.
    text = TextActivity(
        kind,
        "in" if message.direction == "in" else "out",
        message.body,
        message.status,
        message.provider_id,
        contact.phone,
        our_number,
        message.created_at,
    )
    fields = activity_fields(mapping, first.record_id, text)
    target, key = mapping.activity, f"message:{message.id}"
    if kind != "status" and not (target.message_id_field and message.provider_id):
        return Planned(WriteOp(key, target.object, "create", fields), group)
    # An upsert may update, and Salesforce refuses create-only fields in updates (they default on create).
    fields = {k: v for k, v in fields.items() if k not in CREATE_ONLY}
    if target.message_id_field and message.provider_id:
        return Planned(WriteOp(key, target.object, "upsert", fields, external_id_field=target.message_id_field), group)
    # No upsert key: a receipt updates the Task its sent row created, once that row has been written.
    sent = uow.writebacks.get(f"activity:{message.id}:sent")
    if sent is None or sent.status == "failed":
        return Planned(WriteOp(key, target.object, "create", fields), group)
    if sent.crm_id is None:
        return [Outcome(i, "retry", error="waiting for the sent activity", at=i.next_attempt_at) for i in group]
    return Planned(WriteOp(key, target.object, "update", fields, sent.crm_id), group)


def _task(uow: UnitOfWork, registry: Registry, item: WritebackItem) -> Planned:
    mapping = registry.mappings.get(item.object)
    payload = item.payload
    owner_id = payload.get("owner_id")
    if not owner_id and mapping is not None:
        # The engine names the owner it knew at the start; failing that, the owner we last saw on the record.
        seen = CrmStateRepository(uow.session).snapshot(item.object, item.record_id)
        owner_id = field_value(seen.fields, mapping.owner.id) if seen else None
    due = payload.get("due")
    fields = task_fields(
        mapping.activity.link_field if mapping else "WhoId",
        item.record_id,
        subject=str(payload.get("subject") or "SMS follow-up"),
        priority=str(payload.get("priority") or "Normal"),
        owner_id=owner_id,
        description=payload.get("description"),
        due=datetime.fromisoformat(due).date() if isinstance(due, str) else None,
    )
    key = f"task:{item.id}"
    target = mapping.activity if mapping else None
    if target is None or target.object != "Task" or not target.message_id_field:
        return Planned(WriteOp(key, "Task", "create", fields), [item])
    # Keyed like a text's Task, so a retry after a lost answer (Salesforce wrote it, we never heard) finds the
    # Task it made instead of making a second one for the same person.
    fields[target.message_id_field] = task_key(item.idempotency_key)
    fields = {k: v for k, v in fields.items() if k not in CREATE_ONLY}
    return Planned(WriteOp(key, "Task", "upsert", fields, external_id_field=target.message_id_field), [item])


def task_key(idempotency_key: str) -> str:
    """The external id a Task the connector creates is upserted by: "TK" and 32 hex digits, 34 characters like
    a Twilio SID (the field is Text(34)) but never one, since SIDs start "SM" or "MM"."""
    return "TK" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
