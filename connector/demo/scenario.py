"""The scripted cast: who the records are, what the rep does in the org, and what each handset answers, and when.

Each person has beats, played in order, at most one per person between two moments of rest, and each only once
their phone holds `after` texts. So a reply comes after the text it answers, however long that text waited for
quiet hours or a timer, and the whole script plays out the same on every run.

    Beat("ana", 1, "call", "No Answer")   # once Ana's phone has the intro text, Dana logs a missed call
    Beat("ana", 2, "reply", "2")          # once it has the "when suits you?" text, Ana answers 2
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from connector.phones import mask, to_e164

if TYPE_CHECKING:
    from connector.sandbox.salesforce import SalesforceEmulator
    from connector.sandbox.twilio import TwilioEmulator

# Tuesday 24 November 2026, 14:30 UTC: 09:30 in New York, 08:30 in Chicago, 07:30 in Denver, 06:30 in Los Angeles,
# 04:30 in Honolulu and 14:30 in London. Three of the cast are asleep.
START = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)

OWNER = {
    "Username": "dana.reyes@example.com",
    "FirstName": "Dana",
    "LastName": "Reyes",
    "Alias": "dana",
    "Email": "dana.reyes@example.com",
    "Phone": "+14155550100",
}

Action = Literal["create", "call", "offer", "request", "reply"]


class ScenarioError(RuntimeError):
    """The emulators refused a scripted step (the demo's own bug, or a changed emulator)."""


@dataclass(frozen=True)
class Person:
    """A lead or contact in the org, with the phone in their pocket."""

    key: str
    first: str
    last: str
    obj: Literal["Lead", "Contact"]
    phone: str  # as typed in the CRM
    place: str  # where they are, for the progress lines; the connector works out the zone itself
    story: str  # what should happen, one line (docs/demo.md tells it at length)
    fields: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def e164(self) -> str:
        return to_e164(self.phone)


@dataclass(frozen=True)
class Beat:
    """One scripted step for one person, played once their phone holds `after` texts."""

    who: str
    after: int
    do: Action
    value: str = ""


WEB = {"LeadSource": "Web", "Company": "Home owner"}

PEOPLE: tuple[Person, ...] = (
    Person("ana", "Ana", "Ruiz", "Lead", "+1 212 555 0142", "New York",
           "intro text; after a No Answer call she picks 2 (afternoon), saved on the lead", WEB),
    Person("ben", "Ben", "Okafor", "Lead", "(213) 555-0143", "Los Angeles",
           "web lead at 06:30 local: the intro waits for 08:00; books with YES, confirms the reminder with YES", WEB),
    Person("chloe", "Chloé", "Martin", "Lead", "+44 7700 900123", "London",
           "UK mobile: intro text; declines the booking with NO, so a task to rebook her", WEB),
    Person("dev", "Dev", "Patel", "Lead", "+1 312 555 0144", "Chicago",
           "after a No Answer call he answers gibberish: a task for a person", WEB),
    Person("eve", "Eve", "Schwartz", "Lead", "+1 303 555 0145", "Denver",
           "07:30 local: the intro waits for 08:00; she answers STOP; a later missed call texts nothing",
           {**WEB, "SMS_Time_Zone__c": "America/Denver"}),
    Person("frank", "Frank", "Moreau", "Lead", "+1 500 555 0001", "New York",
           "an invalid number (Twilio's 21211): the text fails, the number is never texted again",
           {**WEB, "SMS_Time_Zone__c": "America/New_York"}),
    Person("grace", "Grace", "Kealoha", "Contact", "+1 808 555 0146", "Honolulu",
           "customer asked for an address at 04:30 local: waits for 08:00; answers it, then picks 2 (text) in a menu"),
    Person("ivan", "Ivan", "Novak", "Lead", "+1 617 555 0147", "Boston",
           "silent on a booking offer until the next day's reminder (YES); NO to the appointment reminder: rebook",
           {**WEB, "SMS_Time_Zone__c": "America/New_York"}),
)  # fmt: skip

BEATS: tuple[Beat, ...] = (
    *(Beat(p.key, 0, "create") for p in PEOPLE),
    Beat("ana", 1, "call", "No Answer"),
    Beat("ana", 2, "reply", "2"),
    Beat("ben", 1, "offer", "2026-11-26T17:00:00.000+0000"),
    Beat("ben", 2, "reply", "Yes, see you then"),
    Beat("ben", 4, "reply", "Yes"),  # to the appointment reminder, the day before
    Beat("chloe", 1, "offer", "2026-11-25T10:00:00.000+0000"),
    Beat("chloe", 2, "reply", "No, sorry, I can't make it"),
    Beat("dev", 1, "call", "No Answer"),
    Beat("dev", 2, "reply", "ghjk lmnop qwx"),
    Beat("eve", 1, "reply", "STOP"),
    Beat("eve", 1, "call", "No Answer"),
    Beat("grace", 0, "request", "Address"),
    Beat("grace", 1, "reply", "1200 Kapiolani Blvd, Apt 4, Honolulu HI 96814"),
    Beat("grace", 2, "request", "Contact Preference"),
    Beat("grace", 3, "reply", "2"),
    Beat("ivan", 1, "offer", "2026-11-27T15:00:00.000+0000"),
    Beat("ivan", 3, "reply", "Yes"),  # to the booking dialog's reminder, a day after the offer
    Beat("ivan", 5, "reply", "No, something came up"),  # to the appointment reminder
)


class Scenario:
    """The cast and their beats, and which ones have been played."""

    def __init__(self, people: tuple[Person, ...] = PEOPLE, beats: tuple[Beat, ...] = BEATS) -> None:
        self.people = {p.key: p for p in people}
        self._todo = {key: [b for b in beats if b.who == key] for key in self.people}
        self.record_ids: dict[str, str] = {}  # person key -> record id in the org
        self.owner_id: str | None = None

    def by_phone(self) -> dict[str, Person]:
        return {p.e164: p for p in self.people.values()}

    def by_record(self) -> dict[str, Person]:
        return {record_id: self.people[key] for key, record_id in self.record_ids.items()}

    def ready(self, texts_on: Callable[[str], int]) -> list[Beat]:
        """The next beat of each person whose phone holds enough texts (`texts_on(e164)`), in cast order."""
        return [
            todo[0] for key, todo in self._todo.items() if todo and texts_on(self.people[key].e164) >= todo[0].after
        ]

    def remaining(self) -> list[Beat]:
        return [beat for todo in self._todo.values() for beat in todo]

    def play(self, beat: Beat, org: SalesforceEmulator, twilio: TwilioEmulator) -> str:
        """Perform one beat on the emulators, as a person would; returns what happened, for the progress line."""
        person = self.people[beat.who]
        line = self._perform(beat, person, org, twilio)
        self._todo[beat.who].remove(beat)
        return line

    def _perform(self, beat: Beat, person: Person, org: SalesforceEmulator, twilio: TwilioEmulator) -> str:
        if self.owner_id is None:
            self.owner_id = org.seed("User", OWNER)
        if beat.do == "create":
            fields = {"FirstName": person.first, "LastName": person.last, "MobilePhone": person.phone}
            self.record_ids[person.key] = org.seed(person.obj, {**fields, **person.fields, "OwnerId": self.owner_id})
            kind = "web lead" if person.fields.get("LeadSource") == "Web" else person.obj.lower()
            return f"{kind} created: {person.name}, {person.place}, {mask(person.e164)}"
        record_id = self.record_ids[person.key]
        if beat.do == "call":
            org.seed(
                "Task", WhoId=record_id, Subject="Call", TaskSubtype="Call", CallType="Outbound",
                CallDisposition=beat.value, Status="Completed", OwnerId=self.owner_id,
            )  # fmt: skip
            return f"{OWNER['FirstName']} logs a call to {person.name}: {beat.value}"
        if beat.do == "offer":
            org.update(person.obj, record_id, Status="Booking Offered", Booking_Time__c=beat.value)
            return f"{OWNER['FirstName']} offers {person.name} a booking ({beat.value[:16].replace('T', ' ')} UTC)"
        if beat.do == "request":
            org.update(person.obj, record_id, SMS_Request__c=beat.value)
            return f"{OWNER['FirstName']} sets SMS Request = {beat.value} on {person.name}"
        delivery = twilio.phone(person.e164).reply(beat.value)
        if delivery.status != 200:
            answer = delivery.status or delivery.error
            raise ScenarioError(f"the connector answered {person.name}'s reply with {answer}")
        return f'{person.name} answers "{beat.value}"'
