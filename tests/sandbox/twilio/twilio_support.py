"""Helpers for the Twilio emulator tests: the unmodified twilio client on the emulator, a webhook sink, polling."""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from connector.sandbox.twilio import TwilioEmulator


def client_for(emulator: TwilioEmulator, username: str | None = None, password: str | None = None) -> Client:
    """The unmodified twilio client, redirected by setting its API domain's base URL (NOTES.md section 3.A)."""
    client = Client(
        username or emulator.account_sid,
        password or emulator.auth_token,
        account_sid=emulator.account_sid,
        http_client=TwilioHttpClient(timeout=10),
        environment={"TWILIO_ACCOUNT_SID": emulator.account_sid},  # ignore TWILIO_EDGE/REGION from the shell
    )
    client.api.base_url = emulator.url
    return client


@dataclass(frozen=True)
class Hit:
    """One request the sink received."""

    url: str
    form: list[tuple[str, str]]
    headers: dict[str, str]

    def get(self, name: str) -> str | None:
        return next((v for k, v in self.form if k == name), None)


class Sink:
    """A webhook receiver on loopback: records every request and answers `status` (200 by default)."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.status = 200
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        hit = Hit(request.url, list(request.form.items(multi=True)), dict(request.headers.items()))
        with self._lock:
            self.hits.append(hit)
        return Response("<Response/>", status=self.status, content_type="text/xml")(environ, start_response)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Hit]:
        """Poll until `n` requests arrived or `timeout` passed; returns what arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.hits) >= n:
                    return list(self.hits)
            time.sleep(0.01)
        with self._lock:
            return list(self.hits)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll `check` until it holds or `timeout` seconds passed (async work on a shared 2-core machine)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def raw(
    emulator: TwilioEmulator,
    method: str,
    path: str,
    form: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    json_body: dict[str, Any] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One HTTP request to the emulator without the twilio client: (status, headers, parsed JSON or None)."""
    user, password = auth or (emulator.account_sid, emulator.auth_token)
    headers = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    data = None
    if form is not None:
        data, headers["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
    if json_body is not None:
        data, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    request = urllib.request.Request(emulator.url + path, data=data, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            status, got, text = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, got, text = exc.code, dict(exc.headers), exc.read()
    return status, got, json.loads(text) if text else None
