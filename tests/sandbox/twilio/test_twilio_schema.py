"""Emulator responses validate against Twilio's published OpenAPI description (../shared/reference/twilio)."""

from __future__ import annotations

import copy
import json
import re
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker
from twilio_support import raw

from connector.sandbox.twilio import TwilioEmulator

REFERENCE = Path(__file__).parents[3] / ".." / "shared" / "reference" / "twilio"
SPEC = REFERENCE / "api_v2010_messages.openapi.json"
MESSAGES = "/2010-04-01/Accounts/{AccountSid}/Messages.json"
TO, FROM = "+12025550143", "+12025550100"

pytestmark = pytest.mark.skipif(not SPEC.is_file(), reason=f"reference OpenAPI not found at {SPEC.resolve()}")


def _nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` is JSON Schema's `type: [T, "null"]`; rewrite it everywhere."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


FORMATS = FormatChecker()


@FORMATS.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def _rfc2822(value: object) -> bool:
    return not isinstance(value, str) or parsedate_to_datetime(value).tzinfo is not None


@FORMATS.checks("phone-number")
def _phone(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"\+[1-9]\d{6,14}|[A-Za-z0-9 ]{1,11}", value) is not None


def validator(schema: dict[str, Any]) -> Draft7Validator:
    """A validator for `schema` whose #/components/... references resolve inside the reference document."""
    document = json.loads(SPEC.read_text(encoding="utf-8"))
    root = _nullable_to_json_schema({**copy.deepcopy(schema), "components": document["components"]})
    return Draft7Validator(root, format_checker=FORMATS)


def spec() -> dict[str, Any]:
    return json.loads(SPEC.read_text(encoding="utf-8"))


MESSAGE = {"$ref": "#/components/schemas/api.v2010.account.message"}
ERROR = {"$ref": "#/components/schemas/x_twilio_error"}


def assert_valid(schema: dict[str, Any], instance: Any) -> None:
    errors = sorted(validator(schema).iter_errors(instance), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_conversion_accepts_twilios_own_sample() -> None:
    assert_valid(MESSAGE, json.loads((REFERENCE / "samples" / "message_create_response.json").read_text()))


def test_created_fetched_and_delivered_messages_match_the_message_schema(twilio_emulator: TwilioEmulator) -> None:
    base = f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages"
    status, _, created = raw(twilio_emulator, "POST", f"{base}.json", {"To": TO, "From": FROM, "Body": "hi"})
    assert status == 201
    assert_valid(MESSAGE, created)
    assert set(created) == set(spec()["components"]["schemas"]["api.v2010.account.message"]["properties"])
    assert twilio_emulator.wait_idle()
    status, _, fetched = raw(twilio_emulator, "GET", f"{base}/{created['sid']}.json")
    assert status == 200 and fetched["status"] == "delivered"
    assert_valid(MESSAGE, fetched)


def test_a_messaging_service_message_matches_the_message_schema(twilio_emulator: TwilioEmulator) -> None:
    form = {"To": TO, "MessagingServiceSid": "MG" + "4" * 32, "Body": "hi"}
    _, _, created = raw(
        twilio_emulator, "POST", f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages.json", form
    )
    assert created["from"] is None and created["status"] == "accepted"
    assert_valid(MESSAGE, created)


def test_failed_and_undelivered_messages_match_the_message_schema(twilio_emulator: TwilioEmulator) -> None:
    base = f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages"
    twilio_emulator.set_knobs(undelivered_rate=0.5, failure_rate=0.5)
    for i in range(4):
        raw(twilio_emulator, "POST", f"{base}.json", {"To": TO, "From": FROM, "Body": f"n{i}"})
    assert twilio_emulator.wait_idle()
    _, _, page = raw(twilio_emulator, "GET", f"{base}.json")
    assert {m["status"] for m in page["messages"]} <= {"failed", "undelivered"}
    for message in page["messages"]:
        assert_valid(MESSAGE, message)
        assert isinstance(message["error_code"], int) and message["error_message"]


def test_a_list_page_matches_the_list_response_schema(twilio_emulator: TwilioEmulator) -> None:
    base = f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages.json"
    for i in range(3):
        raw(twilio_emulator, "POST", base, {"To": TO, "From": FROM, "Body": f"n{i}"})
    status, _, page = raw(twilio_emulator, "GET", f"{base}?To=%2B12025550143&DateSent%3E=2000-01-01&PageSize=2")
    list_schema = spec()["paths"][MESSAGES]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert status == 200
    assert_valid(list_schema, page)
    assert (page["page"], page["page_size"], page["start"], page["end"], page["previous_page_uri"]) == (
        0,
        2,
        0,
        1,
        None,
    )
    assert page["next_page_uri"].startswith(
        f"{base}?To=%2B12025550143&DateSent%3E=2000-01-01&PageSize=2&Page=1&PageToken=PA"
    )
    _, _, second = raw(twilio_emulator, "GET", page["next_page_uri"])
    assert (second["page"], second["start"], second["end"], second["next_page_uri"]) == (1, 2, 2, None)
    assert second["previous_page_uri"] is not None


@pytest.mark.parametrize(
    ("form", "status"),
    [
        pytest.param({"To": "+1202", "From": FROM, "Body": "x"}, 400, id="a-21211-body-matches-the-error-schema"),
        pytest.param({"To": TO, "From": FROM}, 400, id="a-21602-body-matches-the-error-schema"),
    ],
)
def test_error_bodies_match_the_error_schema(
    form: dict[str, str], status: int, twilio_emulator: TwilioEmulator
) -> None:
    got, _, body = raw(
        twilio_emulator, "POST", f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages.json", form
    )
    assert got == status == body["status"]
    assert_valid(ERROR, body)


def test_auth_and_not_found_bodies_match_the_error_schema(twilio_emulator: TwilioEmulator) -> None:
    _, _, unauthorized = raw(twilio_emulator, "GET", "/2010-04-01/Accounts/AC1/Messages.json", auth=("AC1", "nope"))
    _, _, missing = raw(twilio_emulator, "GET", f"/2010-04-01/Accounts/{twilio_emulator.account_sid}/Messages/SM1.json")
    for body in (unauthorized, missing):
        assert_valid(ERROR, body)
    assert [unauthorized["code"], missing["code"]] == [20003, 20404]


@pytest.mark.parametrize("name", ["error_20003.json", "error_21211.json", "error_21610.json"])
def test_the_reference_error_samples_match_the_error_schema(name: str) -> None:
    assert_valid(ERROR, json.loads((REFERENCE / "samples" / name).read_text()))
