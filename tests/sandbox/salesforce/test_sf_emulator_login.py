"""Logins simple-salesforce performs: SOAP password login, OAuth password, client-credentials and JWT grants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed

from connector.crm.salesforce.session import build_session, login_domain
from connector.sandbox.salesforce import SalesforceEmulator


def _rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def _login(emulator: SalesforceEmulator, **kwargs: Any) -> Salesforce:
    """simple-salesforce logging in with `kwargs`, its login host sent to the emulator by settings alone."""
    session = build_session(instance_url=emulator.instance_url, ca_bundle=emulator.ca_bundle, read_timeout=10)
    domain, _ = login_domain(emulator.instance_url)
    return Salesforce(session=session, domain=domain, version="61.0", **kwargs)


def _creds(emulator: SalesforceEmulator) -> Any:
    return emulator.credentials


LOGINS: list[tuple[str, Callable[[SalesforceEmulator], dict[str, Any]], str]] = [
    ("soap-password-with-security-token",
     lambda e: {"username": _creds(e).username, "password": _creds(e).password,
                "security_token": _creds(e).security_token}, "password"),
    ("soap-password-from-trusted-range-without-token",
     lambda e: {"username": _creds(e).username, "password": _creds(e).password, "security_token": ""}, "password"),
    ("soap-password-scoped-to-the-org",
     lambda e: {"username": _creds(e).username, "password": _creds(e).password, "organizationId": e.org_id[:15]},
     "ipfilter"),
    ("oauth-username-password-grant",
     lambda e: {"username": _creds(e).username, "password": _creds(e).password,
                "consumer_key": _creds(e).consumer_key, "consumer_secret": _creds(e).consumer_secret}, "password"),
    ("oauth-client-credentials-grant",
     lambda e: {"consumer_key": _creds(e).consumer_key, "consumer_secret": _creds(e).consumer_secret},
     "client-credentials"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "arguments", "auth_type"), LOGINS, ids=[c[0] for c in LOGINS])
def test_logins_give_a_session_that_the_rest_api_accepts(
    emulator: SalesforceEmulator, case: str, arguments: Callable[[SalesforceEmulator], dict[str, Any]], auth_type: str
) -> None:
    sf = _login(emulator, **arguments(emulator))
    assert sf.auth_type == auth_type
    assert sf.sf_instance == emulator.instance_url.removeprefix("https://")
    assert sf.session_id != emulator.session_id
    assert sf.query("SELECT Id, Username FROM User")["records"][0]["Username"] == emulator.credentials.username
    assert emulator.auth.logins == 1


def test_jwt_bearer_login_with_the_connected_apps_key(emulator: SalesforceEmulator) -> None:
    private, public = _rsa_pem()
    emulator.credentials.jwt_public_keys.append(public)
    sf = _login(emulator, username=emulator.credentials.username, consumer_key=emulator.credentials.consumer_key,
                privatekey=private)  # fmt: skip
    assert sf.auth_type == "jwt-bearer" and sf.query("SELECT Id FROM User")["totalSize"] == 1


BAD_LOGINS: list[tuple[str, Callable[[SalesforceEmulator], dict[str, Any]], str]] = [
    ("wrong-password-is-invalid-login",
     lambda e: {"username": _creds(e).username, "password": "nope", "security_token": ""}, "INVALID_LOGIN"),
    ("unknown-user-is-invalid-login",
     lambda e: {"username": "someone@else", "password": _creds(e).password, "security_token": ""}, "INVALID_LOGIN"),
    ("login-scoped-to-another-org-fails",
     lambda e: {"username": _creds(e).username, "password": _creds(e).password, "organizationId": "00D000000000001"},
     "INVALID_LOGIN"),
    ("wrong-client-secret-is-invalid-client",
     lambda e: {"consumer_key": _creds(e).consumer_key, "consumer_secret": "nope"}, "invalid_client"),
    ("wrong-password-over-oauth-is-invalid-grant",
     lambda e: {"username": _creds(e).username, "password": "nope", "consumer_key": _creds(e).consumer_key,
                "consumer_secret": _creds(e).consumer_secret}, "invalid_grant"),
    ("jwt-signed-by-an-unknown-key-is-invalid-grant",
     lambda e: {"username": _creds(e).username, "consumer_key": _creds(e).consumer_key, "privatekey": _rsa_pem()[0]},
     "invalid_grant"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "arguments", "code"), BAD_LOGINS, ids=[c[0] for c in BAD_LOGINS])
def test_failed_logins_raise_authentication_failed(
    emulator: SalesforceEmulator, case: str, arguments: Callable[[SalesforceEmulator], dict[str, Any]], code: str
) -> None:
    with pytest.raises(SalesforceAuthenticationFailed) as caught:
        _login(emulator, **arguments(emulator))
    assert caught.value.code == code
    assert emulator.auth.logins == 0


def test_expired_session_is_renewed_by_simple_salesforce_itself(emulator: SalesforceEmulator) -> None:
    sf = _login(emulator, username=emulator.credentials.username, password=emulator.credentials.password,
                security_token="")  # fmt: skip
    lead = sf.Lead
    lead.create({"LastName": "Ruiz", "Company": "Acme"})
    emulator.expire_sessions()
    assert sf.query("SELECT LastName FROM Lead")["records"][0]["LastName"] == "Ruiz"
    emulator.expire_sessions()
    assert sf.Lead.create({"LastName": "Okafor", "Company": "Acme"})["success"]
    assert emulator.auth.logins == 3


def test_bearer_token_is_required_and_the_oauth_scheme_also_works(emulator: SalesforceEmulator) -> None:
    session = build_session(instance_url=emulator.instance_url, ca_bundle=emulator.ca_bundle, read_timeout=10)
    url = f"{emulator.instance_url}/services/data/v61.0/limits/"
    assert session.get(url).status_code == 401
    response = session.get(f"{emulator.instance_url}/services/data/v61.0/sobjects/",
                           headers={"Authorization": f"OAuth {emulator.session_id}"})  # fmt: skip
    assert response.status_code == 200 and response.headers["Sforce-Limit-Info"].startswith("api-usage=")
    versions = session.get(f"{emulator.instance_url}/services/data/")
    assert versions.status_code == 200 and "Sforce-Limit-Info" not in versions.headers
