"""Who may call the emulator: the integration user's credentials, a connected app, and the sessions issued."""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

import jwt

from connector.sandbox.salesforce.errors import invalid_session

DEFAULT_USERNAME = "integration@smsflow.sandbox"
DEFAULT_PASSWORD = "sandbox-password"
DEFAULT_SECURITY_TOKEN = "SANDBOXTOKEN"
DEFAULT_CONSUMER_KEY = "smsflow-sandbox-consumer-key"
DEFAULT_CONSUMER_SECRET = "smsflow-sandbox-consumer-secret"


@dataclass
class Credentials:
    """The integration user's login and the connected app; JWT bearer needs the app's certificate public key."""

    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    security_token: str = DEFAULT_SECURITY_TOKEN
    consumer_key: str = DEFAULT_CONSUMER_KEY
    consumer_secret: str = DEFAULT_CONSUMER_SECRET
    jwt_public_keys: list[str] = field(default_factory=list)  # PEM, as uploaded to the connected app


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Auth:
    """Issues and checks session ids (REST bearer tokens); `expire_all()` makes every issued one invalid."""

    def __init__(self, org_id: str, credentials: Credentials | None = None) -> None:
        self.org_id = org_id
        self.credentials = credentials or Credentials()
        self._sessions: set[str] = set()
        self._lock = threading.Lock()
        self.logins = 0  # successful logins (SOAP or OAuth), for tests of re-login

    def issue(self) -> str:
        """A new session id in Salesforce's shape: the 15-character org id, "!", then an opaque token."""
        token = f"{self.org_id[:15]}!{secrets.token_urlsafe(72)}"
        with self._lock:
            self._sessions.add(token)
        return token

    def check(self, authorization: str | None) -> None:
        """Raise 401 INVALID_SESSION_ID unless the header carries a live session id (Bearer or OAuth scheme)."""
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            alive = scheme.lower() in ("bearer", "oauth") and token.strip() in self._sessions
        if not alive:
            raise invalid_session()

    def expire_all(self) -> None:
        with self._lock:
            self._sessions.clear()

    def password_ok(self, username: str, password: str) -> bool:
        """Password alone (trusted IP range: loopback) or password followed by the security token."""
        c = self.credentials
        if not _same(username.lower(), c.username.lower()):
            return False
        return _same(password, c.password) or _same(password, c.password + c.security_token)

    def client_ok(self, key: str, secret: str | None) -> bool:
        c = self.credentials
        return _same(key, c.consumer_key) and (secret is None or _same(secret, c.consumer_secret))

    def jwt_ok(self, assertion: str, now: float) -> bool:
        """An RS256 assertion from the connected app for the integration user, not expired (OAuth JWT bearer flow)."""
        for pem in self.credentials.jwt_public_keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    assertion, pem, algorithms=["RS256"], options={"verify_exp": False, "verify_aud": False}
                )
            except jwt.PyJWTError:
                continue
            try:
                expires = float(claims.get("exp", 0))  # simple-salesforce sends exp as a string
            except (TypeError, ValueError):
                return False
            audience = str(claims.get("aud", ""))
            return (
                self.client_ok(str(claims.get("iss", "")), None)
                and _same(str(claims.get("sub", "")).lower(), self.credentials.username.lower())
                and audience.startswith("https://")
                and expires > now
            )
        return False
