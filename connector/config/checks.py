"""Checks across files: steps that exist and are reachable, fields the mapping and manifest know, templates
that compile and fit the segment budget, and conditions that parse."""

from __future__ import annotations

import re
from collections.abc import Iterator

from connector.config.flow import Flow
from connector.config.loader import Bundle, Source
from connector.config.mapping import Mapping
from connector.config.template_check import answer_widths, inspect, worst_case
from connector.engine.expr import ExprError, parse
from connector.sms.segments import count

FLOW_NAMES = {"record", "owner", "answers", "reply", "flow", "sender"}
OPT_OUT_WORD = re.compile(r"\bSTOP\b")
# Custom field types a wait can wait until (standard fields carry no type in the manifest and are not checked).
MOMENT_TYPES = ("DateTime", "Date")


def check_bundle(bundle: Bundle) -> None:
    """Add every cross-file problem to the bundle."""
    for mapping in bundle.mappings.values():
        bundle.problems += list(_mapping_problems(bundle, mapping))
    for flow in bundle.flows.values():
        bundle.problems += list(_flow_problems(bundle, flow))


def _readable(bundle: Bundle, obj: str) -> set[str] | None:
    return bundle.manifest.readable(obj) | {"Id"} if bundle.manifest and bundle.manifest.has_object(obj) else None


def _writable(bundle: Bundle, obj: str) -> set[str] | None:
    return bundle.manifest.writable(obj) if bundle.manifest and bundle.manifest.has_object(obj) else None


def _mapping_problems(bundle: Bundle, mapping: Mapping) -> Iterator:
    src = bundle.source_of(mapping)
    readable = _readable(bundle, mapping.object)
    if bundle.manifest is not None and readable is None:
        yield src.problem(("object",), f"the manifest declares no object {mapping.object}")
        return
    if readable is not None:
        for f in mapping.fields():
            if f not in readable:
                yield src.problem(
                    _field_path(src, f), f"{f} is not among the {mapping.object} fields the manifest reads"
                )
    for name in sorted(set(mapping.variables) & (FLOW_NAMES | {"call"})):
        yield src.problem(
            ("variables", name),
            f"variables.{name}: {name!r} is a merge field of its own; name the variable otherwise",
            key=True,
        )
    if mapping.never_text_when:
        yield from _condition(src, ("never_text_when",), mapping.never_text_when, readable, None)
    writable = _writable(bundle, mapping.activity.object)
    if writable is not None:
        fields = [*mapping.activity.fields, mapping.activity.link_field]
        fields += [mapping.activity.message_id_field] if mapping.activity.message_id_field else []
        for f in fields:
            if f not in writable:
                yield src.problem(
                    ("activity",),
                    f"activity field {f} is not among the {mapping.activity.object} fields the manifest writes",
                )


def _field_path(src: Source, name: str) -> tuple:
    """The path of the first value in the file equal to `name`, for pointing at it."""
    for path in src.located.positions:
        node = src.located.data
        try:
            for part in path:
                node = node[part]
        except (KeyError, IndexError, TypeError):
            continue
        if node == name or (isinstance(node, dict) and node.get("field") == name):
            return path
    return ()


def _condition(src: Source, at: tuple, text: str, readable: set[str] | None, calls: set[str] | None) -> Iterator:
    try:
        expr = parse(text)
    except ExprError as exc:
        yield src.problem(at, f"{'.'.join(map(str, at))}: {exc.message} (at character {exc.column + 1})")
        return
    for name in sorted(expr.names()):
        head, _, rest = name.partition(".")
        if head == "call" and rest:
            if calls is not None and rest not in calls:
                yield src.problem(at, f"call.{rest} is not among the Task fields the manifest reads")
            elif calls is None:
                yield src.problem(at, f"{name}: call.* fields exist only for on: call_logged")
            continue
        field = rest if head == "record" and rest else name
        if readable is not None and field not in readable:
            yield src.problem(at, f"{name} is not a field the manifest reads for this object")


def _flow_problems(bundle: Bundle, flow: Flow) -> Iterator:
    src = bundle.source_of(flow)
    mapping = None
    if flow.trigger is not None:
        mapping = bundle.mappings.get(flow.trigger.object)
        if mapping is None and bundle.mappings:
            yield src.problem(("trigger", "object"), f"no mapping for {flow.trigger.object} in mappings/")
        yield from _trigger(bundle, src, flow)
    yield from _graph(src, flow)
    yield from _first_texts(src, flow)
    yield from _waits(bundle, src, flow, mapping)
    yield from _templates(bundle, src, flow, mapping)
    if mapping is not None:
        writable = _writable(bundle, mapping.object)
        for sid, step in flow.steps.items():
            names = list(step.update or {}) + ([step.expect.save_to] if step.expect and step.expect.save_to else [])
            for name in names:
                if writable is not None and name not in writable:
                    at = ("steps", sid, "update", name) if name in (step.update or {}) else ("steps", sid, "expect")
                    yield src.problem(
                        at, f"{name} is not among the {mapping.object} fields the manifest writes", key=True
                    )


