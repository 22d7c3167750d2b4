"""YAML with positions: every node's line and column, keyed by its path, for errors that say where.

Flows are written by admins, so two YAML 1.1 surprises are switched off: only `true`/`false` are booleans
(`yes:`, `no:` and `on:` stay strings, which flow branches and triggers rely on), and duplicate keys are an
error instead of the later one silently winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Pos:
    """1-based line and column of a node in its file."""

    line: int
    column: int


@dataclass
class Located:
    """A parsed document and the position of every node (keys by their path; key names under path + ("<key>",))."""

    data: Any
    positions: dict[Path, Pos] = field(default_factory=dict)
    key_positions: dict[Path, Pos] = field(default_factory=dict)

    def where(self, path: Path) -> Pos:
        """The position of `path`, or of its nearest ancestor that exists in the file."""
        path = tuple(path)
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Pos(1, 1))

    def key_where(self, path: Path) -> Pos:
        """Where the key that names `path` is written (an unknown key is reported there)."""
        return self.key_positions.get(tuple(path)) or self.where(path)


class YamlError(ValueError):
    """A file that is not valid YAML, or has a duplicate key; carries the position."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


class _Loader(yaml.SafeLoader):
    pass


# YAML 1.2 core schema booleans only: true/false in any case the spec allows.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _pos(node: yaml.Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


def load(text: str, name: str = "<string>") -> Located:
    """Parse one YAML document; raise YamlError with the position of the first problem."""
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
            raise YamlError(f"not valid YAML: {exc.problem or exc.context}", pos) from None
        except yaml.YAMLError as exc:
            raise YamlError(f"not valid YAML: {exc}", Pos(1, 1)) from None
        located = Located(data=None)
        if root is None:
            return located
        located.data = _build(loader, root, (), located)
        return located
    finally:
        loader.dispose()


def _build(loader: _Loader, node: yaml.Node, path: Path, out: Located) -> Any:
    out.positions[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        loader.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise YamlError("a key must be a plain value, not a list or mapping", _pos(key_node))
            if key in result:
                raise YamlError(f"duplicate key {key!r}", _pos(key_node))
            child = (*path, key)
            out.key_positions[child] = _pos(key_node)
            result[key] = _build(loader, value_node, child, out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), out) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
