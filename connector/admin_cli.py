"""`smsflow admin`: helpers for the admin UI's settings (kept out of connector.web so `smsflow --help` stays fast)."""

from __future__ import annotations

import re

import click
from werkzeug.security import generate_password_hash

# werkzeug's pbkdf2 default (600 000 rounds of SHA-256), named so the setting reads the same everywhere.
METHOD = "pbkdf2:sha256:600000"


@click.group()
def admin() -> None:
    """The admin pages: sign-in settings."""


@admin.command("hash-password")
@click.option("--name", default="admin", show_default=True, help="The admin's sign-in name.")
@click.password_option(help="Read from the terminal (twice) when not given.")
def hash_password(name: str, password: str) -> None:
    """Print a NAME:HASH entry for SMSFLOW_ADMIN_USERS (entries are comma-separated)."""
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,64}", name):
        raise click.BadParameter("letters, digits and . _ @ - only", param_hint="--name")
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="password")
    click.echo(f"{name}:{generate_password_hash(password, method=METHOD)}")