def _trigger(bundle: Bundle, src: Source, flow: Flow) -> Iterator:
    trigger = flow.trigger
    assert trigger is not None
    readable = _readable(bundle, trigger.object)
    if bundle.manifest is not None and readable is None:
        yield src.problem(("trigger", "object"), f"the manifest declares no object {trigger.object}")
    for i, name in enumerate(trigger.fields):
        if readable is not None and name not in readable:
            yield src.problem(("trigger", "fields", i), f"{name} is not a field the manifest reads on {trigger.object}")
    if trigger.when:
        calls = (_readable(bundle, "Task") or set()) if trigger.on == "call_logged" else None
        yield from _condition(src, ("trigger", "when"), trigger.when, readable, calls)


def _graph(src: Source, flow: Flow) -> Iterator:
    if flow.start not in flow.steps:
        yield src.problem(("start",), f"start names no step: {flow.start!r}")
    for sid, step in flow.steps.items():
        if isinstance(step.next, dict):
            allowed = step.outcomes()
            for outcome in step.next:
                if outcome not in allowed:
                    yield src.problem(
                        ("steps", sid, "next", outcome),
                        f"steps.{sid}.next: {outcome!r} is not an outcome here (expected one of {', '.join(allowed)})",
                        key=True,
                    )
            if step.wait is not None and "due" not in step.next:
                yield src.problem(
                    ("steps", sid, "next"), f"steps.{sid}.next: route `due` (where the run goes when the time comes)"
                )
            if step.expect is not None and "unknown" not in step.next:
                yield src.problem(
                    ("steps", sid, "next"),
                    f"steps.{sid}.next: route `unknown` to a step (a task "
                    "for a person): replies no software understands must reach someone",
                )
        for outcome, target in step.next.items() if isinstance(step.next, dict) else [("next", step.next)]:
            if target is not None and target not in flow.steps:
                at = ("steps", sid, "next", outcome) if isinstance(step.next, dict) else ("steps", sid, "next")
                yield src.problem(at, f"steps.{sid}.next: no step named {target!r}")
    reachable = _reachable(flow, [flow.start])
    for sid in flow.steps:
        if sid not in reachable:
            yield src.problem(("steps", sid), f"steps.{sid}: unreachable (no step leads here)", key=True)
    yield from _loops(src, flow)
    for sid, step in flow.steps.items():
        stop = step.route("stop")
        if stop and stop in flow.steps:
            for after in sorted(_reachable(flow, [stop])):
                if flow.steps[after].send or flow.steps[after].expect:
                    yield src.problem(
                        ("steps", sid, "next", "stop"),
                        f"steps.{sid}.next.stop leads to {after}, "
                        "which texts or waits for a reply; after STOP nothing may be sent",
                    )
                    break


