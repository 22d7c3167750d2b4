"""The emulator's own X-Twilio-Signature matches Twilio's published vectors and twilio-python's validator."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from connector.sandbox.twilio.signing import signature

SAMPLES = Path(__file__).parents[3] / ".." / "shared" / "reference" / "twilio" / "samples"
VECTORS = SAMPLES / "signature_vectors.json"


def form_vectors() -> list[dict[str, object]]:
    if not VECTORS.is_file():
        return []
    vectors = json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]
    return [v for v in vectors if "raw_body" not in v]  # the JSON-body variant is not something the emulator sends


@pytest.mark.skipif(not VECTORS.is_file(), reason=f"reference signature vectors not found at {VECTORS.resolve()}")
@pytest.mark.parametrize("vector", form_vectors(), ids=lambda v: f"signs-{v['name']}-like-twilio")
def test_signature_matches_the_reference_vector(vector: dict[str, object]) -> None:
    if "params_file" in vector:
        params = parse_qsl((SAMPLES / str(vector["params_file"])).read_text().strip(), keep_blank_values=True)
    else:
        params = list(dict(vector["params"]).items())  # type: ignore[call-overload]
    assert signature(str(vector["auth_token"]), str(vector["url"]), params) == vector["expected_signature"]


@pytest.mark.parametrize(
    "params",
    [
        pytest.param([("Body", "Hi"), ("From", "+12025550143")], id="plain-form-validates"),
        pytest.param([("Body", "Grüße 👋 & =")], id="unicode-and-reserved-characters-validate"),
        pytest.param([("MediaUrl", "b"), ("MediaUrl", "a")], id="repeated-names-validate"),
        pytest.param([("Body", "")], id="empty-values-validate"),
    ],
)
def test_twilio_python_validates_what_the_emulator_signs(params: list[tuple[str, str]]) -> None:
    url = "http://127.0.0.1:5000/hooks/twilio/status?key=a%2Fb"
    token = "0123456789abcdef0123456789abcdef"
    assert RequestValidator(token).validate(url, MultiDict(params), signature(token, url, params))
