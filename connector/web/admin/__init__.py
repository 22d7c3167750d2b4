"""The admin UI and its JSON API: server-rendered pages behind sign-in, /api/* with an OpenAPI description,
and Prometheus /metrics.

    /admin/login                 sign in (SMSFLOW_ADMIN_USERS), every form CSRF-protected
    /admin/flows                 flows, validation, switches, a diagram, texts and "try it"
    /admin/conversations         per contact: texts, replies, statuses, policy decisions, consent
    /admin/attention             the needs-a-person queue: manual reply, mark handled
    /admin/performance           sent, delivered, failed, replies, opt-outs, segments and cost; CSV
    /api/...                     the same data as JSON; /api/openapi.json describes it
    /metrics                     queue depths, texts by status, errors, webhook latency

`init_app(app)` is the one call the app factory makes.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter


class RowId(IntegerConverter):
    """`<int:...>` in these routes is always a row id: at most MAX_ROW_ID, or the route does not match (404)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        from connector.web.admin.context import MAX_ROW_ID

        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def init_app(app: Flask) -> None:
    """Register the admin pages, the JSON API and /metrics, with sessions, CSRF and security headers."""
    from connector.web.admin import security

    app.url_map.converters["int"] = RowId  # before the blueprints add their rules
    from connector.web.admin.api import bp as api_bp
    from connector.web.admin.api import json_routing_errors
    from connector.web.admin.metrics import bp as metrics_bp
    from connector.web.admin.metrics import instrument_hooks
    from connector.web.admin.pages import bp as pages_bp

    security.configure(app)
    instrument_hooks(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    json_routing_errors(app)
    app.register_blueprint(metrics_bp)