def _reachable(flow: Flow, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [r for r in roots if r in flow.steps]
    while todo:
        sid = todo.pop()
        if sid not in seen:
            seen.add(sid)
            todo += [t for t in flow.steps[sid].targets() if t in flow.steps]
    return seen


def _loops(src: Source, flow: Flow) -> Iterator:
    """A cycle of steps none of which surely waits would spin forever (a wait until a field may go straight on)."""
    moves_on = {
        sid: [t for t in s.targets() if t in flow.steps]
        for sid, s in flow.steps.items()
        if s.expect is None and (s.wait is None or s.wait.until is not None)
    }
    reported: set[str] = set()
    for sid in moves_on:
        path = _cycle_from(sid, moves_on, [sid])
        if path and not reported & set(path):
            reported |= set(path)
            yield src.problem(("steps", sid), f"steps {' -> '.join([*path, sid])} loop without waiting", key=True)


def _cycle_from(root: str, moves_on: dict[str, list[str]], path: list[str]) -> list[str] | None:
    """A path of steps that leads from `root` back to it without waiting, if there is one."""
    for target in moves_on.get(path[-1], []):
        if target == root:
            return path
        if target in moves_on and target not in path:
            found = _cycle_from(root, moves_on, [*path, target])
            if found:
                return found
    return None


def _first_texts(src: Source, flow: Flow) -> Iterator:
    """The first text any run can send names the sender; a marketing flow's also says how to opt out."""
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in flow.steps:
            continue
        seen.add(sid)
        step = flow.steps[sid]
        if step.send is None:
            todo += step.targets()
            continue
        use = inspect(step.send)
        if use.error:
            continue  # reported with the other template problems
        at = ("steps", sid, "send")
        if "sender" not in use.names:
            yield src.problem(
                at,
                f"steps.{sid}.send: the first text a contact gets must say who it is from: add {{{{ sender }}}}, "
                'e.g. "Hi {{ first_name }}, it\'s Sam from {{ sender }}"',
            )
        if flow.policy.category == "marketing" and not OPT_OUT_WORD.search(step.send):
            yield src.problem(
                at,
                f"steps.{sid}.send: the first text of a marketing flow must say how to opt out: "
                '"Reply STOP to opt out"',
            )


def _waits(bundle: Bundle, src: Source, flow: Flow, mapping: Mapping | None) -> Iterator:
    """A wait until a field waits for a date-time field the manifest reads."""
    if mapping is None:
        return
    readable = _readable(bundle, mapping.object)
    types = _custom_types(bundle, mapping.object)
    for sid, step in flow.steps.items():
        name = step.wait.field if step.wait else None
        if name is None:
            continue
        at = ("steps", sid, "wait", "until")
        if readable is not None and name not in readable:
            yield src.problem(
                at, f"steps.{sid}.wait.until: {name} is not a field the manifest reads on {mapping.object}"
            )
        elif name in types and not types[name].startswith(MOMENT_TYPES):
            yield src.problem(
                at, f"steps.{sid}.wait.until: {name} is a {types[name]} field; a wait needs a DateTime or Date field"
            )


def _custom_types(bundle: Bundle, obj: str) -> dict[str, str]:
    spec = bundle.manifest.objects.get(obj) if bundle.manifest else None
    return {f.name: f.type for f in spec.custom_fields} if spec else {}


def _templates(bundle: Bundle, src: Source, flow: Flow, mapping: Mapping | None) -> Iterator:
    readable = _readable(bundle, mapping.object) if mapping else None
    variables = {n: v.max_length for n, v in mapping.variables.items()} if mapping else {}
    owner = {n: v.max_length for n, v in mapping.owner.fields.items()} if mapping else {}
    owner.setdefault("id", 18)
    budget = flow.policy.max_segments
    answers = answer_widths({sid: s.expect.choice for sid, s in flow.steps.items() if s.expect and s.expect.choice})
    for at, source, is_text in _template_sites(flow):
        use = inspect(source)
        label = ".".join(map(str, at))
        if use.error:
            yield src.problem(at, f"{label}: {use.error}")
            continue
        if mapping is not None:
            for name in sorted(use.names - FLOW_NAMES - set(variables) - {"call"}):
                yield src.problem(
                    at,
                    f"{label}: undefined merge field {name!r} (not a variable of the {mapping.object} mapping)",
                )
            for name in sorted(use.attributes.get("owner", set()) - set(owner)):
                yield src.problem(at, f"{label}: undefined merge field owner.{name} (add it under owner.fields)")
            for name in sorted(use.attributes.get("record", set()) - (readable or set())):
                if readable is not None:
                    yield src.problem(at, f"{label}: record.{name} is not a field the manifest reads")
        for name in sorted(use.attributes.get("answers", set()) - set(flow.steps)):
            yield src.problem(at, f"{label}: answers.{name} names no step")
        if is_text:
            yield from _budget(src, at, label, source, variables, owner, answers, budget)


def _budget(
    src: Source,
    at: tuple,
    label: str,
    source: str,
    variables: dict[str, int],
    owner: dict[str, int],
    answers: dict[str, int],
    budget: int,
) -> Iterator:
    longest = count(worst_case(source, variables, owner, answers=answers))
    if longest.segments > budget:
        yield src.problem(
            at,
            f"{label}: up to {longest.segments} segments ({longest.encoding}, "
            f"{longest.units} units at worst) but the flow allows {budget} (policy.max_segments)",
        )
    static = count(source)
    if static.encoding == "UCS-2":
        chars = " ".join(static.non_gsm)
        yield src.problem(
            at, f"{label}: {chars} makes this text UCS-2 (70 characters a segment, not 160)", warning=True
        )


def _template_sites(flow: Flow) -> Iterator[tuple[tuple, str, bool]]:
    """(path, template, is it a text) for every template in a flow."""
    if flow.policy.dedupe:
        yield ("policy", "dedupe", "key"), flow.policy.dedupe.key, False
    for sid, step in flow.steps.items():
        if step.send:
            yield ("steps", sid, "send"), step.send, True
        for name, value in (step.update or {}).items():
            if isinstance(value, str):
                yield ("steps", sid, "update", name), value, False
        if step.task:
            yield ("steps", sid, "task"), step.task.subject, False
            for extra in (step.task.description, step.task.owner):
                if extra:
                    yield ("steps", sid, "task"), extra, False
