"""The Flask app factory. Importing this package does nothing; `create_app()` reads settings and migrates.

flask --app app run          # app.py: app = create_app()
gunicorn 'app:app'
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.engine import make_url

from connector.bootstrap import Container, build
from connector.crm.salesforce import hooks as salesforce_hooks
from connector.settings import Settings, load_settings
from connector.web import errors, health

# Twilio and Salesforce payloads are a few KiB; anything near this is a mistake or an attack.
MAX_CONTENT_LENGTH = 256 * 1024

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, *, upgrade_db: bool = True) -> Flask:
    """Build the web app; `settings` default to `load_settings()` (environment and .env).

    The database schema is upgraded to the newest revision first (a no-op when it is current); pass
    `upgrade_db=False` where another step migrates, such as a release job before many web processes start.
    """
    settings = settings if settings is not None else load_settings()
    logging.getLogger("connector").setLevel(settings.log_level)
    if upgrade_db:
        upgrade_database(settings)

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_CONTENT_LENGTH
    app.extensions["smsflow"] = settings
    app.extensions["smsflow.container"] = build(settings)

    errors.init_app(app)  # the store unreachable: 503 + Retry-After, so webhook senders retry
    app.register_blueprint(health.bp)
    app.register_blueprint(salesforce_hooks.bp)
    # Local import: the Twilio hooks import current_container from this package.
    from connector.sms.twilio import hooks as twilio_hooks

    app.register_blueprint(twilio_hooks.bp)
    from connector.web.admin import init_app as init_admin  # admin pages, JSON API, /metrics

    init_admin(app)
    return app


def current_settings() -> Settings:
    """The settings of the app handling the current request."""
    settings: Settings = current_app.extensions["smsflow"]
    return settings


def current_container() -> Container:
    """The store, flows and clock of the app handling the current request."""
    container: Container = current_app.extensions["smsflow.container"]
    return container


def upgrade_database(settings: Settings) -> None:
    """Create the SQLite file's directory if needed, then migrate the schema to head."""
    from connector.store.migrate import upgrade  # imports Alembic; only needed when an app is built

    url = settings.database_url.get_secret_value()
    _ensure_sqlite_directory(url)
    log.info("upgrading database %s", settings.database_display())
    upgrade(url)


def _ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
