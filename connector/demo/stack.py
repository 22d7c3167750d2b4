"""Start and stop what the demo runs, all on 127.0.0.1: both emulators, the connector's web app, and its worker.

    with running(data_dir, clock, seed=7) as stack:
        stack.salesforce.seed("Lead", ...)      # the org delivers an Outbound Message to stack.url
        stack.worker.run_now("flush_writebacks")

Everything talks over real sockets through the real clients: simple-salesforce and the twilio library call the
emulators, the org POSTs Outbound Messages to the connector's Flask app (created by `create_app`, as gunicorn
would), and Twilio's signed status callbacks and inbound texts arrive at its hooks over HTTP.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.security import generate_password_hash
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from connector.bootstrap import Container, build
from connector.crm.salesforce.ingest import outbound_message_key
from connector.demo.clock import DemoClock
from connector.demo.jobs import WorkerThread
from connector.sandbox.salesforce import RetryPolicy, SalesforceEmulator
from connector.sandbox.twilio import Knobs, TwilioEmulator
from connector.settings import Settings, load_settings
from connector.sms.port import SmsPort
from connector.sms.twilio import build_sms
from connector.web import create_app
from connector.worker import Worker, run_worker

LOOPBACK = "127.0.0.1"
ADMIN_USER = "demo"
# Seeded, so every run draws the same duplicates and reorderings: Twilio does both, and the connector copes.
KNOBS = {"callback_delay": 0.02, "duplicate_rate": 0.2, "out_of_order_rate": 0.2}
# The org resends an unacknowledged Outbound Message after seconds rather than Salesforce's minutes.
RETRY = RetryPolicy(base=0.2, cap=2.0, give_up_after=3600.0, timeout=15.0)


@dataclass
class Stack:
    """The running parts, for the scenario to act on and the summary to count."""

    clock: DemoClock
    salesforce: SalesforceEmulator
    twilio: TwilioEmulator
    settings: Settings
    app: Flask
    url: str  # the connector's base URL (= SMSFLOW_PUBLIC_URL)
    container: Container  # the worker's: its store is where the demo reads what happened
    worker: WorkerThread
    sms: SmsPort
    admin_password: str  # of ADMIN_USER, made for this run: the admin pages sign in with it
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def hand_over(self) -> None:
        """Stop the scripted run's worker and start `smsflow worker`'s schedule (every job on its interval)."""
        self.worker.stop()
        stop = threading.Event()
        thread = threading.Thread(
            target=run_worker, args=(self.container, stop), kwargs={"sms": self.sms}, name="smsflow-worker", daemon=True
        )
        thread.start()

        def stop_worker() -> None:
            stop.set()
            thread.join(timeout=30)

        self._stops.append(stop_worker)

    def close(self) -> None:
        """Stop what `hand_over` started."""
        for stop in reversed(self._stops):
            stop()


class _QuietHandler(WSGIRequestHandler):
    """Request lines carry the Outbound Message key; keep them out of the terminal and the log."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class _Deferred:
    """A WSGI app that is set after the socket is bound, so the settings can name the port it got."""

    app: Flask | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting\n"]
        return self.app(environ, start_response)


def _serve(server: BaseWSGIServer, name: str) -> Callable[[], None]:
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), name=name, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    return stop


def project_root() -> Path:
    """Where flows/, mappings/ and manifest.yaml are: the working directory if it has them, else this checkout."""
    here = Path.cwd()
    if (here / "manifest.yaml").is_file() and (here / "flows").is_dir() and (here / "mappings").is_dir():
        return here
    return Path(__file__).resolve().parents[2]


