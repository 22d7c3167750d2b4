"""What the flows pages show: each flow file's validation status and switch, and each text's segments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.bootstrap import Container
from connector.config.errors import Problem
from connector.config.flow import Flow
from connector.config.mapping import Mapping
from connector.config.template_check import answer_widths, worst_case
from connector.config.validate import load_config
from connector.engine.run import initial_state, template_values
from connector.engine.templates import render
from connector.simulate import start_input
from connector.sms.segments import Segments, count
from connector.store.repos.attention import FlowSwitchRecord
from connector.store.uow import UnitOfWork
from connector.web.admin.samples import record_for


@dataclass
class FlowRow:
    """One flow as the list shows it: the running definition, and what its file says now."""

    id: str
    file: str | None
    name: str | None = None
    category: str | None = None
    trigger: str | None = None
    version: str | None = None  # the version this process runs
    file_version: str | None = None  # the version in the file now, when it loads
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    file_enabled: bool = True
    switch: FlowSwitchRecord | None = None

    @property
    def status(self) -> str:
        if self.errors:
            return "errors"
        if self.version is None:
            return "not loaded"
        if self.file_version is not None and self.file_version != self.version:
            return "changed"
        return "warnings" if self.warnings else "valid"

    @property
    def enabled(self) -> bool:
        return self.switch.enabled if self.switch is not None else self.file_enabled

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "file": self.file,
            "category": self.category,
            "trigger": self.trigger,
            "version": self.version,
            "file_version": self.file_version,
            "status": self.status,
            "enabled": self.enabled,
            "problems": [
                {"file": p.file, "line": p.line, "column": p.column, "message": p.message, "severity": p.severity}
                for p in self.errors + self.warnings
            ],
        }


def trigger_text(flow: Flow) -> str:
    trigger = flow.trigger
    if trigger is None:
        return "started by hand or campaign"
    fields = f" ({', '.join(trigger.fields)})" if trigger.fields else ""
    when = f" when {trigger.when}" if trigger.when else ""
    return f"{trigger.object} {trigger.on.replace('_', ' ')}{fields}{when}"


def flow_rows(container: Container, uow: UnitOfWork) -> list[FlowRow]:
    """Every flow this process runs, and every flow file as it validates now (a file can change after start)."""
    settings = container.settings
    bundle = load_config([settings.flows_dir], mappings=settings.mappings_dir, manifest=settings.manifest)
    switches = uow.flow_switches.all()
    flows_dir = Path(settings.flows_dir).resolve()
    rows: dict[str, FlowRow] = {}
    by_file: dict[str, FlowRow] = {}
    for flow_id, flow in container.registry.flows.items():
        rows[flow_id] = FlowRow(
            flow_id,
            None,
            name=flow.name,
            category=flow.policy.category,
            trigger=trigger_text(flow),
            version=flow.version,
            file_enabled=flow.enabled,
        )
    for flow_id, flow in bundle.flows.items():
        file = bundle.source_of(flow).path
        row = rows.setdefault(flow_id, FlowRow(flow_id, None, name=flow.name, category=flow.policy.category))
        row.file, row.file_version = file, flow.version
        row.trigger = row.trigger or trigger_text(flow)
        by_file[str(Path(file).resolve())] = row
    for problem in bundle.problems:
        path = Path(problem.file).resolve()
        if flows_dir not in path.parents:
            continue  # a mapping's or the manifest's problem; `smsflow validate` shows those
        row = by_file.get(str(path))
        if row is None:
            row = by_file[str(path)] = rows.setdefault(problem.file, FlowRow(path.stem, problem.file))
        (row.errors if problem.severity == "error" else row.warnings).append(problem)
    for row in rows.values():
        row.switch = switches.get(row.id)
    return sorted(rows.values(), key=lambda r: r.id)


@dataclass(frozen=True)
class TextInfo:
    """One `send:` of a flow: the template, a sample rendering, and its segments now and at worst."""

    step: str
    template: str
    sample: str
    sample_segments: Segments
    worst: Segments
    budget: int

    @property
    def over_budget(self) -> bool:
        return self.worst.segments > self.budget


def flow_texts(flow: Flow, mapping: Mapping | None, at: datetime, sender: str | None) -> list[TextInfo]:
    """Every text of the flow, rendered for an example record, with its worst case (fields at full length)."""
    record = record_for(flow.trigger.object if flow.trigger else None)
    extra = {"sender": sender} if sender else {}
    state = initial_state(flow, start_input(flow, mapping, record, at, None, **extra))
    values = template_values(state)
    variables = {n: v.max_length for n, v in mapping.variables.items()} if mapping else {}
    owner = {n: v.max_length for n, v in mapping.owner.fields.items()} if mapping else {}
    answers = answer_widths({sid: s.expect.choice for sid, s in flow.steps.items() if s.expect and s.expect.choice})
    texts = []
    for sid, step in flow.steps.items():
        if not step.send:
            continue
        sample = render(step.send, values)
        texts.append(
            TextInfo(
                sid,
                step.send,
                sample,
                count(sample),
                count(worst_case(step.send, variables, owner, answers=answers)),
                flow.policy.max_segments,
            )
        )
    return texts
