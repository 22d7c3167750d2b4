"""Check a webhook's X-Twilio-Signature against the public URL Twilio called (twilio's RequestValidator)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator

HEADER = "X-Twilio-Signature"


def public_url(base: str, path: str, query: str) -> str:
    """The URL Twilio signed: the configured public base, the request path, and the raw query string.

    Behind a proxy the Host and scheme Flask sees are not the ones Twilio used (webhooks-security docs), so
    the URL is rebuilt from SMSFLOW_PUBLIC_URL instead of trusting forwarded headers.
    """
    return f"{base.rstrip('/')}{path}" + (f"?{query}" if query else "")


def check(auth_token: str | None, url: str, params: Mapping[str, Any], signature: str | None) -> str | None:
    """None when the signature is Twilio's for this URL and form; otherwise a short reason to refuse."""
    if not auth_token:
        return "signature cannot be checked: TWILIO_AUTH_TOKEN is not set"
    if not signature:
        return f"missing {HEADER}"
    # validate() compares in constant time, and accepts the URL with and without its default port.
    if not RequestValidator(auth_token).validate(url, params, signature):
        return f"invalid {HEADER}"
    return None
