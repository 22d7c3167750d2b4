"""A flow's steps as a layered graph: boxes in rows by distance from the start, arrows labelled by outcome.

The page draws it as inline SVG (no script) and lists the same steps and arrows as text for screen readers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from connector.config.flow import Flow, StepDef

NODE_W, NODE_H = 190, 58
GAP_X, GAP_Y = 36, 78
MARGIN = 24
BACK_LANE = 46  # room on the right for arrows that go back up (retries, reminders)


@dataclass(frozen=True)
class Node:
    id: str
    does: list[str]
    x: int
    y: int
    start: bool
    end: bool


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    path: str
    label_x: int
    label_y: int
    back: bool


@dataclass
class Diagram:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0


def what_it_does(step: StepDef) -> list[str]:
    """A step's parts in the order the engine runs them, in a few words each."""
    parts = []
    if step.update:
        parts.append("update " + ", ".join(step.update))
    if step.task is not None:
        parts.append("create a task")
    if step.send:
        parts.append("send a text")
    if step.expect is not None:
        timeout = f" (timeout {_duration(step.timeout)})" if step.timeout else ""
        parts.append(f"wait for {step.expect.kind.replace('_', '/')} reply{timeout}")
    if step.wait is not None:
        parts.append(f"pause {step.wait}")  # "2d", "1d before record.Booking_Time__c"
    if step.end:
        parts.append("end")
    return parts or ["go on"]


def transitions(step: StepDef) -> list[tuple[str, str]]:
    """(outcome, target) for every arrow out of a step; a plain `next:` is the outcome "next"."""
    if isinstance(step.next, dict):
        return list(step.next.items())
    return [("next", step.next)] if step.next else []


def order(flow: Flow) -> list[str]:
    """Step ids breadth-first from the start, then any the start cannot reach (the validator warns of those)."""
    seen, queue = [flow.start], deque([flow.start])
    while queue:
        for _, target in transitions(flow.steps[queue.popleft()]):
            if target in flow.steps and target not in seen:
                seen.append(target)
                queue.append(target)
    return seen + [sid for sid in flow.steps if sid not in seen]


def _arrows(flow: Flow, sid: str) -> list[tuple[str, str]]:
    """(label, target) out of a step, one per target: outcomes that lead to the same step share an arrow."""
    merged: dict[str, list[str]] = {}
    for label, target in transitions(flow.steps[sid]):
        if target in flow.steps:
            merged.setdefault(target, []).append(label)
    return [(", ".join(labels), target) for target, labels in merged.items()]


def _depths(flow: Flow) -> dict[str, int]:
    """Each reachable step's row: its longest distance from the start, not counting arrows that loop back."""
    back: set[tuple[str, str]] = set()
    on_path: list[str] = []
    finished: list[str] = []

    def visit(sid: str) -> None:
        on_path.append(sid)
        for _, target in _arrows(flow, sid):
            if target in on_path:
                back.add((sid, target))
            elif target not in finished:
                visit(target)
        on_path.pop()
        finished.append(sid)

    visit(flow.start)
    depth = dict.fromkeys(finished, 0)
    for sid in reversed(finished):  # reverse post-order is a topological order once back arrows are left out
        for _, target in _arrows(flow, sid):
            if (sid, target) not in back:
                depth[target] = max(depth[target], depth[sid] + 1)
    return depth


def layout(flow: Flow) -> Diagram:
    depth = _depths(flow)
    unreachable = max(depth.values(), default=0) + 1
    rows: dict[int, list[str]] = {}
    for sid in order(flow):
        rows.setdefault(depth.get(sid, unreachable), []).append(sid)
    widest = max(len(r) for r in rows.values())
    width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + BACK_LANE
    diagram = Diagram(width=width)
    places: dict[str, tuple[int, int]] = {}
    for n, level in enumerate(sorted(rows)):
        row = rows[level]
        span = len(row) * NODE_W + (len(row) - 1) * GAP_X
        left = MARGIN + (width - BACK_LANE - 2 * MARGIN - span) // 2
        y = MARGIN + n * (NODE_H + GAP_Y)
        for i, sid in enumerate(row):
            x = left + i * (NODE_W + GAP_X)
            places[sid] = (x, y)
            step = flow.steps[sid]
            diagram.nodes.append(Node(sid, what_it_does(step), x, y, sid == flow.start, step.end))
    diagram.height = MARGIN * 2 + len(rows) * NODE_H + (len(rows) - 1) * GAP_Y
    for sid in order(flow):
        for label, target in _arrows(flow, sid):
            if target in places:
                diagram.edges.append(_edge(sid, target, label, places[sid], places[target], width))
    return diagram


def _edge(source: str, target: str, label: str, a: tuple[int, int], b: tuple[int, int], width: int) -> Edge:
    ax, ay = a
    bx, by = b
    if by > ay:  # downwards: bottom centre to top centre, a gentle S
        x1, y1, x2, y2 = ax + NODE_W // 2, ay + NODE_H, bx + NODE_W // 2, by
        mid = (y1 + y2) // 2
        path = f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2 - 2}"
        return Edge(source, target, label, path, (x1 + x2) // 2, mid - 4, back=False)
    # Back or sideways: out of the right side, round through the right-hand lane, into the target's right side.
    lane = width - MARGIN // 2
    x1, y1 = ax + NODE_W, ay + NODE_H // 2
    x2, y2 = bx + NODE_W, by + NODE_H // 2 + (8 if by == ay else 0)
    path = f"M{x1},{y1} C{lane},{y1} {lane},{y2} {x2 + 2},{y2}"
    return Edge(source, target, label, path, lane - 10, (y1 + y2) // 2, back=True)


def _duration(value: object) -> str:
    seconds = int(value.total_seconds()) if hasattr(value, "total_seconds") else 0
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
