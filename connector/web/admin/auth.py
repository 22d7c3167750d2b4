"""Sign-in and sign-out: admin users and their password hashes come from settings (SMSFLOW_ADMIN_USERS)."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from connector.web.admin import context, security
from connector.web.admin.blueprint import bp

log = logging.getLogger(__name__)

# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a password", method="pbkdf2:sha256:600000")


def verify(name: str, password: str) -> bool:
    """Whether `password` is the admin `name`'s (always hashing once, known name or not)."""
    hashed = context.settings().admin_accounts().get(name)
    ok = check_password_hash(hashed or _DUMMY_HASH, password)
    return ok and hashed is not None


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside the admin pages, never another site."""
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("admin.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    enabled = bool(context.settings().admin_accounts())
    if request.method == "GET":
        return render_template("admin/login.html", enabled=enabled, next=request.args.get("next", ""))
    client = request.remote_addr or "?"
    throttle = security.throttle()
    if throttle.blocked(client):
        return render_template("admin/login.html", enabled=enabled, error="Too many attempts; wait a few minutes."), 429
    name = request.form.get("username", "").strip()
    if not enabled or not verify(name, request.form.get("password", "")):
        throttle.fail(client)
        log.warning("admin sign-in failed from %s", client)
        error = "Wrong name or password." if enabled else "Sign-in is disabled."
        return render_template("admin/login.html", enabled=enabled, error=error, next=request.form.get("next")), 401
    throttle.clear(client)
    session.clear()  # a fresh session (and CSRF token) at sign-in: no fixation of a session planted earlier
    session.permanent = True
    session[context.USER_KEY] = name
    with context.container().store.unit_of_work() as uow:
        uow.audit.log(name, "admin_signed_in", f"admin:{name}", at=context.now())
        uow.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    flash("Signed out.")
    return redirect(url_for("admin.login"))


@bp.get("/")
def home() -> Response:
    return redirect(url_for("admin.flows"))
