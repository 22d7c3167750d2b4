"""The JSON API behind the admin pages: the same data, for scripts and dashboards; /api/openapi.json describes it.

Signed in with the admin session cookie (unsafe methods then also need the X-CSRF-Token header, which
GET /api/session returns), or with HTTP Basic credentials of an admin user (scripts).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.exceptions import HTTPException

from connector.services.attention import mark_handled, open_items
from connector.services.manual import MAX_BODY, send_manual
from connector.web.admin import context, security
from connector.web.admin.auth import verify
from connector.web.admin.diagram import order, transitions, what_it_does
from connector.web.admin.flowinfo import flow_rows, flow_texts, trigger_text
from connector.web.admin.openapi import document
from connector.web.admin.performance_views import build_report
from connector.web.admin.timeline import conversations, crm_link, timeline
from connector.web.admin.tryit import MAX_INPUTS, play

bp = Blueprint("api", __name__, url_prefix="/api")
PUBLIC = {"api.openapi"}
MAX_PAGE = 200


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TryIn(_In):
    record: dict[str, Any]
    call: dict[str, Any] | None = None
    inputs: list[str] = Field(default_factory=list, max_length=MAX_INPUTS)


class EnabledIn(_In):
    enabled: bool


class TextIn(_In):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class HandledIn(_In):
    note: str | None = Field(default=None, max_length=500)


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


@bp.before_request
def _guard() -> tuple[Response, int] | None:
    if request.endpoint in PUBLIC:
        return None
    security.refuse_nul()
    if context.signed_in():
        security.check_csrf()
        return None
    name = _basic_user()
    if name is not None:
        request.environ["smsflow.api_user"] = name
        return None
    return _error(401, "sign in to the admin pages, or send HTTP Basic credentials of an admin user")


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int]:
    return _error(exc.status, exc.message, exc.details)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> tuple[Response, int]:
    return _error(exc.code or 500, exc.description or exc.name)


def json_routing_errors(app: Flask) -> None:
    """A path under /api/ that names no operation, or a method it lacks, answers in the API's JSON error shape.

    Flask settles routing errors at the app, before any blueprint is chosen, so the API's own handlers above
    never see them; every other path keeps Flask's plain page.
    """

    def routing_error(exc: HTTPException) -> Any:
        if not (request.path == "/api" or request.path.startswith("/api/")):
            return exc.get_response()
        response, status = _error(exc.code or 404, exc.description or exc.name)
        allow = dict(exc.get_headers()).get("Allow")  # a 405 names the methods the path has
        if allow:
            response.headers["Allow"] = allow
        return response, status

    for code in (404, 405):
        app.register_error_handler(code, routing_error)


def _error(status: int, message: str, details: list[dict[str, Any]] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": message}
    if details:
        body["details"] = details
    return jsonify(body), status


def _basic_user() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        name, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client, throttle = f"api:{request.remote_addr}", security.throttle()
    if throttle.blocked(client):
        return None
    if verify(name, password):
        return name
    throttle.fail(client)
    return None


def _user() -> str:
    return context.signed_in() or str(request.environ["smsflow.api_user"])


def _body(model: type[_In]) -> Any:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "expected a JSON object body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [{"loc": ".".join(map(str, e["loc"])), "msg": e["msg"]} for e in exc.errors(include_url=False)]
        raise ApiError(422, "the body does not match the schema", details) from None


def _page() -> tuple[int, int]:
    limit = request.args.get("limit", 50, type=int) or 50
    offset = request.args.get("offset", 0, type=int) or 0
    return max(1, min(limit, MAX_PAGE)), max(0, min(offset, context.MAX_ROW_ID))


def _flow(flow_id: str) -> Any:
    found = context.container().registry.flows.get(flow_id)
    if found is None:
        raise ApiError(404, f"no flow {flow_id!r} is running")
    return found


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


@bp.get("/session")
def session_info() -> Response:
    """Who is signed in, and the CSRF token a script in the page sends with unsafe requests."""
    return jsonify({"user": _user(), "csrf_token": security.csrf_token() if context.signed_in() else None})


@bp.get("/flows")
def flows() -> Response:
    with context.container().store.unit_of_work() as uow:
        rows = flow_rows(context.container(), uow)
    return jsonify({"flows": [row.as_json() for row in rows]})


@bp.get("/flows/<flow_id>")
def flow(flow_id: str) -> Response:
    found = _flow(flow_id)
    registry = context.container().registry
    texts = flow_texts(found, registry.mapping_for(found), context.now(), registry.sender)
    return jsonify(
        {
            "id": found.flow,
            "name": found.name,
            "category": found.policy.category,
            "trigger": trigger_text(found),
            "version": found.version,
            "start": found.start,
            "steps": [
                {
                    "id": sid,
                    "does": what_it_does(found.steps[sid]),
                    "next": [{"outcome": o, "step": t} for o, t in transitions(found.steps[sid])],
                }
                for sid in order(found)
            ],
            "texts": [
                {
                    "step": t.step,
                    "template": t.template,
                    "sample": t.sample,
                    "segments": t.sample_segments.segments,
                    "encoding": t.sample_segments.encoding,
                    "worst_segments": t.worst.segments,
                    "worst_encoding": t.worst.encoding,
                    "over_budget": t.over_budget,
                }
                for t in texts
            ],
        }
    )


@bp.post("/flows/<flow_id>/try")
def flow_try(flow_id: str) -> Response:
    found = _flow(flow_id)
    body: TryIn = _body(TryIn)
    registry = context.container().registry
    result = play(
        found,
        registry.mapping_for(found),
        body.record,
        body.inputs,
        context.now(),
        call=body.call,
        sender=registry.sender,
    )
    return jsonify(result.as_json())


@bp.put("/flows/<flow_id>/enabled")
def flow_enabled(flow_id: str) -> Response:
    _flow(flow_id)
    body: EnabledIn = _body(EnabledIn)
    user, at = _user(), context.now()
    with context.container().store.unit_of_work() as uow:
        uow.flow_switches.set(flow_id, body.enabled, by=user, at=at)
        uow.audit.log(user, "flow_enabled" if body.enabled else "flow_disabled", f"flow:{flow_id}", at=at)
        uow.commit()
    return jsonify({"id": flow_id, "enabled": body.enabled})


@bp.get("/conversations")
def conversation_list() -> Response:
    limit, offset = _page()
    with context.container().store.unit_of_work() as uow:
        rows = conversations(uow, q=request.args.get("q", ""), limit=limit, offset=offset)
    return jsonify(
        {
            "conversations": [
                {
                    **_contact(row.contact),
                    "last_at": row.last_at.isoformat() if row.last_at else None,
                    "texts": row.texts,
                    "open_items": row.open_items,
                }
                for row in rows
            ]
        }
    )


@bp.get("/conversations/<int:contact_id>")
def conversation(contact_id: int) -> Response:
    with context.container().store.unit_of_work() as uow:
        contact = uow.contacts.get(contact_id)
        if contact is None:
            raise ApiError(404, f"no contact {contact_id}")
        entries = timeline(uow, contact_id)
        consent = uow.contacts.consent_history(contact_id)
    url = crm_link(context.settings().salesforce_instance_url, contact.crm_object, contact.crm_record_id)
    return jsonify(
        {
            "contact": {**_contact(contact), "crm_url": url},
            "consent_history": [
                {
                    "at": c.at.isoformat(),
                    "category": c.category,
                    "state": c.state,
                    "source": c.source,
                    "detail": c.detail,
                }
                for c in consent
            ],
            "timeline": [e.as_json() for e in entries],
        }
    )


@bp.post("/conversations/<int:contact_id>/texts")
def conversation_text(contact_id: int) -> tuple[Response, int]:
    body: TextIn = _body(TextIn)
    with context.container().store.unit_of_work() as uow:
        result = send_manual(uow, contact_id, body.body, by=_user(), key=body.key, at=context.now())
        uow.commit()
    status = {"queued": 202, "duplicate": 200, "no_contact": 404}.get(result.status, 409)
    return jsonify({"status": result.status, "key": result.key, "reason": result.reason or None}), status


@bp.get("/attention")
def attention() -> Response:
    limit, offset = _page()
    with context.container().store.unit_of_work() as uow:
        items = open_items(uow, limit, offset)
        total = uow.attention.count_open()
    return jsonify(
        {
            "open": total,
            "items": [
                {
                    "id": i.id,
                    "contact_id": i.contact_id,
                    "reason": i.reason,
                    "flow": i.flow,
                    "run_id": i.run_id,
                    "body": i.body,
                    "received_at": i.received_at.isoformat(),
                }
                for i in items
            ],
        }
    )


@bp.post("/attention/<int:item_id>/handled")
def attention_handled(item_id: int) -> Response:
    body: HandledIn = _body(HandledIn)
    with context.container().store.unit_of_work() as uow:
        if uow.attention.get(item_id) is None:
            raise ApiError(404, f"no needs-a-person item {item_id}")
        done = mark_handled(uow, item_id, by=_user(), at=context.now(), note=body.note)
        uow.commit()
    if not done:
        raise ApiError(409, "already handled")
    return jsonify({"id": item_id, "status": "handled"})


@bp.get("/performance")
def performance() -> Response:
    _, rep = build_report(request.args.to_dict())
    return jsonify(rep.as_json())


def _contact(contact: Any) -> dict[str, Any]:
    return {
        "id": contact.id,
        "phone": contact.phone,
        "time_zone": contact.time_zone,
        "opted_out": contact.opted_out,
        "consent_transactional": contact.consent_transactional,
        "consent_marketing": contact.consent_marketing,
        "crm_object": contact.crm_object,
        "crm_record_id": contact.crm_record_id,
    }
