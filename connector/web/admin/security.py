"""Sessions, CSRF tokens, sign-in throttling and the security headers every response carries."""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request, session

from connector.settings import Settings

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=8)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline script or style anywhere: every script and stylesheet is a file under /admin/static.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def configure(app: Flask) -> None:
    """Session cookie settings and the secret key; security headers on every response."""
    settings: Settings = app.extensions["smsflow"]
    if settings.secret_key is not None:
        app.secret_key = settings.secret_key.get_secret_value()
    else:
        # Sessions then last only as long as this process, and each web process has its own: fine for one
        # process and the sandbox; production with admin users refuses to start without SMSFLOW_SECRET_KEY.
        app.secret_key = secrets.token_bytes(32)
        if settings.admin_accounts():
            log.warning("SMSFLOW_SECRET_KEY is unset: admin sessions end when this process restarts")
    app.config.update(
        SESSION_COOKIE_NAME="smsflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=urlsplit(settings.public_url).scheme == "https",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """Security headers on every response; admin and API answers are never cached."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith(("/admin", "/api")) and not request.path.startswith("/admin/static"):
        response.headers["Cache-Control"] = "no-store"
    return response


def csrf_token() -> str:
    """This session's CSRF token, made on first use; forms carry it in a hidden field, scripts in a header."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> None:
    """Refuse (400) an unsafe request without this session's token; the login form is covered too."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = session.get(CSRF_FIELD)
    given = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    # As bytes: compare_digest raises TypeError for a str with non-ASCII characters, and `given` is input.
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected.encode(), given.encode()):
        abort(400, description="The form expired or did not come from this site; reload the page and try again.")


def refuse_nul() -> None:
    """Refuse (400) a request with a NUL character in its query or body (raw, or escaped in JSON): PostgreSQL text
    cannot store one, and no admin form or API field needs it."""
    body = request.get_data(cache=True).decode("utf-8", "replace")
    fields = (*request.args.values(), *request.form.values())
    if "\x00" in body or "\\u0000" in body or any("\x00" in value for value in fields):
        abort(400, description="NUL characters are refused.")


class Throttle:
    """At most `limit` failed sign-ins per client address within `window` seconds (per process)."""

    def __init__(self, limit: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key)) >= self.limit

    def fail(self, key: str) -> None:
        with self._lock:
            self._recent(key).append(self._now())

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _now(self) -> float:
        return self._clock()

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] < self._now() - self.window:
            failures.popleft()
        return failures


def throttle() -> Throttle:
    """This app's sign-in throttle (pages and API share it)."""
    found: Throttle = current_app.extensions.setdefault("smsflow.admin_throttle", Throttle())
    return found
