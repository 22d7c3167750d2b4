"""Phone numbers never reach the logs, not even through the client libraries' own DEBUG lines.

urllib3 logs every request line (a SOQL query with a phone number in its URL), and the twilio client logs the
parameters of every request it makes (`To=+1…`). `install()` puts a filter on those loggers that masks
phone-number-looking runs in the formatted message (connector.phones.mask_in_text) before any handler sees it.
The connector's own modules mask numbers where they log them; this covers code we do not own.
"""

from __future__ import annotations

import logging

from connector.phones import mask_in_text

# Loggers of libraries that may log a URL, a request body or a response with a phone number in it.
LIBRARY_LOGGERS = ("urllib3.connectionpool", "twilio.http_client", "simple_salesforce")


class MaskPhoneNumbers(logging.Filter):
    """Rewrites each record's message with phone numbers masked; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a library's bad format string: keep what it gave, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_in_text(message), None
        return True


_FILTER = MaskPhoneNumbers()


def install(names: tuple[str, ...] = LIBRARY_LOGGERS) -> None:
    """Attach the masking filter to these loggers (idempotent: once per logger, however often it is called)."""
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