def settings_for(
    db: Path, url: str, salesforce: SalesforceEmulator, twilio: TwilioEmulator, root: Path, admin_password: str
) -> Settings:
    """The connector's settings, exactly as an admin would put them in the environment for these emulators."""
    credentials = salesforce.credentials
    return load_settings(
        {
            "SMSFLOW_ADMIN_USERS": f"{ADMIN_USER}:{generate_password_hash(admin_password)}",
            "SMSFLOW_SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": f"sqlite:///{db}",
            "SMSFLOW_PUBLIC_URL": url,
            "SMSFLOW_SANDBOX": "true",
            "SMSFLOW_FLOWS_DIR": str(root / "flows"),
            "SMSFLOW_MAPPINGS_DIR": str(root / "mappings"),
            "SMSFLOW_MANIFEST": str(root / "manifest.yaml"),
            "SMSFLOW_CALLOUT_SECRET": secrets.token_hex(16),
            "SMSFLOW_LOG_LEVEL": "INFO",
            "TWILIO_ACCOUNT_SID": twilio.account_sid,
            "TWILIO_AUTH_TOKEN": twilio.auth_token,
            "TWILIO_FROM_NUMBER": twilio.number,
            "TWILIO_API_BASE": twilio.url,
            "SALESFORCE_INSTANCE_URL": salesforce.instance_url,
            "SALESFORCE_SESSION_ID": salesforce.session_id,
            "SALESFORCE_USERNAME": credentials.username,
            "SALESFORCE_PASSWORD": credentials.password,
            "SALESFORCE_SECURITY_TOKEN": credentials.security_token,
            "SALESFORCE_CA_BUNDLE": str(salesforce.ca_bundle),
            "SALESFORCE_ORG_ID": salesforce.org_id,
        }
    )


@contextmanager
def _no_proxy_for_loopback() -> Iterator[None]:
    """requests (under simple-salesforce and twilio) honours HTTP(S)_PROXY; loopback must never go through one."""
    saved = {name: os.environ.get(name) for name in ("NO_PROXY", "no_proxy")}
    for name, value in saved.items():
        os.environ[name] = ",".join(filter(None, [value, LOOPBACK, "localhost"]))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def running(data_dir: Path, clock: DemoClock, *, seed: int, port: int = 0) -> Iterator[Stack]:
    """Start everything (the SQLite file is data_dir/smsflow-demo.db, made afresh); stop it all on leaving."""
    root = project_root()
    db = data_dir / "smsflow-demo.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    with ExitStack() as stops, _no_proxy_for_loopback():
        salesforce = SalesforceEmulator(manifest=root / "manifest.yaml", clock=clock, retry=RETRY).start()
        stops.callback(salesforce.stop)
        twilio = TwilioEmulator(knobs=Knobs(seed=seed, **KNOBS), clock=clock).start()
        stops.callback(twilio.stop)
        web = _Deferred()
        server = make_server(LOOPBACK, port, web, threaded=True, request_handler=_QuietHandler)
        url = f"http://{LOOPBACK}:{server.server_port}"
        stops.callback(_serve(server, "smsflow-demo-web"))

        admin_password = secrets.token_urlsafe(9)
        settings = settings_for(db, url, salesforce, twilio, root, admin_password)
        app = create_app(settings)  # migrates the new SQLite file, loads and validates the flows
        app.extensions["smsflow.container"].clock = clock
        stops.callback(app.extensions["smsflow.container"].store.dispose)
        web.app = app
        twilio.inbound_url = f"{url}/hooks/twilio/inbound"
        key = outbound_message_key(settings.callout_secret.get_secret_value())  # type: ignore[union-attr]
        outbound = f"{url}/hooks/salesforce/outbound-message?key={key}"
        salesforce.deliveries.add_standard_rules("outbound_message", outbound)

        container = build(settings)  # the worker's own, as `smsflow worker` builds it in its own process
        container.clock = clock
        stops.callback(container.store.dispose)
        sms = build_sms(settings)
        worker = WorkerThread(Worker.build(container, sms)).start()
        stack = Stack(clock, salesforce, twilio, settings, app, url, container, worker, sms, admin_password)
        stops.callback(stack.close)
        stops.callback(worker.stop)
        yield stack
