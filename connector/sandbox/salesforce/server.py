"""The Salesforce emulator as one object: start it on loopback HTTPS, point simple-salesforce at it, steer it.

with SalesforceEmulator(manifest=Path("manifest.yaml")) as sf:
    lead_id = sf.seed("Lead", LastName="Ruiz", Company="Ruiz Roofing", MobilePhone="+14155550123")
    Salesforce(instance_url=sf.instance_url, session_id=sf.session_id, session=<Session verify=sf.ca_bundle>)
    sf.expire_sessions(); sf.set_api_budget(limit=100, used=99); sf.fail_next(2, "timeout")
    sf.tasks(who_id=lead_id)   # what the connector wrote back
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from connector.sandbox.salesforce.app import create_app
from connector.sandbox.salesforce.auth import Auth, Credentials
from connector.sandbox.salesforce.deliveries import Deliveries
from connector.sandbox.salesforce.limits import DEFAULT_DAILY_LIMIT, ApiCall, FaultKind, Faults, Limits
from connector.sandbox.salesforce.org import Org
from connector.sandbox.salesforce.soql_eval import execute
from connector.sandbox.salesforce.standard import load_schema
from connector.sandbox.salesforce.state import EmulatorState
from connector.sandbox.salesforce.tls import make_tls
from connector.sandbox.salesforce.triggers import RetryPolicy, Transport, http_transport

log = logging.getLogger(__name__)
API_VERSION = "61.0"


class _QuietHandler(WSGIRequestHandler):
    """Request lines carry SOQL (and so phone digits): keep them out of the logs, at DEBUG at most."""

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("emulator http %s", type)


class SalesforceEmulator:
    """A wire-compatible Salesforce org on https://127.0.0.1:<port>, with in-process handles for tests and demos."""

    def __init__(
        self,
        *,
        manifest: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: Credentials | None = None,
        daily_limit: int = DEFAULT_DAILY_LIMIT,
        query_batch_size: int = 2000,
        retry: RetryPolicy | None = None,
        transport: Transport = http_transport,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.org = Org(load_schema(manifest), clock=clock)
        self.auth = Auth(self.org.org_id, credentials)
        self.deliveries = Deliveries(self.org, self.auth, retry or RetryPolicy(), transport, API_VERSION)
        self.state = EmulatorState(
            self.org, self.auth, Limits(daily_limit), Faults(), deliveries=self.deliveries,
            query_batch_size=query_batch_size,
        )  # fmt: skip
        self.session_id = self.auth.issue()
        self._host, self._port = host, port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._dir: Path | None = None
        self.ca_bundle: Path | None = None

    # Lifecycle

    def start(self) -> Self:
        """Bind (port 0 = any free port), make the CA and certificate, serve in a background thread."""
        self._dir = Path(tempfile.mkdtemp(prefix="sf-emulator-"))
        tls = make_tls(self._dir)
        self.ca_bundle = tls.ca_bundle
        app = create_app(self.state)
        self._server = make_server(
            self._host, self._port, app, threaded=True, ssl_context=tls.context, request_handler=_QuietHandler
        )
        self.state.base_url = self.deliveries.base_url = f"https://{self._host}:{self._server.server_port}"
        server = self._server
        # A short poll interval keeps stop() quick (shutdown waits for the loop to notice), for tests above all.
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="salesforce-emulator", daemon=True
        )
        self._thread.start()
        self.deliveries.start()
        return self

    def serve_forever(self) -> None:
        """Block until `stop()` is called from another thread or a signal handler."""
        assert self._thread is not None, "start() first"
        self._thread.join()

    def stop(self) -> None:
        self.state.faults.close()
        self.deliveries.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    # What clients are configured with

    @property
    def instance_url(self) -> str:
        return self.state.base_url

    @property
    def org_id(self) -> str:
        return self.org.org_id

    @property
    def credentials(self) -> Credentials:
        return self.auth.credentials

    def summary(self) -> dict[str, Any]:
        """The JSON line `smsflow emulate salesforce` prints."""
        return {
            "instance_url": self.instance_url,
            "ca_bundle": str(self.ca_bundle),
            "session_id": self.session_id,
            "org_id": self.org_id,
        }

    # Records, in-process (uncharged, like changes made by people in the org)

    def seed(self, obj: str, fields: dict[str, Any] | None = None, **more: Any) -> str:
        """Create a record as a person in the org would; configured deliveries fire. Read-only fields allowed."""
        return self.org.create(obj, {**(fields or {}), **more}, trusted=True)

    def update(self, obj: str, record_id: str, fields: dict[str, Any] | None = None, **more: Any) -> None:
        """Change a record as a person in the org would; configured deliveries fire."""
        self.org.update(obj, record_id, {**(fields or {}), **more}, trusted=True)

    def delete(self, obj: str, record_id: str) -> None:
        """Delete a record as a person in the org would (it stays visible to queryAll)."""
        self.org.delete(obj, record_id)

    def set_clock(self, clock: Callable[[], datetime]) -> None:
        """Make the org read time from `clock` (CreatedDate, SystemModstamp, TODAY, ...)."""
        self.org.clock = clock

    def record(self, obj: str, record_id: str) -> dict[str, Any] | None:
        """A copy of a record (deleted ones too), or None."""
        found = self.org.find(record_id)
        return dict(found[1]) if found and found[0].name.lower() == obj.lower() else None

    def query(self, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """Run SOQL in-process (uncharged) and return records in the REST shape."""
        return execute(soql, self.org, include_deleted=include_deleted, version=API_VERSION)[1]

    def tasks(self, who_id: str | None = None) -> list[dict[str, Any]]:
        """Tasks (for one WhoId, when given), oldest first: what write-back produced."""
        rows = [dict(r) for r in self.org.rows("Task") if who_id is None or r["WhoId"] == who_id]
        return sorted(rows, key=lambda r: (r["CreatedDate"], r["Id"]))

    # Knobs

    def expire_sessions(self) -> None:
        """Invalidate every session id issued so far: the next REST call gets 401 INVALID_SESSION_ID."""
        self.auth.expire_all()

    def set_api_budget(self, *, limit: int | None = None, used: int | None = None) -> None:
        """Set the daily API limit and/or the calls used so far (a call at used >= limit gets 403)."""
        self.state.limits.set(limit=limit, used=used)

    @property
    def api_usage(self) -> tuple[int, int]:
        """(used, limit), as the next Sforce-Limit-Info header would report them."""
        limits = self.state.limits
        return limits.used, limits.limit

    @property
    def api_calls(self) -> list[ApiCall]:
        """Every REST call charged to the budget, oldest first."""
        return self.state.limits.calls

    def reset_api_calls(self) -> None:
        self.state.limits.reset_calls()

    def fail_next(self, n: int, kind: FaultKind = "unavailable", stall_seconds: float | None = None) -> None:
        """Make the next `n` requests answer 503, or ("timeout") hang `stall_seconds` first; none is processed."""
        if stall_seconds is not None:
            self.state.faults.stall_seconds = stall_seconds
        self.state.faults.fail_next(n, kind)

    @property
    def query_batch_size(self) -> int:
        return self.state.query_batch_size

    @query_batch_size.setter
    def query_batch_size(self, size: int) -> None:
        self.state.query_batch_size = size
