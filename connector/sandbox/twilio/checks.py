"""What POST Messages.json refuses before creating anything, with Twilio's codes and messages.

Twilio's test-credential magic numbers (https://www.twilio.com/docs/iam/test-credentials) are honoured with any
credentials, so every create-time error can be provoked on purpose.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from connector.phones import InvalidPhone, to_e164
from connector.sandbox.twilio.wire import ApiError

MAX_BODY = 1600
_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")
_ALPHANUMERIC_SENDER = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")

MAGIC_TO = {
    "+15005550001": (21211, None),
    "+15005550002": (21612, "The 'To' phone number: {to}, is not currently reachable using the 'From' phone number"),
    "+15005550003": (
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}.",
    ),
    "+15005550004": (21610, None),
    "+15005550009": (21614, "'To' number {to} is not a valid mobile number"),
}
MAGIC_FROM = {
    "+15005550001": (21212, None),
    "+15005550007": (
        21606,
        "The 'From' phone number provided ({frm}) is not a valid message-capable Twilio phone number"
        " for this destination.",
    ),
    "+15005550008": (21611, "This 'From' number has exceeded the maximum number of queued messages"),
}


def masked(number: str) -> str:
    """How Twilio quotes a bad number back: the last four digits as XXXX (samples/error_21211.json)."""
    return number[:-4] + "XXXX" if len(number) > 4 else "XXXX"


def invalid_to(to: str) -> ApiError:
    return ApiError(400, 21211, f"Invalid 'To' Phone Number: {masked(to)}")


def opted_out() -> ApiError:
    return ApiError(400, 21610, "Attempt to send to unsubscribed recipient")


def check_create(
    to: str | None, from_: str | None, service: str | None, body: str, media: list[str], callback: str | None
) -> str:
    """Refuse a create the way Twilio would, in Twilio's order; returns `to` in E.164."""
    if callback and urlsplit(callback).scheme not in ("http", "https"):
        raise ApiError(400, 21609, f"The StatusCallback URL {callback} is not a valid URL.")
    if not to:
        raise ApiError(400, 21604, "A 'To' phone number is required.")
    if not from_ and not service:
        raise ApiError(400, 21603, "A 'From' phone number is required.")
    if service and not _SERVICE_SID.fullmatch(service):
        raise ApiError(400, 21701, f"The Messaging Service Sid {service} is invalid.")
    if not body and not media:
        raise ApiError(400, 21602, "Message body is required.")
    if len(body) > MAX_BODY:
        raise ApiError(400, 21617, f"The concatenated message body exceeds the {MAX_BODY} character limit.")
    if from_:
        _check_from(from_)
    if to in MAGIC_TO:
        code, text = MAGIC_TO[to]
        if code == 21211:
            raise invalid_to(to)
        if code == 21610:
            raise opted_out()
        raise ApiError(400, code, (text or "").format(to=to))
    if not to.startswith("+"):
        raise invalid_to(to)
    try:
        return to_e164(to)
    except InvalidPhone:
        raise invalid_to(to) from None


def _check_from(from_: str) -> None:
    if from_ in MAGIC_FROM:
        code, text = MAGIC_FROM[from_]
        raise ApiError(400, code, (text or _bad_from(from_)).format(frm=from_))
    if _ALPHANUMERIC_SENDER.fullmatch(from_):
        return
    try:
        to_e164(from_)
    except InvalidPhone:
        raise ApiError(400, 21212, _bad_from(from_)) from None
    if not from_.startswith("+"):
        raise ApiError(400, 21212, _bad_from(from_))


def _bad_from(from_: str) -> str:
    return f"The 'From' number {from_} is not a valid phone number, shortcode, or alphanumeric sender ID."
