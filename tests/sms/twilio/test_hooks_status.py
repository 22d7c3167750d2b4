"""POST /hooks/twilio/status: statuses move forward only, redeliveries change nothing, failures reach the run."""

from __future__ import annotations

import pytest
from test_hooks_harness import FROM, HookCase, check_case, generic_cases, load_registry

from connector.services.registry import Registry

DELIVERED, UNDELIVERED = "status_callback_delivered.form.txt", "status_callback_undelivered.form.txt"
SENT = {"MessageStatus": "sent", "SmsStatus": "sent", "RawDlrDoneDate": None}
FAILED = {"MessageStatus": "failed", "SmsStatus": "failed", "RawDlrDoneDate": None}
KEYED = "{key}"  # the harness puts the world's outbox key here, as the dispatcher's StatusCallback does
OTHER_SID = "SM" + "e" * 32
SO_FAR = ("pending", "in_flight", "queued")

CASES = [
    HookCase("delivered-moves-the-text-on", DELIVERED, http=204, status="delivered", history=(*SO_FAR, "delivered")),
    HookCase("sent-then-delivered-both-count", DELIVERED, before=(SENT,), http=204, status="delivered",
             history=(*SO_FAR, "sent", "delivered")),
    HookCase("undelivered-30003-tells-the-run", UNDELIVERED, http=204, status="undelivered",
             history=(*SO_FAR, "undelivered"), run=("ended", "delivery_failed")),
    HookCase("failed-21610-opts-the-contact-out", DELIVERED, {**FAILED, "ErrorCode": "21610"}, http=204,
             status="failed", history=(*SO_FAR, "failed"), opt_outs=(FROM,), run=("ended", "opted_out")),
    HookCase("undelivered-21610-opts-the-contact-out", UNDELIVERED, {"ErrorCode": "21610"}, http=204,
             status="undelivered", history=(*SO_FAR, "undelivered"), opt_outs=(FROM,), run=("ended", "opted_out")),
    HookCase("failed-21211-blocks-the-number", DELIVERED, {**FAILED, "ErrorCode": "21211"}, http=204, status="failed",
             history=(*SO_FAR, "failed"), opt_outs=(FROM,), run=("ended", "delivery_failed"),
             audit=("contact_invalid_number",)),
    HookCase("failed-without-a-code-tells-the-run", DELIVERED, FAILED, http=204, status="failed",
             history=(*SO_FAR, "failed"), run=("ended", "delivery_failed")),
    # `before` posts come first; the expectations are about the last post alone.
    HookCase("redelivered-delivered-is-a-no-op", DELIVERED, before=({},), http=204),
    HookCase("redelivered-failure-tells-the-run-once", UNDELIVERED, before=({},), http=204),
    HookCase("late-sent-after-delivered-joins-history-only", DELIVERED, SENT, world="delivered", http=204,
             status="delivered", history=(*SO_FAR, "delivered", "sent")),
    HookCase("late-sending-after-sent-does-not-regress", DELIVERED, {"MessageStatus": "sending"}, before=(SENT,),
             http=204, status="sent", history=(*SO_FAR, "sent", "sending")),
    HookCase("queued-callback-after-our-queued-is-a-no-op", DELIVERED, {"MessageStatus": "queued"}, http=204),
    HookCase("failure-after-delivered-does-not-tell-the-run", UNDELIVERED, world="delivered", http=204,
             status="delivered", history=(*SO_FAR, "delivered", "undelivered")),
    HookCase("same-idempotency-token-is-a-no-op", DELIVERED, SENT, before=({"MessageStatus": "delivered"},),
             headers={"I-Twilio-Idempotency-Token": "idem-7"}, http=204),
    HookCase("legacy-smsstatus-only-is-accepted", DELIVERED, {"MessageStatus": None}, http=204, status="delivered",
             history=(*SO_FAR, "delivered")),
    HookCase("unrecorded-sid-is-matched-by-the-outbox-key", DELIVERED, world="unrecorded", query=f"k={KEYED}",
             http=204, status="delivered", history=("pending", "in_flight", "delivered")),
    HookCase("unrecorded-failure-21610-matched-by-key-opts-out", DELIVERED, {**FAILED, "ErrorCode": "21610"},
             world="unrecorded", query=f"k={KEYED}", http=204, status="failed",
             history=("pending", "in_flight", "failed", "failed"), opt_outs=(FROM,), run=("ended", "opted_out")),
    HookCase("key-of-a-text-with-another-sid-is-not-trusted", DELIVERED, {"MessageSid": OTHER_SID, "SmsSid": None},
             query=f"k={KEYED}", http=204, audit=("status_unmatched",)),
    HookCase("unknown-sid-is-answered-and-noted", DELIVERED, world="none", http=204, audit=("status_unmatched",)),
    HookCase("unknown-status-joins-history-only", DELIVERED, {"MessageStatus": "teleported"}, http=204,
             history=(*SO_FAR, "teleported")),
    HookCase("missing-status-is-a-400", DELIVERED, {"MessageStatus": None, "SmsStatus": None}, http=400),
]  # fmt: skip
CASES += generic_cases("status", CASES[0])


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_twilio_status_hook(case: HookCase, db_url: str, registry: Registry, caplog: pytest.LogCaptureFixture):
    check_case("status", case, db_url, registry, caplog)
