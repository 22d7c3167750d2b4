"""The pieces under the hooks: signature checks on Twilio's own vectors, status order, and error words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from connector.sms.twilio.hooks import status_callback_url
from connector.sms.twilio.signature import check, public_url
from connector.sms.twilio.statuses import advances, at_most, error_for

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "twilio" / "samples"


def vectors() -> list[Any]:
    path = SAMPLES / "signature_vectors.json"
    if not path.is_file():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{path} is missing"), id="no-vectors")]
    found = json.loads(path.read_text(encoding="utf-8"))["vectors"]
    return [pytest.param(v, id=f"vector-{v['name']}") for v in found if v["algorithm"] == "HMAC_SHA1"]


def params_of(vector: dict[str, Any]) -> Any:
    if "params_file" in vector:
        return dict(parse_qsl((SAMPLES / vector["params_file"]).read_text(encoding="utf-8").strip()))
    return vector.get("raw_body", vector.get("params", {}))


@pytest.mark.parametrize("vector", vectors())
def test_twilio_signature_vectors_are_accepted(vector: dict[str, Any]) -> None:
    assert check(vector["auth_token"], vector["url"], params_of(vector), vector["expected_signature"]) is None


@pytest.mark.parametrize("vector", vectors())
def test_a_changed_parameter_breaks_the_signature(vector: dict[str, Any]) -> None:
    params = params_of(vector)
    tampered = params + " " if isinstance(params, str) else {**params, "Body": "changed"}
    assert check(vector["auth_token"], vector["url"], tampered, vector["expected_signature"]) == (
        "invalid X-Twilio-Signature"
    )


@pytest.mark.parametrize(
    ("token", "signature", "reason"),
    [
        pytest.param(None, "abc=", "signature cannot be checked: TWILIO_AUTH_TOKEN is not set", id="no-token-refuses"),
        pytest.param("t" * 32, None, "missing X-Twilio-Signature", id="no-header-refuses"),
        pytest.param("t" * 32, "", "missing X-Twilio-Signature", id="empty-header-refuses"),
        pytest.param("t" * 32, "bm90IGl0", "invalid X-Twilio-Signature", id="wrong-signature-refuses"),
    ],
)
def test_unverifiable_requests_are_refused(token: str | None, signature: str | None, reason: str) -> None:
    assert check(token, "https://connector.example.com/hooks/twilio/status", {}, signature) == reason


@pytest.mark.parametrize(
    ("base", "path", "query", "url"),
    [
        pytest.param("https://c.example.com", "/hooks/twilio/inbound", "", "https://c.example.com/hooks/twilio/inbound",
                     id="no-query-no-question-mark"),
        pytest.param("https://c.example.com/", "/hooks/twilio/status", "k=run_1%3A1%3Asend",
                     "https://c.example.com/hooks/twilio/status?k=run_1%3A1%3Asend", id="raw-query-kept-as-signed"),
        pytest.param("https://proxy.example.com/sms", "/hooks/twilio/inbound", "",
                     "https://proxy.example.com/sms/hooks/twilio/inbound", id="public-base-with-a-path-prefix"),
    ],
)  # fmt: skip
def test_public_url_is_what_twilio_signed(base: str, path: str, query: str, url: str) -> None:
    assert public_url(base, path, query) == url


def test_status_callback_url_carries_the_outbox_key() -> None:
    url = status_callback_url("https://c.example.com/", "run_ab12:1:send")
    assert url == "https://c.example.com/hooks/twilio/status?k=run_ab12%3A1%3Asend"


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        pytest.param("pending", "in_flight", True, id="pending-to-in-flight"),
        pytest.param("in_flight", "queued", True, id="in-flight-to-queued"),
        pytest.param("queued", "sent", True, id="queued-to-sent"),
        pytest.param("accepted", "queued", True, id="accepted-to-queued"),
        pytest.param("sent", "delivered", True, id="sent-to-delivered"),
        pytest.param("queued", "delivered", True, id="skipping-ahead-is-fine"),
        pytest.param("sent", "undelivered", True, id="sent-to-undelivered"),
        pytest.param("delivered", "sent", False, id="late-sent-never-regresses-delivered"),
        pytest.param("sent", "sending", False, id="late-sending-never-regresses-sent"),
        pytest.param("delivered", "failed", False, id="terminal-is-final"),
        pytest.param("undelivered", "delivered", False, id="undelivered-is-final"),
        pytest.param("delivered", "read", True, id="read-receipt-after-delivered"),
        pytest.param("failed", "read", False, id="no-read-after-failure"),
        pytest.param("sent", "teleported", False, id="unknown-status-never-current"),
        pytest.param("sent", "sent", False, id="same-status-does-not-move"),
    ],
)
def test_statuses_only_move_forward(current: str, new: str, moves: bool) -> None:
    assert advances(current, new) is moves


@pytest.mark.parametrize(
    ("code", "status", "word"),
    [
        pytest.param("21610", "failed", "opted_out", id="21610-is-opted-out"),
        pytest.param("21610", "undelivered", "opted_out", id="21610-undelivered-is-opted-out"),
        pytest.param("21211", "failed", "invalid_number", id="21211-is-invalid-number"),
        pytest.param("21614", "failed", "invalid_number", id="21614-not-mobile-is-invalid-number"),
        *[pytest.param(str(c), "undelivered", "unreachable", id=f"{c}-is-unreachable") for c in range(30003, 30009)],
        pytest.param("30010", "failed", "rejected", id="other-code-is-rejected"),
        pytest.param(None, "undelivered", "unreachable", id="undelivered-without-code-is-unreachable"),
        pytest.param(None, "failed", "rejected", id="failed-without-code-is-rejected"),
        pytest.param("abc", "failed", "rejected", id="garbage-code-is-rejected"),
    ],
)
def test_error_codes_in_our_words(code: str | None, status: str, word: str) -> None:
    assert error_for(code, status) == word


@pytest.mark.parametrize(
    ("status", "capped"),
    [("queued", "queued"), ("sent", "sent"), ("delivered", "sent"), ("failed", "sent"), ("weird", "sent")],
    ids=["queued-kept", "sent-kept", "delivered-capped", "failed-capped", "unknown-capped"],
)
def test_reconciled_status_is_capped_at_sent(status: str, capped: str) -> None:
    assert at_most(status, "sent") == capped
