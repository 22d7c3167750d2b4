"""The composition root: settings in, the connector's parts out. The one place that picks what talks to what.

The web app and the worker both call `build()`; tests build a Container with their own parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connector.config.policy_overrides import load_overrides
from connector.crm.port import CrmPort
from connector.engine.policy import PolicyOverrides
from connector.services.registry import Registry
from connector.settings import Settings
from connector.store.uow import Store


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    """What web handlers, jobs and commands share: settings, the store, the loaded flows, and the clock."""

    settings: Settings
    store: Store
    registry: Registry
    clock: Callable[[], datetime] = field(default=utcnow)
    crm: CrmPort | None = None  # None until Salesforce is configured: ingest stores, nothing reads back
    overrides: PolicyOverrides | None = None  # the admin's contact-policy overrides (SMSFLOW_POLICY_OVERRIDES)


def build(settings: Settings) -> Container:
    """Connect the store and load the flows (a flow with an error stops start-up, listing every problem)."""
    registry = Registry.load(settings.flows_dir, settings.mappings_dir, settings.manifest, sender=settings.sender_name)
    store = Store(settings.database_url.get_secret_value())
    overrides = load_overrides(settings.policy_overrides) if settings.policy_overrides else None
    return Container(settings=settings, store=store, registry=registry, crm=_crm(settings), overrides=overrides)


def _crm(settings: Settings) -> CrmPort | None:
    if not (settings.salesforce_session_id or settings.salesforce_username):
        return None
    from connector.crm.salesforce import build_crm  # imports simple_salesforce; only a configured org needs it

    return build_crm(settings)
