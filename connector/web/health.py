"""`GET /healthz`: is this process up, and can it reach its database?

200 {"status": "ok", "database": "ok", "version": "0.1.0"}
503 {"status": "unavailable", "database": "unreachable (OperationalError)", "version": "0.1.0"}
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from connector import __version__
from connector.settings import Settings

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

_ENGINE_KEY = "smsflow.health_engine"
# A load balancer's probe should fail fast rather than hang on a black-holed database host.
CONNECT_TIMEOUT_S = 3


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        with _engine(current_app).connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = _reason(exc)
        log.warning("health check: database %s", reason)
        body, code = {"status": "unavailable", "database": reason}, 503
    else:
        body, code = {"status": "ok", "database": "ok"}, 200
    response = jsonify({**body, "version": __version__})
    response.headers["Cache-Control"] = "no-store"
    return response, code


def _reason(exc: SQLAlchemyError) -> str:
    # Only the exception's class: driver messages name hosts and users, and the URL may carry a password.
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return f"unreachable ({type(cause).__name__})"


def _engine(app: Flask) -> Engine:
    """A small engine of its own: a probe must not queue behind the store's write lock or exhaust its pool."""
    engine = app.extensions.get(_ENGINE_KEY)
    if engine is None:
        settings: Settings = app.extensions["smsflow"]
        url = settings.database_url.get_secret_value()
        if url.startswith("sqlite"):
            engine = create_engine(url)
        else:
            engine = create_engine(
                url, pool_size=1, max_overflow=1, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
            )
        engine = app.extensions.setdefault(_ENGINE_KEY, engine)
    return engine
