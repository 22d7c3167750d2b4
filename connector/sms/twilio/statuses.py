"""Twilio message statuses in the order they may move, and Twilio error codes in our SendError vocabulary.

Twilio retries status callbacks and may reorder them; statuses only move forward (queued → sending → sent →
delivered | undelivered | failed), so an older one is kept in the history but never replaces a newer one.
"""

from __future__ import annotations

from connector.sms.port import ErrorCode
from connector.sms.twilio.errors import INVALID_NUMBER, OPTED_OUT, UNREACHABLE

# Ours, before Twilio knows the text: queued in the outbox, then handed to the API (outcome not yet recorded).
PENDING = "pending"
IN_FLIGHT = "in_flight"

# Twilio's outbound lifecycle (NOTES.md section 5); a terminal status is final, whatever arrives after it.
_RANK = {
    PENDING: 0,
    IN_FLIGHT: 1,
    "accepted": 2,
    "scheduled": 2,
    "queued": 3,
    "sending": 4,
    "sent": 5,
    "delivered": 6,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
    "partially_delivered": 6,
    "read": 7,  # WhatsApp/RCS read receipts come after delivered
}
TERMINAL = frozenset({"delivered", "undelivered", "failed", "canceled", "partially_delivered", "read"})
FAILURES = frozenset({"undelivered", "failed"})

# Delivery-time ErrorCodes use the adapter's API-time tables, so a code means the same wherever it arrives.
_CODES: dict[int, ErrorCode] = {
    **{code: "opted_out" for code in OPTED_OUT},
    **{code: "invalid_number" for code in INVALID_NUMBER},
    **{code: "unreachable" for code in UNREACHABLE},
}


def rank(status: str) -> int | None:
    """Where `status` stands in the lifecycle; None for a status we do not know (kept in history only)."""
    return _RANK.get(status)


def advances(current: str, new: str) -> bool:
    """Whether `new` may replace `current`: it is known and later, and `current` is not final."""
    old, later = rank(current), rank(new)
    if later is None:
        return False
    if current in TERMINAL:
        return current == "delivered" and new == "read"
    return old is None or later > old


def at_most(status: str, ceiling: str) -> str:
    """`status`, or `ceiling` when `status` is further along (or unknown)."""
    known, top = rank(status), rank(ceiling)
    assert top is not None
    return status if known is not None and known <= top else ceiling


def error_for(error_code: str | None, status: str) -> ErrorCode:
    """Our word for why a text failed, from Twilio's ErrorCode (and the status when there is none)."""
    if error_code and error_code.isdigit() and int(error_code) in _CODES:
        return _CODES[int(error_code)]
    # Without a code an undelivered text is the carrier's problem; any other failure is the content's.
    return "unreachable" if not error_code and status == "undelivered" else "rejected"
