"""Phone numbers are masked in the client libraries' own log lines, whatever level a test or an admin sets."""

from __future__ import annotations

import logging

import pytest

from connector import logmask


def test_a_soql_url_logged_by_urllib3_loses_its_phone_number(caplog: pytest.LogCaptureFixture) -> None:
    logmask.install()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("urllib3.connectionpool").debug(
        '%s://%s:%s "%s %s %s" %s %s',
        "https",
        "127.0.0.1",
        443,
        "GET",
        "/services/data/v61.0/query/?q=SELECT+Id+FROM+Lead+WHERE+MobilePhone+%3D+%27%2B14155550188%27",
        "HTTP/1.1",
        200,
        85,
    )
    assert "4155550188" not in caplog.text and "88" in caplog.text
    assert "/services/data/v61.0/query/" in caplog.text  # the rest of the line is kept


def test_install_is_idempotent_and_a_broken_format_still_logs(caplog: pytest.LogCaptureFixture) -> None:
    logmask.install()
    logmask.install()
    logger = logging.getLogger("twilio.http_client")
    assert sum(isinstance(f, logmask.MaskPhoneNumbers) for f in logger.filters) == 1
    caplog.set_level(logging.INFO)
    logger.info("To=%s From=%s", "+14155550188")  # one argument short: logging would print a traceback
    assert "4155550188" not in caplog.text and "To=" in caplog.text
