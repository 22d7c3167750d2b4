"""SalesforceCrm: the CRM port on simple-salesforce, with re-login, API budget pacing and batched writes.

Budget: every response's Sforce-Limit-Info updates `usage()`. Below 10 % of the daily limit left, polling
(`changed_since`) and campaign audiences (`stream`, checked before every page) are refused with
CrmError("limit", retryable=True); below 2 %, writes are refused too, keeping
the rest for lookups that live conversations need; lookups stop only when the org itself refuses (403). A
reading older than 5 minutes lets one call through to refresh it, since the real budget is a rolling 24 hours.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError

from connector import logmask
from connector.crm.audience import Condition
from connector.crm.port import ApiUsage, CrmError, CrmErrorCode, WriteOp, WriteResult
from connector.crm.salesforce import soql
from connector.crm.salesforce.audience import clause
from connector.crm.salesforce.session import REDIRECTED_DOMAIN, build_session, login_domain
from connector.phones import mask, mask_in_text, region_of, try_e164

log = logging.getLogger("connector.crm.salesforce")
T = TypeVar("T")
CallKind = Literal["lookup", "write", "poll"]
GET_MANY = 200  # ids per Id IN (...) query: about 4,200 characters of SOQL, far below its 100,000 limit
_USAGE = re.compile(r"(?:^|[^-])api-usage=(\d+)/(\d+)")
_ID = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
PHONE_TAIL = 7  # digits matched with LIKE; people type separators anywhere ("06 12 34 56 78", "555-0188")
MAX_CANDIDATES = 2000
BATCH = 200  # sObject Collections take at most 200 records a call
# Names our writes in Change Data Capture's changeOrigin ("...;client=smsflow-connector"), so ingest can skip them.
CALL_OPTIONS = {"Sforce-Call-Options": "client=smsflow-connector"}
# Save-result codes that mean the record (or the one it points at) is gone, and those worth retrying.
_GONE = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND", "INVALID_CROSS_REFERENCE_KEY", "INVALID_ID_FIELD"})
_TRANSIENT = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "ALL_OR_NONE_OPERATION_ROLLED_BACK"})


@dataclass(frozen=True)
class BudgetPolicy:
    """Fractions of the daily API limit kept in reserve, per kind of call."""

    poll_floor: float = 0.10
    write_floor: float = 0.02
    stale_after: float = 300.0


@dataclass(frozen=True)
class SalesforceConfig:
    """How to reach and authenticate to the org; secrets are kept out of repr."""

    instance_url: str | None = None
    session_id: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security_token: str | None = field(default=None, repr=False)
    consumer_key: str | None = None
    consumer_secret: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)  # PEM of the connected app's certificate key (JWT)
    api_version: str = "61.0"
    ca_bundle: Path | None = None
    timeout: float = 30.0
    default_region: str = "US"
    budget: BudgetPolicy = field(default_factory=BudgetPolicy)


def _error(code: CrmErrorCode, retryable: bool, sf_code: str, message: str) -> CrmError:
    # Messages may quote field values (phone numbers) but never carry URLs, session ids or credentials.
    return CrmError(code, retryable, mask_in_text(f"{sf_code}: {message}" if sf_code else message)[:300])


def crm_error(exc: BaseException) -> CrmError:
    """A simple-salesforce or requests exception in the port's vocabulary."""
    if isinstance(exc, CrmError):
        return exc
    if isinstance(exc, SalesforceAuthenticationFailed):
        if isinstance(exc.code, int) and exc.code >= 500:
            return _error("unavailable", True, str(exc.code), "login endpoint unavailable")
        return _error("auth", False, str(exc.code or "LOGIN_FAILED"), "login failed")
    if isinstance(exc, SalesforceError):
        content = exc.content
        first = content[0] if isinstance(content, list) and content and isinstance(content[0], dict) else {}
        sf_code, message = str(first.get("errorCode") or ""), str(first.get("message") or f"HTTP {exc.status}")
        if exc.status == 401:
            return _error("auth", False, sf_code or "INVALID_SESSION_ID", message)
        if exc.status == 403:
            limited = sf_code == "REQUEST_LIMIT_EXCEEDED"
            return _error("limit" if limited else "auth", limited, sf_code, message)
        if exc.status == 404 or sf_code in _GONE:
            return _error("not_found", False, sf_code, message)
        if exc.status >= 500 or exc.status in (408, 429):
            return _error("unavailable", True, sf_code, message)
        return _error("invalid", False, sf_code, message)
    if isinstance(exc, requests.exceptions.SSLError):
        return CrmError("auth", False, "TLS certificate not trusted (is SALESFORCE_CA_BUNDLE right?)")
    if isinstance(exc, requests.RequestException):
        return CrmError("unavailable", True, f"{type(exc).__name__} talking to Salesforce")
    raise exc


