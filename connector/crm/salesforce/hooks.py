"""Salesforce webhooks: Outbound Messages (SOAP) and JSON callouts, answered only once their changes are stored.

POST /hooks/salesforce/outbound-message?key=<outbound_message_key(SMSFLOW_CALLOUT_SECRET)>
POST /hooks/salesforce/callout   X-Smsflow-Timestamp: <unix s>   X-Smsflow-Signature: sha256=<hex>
    (HMAC-SHA256 of "<timestamp>." + body with SMSFLOW_CALLOUT_SECRET; body: smsflow.callout.v1 JSON)
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, request

from connector.bootstrap import Container
from connector.crm.port import RecordChange
from connector.crm.salesforce.ingest import (
    ACK,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Rejected,
    callout_change,
    outbound_message_key,
    parse_callout,
    parse_outbound_message,
    same_org,
    verify_callout,
)
from connector.services.ingest import store_change

log = logging.getLogger(__name__)
bp = Blueprint("salesforce_hooks", __name__)

# An Outbound Message holds at most 100 notifications of a few KiB; callouts are smaller still.
MAX_BODY = 256 * 1024


@bp.post("/hooks/salesforce/outbound-message")
def outbound_message() -> Response:
    container = _container()
    settings = container.settings
    try:
        secret = settings.callout_secret.get_secret_value() if settings.callout_secret else None
        # The key comes first: nobody without it gets as far as the XML parser.
        key = request.args.get("key", "").encode()  # bytes: compare_digest refuses non-ASCII str (TypeError)
        if secret is None or not hmac.compare_digest(key, outbound_message_key(secret).encode()):
            raise Rejected(403, "missing or wrong key")
        message = parse_outbound_message(_body())
        if not same_org(message.organization_id, settings.salesforce_org_id):
            raise Rejected(403, "organization id does not match")
    except Rejected as exc:
        return _refuse(exc, "outbound message")
    stored = _store(message.changes)
    log.info("outbound message %s: %d notifications, %d new", message.action_id, len(message.changes), stored)
    return Response(ACK, 200, content_type="text/xml; charset=utf-8")


@bp.post("/hooks/salesforce/callout")
def callout() -> Response | tuple[dict[str, object], int]:
    container = _container()
    secret = container.settings.callout_secret
    try:
        if secret is None:
            raise Rejected(403, "callouts are not configured")
        body = _body()
        verify_callout(
            body,
            signature=request.headers.get(SIGNATURE_HEADER),
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            secret=secret.get_secret_value(),
            now=container.clock(),
        )
        change = parse_callout(body)
        if change.org_id and not same_org(change.org_id, container.settings.salesforce_org_id):
            raise Rejected(403, "organization id does not match")
    except Rejected as exc:
        return _refuse(exc, "callout")
    stored = _store([callout_change(change)])
    return {"received": 1, "new": stored}, 200


def _container() -> Container:
    # Read from the app, not imported from connector.web, so create_app can import this blueprint.
    container: Container = current_app.extensions["smsflow.container"]
    return container


def _body() -> bytes:
    if (request.content_length or 0) > MAX_BODY:
        raise Rejected(413, "body too large")
    body = request.get_data(cache=False)
    # A chunked body has no Content-Length; Werkzeug cuts it off at MAX_CONTENT_LENGTH rather than refusing it.
    if len(body) >= MAX_BODY:
        raise Rejected(413, "body too large")
    return body


def _store(changes: list[RecordChange]) -> int:
    """Keep every change in one transaction; a resent one adds nothing. Only then may the hook answer."""
    container = _container()
    now = container.clock()
    with container.store.unit_of_work() as uow:
        stored = sum(store_change(uow, change, received_at=now) for change in changes)
        uow.commit()
    return stored


def _refuse(exc: Rejected, what: str) -> Response:
    log.warning("salesforce %s refused: %s", what, exc.reason)
    return Response(f"{exc.reason}\n", exc.status, content_type="text/plain; charset=utf-8")
