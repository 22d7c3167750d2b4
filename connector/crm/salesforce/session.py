"""The requests.Session simple-salesforce uses: default timeouts, an optional CA bundle, and where login goes.

simple-salesforce logs in at `https://{domain}.salesforce.com` and calls `https://{instance}/services/...`. A real
org's My Domain host (acme.my.salesforce.com) becomes the login domain ("acme.my"), which Salesforce recommends.
Any other instance URL (the emulator, a proxy) gets login requests rewritten to it by a mounted adapter, because
simple-salesforce offers no login URL of its own (reference/salesforce/NOTES.md, section 2).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

SALESFORCE_SUFFIX = ".salesforce.com"
REDIRECTED_DOMAIN = "emulated.my"  # a login domain no real org uses; its requests go to the instance URL
CONNECT_TIMEOUT = 5.0


class _Adapter(HTTPAdapter):
    """Applies the default timeout and pins certificate verification (REQUESTS_CA_BUNDLE would override a session's
    `verify`, see psf/requests#3829); optionally sends every request to another origin."""

    def __init__(self, *, timeout: tuple[float, float], verify: str | None, origin: str | None = None) -> None:
        super().__init__()
        self._timeout, self._verify, self._origin = timeout, verify, origin

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        if self._verify is not None:
            kwargs["verify"] = self._verify
        if self._origin is not None and request.url:
            target, parts = urlsplit(self._origin), urlsplit(request.url)
            request.url = urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))
        return super().send(request, **kwargs)


def login_domain(instance_url: str | None) -> tuple[str, str | None]:
    """The `domain` to give simple-salesforce, and the origin its login host must be redirected to (if any)."""
    if not instance_url:
        return "login", None
    host = (urlsplit(instance_url).hostname or "").lower()
    if host.endswith(SALESFORCE_SUFFIX) and urlsplit(instance_url).port in (None, 443):
        return host.removesuffix(SALESFORCE_SUFFIX), None
    return REDIRECTED_DOMAIN, instance_url.rstrip("/")


def build_session(
    *,
    instance_url: str | None,
    ca_bundle: Path | None,
    read_timeout: float,
    on_response: Callable[[requests.Response], None] | None = None,
) -> requests.Session:
    """A session for simple-salesforce; `on_response` sees every response (errors too), e.g. for Sforce-Limit-Info."""
    session = requests.Session()
    verify = str(ca_bundle) if ca_bundle is not None else None
    timeout = (CONNECT_TIMEOUT, read_timeout)
    session.mount("https://", _Adapter(timeout=timeout, verify=verify))
    session.mount("http://", _Adapter(timeout=timeout, verify=verify))
    domain, origin = login_domain(instance_url)
    if origin is not None:
        session.mount(f"https://{domain}{SALESFORCE_SUFFIX}/", _Adapter(timeout=timeout, verify=verify, origin=origin))
    if on_response is not None:

        def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
            on_response(response)

        session.hooks["response"].append(hook)
    return session
