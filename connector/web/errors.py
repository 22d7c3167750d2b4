"""503 with Retry-After when the store cannot be reached, so a webhook's sender delivers the input again later.

    HTTP/1.1 503 Service Unavailable
    Retry-After: 30
    Content-Type: text/plain; charset=utf-8

    store unavailable; retry later

Every hook commits its input before answering, so an error on the way (connecting, a query, the commit itself)
means nothing was accepted: the sender's retry is the only copy, and its id makes a second delivery a no-op in
case the commit did land. Salesforce retries Outbound Messages and callouts for up to 24 hours. Only the error's
class and SQLSTATE are logged: SQLAlchemy's message carries the statement's parameters (phone numbers, bodies).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# Connection refused or lost, server shutting down, SQLite busy or unopenable (OperationalError); a connection
# already closed (InterfaceError); no pooled connection free in time (the pool's TimeoutError).
UNAVAILABLE: tuple[type[SQLAlchemyError], ...] = (OperationalError, InterfaceError, PoolTimeoutError)


def init_app(app: Flask) -> None:
    """Answer 503 + Retry-After, on every route, when the store is unreachable; other errors stay 500s."""
    for error in UNAVAILABLE:
        app.register_error_handler(error, store_unavailable)


def store_unavailable(exc: SQLAlchemyError) -> Response:
    log.error("store unavailable during %s %s: %s", request.method, request.path, describe(exc))
    response = Response("store unavailable; retry later\n", 503, content_type="text/plain; charset=utf-8")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def describe(exc: SQLAlchemyError) -> str:
    """The driver error's class and SQLSTATE (psycopg's 08006, 57P01...), never its message or the URL."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    state = getattr(cause, "sqlstate", None)
    return type(cause).__name__ + (f" (SQLSTATE {state})" if isinstance(state, str) else "")
