"""The CRM port: what the connector needs from the host CRM, in our words; Salesforce is one implementation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from connector.crm.audience import Condition

CrmErrorCode = Literal[
    "not_found",  # the record is gone (deleted, merged)
    "invalid",  # the CRM refused the data: a bad field, a restricted picklist value, a required field missing
    "auth",  # the session expired and could not be renewed, or the credentials are wrong
    "limit",  # the org's API budget is spent: wait, do not hammer
    "unavailable",  # 5xx, timeouts, connection errors: retry later
]


class CrmError(Exception):
    """A CRM call that failed; `retryable` says whether the same call may succeed later."""

    def __init__(self, code: CrmErrorCode, retryable: bool, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.retryable, self.reason = code, retryable, reason


@dataclass(frozen=True)
class WriteOp:
    """One record to create, update or upsert (by `external_id_field`) in a batch; `key` is ours, for results."""

    key: str
    object: str
    op: Literal["create", "update", "upsert"]
    fields: dict[str, Any]
    record_id: str | None = None
    external_id_field: str | None = None


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one WriteOp: the CRM id on success, the error otherwise."""

    key: str
    ok: bool
    record_id: str | None = None
    error: CrmError | None = None


@dataclass(frozen=True)
class ApiUsage:
    """The org's API calls used and allowed in the rolling 24 hours (Salesforce's Sforce-Limit-Info)."""

    used: int
    limit: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


@dataclass(frozen=True)
class RecordChange:
    """A record change as any ingest path delivers it: Outbound Message, JSON callout or polling."""

    source: Literal["outbound_message", "callout", "polling"]
    event_id: str
    object: str
    record_id: str
    kind: Literal["created", "updated", "call_logged"]
    fields: dict[str, Any]
    changed: Sequence[str] = field(default_factory=tuple)
    old: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None


class CrmPort(Protocol):
    def get(self, obj: str, record_id: str, fields: Sequence[str]) -> dict[str, Any] | None:
        """The record's fields (relationship fields such as Owner.Name nested), or None when it is gone."""

    def get_many(self, obj: str, record_ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        """get for many records of one object, by the ids asked for; an id that is gone is left out.

        One call per 200 ids on Salesforce (a query on Id IN (...)), where get costs one call a record.
        """

    def find_by_phone(self, obj: str, phone_fields: Sequence[str], e164: str, fields: Sequence[str]) -> list[dict]:
        """Records of `obj` whose phone fields hold this number, however it was typed."""

    def changed_since(self, obj: str, fields: Sequence[str], since: datetime) -> Iterator[dict[str, Any]]:
        """Records modified after `since` (SystemModstamp), oldest first, for polling catch-up."""

    def stream(
        self, obj: str, fields: Sequence[str], where: Condition | None = None, *, after_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Records of `obj` matching `where` in Id order (after `after_id`), read a page at a time, never all at once.

        A page is one call (2,000 records on Salesforce), so a million records cost no more memory than one page;
        a campaign resumes after the last Id it committed.
        """

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Create, update or upsert records in as few calls as the CRM allows (200 a call on Salesforce)."""

    def usage(self) -> ApiUsage | None:
        """The API budget as last reported by the CRM, if any call has reported it yet."""
