"""What every admin view reaches for: the container, the clock, the signed-in user, and small form helpers."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, session

from connector.bootstrap import Container
from connector.settings import Settings

USER_KEY = "user"
# Row ids are PostgreSQL integers; a larger id in a URL, or a page past it, is answered 404 or an empty page,
# never passed to the database, which would fail on it (SQLite and psycopg raise on out-of-range integers).
MAX_ROW_ID = 2**31 - 1


def container() -> Container:
    """The store, flows and clock of the app handling this request."""
    built: Container = current_app.extensions["smsflow.container"]
    return built


def settings() -> Settings:
    return container().settings


def now() -> datetime:
    return container().clock()


def signed_in() -> str | None:
    """The signed-in admin's name, if the session names one that still exists in the settings."""
    name = session.get(USER_KEY)
    return name if isinstance(name, str) and name in settings().admin_accounts() else None


def user() -> str:
    """The signed-in admin's name (views behind sign-in only)."""
    name = signed_in()
    assert name is not None, "a view behind sign-in ran without a signed-in user"
    return name


def form_key() -> str:
    """A fresh one-time key for a form that queues something, so submitting it twice queues it once."""
    return secrets.token_urlsafe(16)
