"""The Messages resource through the unmodified twilio client: create, fetch, list, page, filter, redact, cancel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_support import client_for

from connector.sandbox.twilio import Knobs, ManualClock, TwilioEmulator

TO, FROM = "+12025550143", "+12025550100"
SERVICE = "MG" + "1" * 32
SID = re.compile(r"^SM[0-9a-f]{32}$")


def test_create_answers_a_queued_outbound_message(twilio_client: Client, twilio_emulator: TwilioEmulator) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="Hi Ana, see you at 3pm?")
    assert SID.match(m.sid)
    assert (m.status, m.direction, m.to, m.from_, m.body) == ("queued", "outbound-api", TO, FROM, m.body)
    assert (m.num_segments, m.num_media, m.price, m.error_code) == ("1", "0", None, None)
    assert m.account_sid == twilio_emulator.account_sid
    assert m.date_created is not None and m.date_created.tzinfo is not None
    assert m.uri == f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages/{m.sid}.json"


def test_create_counts_segments_as_twilio_bills_them(twilio_client: Client) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="Thanks ’so much’ " * 5)  # curly quotes: UCS-2
    assert m.num_segments == "2"


def test_messaging_service_message_is_accepted_then_gets_a_sender(
    twilio_client: Client, twilio_emulator: TwilioEmulator
) -> None:
    m = twilio_client.messages.create(to=TO, messaging_service_sid=SERVICE, body="hello")
    assert (m.status, m.from_, m.num_segments, m.messaging_service_sid) == ("accepted", None, "0", SERVICE)
    assert twilio_emulator.wait_idle()
    later = twilio_client.messages(m.sid).fetch()
    assert (later.status, later.from_, later.num_segments) == ("delivered", twilio_emulator.number, "1")


def test_fetch_after_delivery_has_date_sent_and_price(twilio_client: Client, twilio_emulator: TwilioEmulator) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="hello")
    assert twilio_emulator.wait_idle()
    fetched = twilio_client.messages(m.sid).fetch()
    assert (fetched.sid, fetched.status, fetched.body) == (m.sid, "delivered", "hello")
    assert fetched.date_sent is not None and fetched.price == "-0.00790"


def test_media_urls_are_counted(twilio_client: Client) -> None:
    m = twilio_client.messages.create(
        to=TO, from_=FROM, media_url=["https://a.example/1.png", "https://a.example/2.png"]
    )
    assert m.num_media == "2"


def test_list_pages_newest_first_through_next_page_uri(twilio_client: Client) -> None:
    sids = [twilio_client.messages.create(to=TO, from_=FROM, body=f"n{i}").sid for i in range(7)]
    first = twilio_client.messages.page(page_size=3)
    assert [m.sid for m in first] == sids[::-1][:3]
    second = first.next_page()
    assert second is not None and [m.sid for m in second] == sids[::-1][3:6]
    third = second.next_page()
    assert third is not None and [m.sid for m in third] == sids[::-1][6:]
    assert third.next_page() is None
    assert [m.sid for m in twilio_client.messages.list(page_size=2)] == sids[::-1]
    assert len(twilio_client.messages.list(limit=4)) == 4


def test_paging_stays_put_when_new_messages_arrive(twilio_client: Client) -> None:
    sids = [twilio_client.messages.create(to=TO, from_=FROM, body=f"n{i}").sid for i in range(4)]
    first = twilio_client.messages.page(page_size=2)
    twilio_client.messages.create(to=TO, from_=FROM, body="late")
    second = first.next_page()
    assert second is not None and [m.sid for m in second] == [sids[1], sids[0]]


def test_list_filters_by_to_and_from(twilio_client: Client) -> None:
    twilio_client.messages.create(to=TO, from_=FROM, body="a")
    twilio_client.messages.create(to="+12025550144", from_=FROM, body="b")
    twilio_client.messages.create(to=TO, from_="+12025550101", body="c")
    assert sorted(m.body for m in twilio_client.messages.list(to=TO)) == ["a", "c"]
    assert [m.body for m in twilio_client.messages.list(to=TO, from_=FROM)] == ["a"]


DAY = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("filters", "bodies"),
    [
        pytest.param({"date_sent": DAY}, ["21st"], id="date-sent-is-one-utc-day"),
        pytest.param({"date_sent_after": DAY}, ["22nd", "21st"], id="date-sent-after-includes-the-day"),
        pytest.param({"date_sent_before": DAY}, ["21st", "20th"], id="date-sent-before-includes-the-day"),
        pytest.param({"date_sent_after": DAY + timedelta(hours=23)}, ["22nd", "21st"], id="date-filters-ignore-time"),
        pytest.param({"date_sent": "2026-11-22"}, ["22nd"], id="date-sent-accepts-a-plain-date"),
    ],
)
def test_date_sent_filters_compare_whole_days(filters: dict[str, object], bodies: list[str]) -> None:
    clock = ManualClock(DAY - timedelta(days=1) + timedelta(hours=12))
    with TwilioEmulator(seed=1, clock=clock) as emulator:
        client = client_for(emulator)
        for body in ("20th", "21st", "22nd"):
            client.messages.create(to=TO, from_=FROM, body=body)
            assert emulator.wait_idle()  # sent on the day it was created
            clock.advance(timedelta(days=1))
        assert [m.body for m in client.messages.list(**filters)] == bodies  # type: ignore[arg-type]


def test_redact_empties_the_body_and_keeps_the_message(twilio_client: Client) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="secret")
    assert twilio_client.messages(m.sid).update(body="").body == ""
    assert twilio_client.messages(m.sid).fetch().body == ""


def test_a_scheduled_message_can_be_canceled(twilio_client: Client) -> None:
    send_at = datetime.now(UTC) + timedelta(hours=2)
    m = twilio_client.messages.create(
        to=TO, messaging_service_sid=SERVICE, body="later", schedule_type="fixed", send_at=send_at
    )
    assert m.status == "scheduled"
    assert twilio_client.messages(m.sid).update(status="canceled").status == "canceled"


def test_canceling_a_message_that_is_not_scheduled_is_30409(twilio_client: Client) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="now")
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages(m.sid).update(status="canceled")
    assert (caught.value.status, caught.value.code) == (400, 30409)


def test_delete_removes_the_message(twilio_client: Client) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="bye")
    assert twilio_client.messages(m.sid).delete() is True
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages(m.sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_an_api_key_authenticates_like_the_auth_token(twilio_emulator: TwilioEmulator) -> None:
    key = twilio_emulator.api_key
    client = client_for(twilio_emulator, key.sid, key.secret)
    assert client.messages.create(to=TO, from_=FROM, body="via key").status == "queued"


def test_the_same_seed_gives_the_same_credentials_sids_and_fates() -> None:
    def run() -> tuple[str, str, list[str], list[str]]:
        with TwilioEmulator(knobs=Knobs(seed=42, undelivered_rate=0.5)) as emulator:
            client = client_for(emulator)
            sids = [client.messages.create(to=TO, from_=FROM, body=f"n{i}").sid for i in range(10)]
            assert emulator.wait_idle()
            statuses = [client.messages(sid).fetch().status for sid in sids]
            return emulator.account_sid, emulator.auth_token, sids, statuses

    first, second = run(), run()
    assert first == second
    assert set(first[3]) == {"delivered", "undelivered"}
