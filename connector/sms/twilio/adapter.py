"""SmsPort on Twilio, through the unmodified twilio library; the only module that imports `twilio.rest`.

Real Twilio or the sandbox emulator is a matter of settings: with `api_base` set, the client's API domain
is pointed at it (`client.api.base_url`, a plain attribute twilio-python reads on every request).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from connector import logmask
from connector.phones import mask, mask_in_text
from connector.sms.port import OutboundSms, SendError, SendResult, SentMessage
from connector.sms.twilio.errors import classify

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 10.0  # seconds per API request
PAGE_SIZE = 100


# twilio-python logs request URLs and parameters at INFO to the logger it is given: this one, masked.
_http_log = logging.getLogger(f"{__name__}.http")
logmask.install((_http_log.name,))


class TwilioSms:
    """Send texts and look them up with Twilio's Messages API; errors become SendError(code, retryable)."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        from_number: str | None = None,
        api_base: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not messaging_service_sid and not from_number:
            raise ValueError("TwilioSms needs a messaging service SID or a from-number")
        self._sender: dict[str, str] = (
            {"messaging_service_sid": messaging_service_sid} if messaging_service_sid else {"from_": from_number or ""}
        )
        logmask.install()  # urllib3 logs each request's URL at DEBUG
        http = TwilioHttpClient(timeout=timeout, logger=_http_log)
        # A non-empty `environment` stops the client reading os.environ: TWILIO_EDGE or TWILIO_REGION there
        # would rewrite the API host (api.us1.twilio.com), which breaks an emulator URL; settings are the
        # only source of configuration.
        self._client = Client(
            account_sid, auth_token, http_client=http, environment={"TWILIO_ACCOUNT_SID": account_sid}
        )
        if api_base:
            self._client.api.base_url = api_base.rstrip("/")

    def send(self, msg: OutboundSms) -> SendResult:
        """Create the message; its status callback URL is the caller's (it carries the outbox key)."""
        extra: dict[str, Any] = {"status_callback": msg.status_callback} if msg.status_callback else {}
        try:
            created = self._client.messages.create(to=msg.to, body=msg.body, **self._sender, **extra)
        except (TwilioException, requests.RequestException) as exc:
            error = _send_error(exc)
            log.warning("twilio send key=%s to=%s failed: %s", msg.key, mask(msg.to), error)
            raise error from exc
        segments = int(created.num_segments) if created.num_segments and created.num_segments != "0" else None
        log.info("twilio send key=%s to=%s sid=%s status=%s", msg.key, mask(msg.to), created.sid, created.status)
        return SendResult(provider_id=str(created.sid), status=str(created.status), segments=segments)

    def find_sent(self, to: str, body: str, since: datetime) -> list[SentMessage]:
        """Outbound messages to `to` with exactly `body`, created at or after `since`, oldest first.

        Twilio's DateSent filters compare whole UTC days, so the query asks from the start of `since`'s day and
        the instant is checked here, on date_created (date_sent stays empty until the message leaves Twilio).
        Twilio's dates have whole seconds, so `since` is rounded down to its second: a text created in the same
        second as `since` counts as created since.
        """
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        since = since.replace(microsecond=0)
        day_start = datetime.combine(since.date(), time(), tzinfo=UTC)
        try:
            listed = self._client.messages.list(to=to, date_sent_after=day_start, page_size=PAGE_SIZE)
        except (TwilioException, requests.RequestException) as exc:
            raise _send_error(exc) from exc
        found = [
            SentMessage(str(m.sid), str(m.to), str(m.body), str(m.status), m.date_created)
            for m in listed
            if m.to == to
            and m.body == body
            and str(m.direction).startswith("outbound")
            and m.date_created is not None
            and m.date_created >= since
        ]
        return sorted(found, key=lambda m: (m.created_at or since, m.provider_id))


def _send_error(exc: TwilioException | requests.RequestException) -> SendError:
    """The port's error for what the twilio library or requests raised; reasons never carry a full number."""
    if isinstance(exc, requests.Timeout):
        return SendError("unavailable", True, "timed out waiting for Twilio; the message may have been accepted")
    if isinstance(exc, requests.RequestException):
        return SendError("unavailable", True, f"could not reach Twilio ({type(exc).__name__})")
    status, code = getattr(exc, "status", None), getattr(exc, "code", None)
    if isinstance(exc, TwilioRestException):
        text = exc.msg
    elif isinstance(exc, TwilioServiceException):  # RFC 9457 errors of Twilio's newer APIs
        text = f"{exc.title}: {exc.detail or ''}"
    else:  # a list page that was not 200 raises TwilioException("Unable to fetch page", response)
        text = str(exc.args[0]) if exc.args else type(exc).__name__
        status = getattr(exc.args[1], "status_code", None) if len(exc.args) > 1 else None
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    kind, retryable = classify(status, code)
    reason = mask_in_text(f"HTTP {status}, Twilio error {code}: {text}")
    return SendError(kind, retryable, reason, str(code) if code is not None else None)
