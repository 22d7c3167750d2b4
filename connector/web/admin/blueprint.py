"""The admin pages' blueprint: everything under /admin needs a signed-in admin, and every form a CSRF token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from connector import __version__
from connector.web.admin import context, security

PUBLIC_ENDPOINTS = {"admin.login", "admin.static"}

bp = Blueprint(
    "admin",
    __name__,
    url_prefix="/admin",
    static_folder="../static",
    static_url_path="/static",
)


@bp.before_request
def _guard() -> Response | None:
    security.check_csrf()
    security.refuse_nul()
    if request.endpoint in PUBLIC_ENDPOINTS or context.signed_in():
        return None
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


@bp.context_processor
def _globals() -> dict[str, Any]:
    return {
        "csrf_token": security.csrf_token,
        "current_user": context.signed_in,
        "version": __version__,
        "open_attention": _open_attention,
    }


def _open_attention() -> int:
    with context.container().store.unit_of_work() as uow:
        return uow.attention.count_open()
