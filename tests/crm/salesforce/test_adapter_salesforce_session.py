"""Where simple-salesforce logs in, and the requests.Session it is given."""

from __future__ import annotations

import pytest
import requests

from connector.crm.salesforce.session import build_session, login_domain
from connector.sandbox.salesforce import SalesforceEmulator


@pytest.mark.parametrize(
    ("instance_url", "expected"),
    [
        pytest.param(None, ("login", None), id="no-instance-logs-in-at-login-salesforce-com"),
        pytest.param("https://acme.my.salesforce.com", ("acme.my", None), id="my-domain-is-the-login-domain"),
        pytest.param("https://acme--uat.sandbox.my.salesforce.com/", ("acme--uat.sandbox.my", None),
                     id="sandbox-my-domain"),
        pytest.param("https://127.0.0.1:8443", ("emulated.my", "https://127.0.0.1:8443"),
                     id="any-other-host-gets-login-redirected-to-it"),
        pytest.param("https://acme.my.salesforce.com:8443", ("emulated.my", "https://acme.my.salesforce.com:8443"),
                     id="a-non-standard-port-is-not-a-real-org"),
    ],
)  # fmt: skip
def test_login_domain(instance_url: str | None, expected: tuple[str, str | None]) -> None:
    assert login_domain(instance_url) == expected


def test_ca_bundle_wins_over_requests_ca_bundle_in_the_environment(
    salesforce_emulator: SalesforceEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())  # would replace a plain session.verify
    session = build_session(
        instance_url=salesforce_emulator.instance_url, ca_bundle=salesforce_emulator.ca_bundle, read_timeout=10
    )
    assert session.get(f"{salesforce_emulator.instance_url}/services/data/").status_code == 200
    plain = requests.Session()
    plain.verify = str(salesforce_emulator.ca_bundle)
    with pytest.raises(requests.exceptions.SSLError):
        plain.get(f"{salesforce_emulator.instance_url}/services/data/")


def test_without_a_ca_bundle_the_emulator_is_not_trusted(salesforce_emulator: SalesforceEmulator) -> None:
    session = build_session(instance_url=salesforce_emulator.instance_url, ca_bundle=None, read_timeout=10)
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{salesforce_emulator.instance_url}/services/data/")


def test_every_response_is_observed_errors_too(salesforce_emulator: SalesforceEmulator) -> None:
    seen: list[int] = []
    session = build_session(
        instance_url=salesforce_emulator.instance_url, ca_bundle=salesforce_emulator.ca_bundle, read_timeout=10,
        on_response=lambda response: seen.append(response.status_code),
    )  # fmt: skip
    session.get(f"{salesforce_emulator.instance_url}/services/data/")
    session.get(f"{salesforce_emulator.instance_url}/services/data/v61.0/limits/")
    assert seen == [200, 401]