def item_error(errors: Sequence[dict[str, Any]]) -> CrmError:
    """The error of one sObject Collections save result (its errors use statusCode)."""
    first = errors[0] if errors else {}
    sf_code, message = str(first.get("statusCode") or ""), str(first.get("message") or "save failed")
    if sf_code in _GONE:
        return _error("not_found", False, sf_code, message)
    if sf_code == "REQUEST_LIMIT_EXCEEDED":
        return _error("limit", True, sf_code, message)
    return _error("unavailable" if sf_code in _TRANSIENT else "invalid", sf_code in _TRANSIENT, sf_code, message)


@dataclass(frozen=True)
class _Batch:
    """One sObject Collections call and the positions of its records in the caller's ops."""

    method: str
    path: str
    body: dict[str, Any]
    indexes: tuple[int, ...]


def _record(op: WriteOp) -> tuple[dict[str, Any], str | None]:
    """The collection record for one op, and what identifies its target (None for creates); ValueError if bad."""
    soql.name(op.object)
    record: dict[str, Any] = {"attributes": {"type": op.object}, **op.fields}
    if op.op == "update":
        if not op.record_id or not _ID.match(op.record_id):
            raise ValueError("update needs a record id")
        record["id"] = op.record_id
        return record, op.record_id[:15]
    if op.op == "upsert":
        value = op.fields.get(soql.name(op.external_id_field or "")) if op.external_id_field else None
        if value in (None, ""):
            raise ValueError("upsert needs external_id_field and its value in fields")
        return record, str(value).lower()
    return record, None


