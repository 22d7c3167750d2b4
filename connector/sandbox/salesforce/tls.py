"""HTTPS for the emulator: a throwaway certificate authority (trustme) and a server certificate for loopback."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Tls:
    """The server's TLS context and the CA bundle clients must trust (SALESFORCE_CA_BUNDLE)."""

    context: ssl.SSLContext
    ca_bundle: Path


def make_tls(directory: Path) -> Tls:
    """A new CA, a certificate for 127.0.0.1/localhost/::1 signed by it, and the CA written to `directory`."""
    ca = trustme.CA(organization_name="SMS Flow Connector sandbox")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    bundle = directory / "salesforce-emulator-ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return Tls(context, bundle)
