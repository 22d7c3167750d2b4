"""Twilio's error codes and HTTP statuses, mapped onto the SMS port's vocabulary (connector.sms.port.ErrorCode).

https://www.twilio.com/docs/api/errors: 21610 unsubscribed recipient; 21211 invalid To, 21614 To is not
mobile, 21408 region not enabled; 30003-30008 delivery failures; 20003 authentication; 20429 too many requests.
"""

from __future__ import annotations

from connector.sms.port import ErrorCode

OPTED_OUT = frozenset({21610})
INVALID_NUMBER = frozenset({21211, 21614, 21408})
UNREACHABLE = frozenset(range(30003, 30009))
AUTH = frozenset({20003})
THROTTLED = frozenset({20429})


def classify(status: int | None, code: int | None) -> tuple[ErrorCode, bool]:
    """(port code, retryable) for an HTTP status and Twilio error code; None means the value is unknown."""
    if code in OPTED_OUT:
        return "opted_out", False
    if code in INVALID_NUMBER:
        return "invalid_number", False
    if code in UNREACHABLE:
        return "unreachable", False
    if code in AUTH or status == 401:
        return "auth", False
    if code in THROTTLED or status == 429:
        return "throttled", True
    if status is not None and 400 <= status < 500:
        return "rejected", False
    # 5xx or no readable answer: Twilio may or may not have the message, so retry (after reconciling).
    return "unavailable", True
