"""Helpers for the Salesforce emulator's tests: sample payloads, a session trusting the CA, a scripted listener."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from connector.sandbox.salesforce import RetryPolicy, SalesforceEmulator

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = Path(__file__).parent / "samples"
FAST_RETRY = RetryPolicy(base=0.05, cap=0.2, give_up_after=3600.0, timeout=5.0)


def sample(name: str) -> Any:
    """A sample payload (copied from the shared Salesforce reference) as JSON, or bytes for XML."""
    raw = (SAMPLES / name).read_bytes()
    return json.loads(raw) if name.endswith(".json") else raw


def plain_session(emulator: SalesforceEmulator) -> requests.Session:
    """A requests.Session trusting the emulator's CA. trust_env is off because REQUESTS_CA_BUNDLE in the
    environment would otherwise replace `verify` (psf/requests#3829)."""
    session = requests.Session()
    session.verify = str(emulator.ca_bundle)
    session.trust_env = False
    return session


@dataclass
class Listener:
    """An HTTP endpoint on loopback that records requests and answers from a script (then with `default`)."""

    url: str = ""
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    default: tuple[int, bytes] = (200, b"")
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append((dict(request.headers), request.get_data()))
        status, body = self.answers.pop(0) if self.answers else self.default
        return Response(body, status=status)(environ, start_response)
