"""Settings from environment variables (and an optional `.env`), validated once at start-up.

Every variable is declared once below with its env name, default and meaning; `Settings.describe()` turns that
into the table `manifest.yaml` must agree with. Secrets are `SecretStr`, so they never show in repr, logs or
errors. With `SMSFLOW_SANDBOX=false` the credentials real Twilio and Salesforce need become required.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, Self, get_args
from urllib.parse import urlsplit

from dotenv import dotenv_values  # pydantic-settings' own .env reader
from pydantic import Field, SecretStr, TypeAdapter, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connector.config import DEFAULT_SENDER_NAME, SENDER_MAX_LENGTH
from connector.sms.segments import is_gsm7

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
PRODUCTION = "SMSFLOW_SANDBOX=false"

_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
_AUTH_TOKEN = re.compile(r"^[0-9a-fA-F]{32}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_API_VERSION = re.compile(r"^\d{2}\.\d$")
_ORG_ID = re.compile(r"^00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$")
# werkzeug generate_password_hash: "scrypt:32768:8:1$<salt>$<hex>" or "pbkdf2:sha256:600000$<salt>$<hex>".
_PASSWORD_HASH = re.compile(r"^(?:scrypt|pbkdf2)(?::[\w]+)*\$[^$]+\$[0-9a-f]+$")
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
_MIN_SECRET = 16
_MIN_ADMIN_SECRET = 32  # signs session cookies: anyone who has it can forge a signed-in admin
HELP_TEXT_MAX_LENGTH = 320  # two GSM-7 segments: carriers expect a short HELP answer
_ADMIN_NAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


def _parse_admin_users(text: str) -> dict[str, str]:
    """Admin users from "ana:pbkdf2:sha256:...,ben:scrypt:..." as {name: hash}; a hash never contains a comma."""
    users: dict[str, str] = {}
    for n, item in enumerate((part.strip() for part in text.split(",")), start=1):
        name, _, hashed = item.partition(":")
        if not _ADMIN_NAME.match(name):
            raise ValueError(f"entry {n}: expected name:hash with a name of letters, digits, . _ @ -")
        if not _PASSWORD_HASH.match(hashed):
            raise ValueError(f"entry {n} ({name}): expected a werkzeug password hash, not a password")
        if name in users:
            raise ValueError(f"entry {n}: {name} is listed twice")
        users[name] = hashed
    return users


class Problem(NamedTuple):
    """One bad variable: its env name and why, never its value when it is a secret."""

    name: str
    reason: str


class SettingsError(ValueError):
    """The environment does not configure a usable connector; lists every bad variable by name."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p.name}: {p.reason}" for p in problems)
        super().__init__(f"invalid settings ({len(problems)}):\n{lines}")


def _var(
    default: Any, name: str, description: str, *, required_when: str | None = None
) -> Any:  # a pydantic FieldInfo, typed Any so the field annotation stays the declared type
    extra = {"required_when": required_when} if required_when else None
    return Field(default, validation_alias=name, description=description, json_schema_extra=extra)


