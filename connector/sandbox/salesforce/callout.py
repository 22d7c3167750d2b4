"""JSON callouts: what a record-triggered Flow with an HTTP callout action sends, signed with a shared secret.

Body (UTF-8 JSON), one record change per request:

    {"schema": "smsflow.callout.v1", "id": "<event id, stable across retries>", "org_id": "00D...",
     "rule": "<the trigger's name>", "object": "Lead", "event": "created" | "updated",
     "record_id": "00Q...", "occurred_at": "2026-11-23T14:05:11.000Z",
     "fields": {<selected fields: new values>}, "changed_fields": [<updated fields; [] on create>],
     "old_values": {<previous values of changed_fields; {} on create>}}

Headers: `X-Smsflow-Timestamp` (Unix seconds when sent), `X-Smsflow-Event-Id` (= body "id") and
`X-Smsflow-Signature: sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<raw body bytes>` keyed with the shared
secret (SMSFLOW_CALLOUT_SECRET). A retry re-signs with a new timestamp, so receivers can keep a replay window.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

SCHEMA = "smsflow.callout.v1"
TIMESTAMP_HEADER = "X-Smsflow-Timestamp"
SIGNATURE_HEADER = "X-Smsflow-Signature"
EVENT_ID_HEADER = "X-Smsflow-Event-Id"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: "sha256=" + hex HMAC-SHA256 over "<timestamp>." + body."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def body(
    *,
    event_id: str,
    org_id: str,
    rule: str,
    obj: str,
    event: str,
    record: Mapping[str, Any],
    old: Mapping[str, Any] | None,
    changed: Sequence[str],
    fields: Sequence[str] | None,
    at: datetime,
) -> bytes:
    """The JSON body of one callout."""
    names = list(fields) if fields is not None else sorted(record)
    if "Id" not in names:
        names.insert(0, "Id")
    payload = {
        "schema": SCHEMA,
        "id": event_id,
        "org_id": org_id,
        "rule": rule,
        "object": obj,
        "event": event,
        "record_id": record["Id"],
        "occurred_at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
        "fields": {name: record.get(name) for name in names},
        "changed_fields": list(changed),
        "old_values": {name: (old or {}).get(name) for name in changed},
    }
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def headers(secret: str, event_id: str, timestamp: int, raw: bytes) -> dict[str, str]:
    """The request headers of one attempt."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_ID_HEADER: event_id,
        SIGNATURE_HEADER: signature(secret, timestamp, raw),
    }
