"""Settings: defaults, a named problem per bad variable, production requirements, no secret ever shown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from connector.settings import Settings, SettingsError, load_settings

SID = "AC" + "0123456789abcdef" * 2
SERVICE = "MG" + "0123456789abcdef" * 2
TOKEN = "f" * 32
ORG = "00D5e000000AbCdEAK"

PRODUCTION = {
    "SMSFLOW_SANDBOX": "false",
    "SMSFLOW_PUBLIC_URL": "https://sms.example.com",
    "TWILIO_ACCOUNT_SID": SID,
    "TWILIO_AUTH_TOKEN": TOKEN,
    "TWILIO_FROM_NUMBER": "+12025550143",
    "SALESFORCE_INSTANCE_URL": "https://example.my.salesforce.com",
    "SALESFORCE_SESSION_ID": "00D5e000000AbCd!AQ0AQsessiontoken",
    "SALESFORCE_ORG_ID": ORG,
    "SMSFLOW_CALLOUT_SECRET": "a-long-random-callout-secret",
}


def problems(env: dict[str, str]) -> dict[str, str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(env)
    return {p.name: p.reason for p in caught.value.problems}


def without(env: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in names}


def test_defaults_run_the_sandbox_on_sqlite() -> None:
    settings = load_settings({})
    assert settings.database_url.get_secret_value() == "sqlite:///var/smsflow.db"
    assert settings.public_url == "http://127.0.0.1:5000"
    assert settings.sandbox is True
    assert (settings.flows_dir, settings.mappings_dir, settings.manifest) == (
        Path("flows"),
        Path("mappings"),
        Path("manifest.yaml"),
    )
    assert settings.salesforce_api_version == "61.0"
    assert settings.log_level == "INFO"
    assert settings.twilio_api_base is None


def test_empty_values_count_as_unset() -> None:
    settings = load_settings({"TWILIO_API_BASE": "", "SMSFLOW_SANDBOX": ""})
    assert settings.twilio_api_base is None
    assert settings.sandbox is True


def test_given_mapping_ignores_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSFLOW_FLOWS_DIR", "elsewhere")
    assert load_settings({}).flows_dir == Path("flows")


def test_environment_overrides_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SMSFLOW_FLOWS_DIR=from-dotenv\nSMSFLOW_MAPPINGS_DIR=from-dotenv\n")
    monkeypatch.setenv("SMSFLOW_MAPPINGS_DIR", "from-env")
    monkeypatch.delenv("SMSFLOW_FLOWS_DIR", raising=False)
    settings = load_settings()
    assert settings.flows_dir == Path("from-dotenv")
    assert settings.mappings_dir == Path("from-env")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            "postgresql://u:pw@db/smsflow",
            "postgresql+psycopg://u:***@db/smsflow",
            id="postgresql-uses-psycopg3",
        ),
        pytest.param("postgres://u:pw@db/smsflow", "postgresql+psycopg://u:***@db/smsflow", id="postgres-alias"),
        pytest.param("sqlite:////srv/smsflow.db", "sqlite:////srv/smsflow.db", id="sqlite-absolute-path"),
    ],
)
def test_database_url_is_normalised_and_displayed_masked(given: str, expected: str) -> None:
    assert load_settings({"DATABASE_URL": given}).database_display() == expected


def test_log_level_is_case_insensitive_and_urls_lose_trailing_slash() -> None:
    settings = load_settings({"SMSFLOW_LOG_LEVEL": "debug", "SMSFLOW_PUBLIC_URL": "https://sms.example.com/"})
    assert settings.log_level == "DEBUG"
    assert settings.public_url == "https://sms.example.com"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        pytest.param("SMSFLOW_SANDBOX", "maybe", "valid boolean", id="sandbox-not-a-bool"),
        pytest.param("SMSFLOW_PUBLIC_URL", "sms.example.com", "http:// or https://", id="public-url-no-scheme"),
        pytest.param("TWILIO_ACCOUNT_SID", "AC123", '"AC" followed by 32 hex', id="account-sid-too-short"),
        pytest.param("TWILIO_ACCOUNT_SID", "MG" + "0" * 32, '"AC"', id="account-sid-wrong-prefix"),
        pytest.param("TWILIO_MESSAGING_SERVICE_SID", "MGxyz", '"MG" followed by 32 hex', id="service-sid"),
        pytest.param("TWILIO_FROM_NUMBER", "202-555-0143", "E.164", id="from-number-not-e164"),
        pytest.param("TWILIO_API_BASE", "localhost:8081", "http:// or https://", id="api-base-no-scheme"),
        pytest.param("SALESFORCE_INSTANCE_URL", "ftp://x.my.salesforce.com", "https://", id="instance-url"),
        pytest.param("SALESFORCE_ORG_ID", "12345", "00D", id="org-id"),
        pytest.param("SALESFORCE_API_VERSION", "61", '"61.0"', id="api-version-without-minor"),
        pytest.param("SALESFORCE_API_VERSION", "v61.0", '"61.0"', id="api-version-with-v"),
        pytest.param("SALESFORCE_CA_BUNDLE", "/nonexistent/ca.pem", "no such file", id="ca-bundle-missing"),
        pytest.param("SMSFLOW_LOG_LEVEL", "loud", "'INFO'", id="log-level"),
        pytest.param("DATABASE_URL", "not a url", "database URL", id="database-url-garbage"),
        pytest.param("DATABASE_URL", "mysql://u:pw@db/x", "unsupported database", id="database-url-mysql"),
    ],
)
def test_malformed_value_names_the_variable(name: str, value: str, reason: str) -> None:
    found = problems({name: value})
    assert list(found) == [name]
    assert reason in found[name]


def test_every_bad_variable_is_reported_at_once() -> None:
    found = problems({"TWILIO_ACCOUNT_SID": "AC1", "SALESFORCE_ORG_ID": "x", "SMSFLOW_LOG_LEVEL": "loud"})
    assert set(found) == {"TWILIO_ACCOUNT_SID", "SALESFORCE_ORG_ID", "SMSFLOW_LOG_LEVEL"}


def test_production_settings_validate() -> None:
    settings = load_settings(PRODUCTION)
    assert settings.sandbox is False
    assert settings.twilio_account_sid == SID


@dataclass
class ProdCase:
    id: str
    env: dict[str, str]
    missing: set[str]


PROD_CASES = [
    *(
        ProdCase(f"{name.lower()}-required", without(PRODUCTION, name), {name})
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SALESFORCE_ORG_ID", "SMSFLOW_CALLOUT_SECRET")
    ),
    ProdCase(
        "a-sender-is-required",
        without(PRODUCTION, "TWILIO_FROM_NUMBER"),
        {"TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"},
    ),
    ProdCase(
        "messaging-service-is-a-sender",
        {**without(PRODUCTION, "TWILIO_FROM_NUMBER"), "TWILIO_MESSAGING_SERVICE_SID": SERVICE},
        set(),
    ),
    ProdCase(
        "salesforce-login-is-required",
        without(PRODUCTION, "SALESFORCE_SESSION_ID"),
        {"SALESFORCE_SESSION_ID or SALESFORCE_USERNAME"},
    ),
    ProdCase(
        "password-login-is-a-login",
        {
            **without(PRODUCTION, "SALESFORCE_SESSION_ID"),
            "SALESFORCE_USERNAME": "sms@example.com",
            "SALESFORCE_PASSWORD": "pw",
        },
        set(),
    ),
    ProdCase(
        "username-needs-password",
        {**without(PRODUCTION, "SALESFORCE_SESSION_ID"), "SALESFORCE_USERNAME": "sms@example.com"},
        {"SALESFORCE_PASSWORD"},
    ),
    ProdCase(
        "session-id-needs-instance-url",
        without(PRODUCTION, "SALESFORCE_INSTANCE_URL"),
        {"SALESFORCE_INSTANCE_URL"},
    ),
    ProdCase("public-url-must-not-be-loopback", without(PRODUCTION, "SMSFLOW_PUBLIC_URL"), {"SMSFLOW_PUBLIC_URL"}),
    ProdCase("auth-token-must-be-hex", {**PRODUCTION, "TWILIO_AUTH_TOKEN": "z" * 32}, {"TWILIO_AUTH_TOKEN"}),
    ProdCase(
        "requirements-listed-beside-malformed-values",
        {**without(PRODUCTION, "TWILIO_AUTH_TOKEN"), "TWILIO_ACCOUNT_SID": "AC1"},
        {"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"},
    ),
    ProdCase("sandbox-needs-no-credentials", {"SMSFLOW_SANDBOX": "true"}, set()),
]


@pytest.mark.parametrize("case", PROD_CASES, ids=lambda c: c.id)
def test_production_requires_credentials(case: ProdCase) -> None:
    if not case.missing:
        load_settings(case.env)
        return
    assert set(problems(case.env)) == case.missing


SECRET = "Sup3r-S3cret-Value-0123456789"


@dataclass
class SecretCase:
    id: str
    env: dict[str, str]
    valid: bool


SECRET_CASES = [
    SecretCase("database-password", {"DATABASE_URL": f"postgresql://u:{SECRET}@db/x"}, True),
    SecretCase("database-password-in-bad-url", {"DATABASE_URL": f"mysql://u:{SECRET}@db/x"}, False),
    SecretCase("callout-secret", {"SMSFLOW_CALLOUT_SECRET": SECRET}, True),
    SecretCase("callout-secret-too-short", {"SMSFLOW_CALLOUT_SECRET": SECRET[:10]}, False),
    SecretCase("admin-hash-given-a-password", {"SMSFLOW_ADMIN_PASSWORD_HASH": SECRET}, False),
    SecretCase("twilio-token", {"TWILIO_AUTH_TOKEN": SECRET}, True),
    SecretCase("twilio-token-malformed-in-production", {**PRODUCTION, "TWILIO_AUTH_TOKEN": SECRET}, False),
    SecretCase("salesforce-session", {"SALESFORCE_SESSION_ID": SECRET}, True),
    SecretCase("salesforce-password", {"SALESFORCE_USERNAME": "u@example.com", "SALESFORCE_PASSWORD": SECRET}, True),
    SecretCase("salesforce-security-token", {"SALESFORCE_SECURITY_TOKEN": SECRET}, True),
]


@pytest.mark.parametrize("case", SECRET_CASES, ids=lambda c: c.id)
def test_secrets_never_shown(case: SecretCase) -> None:
    if case.valid:
        settings = load_settings(case.env)
        shown = [str(settings), repr(settings), settings.model_dump_json(), settings.database_display()]
    else:
        with pytest.raises(SettingsError) as caught:
            load_settings(case.env)
        shown = [str(caught.value), repr(caught.value)]
    for text in shown:
        assert SECRET not in text
        assert SECRET[:10] not in text


def test_describe_lists_every_variable_once() -> None:
    rows = Settings.describe()
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names)) == len(Settings.model_fields)
    by_name = {row["name"]: row for row in rows}
    assert by_name["DATABASE_URL"]["default"] == "sqlite:///var/smsflow.db"
    assert by_name["SMSFLOW_SANDBOX"]["default"] == "true"
    assert by_name["TWILIO_AUTH_TOKEN"]["secret"] is True
    assert by_name["TWILIO_ACCOUNT_SID"]["secret"] is False
    assert all(row["description"] for row in rows)


def test_sender_name_is_the_default_help_answer_signature() -> None:
    settings = load_settings({"SMSFLOW_SENDER_NAME": "  Northwind   Roofing "})
    assert settings.sender_name == "Northwind Roofing"
    assert settings.help_answer().startswith("Northwind Roofing: ") and "STOP" in settings.help_answer()
    assert load_settings({"SMSFLOW_HELP_TEXT": "Northwind: call 020 7946 0000"}).help_answer() == (
        "Northwind: call 020 7946 0000"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("x" * 31, "at most 30", id="too-long-for-the-segment-budget"),
        pytest.param("Łódź Roofing", "outside GSM-7", id="would-make-every-text-ucs2"),
    ],
)
def test_bad_sender_names_are_refused(value: str, reason: str) -> None:
    assert reason in problems({"SMSFLOW_SENDER_NAME": value})["SMSFLOW_SENDER_NAME"]


def test_policy_overrides_file_is_checked_at_start_up(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("regions: {GB: '09:00-20:00'}\nstates: {FL: {max_per_24h: 2}}\n", encoding="utf-8")
    assert load_settings({"SMSFLOW_POLICY_OVERRIDES": str(good)}).policy_overrides == good

    bad = tmp_path / "bad.yaml"
    bad.write_text("regions:\n  GB: '9 to 5'\n", encoding="utf-8")
    reason = problems({"SMSFLOW_POLICY_OVERRIDES": str(bad)})["SMSFLOW_POLICY_OVERRIDES"]
    assert f"{bad}:2:7: regions.GB" in reason

    missing = problems({"SMSFLOW_POLICY_OVERRIDES": str(tmp_path / "nope.yaml")})["SMSFLOW_POLICY_OVERRIDES"]
    assert "cannot be read" in missing


def test_send_rate_is_shared_by_the_worker_processes() -> None:
    settings = load_settings({"SMSFLOW_SEND_RATE": "30", "SMSFLOW_WORKER_PROCESSES": "3"})
    assert (settings.send_rate, settings.worker_processes) == (30.0, 3)
    assert "above 0" in problems({"SMSFLOW_SEND_RATE": "0"})["SMSFLOW_SEND_RATE"]
    assert "1 or more" in problems({"SMSFLOW_WORKER_PROCESSES": "0"})["SMSFLOW_WORKER_PROCESSES"]
