"""Create-time refusals, auth and not-found answers: the twilio client raises TwilioRestException as with Twilio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio_support import client_for, raw

from connector.sandbox.twilio import TwilioEmulator

TO, FROM = "+12025550143", "+12025550100"


@dataclass(frozen=True)
class Refusal:
    id: str
    kwargs: dict[str, Any]
    code: int
    status: int = 400
    message: str = ""  # a fragment of Twilio's message, when it matters
    base: dict[str, Any] = field(default_factory=lambda: {"to": TO, "from_": FROM, "body": "hi"})


REFUSALS = [
    Refusal("invalid-to-is-21211-with-the-number-masked", {"to": "+1202555014"}, 21211, message="+120255XXXX"),
    Refusal("national-format-to-is-21211", {"to": "2025550143"}, 21211),
    Refusal("letters-in-to-are-21211", {"to": "+1202CALLNOW"}, 21211),
    Refusal("empty-to-is-21604", {"to": ""}, 21604),
    Refusal("missing-from-and-service-is-21603", {"from_": None}, 21603),
    Refusal("malformed-service-sid-is-21701", {"from_": None, "messaging_service_sid": "MG123"}, 21701),
    Refusal("missing-body-is-21602", {"body": None}, 21602, message="Message body is required."),
    Refusal("empty-body-is-21602", {"body": ""}, 21602),
    Refusal("body-over-1600-characters-is-21617", {"body": "x" * 1601}, 21617),
    Refusal("invalid-from-is-21212", {"from_": "+1202"}, 21212),
    Refusal("a-status-callback-that-is-not-a-url-is-21609", {"status_callback": "not a url"}, 21609),
    Refusal("magic-to-0001-is-21211", {"to": "+15005550001"}, 21211),
    Refusal("magic-to-0002-is-21612", {"to": "+15005550002"}, 21612),
    Refusal("magic-to-0003-is-21408", {"to": "+15005550003"}, 21408),
    Refusal("magic-to-0004-is-21610", {"to": "+15005550004"}, 21610, message="unsubscribed recipient"),
    Refusal("magic-to-0009-is-21614", {"to": "+15005550009"}, 21614),
    Refusal("magic-from-0001-is-21212", {"from_": "+15005550001"}, 21212),
    Refusal("magic-from-0007-is-21606", {"from_": "+15005550007"}, 21606),
    Refusal("magic-from-0008-is-21611", {"from_": "+15005550008"}, 21611),
]


@pytest.mark.parametrize("case", REFUSALS, ids=lambda c: c.id)
def test_create_refusals_raise_twilio_rest_exception(case: Refusal, twilio_client: Client) -> None:
    kwargs = {k: v for k, v in {**case.base, **case.kwargs}.items() if v is not None}
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages.create(**kwargs)
    assert (caught.value.status, caught.value.code) == (case.status, case.code)
    assert case.message in caught.value.msg
    assert twilio_client.messages.list() == []  # nothing was created


@pytest.mark.parametrize(
    "to",
    [
        pytest.param("+12025550143", id="nanp-fictional-555-01xx-is-accepted"),
        pytest.param("+447700900123", id="ofcom-drama-mobile-range-is-accepted"),
        pytest.param("+14155552671", id="a-valid-us-number-is-accepted"),
        pytest.param("+1 (202) 555-0143", id="formatting-in-to-is-normalised"),
    ],
)
def test_valid_recipients_are_accepted(to: str, twilio_client: Client) -> None:
    m = twilio_client.messages.create(to=to, from_=FROM, body="hi")
    assert m.status == "queued" and m.to == to.replace(" ", "").replace("(", "").replace(")", "").replace("-", "")


def test_an_alphanumeric_sender_is_accepted(twilio_client: Client) -> None:
    assert twilio_client.messages.create(to=TO, from_="AcmeSolar", body="hi").from_ == "AcmeSolar"


@pytest.mark.parametrize(
    ("username", "password"),
    [
        pytest.param(None, "0" * 32, id="wrong-auth-token-is-20003"),
        pytest.param("AC" + "0" * 32, None, id="unknown-account-is-20003"),
        pytest.param("SK" + "0" * 32, "0" * 32, id="unknown-api-key-is-20003"),
    ],
)
def test_bad_credentials_are_401_20003(
    username: str | None, password: str | None, twilio_emulator: TwilioEmulator
) -> None:
    client = client_for(twilio_emulator, username, password)
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=TO, from_=FROM, body="hi")
    assert (caught.value.status, caught.value.code, caught.value.msg) == (
        401,
        20003,
        "Unable to create record: Authenticate",
    )


def test_401_carries_detail_and_a_basic_challenge(twilio_emulator: TwilioEmulator) -> None:
    status, headers, body = raw(twilio_emulator, "GET", "/2010-04-01/Accounts/AC1/Messages.json", auth=("AC1", "x"))
    assert status == 401 and headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert body == {
        "code": 20003,
        "detail": "Your AccountSid or AuthToken was incorrect.",
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }


def test_another_accounts_url_is_refused_even_with_our_credentials(twilio_emulator: TwilioEmulator) -> None:
    status, _, body = raw(twilio_emulator, "GET", f"/2010-04-01/Accounts/AC{'0' * 32}/Messages.json")
    assert (status, body["code"]) == (401, 20003)


def test_an_unknown_message_is_404_20404_naming_the_resource(
    twilio_client: Client, twilio_emulator: TwilioEmulator
) -> None:
    sid = "SM" + "0" * 32
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages(sid).fetch()
    path = f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages/{sid}.json"
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert caught.value.msg == f"Unable to fetch record: The requested resource {path} was not found"


def test_an_unknown_route_is_404_20404(twilio_emulator: TwilioEmulator) -> None:
    status, _, body = raw(twilio_emulator, "GET", f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Calls.json")
    assert (status, body["code"], body["status"]) == (404, 20404, 404)


def test_updating_the_body_to_text_is_refused(twilio_client: Client) -> None:
    m = twilio_client.messages.create(to=TO, from_=FROM, body="hi")
    with pytest.raises(TwilioRestException) as caught:
        twilio_client.messages(m.sid).update(body="changed")
    assert caught.value.status == 400
