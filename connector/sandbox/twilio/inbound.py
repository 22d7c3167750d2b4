"""Texts from handsets: Twilio's keyword handling, then an inbound message and a signed webhook to inbound_url."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from connector.phones import region_of
from connector.sandbox.twilio.callbacks import Delivery
from connector.sandbox.twilio.handsets import Handset
from connector.sandbox.twilio.store import Message
from connector.sandbox.twilio.wire import API_VERSION
from connector.sms.segments import count

if TYPE_CHECKING:
    from connector.sandbox.twilio.emulator import TwilioEmulator

# Twilio's default opt-out handling: single keywords, case-insensitive (NOTES.md section 6).
OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
GEO_FIELDS = ("FromCity", "FromState", "FromZip", "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry")


def keyword(body: str) -> str | None:
    """STOP, START or HELP when the whole body is one of Twilio's keywords for it, else None."""
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return "STOP"
    if word in OPT_IN_WORDS:
        return "START"
    return "HELP" if word in HELP_WORDS else None


def reply(emu: TwilioEmulator, handset: Handset, body: str, to: str | None) -> Delivery:
    """Handle a handset's text the way Twilio does: opt-out keywords first, then store it and POST the webhook."""
    word = keyword(body)
    if word in ("STOP", "START"):
        handset.opted_out = word == "STOP"
    sender, service = handset.last_sender or (emu.number, None)
    to = to or sender
    service = service if to == sender else None
    now, sid = emu.clock.now(), emu.new_sid()
    segments = max(count(body).segments, 1)
    emu.store.add(
        Message(
            sid=sid,
            account_sid=emu.account_sid,
            to=to,
            from_=handset.number,
            body=body,
            status="received",
            direction="inbound",
            date_created=now,
            date_updated=now,
            seq=0,
            messaging_service_sid=service,
            num_segments=segments,
            date_sent=now,
        )
    )
    params = inbound_params(
        sid=sid,
        account_sid=emu.account_sid,
        phone=handset.number,
        to=to,
        body=body,
        service=service,
        opt_out_type=word,
    )
    if not emu.inbound_url:
        return Delivery("inbound", "", tuple(params), (), None, "no inbound_url configured")
    token = hashlib.sha256(sid.encode()).hexdigest()[:32]
    return emu.post_webhook("inbound", emu.inbound_url, params, token)


def inbound_params(
    *, sid: str, account_sid: str, phone: str, to: str, body: str, service: str | None, opt_out_type: str | None
) -> list[tuple[str, str]]:
    """The form of an incoming-message webhook, keys as in samples/inbound_sms.form.txt.

    Twilio fills the geo fields when it knows them; the emulator knows only the country, so city, state and
    zip are sent empty, which receivers must tolerate anyway.
    """
    geo = {"ToCountry": region_of(to) or "", "FromCountry": region_of(phone) or ""}
    fields = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": str(max(count(body).segments, 1)),
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": phone,
        "ApiVersion": API_VERSION,
    }
    params = [(name, geo.get(name, "")) for name in GEO_FIELDS] + list(fields.items())
    if service:
        params.append(("MessagingServiceSid", service))
        if opt_out_type:  # Advanced Opt-Out, a Messaging Service feature, names the keyword it matched
            params.append(("OptOutType", opt_out_type))
    return params
