"""The admin pages' blueprint with every view module's routes attached."""

from __future__ import annotations

from connector.web.admin import (  # noqa: F401 - importing a view module registers its routes on bp
    attention_views,
    auth,
    conversations_views,
    flows_views,
    performance_views,
)
from connector.web.admin.blueprint import bp

__all__ = ["bp"]