class Settings(BaseSettings):
    """The connector's configuration; build it with `load_settings()`, which reports every problem at once."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=True,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    database_url: SecretStr = _var(
        SecretStr("sqlite:///var/smsflow.db"),
        "DATABASE_URL",
        "SQLAlchemy URL of the store: SQLite for one machine, PostgreSQL (postgresql://...) for several",
    )
    public_url: str = _var(
        "http://127.0.0.1:5000",
        "SMSFLOW_PUBLIC_URL",
        "Base URL Twilio and Salesforce call back; Twilio signatures are checked against it",
        required_when=PRODUCTION,
    )
    admin_password_hash: SecretStr | None = _var(
        None,
        "SMSFLOW_ADMIN_PASSWORD_HASH",
        "werkzeug password hash for the admin pages; admin login is disabled when unset",
    )
    flows_dir: Path = _var(Path("flows"), "SMSFLOW_FLOWS_DIR", "Directory of flow definitions (*.yaml)")
    mappings_dir: Path = _var(Path("mappings"), "SMSFLOW_MAPPINGS_DIR", "Directory of per-object CRM mappings (*.yaml)")
    manifest: Path = _var(Path("manifest.yaml"), "SMSFLOW_MANIFEST", "Path of the plugin manifest")
    sandbox: bool = _var(
        True, "SMSFLOW_SANDBOX", "Use the built-in Salesforce and Twilio emulators; false in production"
    )
    twilio_account_sid: str | None = _var(
        None, "TWILIO_ACCOUNT_SID", "Twilio account SID (AC + 32 hex digits)", required_when=PRODUCTION
    )
    twilio_auth_token: SecretStr | None = _var(
        None,
        "TWILIO_AUTH_TOKEN",
        "Twilio auth token: authenticates API calls and verifies webhook signatures",
        required_when=PRODUCTION,
    )
    twilio_messaging_service_sid: str | None = _var(
        None,
        "TWILIO_MESSAGING_SERVICE_SID",
        "Messaging Service SID (MG + 32 hex digits) to send from; or set TWILIO_FROM_NUMBER",
        required_when=f"{PRODUCTION} and TWILIO_FROM_NUMBER is unset",
    )
    twilio_from_number: str | None = _var(
        None,
        "TWILIO_FROM_NUMBER",
        "Sender phone number in E.164 (+12025550143); or set TWILIO_MESSAGING_SERVICE_SID",
        required_when=f"{PRODUCTION} and TWILIO_MESSAGING_SERVICE_SID is unset",
    )
    twilio_api_base: str | None = _var(
        None, "TWILIO_API_BASE", "Twilio API base URL; empty for real Twilio, the emulator's URL otherwise"
    )
    salesforce_instance_url: str | None = _var(
        None,
        "SALESFORCE_INSTANCE_URL",
        "Org base URL (https://example.my.salesforce.com)",
        required_when=f"{PRODUCTION} and SALESFORCE_SESSION_ID is set",
    )
    salesforce_session_id: SecretStr | None = _var(
        None,
        "SALESFORCE_SESSION_ID",
        "Salesforce session id / OAuth access token; or set SALESFORCE_USERNAME and SALESFORCE_PASSWORD",
        required_when=f"{PRODUCTION} and SALESFORCE_USERNAME is unset",
    )
    salesforce_username: str | None = _var(
        None,
        "SALESFORCE_USERNAME",
        "Salesforce integration user's username (password login)",
        required_when=f"{PRODUCTION} and SALESFORCE_SESSION_ID is unset",
    )
    salesforce_password: SecretStr | None = _var(
        None,
        "SALESFORCE_PASSWORD",
        "Password of SALESFORCE_USERNAME",
        required_when="SALESFORCE_USERNAME is set",
    )
    salesforce_security_token: SecretStr | None = _var(
        None,
        "SALESFORCE_SECURITY_TOKEN",
        "Security token of SALESFORCE_USERNAME; not needed from a trusted IP range",
    )
    salesforce_org_id: str | None = _var(
        None,
        "SALESFORCE_ORG_ID",
        "Org id (00D...); Outbound Messages from any other org are rejected",
        required_when=PRODUCTION,
    )
    salesforce_api_version: str = _var("61.0", "SALESFORCE_API_VERSION", "Salesforce REST API version, like 61.0")
    salesforce_ca_bundle: Path | None = _var(
        None, "SALESFORCE_CA_BUNDLE", "CA bundle to trust for Salesforce HTTPS (the emulator's certificate)"
    )
    callout_secret: SecretStr | None = _var(
        None,
        "SMSFLOW_CALLOUT_SECRET",
        "Shared secret for Salesforce callouts: HMAC of change events and the Outbound Message URL key",
        required_when=PRODUCTION,
    )
    log_level: LogLevel = _var("INFO", "SMSFLOW_LOG_LEVEL", "Log level: DEBUG, INFO, WARNING, ERROR or CRITICAL")
    send_rate: float = _var(
        5.0,
        "SMSFLOW_SEND_RATE",
        "Texts per second for the whole deployment, shared by the worker processes (your Twilio sender's limit)",
    )
    worker_processes: int = _var(
        1, "SMSFLOW_WORKER_PROCESSES", "How many `smsflow worker` processes run: each sends at the rate divided by it"
    )
    sender_name: str = _var(
        DEFAULT_SENDER_NAME,
        "SMSFLOW_SENDER_NAME",
        f"The business name texts are signed with ({{{{ sender }}}}); at most {SENDER_MAX_LENGTH} GSM-7 characters",
    )
    help_text: str | None = _var(
        None,
        "SMSFLOW_HELP_TEXT",
        "The answer to HELP/INFO; it must name the sender. Unset: a standard text naming SMSFLOW_SENDER_NAME",
    )
    policy_overrides: Path | None = _var(
        None,
        "SMSFLOW_POLICY_OVERRIDES",
        "YAML file of admin overrides to the contact policy: windows per region, US state rules (docs/policy.md)",
    )

    # ---- admin UI (connector/web/admin/) ------------------------------------------------------------------------
    admin_users: SecretStr | None = _var(
        None,
        "SMSFLOW_ADMIN_USERS",
        "Admin sign-ins as name:hash pairs, comma-separated; make a hash with `smsflow admin hash-password`",
    )
    secret_key: SecretStr | None = _var(
        None,
        "SMSFLOW_SECRET_KEY",
        "Signs admin session cookies; share it across web processes. Unset: a random key per process",
        required_when=f"{PRODUCTION} and SMSFLOW_ADMIN_USERS is set",
    )
    segment_price: float = _var(
        0.0083, "SMSFLOW_SEGMENT_PRICE", "Price of one SMS segment in USD, for the performance page's cost estimate"
    )

    @field_validator("admin_users")
    @classmethod
    def _admin_users(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _parse_admin_users(value.get_secret_value())
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < _MIN_ADMIN_SECRET:
            raise ValueError(f"too short; use at least {_MIN_ADMIN_SECRET} random characters")
        return value

    @field_validator("segment_price")
    @classmethod
    def _segment_price(cls, value: float) -> float:
        if not 0 <= value < 1:
            raise ValueError("expected a price in USD per segment, such as 0.0083")
        return value

    @model_validator(mode="after")
    def _admin_ready(self) -> Self:
        if not self.sandbox and self.admin_accounts() and self.secret_key is None:
            problem = Problem("SMSFLOW_SECRET_KEY", "required when SMSFLOW_SANDBOX=false and admin users are set")
            raise PydanticCustomError(
                "production_settings", "missing settings: {names}", {"names": problem.name, "problems": [problem]}
            )
        return self

    def admin_accounts(self) -> dict[str, str]:
        """Admin user names and their werkzeug password hashes (SMSFLOW_ADMIN_PASSWORD_HASH signs in as "admin")."""
        accounts = {}
        if self.admin_password_hash is not None:
            accounts["admin"] = self.admin_password_hash.get_secret_value()
        if self.admin_users is not None:
            accounts.update(_parse_admin_users(self.admin_users.get_secret_value()))
        return accounts

    # ---- end of the admin UI block ------------------------------------------------------------------------------

    @field_validator("send_rate")
    @classmethod
    def _send_rate(cls, value: float) -> float:
        if not 0 < value <= 10_000:
            raise ValueError("expected texts per second above 0, such as 1 for one long code or 30 for a short code")
        return value

    @field_validator("worker_processes")
    @classmethod
    def _worker_processes(cls, value: int) -> int:
        if not 1 <= value <= 1000:
            raise ValueError("expected the number of worker processes, 1 or more")
        return value

    @field_validator("sender_name")
    @classmethod
    def _sender_name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("empty; texts must name the business that sends them")
        if len(value) > SENDER_MAX_LENGTH:
            raise ValueError(f"{len(value)} characters; at most {SENDER_MAX_LENGTH} fit every text's budget")
        if not is_gsm7(value):
            raise ValueError("has characters outside GSM-7, which would make every text UCS-2 (70 per segment)")
        return value

    @field_validator("help_text")
    @classmethod
    def _help_text(cls, value: str | None) -> str | None:
        if value is not None and len(value) > HELP_TEXT_MAX_LENGTH:
            raise ValueError(f"{len(value)} characters; keep the HELP answer within {HELP_TEXT_MAX_LENGTH}")
        return value

    @field_validator("policy_overrides")
    @classmethod
    def _policy_overrides(cls, value: Path | None) -> Path | None:
        if value is not None:
            from connector.config.policy_overrides import load_overrides  # imports the engine's policy

            load_overrides(value)  # a broken file stops start-up with its problem, not the first send
        return value

    def help_answer(self) -> str:
        """The text sent in answer to HELP/INFO."""
        return self.help_text or (
            f"{self.sender_name}: automated texts about your enquiry. Reply STOP to opt out, START to opt back in. "
            "Msg & data rates may apply."
        )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretStr) -> SecretStr:
        try:
            url = make_url(value.get_secret_value())
        except ArgumentError:
            raise ValueError("not a database URL; expected sqlite:///path or postgresql://...") from None
        if url.get_backend_name() in ("postgres", "postgresql"):
            if url.drivername in ("postgres", "postgresql"):
                # psycopg 3 is the driver we ship; SQLAlchemy's bare postgresql:// would look for psycopg2.
                url = url.set(drivername="postgresql+psycopg")
        elif url.get_backend_name() != "sqlite":
            raise ValueError("unsupported database; expected sqlite:///path or postgresql://...")
        return SecretStr(url.render_as_string(hide_password=False))

    @field_validator("public_url", "twilio_api_base", "salesforce_instance_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ValueError("expected a base URL without ?query or #fragment")
        return value.rstrip("/")

    @field_validator("admin_password_hash")
    @classmethod
    def _password_hash(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _PASSWORD_HASH.match(value.get_secret_value()):
            raise ValueError("expected a werkzeug password hash (scrypt:... or pbkdf2:...), not a password")
        return value

    @field_validator("twilio_account_sid")
    @classmethod
    def _account_sid(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT_SID.match(value):
            raise ValueError('expected "AC" followed by 32 hex digits')
        return value

    @field_validator("twilio_messaging_service_sid")
    @classmethod
    def _service_sid(cls, value: str | None) -> str | None:
        if value is not None and not _SERVICE_SID.match(value):
            raise ValueError('expected "MG" followed by 32 hex digits')
        return value

    @field_validator("twilio_from_number")
    @classmethod
    def _from_number(cls, value: str | None) -> str | None:
        if value is not None and not _E164.match(value):
            raise ValueError("expected an E.164 phone number like +12025550143")
        return value

    @field_validator("salesforce_org_id")
    @classmethod
    def _org_id(cls, value: str | None) -> str | None:
        if value is not None and not _ORG_ID.match(value):
            raise ValueError('expected a 15 or 18 character org id starting with "00D"')
        return value

    @field_validator("salesforce_api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if not _API_VERSION.match(value):
            raise ValueError('expected a version like "61.0"')
        return value

    @field_validator("salesforce_ca_bundle")
    @classmethod
    def _ca_bundle(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file")
        return value

    @field_validator("callout_secret")
    @classmethod
    def _callout_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < _MIN_SECRET:
            raise ValueError(f"too short; use at least {_MIN_SECRET} random characters")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _production_ready(self) -> Self:
        values = {_env_name(name): getattr(self, name) for name in type(self).model_fields}
        problems = _production_problems(values)
        if problems:
            raise PydanticCustomError(
                "production_settings",
                "missing or unusable settings for SMSFLOW_SANDBOX=false: {names}",
                {"names": ", ".join(p.name for p in problems), "problems": problems},
            )
        return self

    def database_display(self) -> str:
        """The database URL with any password masked, for logs and start-up banners."""
        return make_url(self.database_url.get_secret_value()).render_as_string(hide_password=True)

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """One row per variable: name, required, required_when, secret, default, description."""
        rows = []
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            rows.append(
                {
                    "name": _env_name(name),
                    "required": field.is_required(),
                    "required_when": extra.get("required_when"),
                    "secret": SecretStr in (field.annotation, *get_args(field.annotation)),
                    "default": _render_default(field.default),
                    "description": field.description,
                }
            )
        return rows


def _env_name(field_name: str) -> str:
    alias = Settings.model_fields[field_name].validation_alias
    assert isinstance(alias, str)
    return alias


def _render_default(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _production_problems(values: Mapping[str, Any]) -> list[Problem]:
    """What real Twilio and Salesforce need; `values` maps env names to parsed or raw values."""
    try:
        sandbox = TypeAdapter(bool).validate_python(values.get("SMSFLOW_SANDBOX", True))
    except ValidationError:
        return []  # reported as a malformed SMSFLOW_SANDBOX already
    if sandbox:
        return []

    def has(name: str) -> bool:
        return values.get(name) not in (None, "")

    problems = [
        Problem(name, "required when SMSFLOW_SANDBOX=false")
        for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SALESFORCE_ORG_ID", "SMSFLOW_CALLOUT_SECRET")
        if not has(name)
    ]
    token = values.get("TWILIO_AUTH_TOKEN")
    token = token.get_secret_value() if isinstance(token, SecretStr) else token
    if token and not _AUTH_TOKEN.match(token):
        problems.append(Problem("TWILIO_AUTH_TOKEN", "expected 32 hex digits, as Twilio's console shows it"))
    public = str(values.get("SMSFLOW_PUBLIC_URL") or "http://127.0.0.1:5000")
    if (urlsplit(public).hostname or "") in _LOOPBACK:
        problems.append(Problem("SMSFLOW_PUBLIC_URL", "must be an address Twilio and Salesforce can reach"))
    if not has("TWILIO_MESSAGING_SERVICE_SID") and not has("TWILIO_FROM_NUMBER"):
        problems.append(Problem("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER", "one is required to send texts"))
    if has("SALESFORCE_SESSION_ID"):
        if not has("SALESFORCE_INSTANCE_URL"):
            problems.append(Problem("SALESFORCE_INSTANCE_URL", "required with SALESFORCE_SESSION_ID"))
    elif has("SALESFORCE_USERNAME"):
        if not has("SALESFORCE_PASSWORD"):
            problems.append(Problem("SALESFORCE_PASSWORD", "required with SALESFORCE_USERNAME"))
    else:
        problems.append(
            Problem(
                "SALESFORCE_SESSION_ID or SALESFORCE_USERNAME",
                "set SALESFORCE_SESSION_ID, or SALESFORCE_USERNAME and SALESFORCE_PASSWORD",
            )
        )
    return problems


class _Given(Settings):
    """Settings from exactly the values given: no process environment, no .env file."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)

    def __repr_name__(self) -> str:
        return "Settings"


