"""Twilio webhooks: incoming texts and delivery status callbacks, signed, stored, then answered.

    POST /hooks/twilio/inbound   form as in samples/inbound_sms.form.txt      → 200 <Response/> (text/xml)
    POST /hooks/twilio/status    form as in samples/status_callback_*.txt     → 204

Every request must carry Twilio's X-Twilio-Signature for SMSFLOW_PUBLIC_URL + path + query, else 403 and nothing
changes. The input is committed before the answer, so a crash never loses one Twilio thinks was delivered.
"""

from __future__ import annotations

import logging
from typing import TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from connector.phones import mask
from connector.services import messages
from connector.sms.twilio import signature
from connector.sms.twilio.statuses import FAILURES, error_for
from connector.web import current_container, current_settings

log = logging.getLogger(__name__)
bp = Blueprint("twilio_hooks", __name__, url_prefix="/hooks/twilio")

STATUS_PATH = "/hooks/twilio/status"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
_SID = r"^(SM|MM)[0-9a-fA-F]{32}$"


def status_callback_url(public_url: str, outbox_key: str) -> str:
    """The StatusCallback for a text: it names the outbox key, so a callback matches even an unrecorded SID."""
    return f"{public_url.rstrip('/')}{STATUS_PATH}?{urlencode({'k': outbox_key})}"


class _TwilioForm(BaseModel):
    # Twilio adds parameters without notice (NOTES.md section 4): unknown ones are ignored, not refused.
    model_config = ConfigDict(extra="ignore", frozen=True)

    message_sid: str = Field(validation_alias=AliasChoices("MessageSid", "SmsSid"), pattern=_SID)
    account_sid: str | None = Field(None, validation_alias="AccountSid")


F = TypeVar("F", bound=_TwilioForm)


class InboundForm(_TwilioForm):
    """An incoming message webhook (samples/inbound_sms.form.txt)."""

    from_: str = Field(validation_alias="From", min_length=1, max_length=64)
    body: str = Field("", validation_alias="Body", max_length=1600)
    num_segments: int | None = Field(None, validation_alias="NumSegments", ge=0)


class StatusForm(_TwilioForm):
    """A status callback (samples/status_callback_delivered.form.txt)."""

    status: str = Field(validation_alias=AliasChoices("MessageStatus", "SmsStatus"), min_length=1, max_length=16)
    error_code: str | None = Field(None, validation_alias="ErrorCode", max_length=16)


@bp.post("/inbound")
def inbound() -> Response:
    form = _verified(InboundForm)
    if isinstance(form, Response):
        return form
    sms = messages.InboundSms(
        form.message_sid, form.from_, form.body, form.num_segments, request.headers.get(IDEMPOTENCY_HEADER)
    )
    container = current_container()
    help_text = current_app.config.get("SMSFLOW_HELP_TEXT") or container.settings.help_answer()
    with container.store.unit_of_work() as uow:
        outcome = messages.receive_sms(uow, container.registry, sms, container.clock(), help_text=help_text)
        uow.commit()
    log.info("twilio inbound %s from %s: %s", form.message_sid, mask(form.from_), outcome)
    return Response(EMPTY_TWIML, status=200, content_type="text/xml; charset=utf-8")


@bp.post("/status")
def status() -> Response:
    form = _verified(StatusForm)
    if isinstance(form, Response):
        return form
    update = messages.StatusUpdate(
        provider_id=form.message_sid,
        status=form.status,
        error_code=form.error_code or None,
        error=error_for(form.error_code, form.status) if form.status in FAILURES else None,
        outbox_key=request.args.get("k"),
        token=request.headers.get(IDEMPOTENCY_HEADER),
    )
    container = current_container()
    with container.store.unit_of_work() as uow:
        outcome = messages.record_status(uow, container.registry, update, container.clock())
        uow.commit()
    log.info("twilio status %s %s%s: %s", form.message_sid, form.status, _code(form.error_code), outcome)
    return Response(status=204)


def _verified(model: type[F]) -> F | Response:
    """The request's form as `model` when Twilio signed it for our public URL; else the 4xx to answer."""
    settings = current_settings()
    header = request.headers.get(signature.HEADER)
    if not header:
        return _refuse(403, f"missing {signature.HEADER}")
    # Reading the form enforces MAX_CONTENT_LENGTH: an oversized body is answered 413 before anything else.
    url = signature.public_url(settings.public_url, request.path, request.query_string.decode("latin-1"))
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    problem = signature.check(token, url, request.form, header)
    if problem:
        return _refuse(403, problem)
    values = request.form.to_dict()
    if any("\x00" in value for value in values.values()):  # PostgreSQL text cannot hold NUL; no SMS field has one
        return _refuse(400, "NUL characters are refused")
    try:
        form = model.model_validate(values)
    except ValidationError as exc:
        fields = ", ".join(sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()}))
        return _refuse(400, f"bad or missing fields: {fields}")
    if settings.twilio_account_sid and form.account_sid not in (None, settings.twilio_account_sid):
        return _refuse(403, "unknown AccountSid")
    return form


def _refuse(status: int, reason: str) -> Response:
    log.warning("twilio hook %s refused (%s): %s", request.path, status, reason)
    return Response(f"{reason}\n", status=status, content_type="text/plain; charset=utf-8")


def _code(error_code: str | None) -> str:
    return f" (error {error_code})" if error_code else ""
