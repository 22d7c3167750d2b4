"""Read flows/, mappings/ and manifest.yaml; turn every problem into file:line:column for the admin."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from connector.config.errors import ConfigError, Problem
from connector.config.flow import Flow
from connector.config.manifest import Manifest
from connector.config.mapping import Mapping
from connector.config.yamlpos import Located, YamlError, load

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Source:
    """One parsed file, kept for positions."""

    path: str
    located: Located

    def problem(self, at: tuple[Any, ...], message: str, *, key: bool = False, warning: bool = False) -> Problem:
        pos = self.located.key_where(at) if key else self.located.where(at)
        return Problem(self.path, pos.line, pos.column, message, "warning" if warning else "error")


@dataclass
class Bundle:
    """Everything loaded from a set of paths, with the problems found so far."""

    flows: dict[str, Flow] = field(default_factory=dict)
    mappings: dict[str, Mapping] = field(default_factory=dict)
    manifest: Manifest | None = None
    sources: dict[str, Source] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def source_of(self, model: Flow | Mapping | Manifest) -> Source:
        return self.sources[self._files[id(model)]]

    def __post_init__(self) -> None:
        self._files: dict[int, str] = {}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def raise_for_errors(self) -> None:
        if self.errors:
            raise ConfigError(self.problems)


def yaml_files(paths: list[str | Path]) -> list[Path]:
    """The YAML files named, directories expanded (sorted, so reports are stable)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
        else:
            found.append(path)
    return found


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Map pydantic's error location onto the YAML's path, dropping union and validator tags."""
    path: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif i == len(loc) - 1 and isinstance(node, dict):
            path.append(part)
    return tuple(path)


def _message(error: dict[str, Any]) -> str:
    kind, msg = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key (check its spelling and indentation)"
    if kind == "missing":
        return "required, but missing"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind not in ("value_error", "assertion_error") and "input" in error:
        shown = json.dumps(error["input"], default=str, ensure_ascii=False)
        if len(shown) <= 60:
            msg += f", got {shown}"
    return msg


def validation_problems(source: Source, exc: ValidationError) -> list[Problem]:
    """Every pydantic error as a Problem at the position of the key or value it is about."""
    problems, seen = [], set()
    for error in exc.errors():
        path = _data_path(source.located.data, tuple(error["loc"]))
        message = _message(error)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        label = _loc_text(path)
        key = error["type"] in ("extra_forbidden",)
        problems.append(source.problem(path, f"{label}: {message}" if label else message, key=key))
    return problems


def _kind(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    if "flow" in data:
        return "flow"
    if "objects" in data and "id" in data:
        return "manifest"
    if "object" in data and "phone" in data:
        return "mapping"
    return None


def _parse(source: Source, model: type[BaseModel], extra: dict[str, Any] | None = None) -> Any:
    data = source.located.data
    try:
        return model.model_validate({**data, **(extra or {})})
    except ValidationError as exc:
        raise _Invalid(validation_problems(source, exc)) from None


class _Invalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def load_paths(paths: list[str | Path]) -> Bundle:
    """Load every flow, mapping and manifest under `paths`; structural problems are collected, not raised."""
    bundle = Bundle()
    for path in yaml_files(paths):
        name = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            bundle.problems.append(Problem(name, 1, 1, "no such file or directory"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text ({exc.reason})"
            bundle.problems.append(Problem(name, 1, 1, f"cannot read: {reason}"))
            continue
        try:
            located = load(text, name)
        except YamlError as exc:
            bundle.problems.append(Problem(name, exc.pos.line, exc.pos.column, exc.message))
            continue
        source = Source(name, located)
        bundle.sources[name] = source
        _add(bundle, source, text)
    return bundle


def _add(bundle: Bundle, source: Source, text: str) -> None:
    kind = _kind(source.located.data)
    if kind is None:
        bundle.problems.append(
            source.problem((), "not a flow (flow:), mapping (object: + phone:) or manifest (id: + objects:)")
        )
        return
    try:
        if kind == "flow":
            version = hashlib.sha256(text.encode()).hexdigest()[:12]
            model: Any = _parse(source, Flow, {"version": version})
            if model.flow in bundle.flows:
                first = bundle.source_of(bundle.flows[model.flow]).path
                bundle.problems.append(source.problem(("flow",), f"duplicate flow id {model.flow!r} (also in {first})"))
                return
            bundle.flows[model.flow] = model
        elif kind == "mapping":
            model = _parse(source, Mapping)
            if model.object in bundle.mappings:
                first = bundle.source_of(bundle.mappings[model.object]).path
                bundle.problems.append(source.problem(("object",), f"a second mapping for {model.object} ({first})"))
                return
            bundle.mappings[model.object] = model
        else:
            if bundle.manifest is not None:
                bundle.problems.append(source.problem((), "a second manifest; there is one per plugin"))
                return
            model = _parse(source, Manifest)
            bundle.manifest = model
        bundle._files[id(model)] = source.path
    except _Invalid as invalid:
        bundle.problems += invalid.problems