_SECRET_NAMES = frozenset(row["name"] for row in Settings.describe() if row["secret"])
_KNOWN_NAMES = frozenset(_env_name(name) for name in Settings.model_fields)


def _read_environment(env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)  # the process environment wins over .env, as in pydantic-settings
    return values


def _problems_from(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        ctx = item.get("ctx") or {}
        if "problems" in ctx:
            problems.extend(ctx["problems"])
            continue
        name = str(item["loc"][0]) if item["loc"] else "settings"
        reason = item["msg"].removeprefix("Value error, ")
        if name not in _SECRET_NAMES and isinstance(item.get("input"), str):
            reason = f"{reason} (got {item['input']!r})"
        problems.append(Problem(name, reason))
    return problems


def load_settings(env: Mapping[str, str] | None = None, env_file: str | Path | None = ".env") -> Settings:
    """Validate settings from `env` (default: `env_file`, then the environment) or raise SettingsError.

    Empty values count as unset. Passing `env` reads nothing else, which is what tests want.
    """
    source = dict(env) if env is not None else _read_environment(Path(env_file) if env_file else None)
    raw = {k: v for k, v in source.items() if k in _KNOWN_NAMES and v != ""}
    try:
        return _Given(**raw)
    except ValidationError as exc:
        problems = _problems_from(exc)
    # Field errors stop the model check, so add what production mode would also miss, judged on raw values.
    seen = {p.name for p in problems}
    problems += [p for p in _production_problems(raw) if p.name not in seen]
    raise SettingsError(problems) from None