def plan(ops: Sequence[WriteOp], results: list[WriteResult | None]) -> list[_Batch]:
    """Group ops by (op, object, external id field) in first-seen order, 200 a call; refuse malformed ops.

    A request may not name one record twice (DUPLICATE_VALUE for upserts), so a second op on the same target
    goes into a later round of calls, which keeps the ops' order for that record.
    """
    groups: dict[tuple[str, str, str | None], list[list[tuple[int, dict[str, Any]]]]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    for index, op in enumerate(ops):
        try:
            record, target = _record(op)
        except ValueError as exc:
            results[index] = WriteResult(op.key, False, error=CrmError("invalid", False, str(exc)))
            continue
        group = (op.op, op.object, op.external_id_field if op.op == "upsert" else None)
        rounds = groups.setdefault(group, [])
        n = 0
        if target is not None:
            n = seen[(op.op, op.object, target)]
            seen[(op.op, op.object, target)] += 1
        while len(rounds) <= n:
            rounds.append([])
        rounds[n].append((index, record))
    batches = []
    for (kind, obj, external), rounds in groups.items():
        method = "POST" if kind == "create" else "PATCH"
        path = f"composite/sobjects/{obj}/{external}" if kind == "upsert" else "composite/sobjects"
        for members in rounds:
            for start in range(0, len(members), BATCH):
                chunk = members[start : start + BATCH]
                body = {"allOrNone": False, "records": [record for _, record in chunk]}
                batches.append(_Batch(method, path, body, tuple(i for i, _ in chunk)))
    return batches


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    """A REST record without `attributes`, relationship records kept nested (and plain too)."""
    return {k: _plain(v) if isinstance(v, dict) else v for k, v in record.items() if k != "attributes"}


class SalesforceCrm:
    """CrmPort for a Salesforce org (or the emulator), through unmodified simple-salesforce."""

    def __init__(self, config: SalesforceConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not (config.session_id or config.username or config.consumer_key):
            raise ValueError("Salesforce needs SALESFORCE_SESSION_ID, or SALESFORCE_USERNAME and a password or key")
        self._config, self._clock = config, clock
        logmask.install()  # urllib3's DEBUG request lines carry SOQL with phone numbers in the URL
        self._session = build_session(
            instance_url=config.instance_url, ca_bundle=config.ca_bundle, read_timeout=config.timeout,
            on_response=self._observe,
        )  # fmt: skip
        self._sf: Salesforce | None = None
        self._lock = threading.Lock()
        self._usage: ApiUsage | None = None
        self._usage_at = 0.0

    # Connection and errors

    def _can_login(self) -> bool:
        c = self._config
        return bool((c.username and (c.password or c.private_key)) or (c.consumer_key and c.consumer_secret))

    def _login_args(self) -> dict[str, Any]:
        c = self._config
        domain, _ = login_domain(c.instance_url)
        common: dict[str, Any] = {"session": self._session, "version": c.api_version, "domain": domain}
        if c.username and c.consumer_key and c.private_key:
            if domain != REDIRECTED_DOMAIN:  # OAuth guide: a JWT's audience is login. or test.salesforce.com
                common["domain"] = "test" if ".sandbox." in f".{domain}." or domain == "test" else "login"
            return common | {"username": c.username, "consumer_key": c.consumer_key, "privatekey": c.private_key}
        if c.username and c.password and c.consumer_key and c.consumer_secret:
            return common | {"username": c.username, "password": c.password, "consumer_key": c.consumer_key,
                             "consumer_secret": c.consumer_secret}  # fmt: skip
        if c.username and c.password:
            return common | {"username": c.username, "password": c.password, "security_token": c.security_token or ""}
        return common | {"consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret}

    def _client(self, *, fresh: bool = False, stale: Salesforce | None = None) -> Salesforce:
        with self._lock:
            if self._sf is not None and not fresh:
                return self._sf
            if fresh and self._sf is not stale and self._sf is not None:
                return self._sf  # another thread logged in again meanwhile
            c = self._config
            try:
                if c.session_id and c.instance_url and not fresh:
                    self._sf = Salesforce(
                        instance_url=c.instance_url, session_id=c.session_id, session=self._session,
                        version=c.api_version,
                    )  # fmt: skip
                else:
                    self._sf = Salesforce(**self._login_args())
                    log.info("logged in to Salesforce (%s)", self._sf.auth_type)
            except Exception as exc:
                raise crm_error(exc) from None
            return self._sf

    def _observe(self, response: requests.Response) -> None:
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match:
            self._usage = ApiUsage(used=int(match.group(1)), limit=int(match.group(2)))
            self._usage_at = self._clock()

    def _guard(self, kind: CallKind) -> None:
        usage = self._usage
        if usage is None or usage.limit <= 0 or self._clock() - self._usage_at > self._config.budget.stale_after:
            return
        floor = {"poll": self._config.budget.poll_floor, "write": self._config.budget.write_floor}.get(kind, 0.0)
        if usage.remaining <= 0 or usage.remaining < floor * usage.limit:
            log.warning(
                "Salesforce API budget low (%d of %d left): %s calls paused", usage.remaining, usage.limit, kind
            )
            reason = f"{usage.remaining} of {usage.limit} daily API calls left; {kind} calls paused"
            raise CrmError("limit", True, reason)

    def _call(self, kind: CallKind, fn: Callable[[Salesforce], T]) -> T:
        self._guard(kind)
        sf = self._client()
        try:
            return fn(sf)
        except Exception as exc:
            error = crm_error(exc)
            if error.code == "limit" and self._usage is not None:
                self._usage = ApiUsage(self._usage.limit, self._usage.limit)
            if not (error.code == "auth" and error.reason.startswith("INVALID_SESSION_ID")):
                raise error from None
        if not self._can_login():
            raise CrmError("auth", False, "session expired or invalid, and no credentials to log in again")
        log.info("Salesforce session expired; logging in again")
        sf = self._client(fresh=True, stale=sf)
        try:
            return fn(sf)
        except Exception as exc:
            raise crm_error(exc) from None

    def _records(self, kind: CallKind, query: str, *, more: CallKind = "lookup") -> Iterator[dict[str, Any]]:
        page = self._call(kind, lambda sf: sf.query(query))
        while True:
            yield from (_plain(r) for r in page["records"])
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            next_url: str = page["nextRecordsUrl"]
            page = self._call(more, lambda sf, url=next_url: sf.query_more(url, identifier_is_url=True))

    @staticmethod
    def _select(obj: str, fields: Sequence[str], **parts: Any) -> str:
        try:
            return soql.select(obj, fields, **parts)
        except ValueError as exc:  # a name that is no API name: a caller's bug or hostile input, never sent
            raise CrmError("invalid", False, str(exc)) from None

    # The port

    def get(self, obj: str, record_id: str, fields: Sequence[str]) -> dict[str, Any] | None:
        """The record's fields (relationships nested, without `attributes`), or None when it is gone."""
        if not isinstance(record_id, str) or not _ID.match(record_id):
            raise CrmError("invalid", False, "not a Salesforce record id")
        query = self._select(obj, ["Id", *fields], where=soql.eq("Id", record_id), limit=1)
        return next(self._records("lookup", query), None)

    def get_many(self, obj: str, record_ids: Sequence[str], fields: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Records by the ids asked for, GET_MANY a query; one that is gone is left out."""
        ids = list(dict.fromkeys(record_ids))
        if not all(isinstance(i, str) and _ID.match(i) for i in ids):
            raise CrmError("invalid", False, "not a Salesforce record id")
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(ids), GET_MANY):
            chunk = ids[start : start + GET_MANY]
            query = self._select(obj, ["Id", *fields], where=soql.in_("Id", chunk))
            # Salesforce answers with 18-character ids; an id asked in its 15-character form is the same record.
            by_id = {str(r["Id"])[:15]: r for r in self._records("lookup", query)}
            found.update({i: by_id[i[:15]] for i in chunk if i[:15] in by_id})
        return found

    def find_by_phone(self, obj: str, phone_fields: Sequence[str], e164: str, fields: Sequence[str]) -> list[dict]:
        """Records whose phone fields hold `e164` however typed: LIKE on the last digits, then E.164 in code."""
        number = try_e164(e164)
        if number is None or not phone_fields:
            return []
        tail = number[-PHONE_TAIL:]
        try:
            where = soql.any_of(*(soql.like(f, *tail) for f in phone_fields))
        except ValueError as exc:
            raise CrmError("invalid", False, str(exc)) from None
        query = self._select(
            obj,
            ["Id", *fields, *phone_fields],
            where=where,
            order_by=[("LastModifiedDate", True)],
            limit=MAX_CANDIDATES,
        )
        # A national number ("(415) 555-0188") is read in the searched number's own country.
        region = region_of(number) or self._config.default_region
        found = [
            r for r in self._records("lookup", query) if any(try_e164(r.get(f), region) == number for f in phone_fields)
        ]
        log.debug("phone lookup on %s for %s: %d match(es)", obj, mask(number), len(found))
        return found

    def changed_since(self, obj: str, fields: Sequence[str], since: datetime) -> Iterator[dict[str, Any]]:
        """Records with SystemModstamp after `since` (to the second, rounded down), oldest first, all pages."""
        self._guard("poll")
        query = self._select(
            obj, ["Id", *fields, "SystemModstamp"], where=soql.gt("SystemModstamp", since),
            order_by=[("SystemModstamp", False), ("Id", False)],
        )  # fmt: skip
        return self._records("poll", query)

    def stream(
        self, obj: str, fields: Sequence[str], where: Condition | None = None, *, after_id: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Records matching `where` in Id order, after `after_id`: one query, then query_more per nextRecordsUrl.

        Paged as the org pages it (2,000 records a call by default); each page is fetched when the caller reaches
        it, and every page is paced like polling, so a long campaign stops before it eats the lookups' budget.
        """
        try:
            parts = [clause(where)] if where is not None else []
            if after_id is not None:
                parts.append(soql.gt("Id", after_id))
        except ValueError as exc:  # a name that is no API name: refused here, never sent
            raise CrmError("invalid", False, str(exc)) from None
        query = self._select(
            obj, ["Id", *fields], where=soql.all_of(*parts) if parts else None, order_by=[("Id", False)]
        )
        self._guard("poll")
        return self._records("poll", query, more="poll")

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Creates, updates and upserts in sObject Collections calls of up to 200 records (allOrNone false).

        Nothing is raised: a failed call marks its records (and, when retryable, every later record) with the
        error, so the caller keeps them queued; records of successful calls report their own outcome.
        """
        results: list[WriteResult | None] = [None] * len(ops)
        halted: CrmError | None = None
        for batch in plan(ops, results):
            if halted is not None:
                for index in batch.indexes:
                    results[index] = WriteResult(ops[index].key, False, error=halted)
                continue
            try:
                answer = self._call(
                    "write", lambda sf, b=batch: sf.restful(b.path, method=b.method, json=b.body, headers=CALL_OPTIONS)
                )
            except CrmError as error:
                halted = error if error.retryable or error.code == "auth" else None
                for index in batch.indexes:
                    results[index] = WriteResult(ops[index].key, False, error=error)
                continue
            for index, item in zip(batch.indexes, answer or [], strict=False):
                op = ops[index]
                ok = bool(item.get("success"))
                error = None if ok else item_error(item.get("errors") or [])
                results[index] = WriteResult(op.key, ok, item.get("id") or op.record_id, error)
        return [
            r or WriteResult(op.key, False, error=CrmError("unavailable", True, "no answer"))
            for r, op in zip(results, ops, strict=True)
        ]

    def usage(self) -> ApiUsage | None:
        return self._usage
