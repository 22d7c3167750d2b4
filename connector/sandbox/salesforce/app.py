"""The emulator's WSGI app: bearer-token auth, the API budget and injected faults around every REST resource."""

from __future__ import annotations

import logging
import re

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from connector.sandbox.salesforce import login, rest_composite, rest_query, rest_sobjects
from connector.sandbox.salesforce.errors import ApiError, not_found
from connector.sandbox.salesforce.state import EmulatorState, current, json_response

log = logging.getLogger(__name__)
_VERSIONED = re.compile(r"^/services/data/v(\d{2,3}\.\d)(?:/|$)")
OLDEST, NEWEST = 31.0, 66.0  # versions the emulator answers, like an org that retired the very old ones


def _versions() -> list[dict[str, str]]:
    return [
        {"label": f"v{v}", "url": f"/services/data/v{v}.0", "version": f"{v}.0"}
        for v in range(int(OLDEST), int(NEWEST) + 1)
    ]


def _gate() -> Response | None:
    """Faults first, then the session, then the budget: a refused call is not charged."""
    state = current()
    path = request.path
    if not path.startswith("/services/"):
        raise not_found()
    state.faults.take()
    if path.rstrip("/") == "/services/data":
        return json_response(_versions())  # unauthenticated and uncharged, as on a real org
    versioned = _VERSIONED.match(path)
    if path.startswith("/services/data/"):
        if not versioned or not OLDEST <= float(versioned.group(1)) <= NEWEST:
            raise not_found()
        state.auth.check(request.headers.get("Authorization"))
        state.limits.charge(request.method, path)
    return None


def _limit_header(response: Response) -> Response:
    # REST API guide: Sforce-Limit-Info is on every REST response except the version list.
    if _VERSIONED.match(request.path):
        response.headers["Sforce-Limit-Info"] = current().limits.header()
    return response


def _api_error(exc: ApiError) -> Response:
    return json_response(exc.body(), exc.status)


def _http_error(exc: HTTPException) -> Response:
    if exc.code == 405:
        allowed = ",".join(sorted(exc.valid_methods or [])) if hasattr(exc, "valid_methods") else ""
        message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
        return json_response([{"errorCode": "METHOD_NOT_ALLOWED", "message": message}], 405)
    if exc.code == 404:
        return _api_error(not_found())
    return json_response([{"errorCode": "UNKNOWN_EXCEPTION", "message": exc.description or ""}], exc.code or 500)


def _unexpected(exc: Exception) -> Response:
    # A bug in the emulator, not a Salesforce answer: log it, and answer as the API does for its own failures.
    log.exception("salesforce emulator failed on %s %s", request.method, request.path)
    return json_response([{"errorCode": "UNKNOWN_EXCEPTION", "message": "An unexpected error occurred."}], 500)


def create_app(state: EmulatorState) -> Flask:
    """A Flask app serving `state`'s org over the Salesforce REST, SOAP login and OAuth wire formats."""
    app = Flask("salesforce_emulator")
    app.extensions["salesforce_emulator"] = state
    app.config["MAX_CONTENT_LENGTH"] = 32 * 1024 * 1024
    app.before_request(_gate)
    app.after_request(_limit_header)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    for module in (login, rest_sobjects, rest_query, rest_composite):
        app.register_blueprint(module.bp)
    return app
