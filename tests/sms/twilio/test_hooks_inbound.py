"""POST /hooks/twilio/inbound: replies reach their run, STOP/START/HELP act, and nothing happens twice or unsigned."""

from __future__ import annotations

import pytest
from test_hooks_harness import FROM, HookCase, check_case, generic_cases, load_registry

from connector.services.messages import NEEDS_PERSON
from connector.services.registry import Registry

SMS, STOP = "inbound_sms.form.txt", "inbound_sms_stop.form.txt"
SAMPLE_SID, OTHER_SID = "SM8a1f0e2d3c4b5a69788796a5b4c3d2e1", "SM" + "e" * 32
TOKEN_HEADER = {"I-Twilio-Idempotency-Token": "idem-1"}

CASES = [
    HookCase("yes-confirms-the-waiting-booking", SMS, {"Body": "Yes"}, world="waiting", run=("ended", "end"), queued=1),
    HookCase("sample-reply-with-a-doubt-goes-to-a-person", SMS, world="waiting", run=("ended", "end")),
    HookCase("stop-opts-out-ends-the-run-and-sends-nothing", STOP, world="waiting", opt_outs=(FROM,),
             run=("ended", "opted_out")),
    HookCase("stop-in-any-case-and-punctuation", SMS, {"Body": "stop."}, world="waiting", opt_outs=(FROM,),
             run=("ended", "opted_out")),
    HookCase("opt-out-by-reasonable-means", SMS, {"Body": "please stop texting me"}, world="waiting",
             opt_outs=(FROM,), run=("ended", "opted_out")),
    HookCase("stop-from-a-stranger-still-blocks-the-number", STOP, world="none", opt_outs=(FROM,)),
    HookCase("start-opts-back-in", SMS, {"Body": "START"}, world="opted_out"),
    HookCase("unstop-opts-back-in", SMS, {"Body": "unstop"}, world="opted_out"),
    HookCase("help-queues-the-help-text", SMS, {"Body": "HELP"}, world="waiting", queued=1),
    HookCase("info-queues-the-help-text", SMS, {"Body": "info"}, world="waiting", queued=1),
    HookCase("help-after-stop-sends-nothing", SMS, {"Body": "HELP"}, world="opted_out", opt_outs=(FROM,)),
    HookCase("reply-after-stop-needs-a-person-not-a-run", SMS, {"Body": "Yes"}, world="opted_out",
             opt_outs=(FROM,), audit=(NEEDS_PERSON,)),
    HookCase("reply-with-no-waiting-run-needs-a-person", SMS, world="none", audit=(NEEDS_PERSON,)),
    # `before` posts come first; the expectations are about the last post alone.
    HookCase("redelivered-reply-is-a-no-op", SMS, {"Body": "Yes"}, world="waiting", before=({},)),
    HookCase("redelivered-help-queues-nothing-more", SMS, {"Body": "HELP"}, world="waiting", before=({},)),
    HookCase("same-idempotency-token-is-a-no-op", SMS, {"Body": "Yes"}, world="waiting", headers=TOKEN_HEADER,
             before=({"MessageSid": OTHER_SID, "Body": "HELP"},)),
    HookCase("new-message-after-a-redelivery-still-counts", SMS, {"Body": "Yes", "MessageSid": OTHER_SID},
             world="waiting", before=({"Body": "what?", "MessageSid": SAMPLE_SID},) * 2, audit=(NEEDS_PERSON,)),
    HookCase("unknown-fields-are-ignored", SMS, {"Body": "Yes", "FutureField": "1"}, world="waiting",
             run=("ended", "end"), queued=1),
    HookCase("legacy-smssid-only-is-accepted", SMS, {"Body": "Yes", "MessageSid": None}, world="waiting",
             run=("ended", "end"), queued=1),
    HookCase("short-code-sender-is-kept-out-of-contacts", SMS, {"From": "22395"}, world="none",
             audit=("inbound_unparsable",)),
    HookCase("missing-sid-is-a-400", SMS, {"MessageSid": None, "SmsSid": None, "SmsMessageSid": None},
             world="waiting", http=400),
    HookCase("malformed-sid-is-a-400", SMS, {"MessageSid": "SM123", "SmsSid": None}, world="waiting", http=400),
]  # fmt: skip
CASES += generic_cases("inbound", CASES[0])


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_twilio_inbound_hook(case: HookCase, db_url: str, registry: Registry, caplog: pytest.LogCaptureFixture):
    check_case("inbound", case, db_url, registry, caplog)
