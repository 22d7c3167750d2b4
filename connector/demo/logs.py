"""Keep the connector's and the libraries' logs in a file, so the terminal shows only the demo's own lines."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOGGERS = ("connector", "apscheduler", "twilio", "simple_salesforce", "werkzeug", "urllib3", "alembic")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@contextmanager
def logs_to(path: Path, level: int = logging.INFO) -> Iterator[Path]:
    """Send these loggers to `path` (and nowhere else) for the block; their old settings come back afterwards."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    try:
        yield path
    finally:
        for logger, old_level, propagate in saved:
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = propagate
        handler.close()
