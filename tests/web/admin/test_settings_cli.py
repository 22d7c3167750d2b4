"""SMSFLOW_ADMIN_USERS, SMSFLOW_SECRET_KEY, SMSFLOW_SEGMENT_PRICE and `smsflow admin hash-password`."""

from __future__ import annotations

import pytest
from admin_seed import ADMIN_HASH
from click.testing import CliRunner
from werkzeug.security import check_password_hash

from connector.cli import main
from connector.settings import SettingsError, load_settings

SECRET = "s" * 40


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        pytest.param("ana:hunter2", "entry 1 (ana): expected a werkzeug password hash", id="password-not-hash"),
        pytest.param(f"ana:{ADMIN_HASH},ana:{ADMIN_HASH}", "entry 2: ana is listed twice", id="duplicate-name"),
        pytest.param(f"a b:{ADMIN_HASH}", "entry 1: expected name:hash", id="bad-name"),
    ],
)
def test_bad_admin_users_are_named_without_their_hash(value: str, problem: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"SMSFLOW_ADMIN_USERS": value})
    assert problem in str(caught.value)
    assert "hunter2" not in str(caught.value) and ADMIN_HASH not in str(caught.value)


def test_admin_accounts_merge_the_legacy_hash() -> None:
    settings = load_settings({"SMSFLOW_ADMIN_USERS": f"ana:{ADMIN_HASH}", "SMSFLOW_ADMIN_PASSWORD_HASH": ADMIN_HASH})
    assert sorted(settings.admin_accounts()) == ["admin", "ana"]
    assert ADMIN_HASH not in repr(settings)


def test_secret_key_is_checked_and_required_in_production_with_admins() -> None:
    with pytest.raises(SettingsError, match="SMSFLOW_SECRET_KEY: too short"):
        load_settings({"SMSFLOW_SECRET_KEY": "short"})
    with pytest.raises(SettingsError, match="SMSFLOW_SECRET_KEY: required"):
        load_settings({"SMSFLOW_SANDBOX": "false", "SMSFLOW_ADMIN_USERS": f"ana:{ADMIN_HASH}"})
    assert load_settings({"SMSFLOW_SECRET_KEY": SECRET}).secret_key is not None


def test_segment_price() -> None:
    assert load_settings({}).segment_price == 0.0083
    with pytest.raises(SettingsError, match="SMSFLOW_SEGMENT_PRICE"):
        load_settings({"SMSFLOW_SEGMENT_PRICE": "5"})


def test_hash_password_prints_an_entry_the_settings_accept() -> None:
    result = CliRunner().invoke(main, ["admin", "hash-password", "--name", "ben", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    entry = result.output.strip()
    name, _, hashed = entry.partition(":")
    assert name == "ben" and check_password_hash(hashed, "long enough pw")
    assert load_settings({"SMSFLOW_ADMIN_USERS": entry}).admin_accounts() == {"ben": hashed}


def test_hash_password_refuses_short_passwords() -> None:
    result = CliRunner().invoke(main, ["admin", "hash-password", "--password", "short"])
    assert result.exit_code != 0 and "at least 10" in result.output
