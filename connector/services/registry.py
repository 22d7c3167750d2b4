"""The flows and mappings the host runs, loaded and validated once, and the flow versions runs started on."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from connector.config import DEFAULT_SENDER_NAME
from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.config.validate import load_config
from connector.store.uow import UnitOfWork


@dataclass
class Registry:
    """Current flows by id, mappings by object, and older flow versions fetched from the store on demand."""

    flows: dict[str, Flow]
    mappings: dict[str, Mapping]
    sender: str = DEFAULT_SENDER_NAME  # the business name texts are signed with: `{{ sender }}` (a setting)
    _versions: dict[tuple[str, str], Flow] = field(default_factory=dict)

    @classmethod
    def load(
        cls, flows_dir: str | Path, mappings_dir: str | Path, manifest: str | Path, *, sender: str = DEFAULT_SENDER_NAME
    ) -> Registry:
        """Load and check config; a flow with an error stops start-up (raises ConfigError listing every problem)."""
        bundle = load_config([flows_dir, mappings_dir, manifest], mappings=mappings_dir, manifest=manifest)
        bundle.raise_for_errors()
        return cls(flows=dict(bundle.flows), mappings=dict(bundle.mappings), sender=sender)

    def mapping_for(self, flow: Flow, obj: str | None = None) -> Mapping | None:
        """The mapping of the flow's trigger object (or of `obj`, for flows started by hand)."""
        return self.mappings.get(obj or (flow.trigger.object if flow.trigger else ""))

    def remember(self, uow: UnitOfWork, flow: Flow) -> None:
        """Keep this version's definition, so runs started on it can finish on it after the file changes."""
        uow.flows.add(flow.flow, flow.version, flow.model_dump(mode="json"))

    def version(self, uow: UnitOfWork, flow_id: str, version: str) -> Flow | None:
        """The flow definition a run started on: the current file if unchanged, else the stored version."""
        current = self.flows.get(flow_id)
        if current is not None and current.version == version:
            return current
        key = (flow_id, version)
        if key not in self._versions:
            stored = uow.flows.get(flow_id, version)
            if stored is None:
                return None
            self._versions[key] = Flow.model_validate(stored)
        return self._versions[key]
