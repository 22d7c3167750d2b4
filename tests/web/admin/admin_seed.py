"""Demo data for the admin pages, made by the real services: runs started from records, texts sent by the real
dispatcher (contact policy included) to a fake provider, delivery statuses and replies through services/messages.

Shared by tests/web/admin and tests/browser (which loads this file by path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from werkzeug.security import generate_password_hash

from connector.bootstrap import Container
from connector.ratelimit import RateLimiter
from connector.services.dispatch import Dispatcher
from connector.services.messages import InboundSms, StatusUpdate, receive_sms, record_status
from connector.services.runs import start_run
from connector.sms.fake import FakeSms

ADMIN, PASSWORD = "ana", "correct horse battery"
# Few rounds: tests sign in often; production hashes come from `smsflow admin hash-password`.
ADMIN_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
FLOWS = ("booking-confirm", "intro-text", "missed-call", "address-request", "promo-reactivation")

OWNER = {"Name": "Anna Clarke", "FirstName": "Anna", "Phone": "+14155550100"}


def lead(record_id: str, first: str, last: str, phone: str, **extra: Any) -> dict[str, Any]:
    return {
        "Id": record_id,
        "FirstName": first,
        "LastName": last,
        "Name": f"{first} {last}",
        "MobilePhone": phone,
        "LeadSource": "Web",
        "Status": "Booking Offered",
        "OwnerId": "0055e000004TqRzAAK",
        "Owner": OWNER,
        "DoNotCall": False,
        "IsConverted": False,
        "SMS_Opt_Out__c": False,
        "SMS_Time_Zone__c": "America/New_York",
        "Booking_Time__c": "2026-11-25T15:30:00.000+0000",
        **extra,
    }


@dataclass
class Seeded:
    """What the seed made, for tests to look up."""

    contacts: dict[str, int] = field(default_factory=dict)  # name -> contact id
    runs: dict[str, str] = field(default_factory=dict)  # name -> run id
    sms: FakeSms = field(default_factory=FakeSms)


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def seed(container: Container, now: datetime) -> Seeded:
    """A few days of traffic ending before `now`: a confirmed booking, a reply the flow did not understand, a
    reply nobody waited for, an undeliverable text, a STOP, and a text the policy deferred to the morning."""
    out = Seeded()
    day = datetime.combine((now - timedelta(days=2)).date(), time(), UTC)
    clock = _Clock(day)
    dispatcher = Dispatcher(
        container.store,
        container.registry,
        out.sms,
        limiter=RateLimiter(1000),
        clock=clock,
        sleep=lambda _s: None,
        worker_id="seed",
    )

    def at(hours: float) -> datetime:
        clock.at = day + timedelta(hours=hours)
        return clock.at

    def start(name: str, flow: str, fields: dict[str, Any], when: datetime, call: dict[str, Any] | None = None) -> None:
        with container.store.unit_of_work() as uow:
            uow.crm_state.remember("Lead", fields["Id"], fields, None, at=when)
            started = start_run(
                uow,
                container.registry,
                container.registry.flows[flow],
                obj="Lead",
                record_id=fields["Id"],
                fields=fields,
                cause=f"seed:{name}",
                at=when,
                call=call,
            )
            uow.commit()
        assert started.run_id is not None, started.reason
        out.runs[name] = started.run_id
        with container.store.unit_of_work() as uow:
            contact = uow.contacts.by_phone(fields["MobilePhone"])
        assert contact is not None
        out.contacts[name] = contact.id

    def status(n: int, value: str, when: datetime, error_code: str | None = None, error: Any = None) -> None:
        sid = f"SM{n:032x}"
        with container.store.unit_of_work() as uow:
            update = StatusUpdate(provider_id=sid, status=value, error_code=error_code, error=error)
            record_status(uow, container.registry, update, when)
            uow.commit()

    def reply(n: int, phone: str, body: str, when: datetime) -> None:
        with container.store.unit_of_work() as uow:
            receive_sms(uow, container.registry, InboundSms(f"SMin{n:030x}", phone, body), when)
            uow.commit()

    # 1. Ben confirms his booking (14:00 UTC is 09:00 in New York).
    ben = lead("00Q5e00000Hk7PbEAJ", "Ben", "Okafor", "+12025550143")
    start("ben", "booking-confirm", ben, at(14))
    dispatcher.run_once()
    status(1, "delivered", at(14.02))
    reply(1, ben["MobilePhone"], "Yes, see you then", at(14.3))
    dispatcher.run_once()
    status(2, "delivered", at(14.32))

    # 2. Dana's answer to the missed call is not one of the choices: it needs a person.
    dana = lead("00Q5e00000Hk7PcEAJ", "Dana", "Reyes", "+12025550144")
    start("dana", "missed-call", dana, at(16), call={"Id": "00T5e00000jW3xQEAS", "CallDisposition": "No Answer"})
    dispatcher.run_once()
    status(3, "delivered", at(16.01))
    reply(2, dana["MobilePhone"], "Who is this? I only asked for a quote", at(17))

    # 3. Sam's number is a landline: the text is undelivered (30006).
    sam = lead("00Q5e00000Hk7PdEAJ", "Sam", "Park", "+12025550145")
    start("sam", "intro-text", sam, at(18))
    dispatcher.run_once()
    status(4, "undelivered", at(18.02), error_code="30006", error="unreachable")

    # 4. Lee says STOP.
    lee = lead("00Q5e00000Hk7PeEAJ", "Lee", "Chen", "+12025550146")
    start("lee", "booking-confirm", lee, at(19))
    dispatcher.run_once()
    status(5, "delivered", at(19.01))
    reply(3, lee["MobilePhone"], "STOP", at(19.5))

    # 5. Max's booking arrives at 22:30 in New York: the policy defers it to the morning.
    max_ = lead("00Q5e00000Hk7PfEAJ", "Max", "Weber", "+12025550147")
    start("max", "booking-confirm", max_, at(27.5))
    dispatcher.run_once()
    at(37)  # 08:00 in New York next day (EST): the window opens
    dispatcher.run_once()
    status(6, "delivered", at(37.05))

    # 6. Someone no run waits for asks a question.
    reply(4, "+12025550148", "Hi, is this the roofing company? Do you do gutters?", at(40))
    return out
