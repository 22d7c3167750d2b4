"""Sessions, the API budget and outages: what SalesforceCrm survives, and what it reports as CrmError."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from connector.crm.port import CrmError, CrmPort, WriteOp
from connector.crm.salesforce import SalesforceConfig, SalesforceCrm, build_crm
from connector.sandbox.salesforce import SalesforceEmulator
from connector.settings import load_settings


def _config(emulator: SalesforceEmulator, **overrides: object) -> SalesforceConfig:
    values: dict[str, object] = {"instance_url": emulator.instance_url, "ca_bundle": emulator.ca_bundle}
    return SalesforceConfig(**(values | overrides))  # type: ignore[arg-type]


def _password(emulator: SalesforceEmulator, **overrides: object) -> SalesforceConfig:
    c = emulator.credentials
    login: dict[str, object] = {"username": c.username, "password": c.password, "security_token": c.security_token}
    return _config(emulator, **(login | overrides))


@pytest.fixture
def lead(salesforce_emulator: SalesforceEmulator) -> str:
    return salesforce_emulator.seed("Lead", LastName="Ruiz", Company="Acme", MobilePhone="+14155550188")


def test_expired_session_is_survived_with_password_login(salesforce_emulator: SalesforceEmulator, lead: str) -> None:
    crm = SalesforceCrm(_password(salesforce_emulator))
    assert crm.get("Lead", lead, ["LastName"]) == {"Id": lead, "LastName": "Ruiz"}
    salesforce_emulator.expire_sessions()
    assert crm.get("Lead", lead, ["LastName"]) == {"Id": lead, "LastName": "Ruiz"}
    assert salesforce_emulator.auth.logins == 2


def test_session_id_with_credentials_logs_in_only_when_the_session_expires(
    salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    crm = SalesforceCrm(_password(salesforce_emulator, session_id=salesforce_emulator.session_id))
    crm.get("Lead", lead, ["LastName"])
    assert salesforce_emulator.auth.logins == 0
    salesforce_emulator.expire_sessions()
    assert crm.write([WriteOp("t", "Task", "create", {"WhoId": lead})])[0].ok
    assert salesforce_emulator.auth.logins == 1


def test_expired_session_without_credentials_is_a_clear_auth_error(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    salesforce_emulator.expire_sessions()
    with pytest.raises(CrmError) as caught:
        salesforce_crm.get("Lead", lead, ["LastName"])
    assert (caught.value.code, caught.value.retryable) == ("auth", False)
    assert "no credentials to log in again" in caught.value.reason


def test_wrong_password_is_an_auth_error(salesforce_emulator: SalesforceEmulator, lead: str) -> None:
    crm = SalesforceCrm(_password(salesforce_emulator, password="wrong"))
    with pytest.raises(CrmError) as caught:
        crm.get("Lead", lead, ["LastName"])
    assert (caught.value.code, caught.value.retryable, caught.value.reason) == (
        "auth",
        False,
        "INVALID_LOGIN: login failed",
    )


def test_build_crm_logs_in_from_settings_alone(salesforce_emulator: SalesforceEmulator, lead: str) -> None:
    c = salesforce_emulator.credentials
    env = {
        "SALESFORCE_INSTANCE_URL": salesforce_emulator.instance_url,
        "SALESFORCE_CA_BUNDLE": str(salesforce_emulator.ca_bundle),
        "SALESFORCE_USERNAME": c.username,
        "SALESFORCE_PASSWORD": c.password,
        "SALESFORCE_SECURITY_TOKEN": c.security_token,
    }
    crm = build_crm(load_settings(env=env))
    assert crm.find_by_phone("Lead", ["MobilePhone"], "+14155550188", ["LastName"])[0]["Id"] == lead
    assert salesforce_emulator.auth.logins == 1


def test_spent_budget_is_a_retryable_limit_error(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    salesforce_emulator.set_api_budget(limit=1000, used=1000)
    with pytest.raises(CrmError) as caught:
        salesforce_crm.get("Lead", lead, ["LastName"])
    assert (caught.value.code, caught.value.retryable) == ("limit", True)
    usage = salesforce_crm.usage()
    assert usage is not None and usage.remaining == 0


def test_low_budget_pauses_polling_then_writes_but_keeps_lookups(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    salesforce_emulator.set_api_budget(limit=1000, used=900)  # the next call reports 901/1000: 9.9 % left
    salesforce_crm.get("Lead", lead, ["LastName"])
    calls = len(salesforce_emulator.api_calls)
    with pytest.raises(CrmError) as caught:
        salesforce_crm.changed_since("Lead", ["LastName"], datetime(2026, 1, 1, tzinfo=UTC))
    assert (caught.value.code, caught.value.retryable) == ("limit", True)
    assert len(salesforce_emulator.api_calls) == calls, "refused before calling"
    assert salesforce_crm.write([WriteOp("t", "Task", "create", {"WhoId": lead})])[0].ok
    salesforce_emulator.set_api_budget(used=980)  # the next call reports 981/1000: 1.9 % left
    assert salesforce_crm.get("Lead", lead, ["LastName"]) is not None
    refused = salesforce_crm.write([WriteOp("t2", "Task", "create", {"WhoId": lead})])[0]
    assert refused.error is not None and (refused.error.code, refused.error.retryable) == ("limit", True)
    assert salesforce_crm.find_by_phone("Lead", ["MobilePhone"], "+14155550188", [])[0]["Id"] == lead


def test_a_stale_budget_reading_lets_one_call_through_to_refresh_it(
    salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    now = [0.0]
    crm = SalesforceCrm(_config(salesforce_emulator, session_id=salesforce_emulator.session_id), clock=lambda: now[0])
    salesforce_emulator.set_api_budget(limit=1000, used=950)
    crm.get("Lead", lead, ["LastName"])
    with pytest.raises(CrmError):
        crm.changed_since("Lead", [], datetime(2026, 1, 1, tzinfo=UTC))
    salesforce_emulator.set_api_budget(used=10)  # the rolling 24 hours moved on
    now[0] += 301
    assert [r["Id"] for r in crm.changed_since("Lead", [], datetime(2000, 1, 1, tzinfo=UTC))] == [lead]
    assert crm.usage() is not None and crm.usage().used == 11  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["unavailable", "timeout"])
def test_outages_are_retryable_unavailable_errors(
    salesforce_emulator: SalesforceEmulator, lead: str, kind: str
) -> None:
    crm = SalesforceCrm(_config(salesforce_emulator, session_id=salesforce_emulator.session_id, timeout=0.5))
    salesforce_emulator.fail_next(1, kind, stall_seconds=5.0)  # type: ignore[arg-type]
    with pytest.raises(CrmError) as caught:
        crm.get("Lead", lead, ["LastName"])
    assert (caught.value.code, caught.value.retryable) == ("unavailable", True)
    assert crm.get("Lead", lead, ["LastName"]) is not None


def test_a_failed_call_holds_back_the_later_chunks_for_a_retry(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    ops = [WriteOp(f"t{n}", "Task", "create", {"WhoId": lead, "Subject": str(n)}) for n in range(450)]
    salesforce_emulator.fail_next(1)
    results = salesforce_crm.write(ops)
    assert {(r.ok, r.error.code if r.error else None, r.error.retryable if r.error else None) for r in results} == {
        (False, "unavailable", True)
    }
    assert salesforce_emulator.tasks() == [] and salesforce_emulator.api_calls == []
    assert all(r.ok for r in salesforce_crm.write(ops)) and len(salesforce_emulator.tasks()) == 450


def test_budget_running_out_mid_write_keeps_what_was_written(
    salesforce_crm: CrmPort, salesforce_emulator: SalesforceEmulator, lead: str
) -> None:
    salesforce_emulator.set_api_budget(limit=1000, used=999)
    ops = [WriteOp(f"t{n}", "Task", "create", {"WhoId": lead}) for n in range(450)]
    results = salesforce_crm.write(ops)
    assert [r.ok for r in results] == [True] * 200 + [False] * 250
    assert {(r.error.code, r.error.retryable) for r in results[200:] if r.error} == {("limit", True)}
    assert len(salesforce_emulator.tasks()) == 200


def test_logs_carry_no_session_id_no_password_and_no_phone_number(
    salesforce_emulator: SalesforceEmulator, lead: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="connector")  # an app built by an earlier test may have set its level
    crm = SalesforceCrm(_password(salesforce_emulator, session_id=salesforce_emulator.session_id))
    crm.find_by_phone("Lead", ["MobilePhone"], "+14155550188", ["LastName"])
    salesforce_emulator.expire_sessions()
    crm.find_by_phone("Lead", ["MobilePhone"], "+14155550188", ["LastName"])
    salesforce_emulator.set_api_budget(limit=10, used=10)
    with pytest.raises(CrmError) as caught:
        crm.get("Lead", lead, ["LastName"])
    text = caplog.text + caught.value.reason
    assert "logging in again" in text and "+1415*****88" in text
    for secret in (salesforce_emulator.session_id, salesforce_emulator.credentials.password, "4155550188"):
        assert secret not in text
    assert salesforce_emulator.session_id[16:40] not in text


def _jwt_key(emulator: SalesforceEmulator) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    emulator.credentials.jwt_public_keys.append(public.decode())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.mark.parametrize("mode", ["oauth-password", "client-credentials", "jwt-bearer"])
def test_oauth_logins_work_and_survive_expiry(salesforce_emulator: SalesforceEmulator, lead: str, mode: str) -> None:
    c = salesforce_emulator.credentials
    options: dict[str, object] = {
        "oauth-password": {"username": c.username, "password": c.password, "consumer_key": c.consumer_key,
                           "consumer_secret": c.consumer_secret},
        "client-credentials": {"consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret},
        "jwt-bearer": {"username": c.username, "consumer_key": c.consumer_key,
                       "private_key": _jwt_key(salesforce_emulator)},
    }[mode]  # fmt: skip
    crm = SalesforceCrm(_config(salesforce_emulator, **options))
    assert crm.get("Lead", lead, ["LastName"]) is not None
    salesforce_emulator.expire_sessions()
    assert crm.get("Lead", lead, ["LastName"]) is not None
    assert salesforce_emulator.auth.logins == 2
