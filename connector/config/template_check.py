"""Static checks of flow templates: syntax, the merge fields they use, and their worst-case text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateError, meta, nodes

from connector.config import SENDER_MAX_LENGTH
from connector.engine.templates import MEASURE_KEY, compile_template, environment, render

# Objects whose attributes a template may read, and what `record.X`-style access is checked against.
NAMESPACES = ("record", "owner", "answers", "call")


@dataclass
class TemplateUse:
    """What a template refers to; `error` is set when it does not compile."""

    names: set[str] = field(default_factory=set)
    attributes: dict[str, set[str]] = field(default_factory=dict)
    error: str | None = None


def inspect(source: str) -> TemplateUse:
    """Parse a template and list the top-level names and namespace attributes it reads."""
    use = TemplateUse()
    try:
        tree = environment().parse(source)
        compile_template(source)
    except TemplateError as exc:
        where = f" (template line {exc.lineno})" if getattr(exc, "lineno", None) and "\n" in source else ""
        use.error = f"template error: {exc.message}{where}"
        return use
    use.names = set(meta.find_undeclared_variables(tree))
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        base = node.node
        if not isinstance(base, nodes.Name) or base.name not in NAMESPACES:
            continue
        if isinstance(node, nodes.Getattr):
            use.attributes.setdefault(base.name, set()).add(node.attr)
        elif isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            use.attributes.setdefault(base.name, set()).add(node.arg.value)
    return use


class _Widest(dict[str, Any]):
    """A namespace where every attribute is `width` characters long, for measuring worst cases."""

    def __init__(self, width: int, known: dict[str, int] | None = None) -> None:
        super().__init__()
        self.width, self.known = width, known or {}

    def __getitem__(self, key: str) -> str:
        return "x" * self.known.get(key, self.width)

    def __getattr__(self, key: str) -> str:
        return self[key]

    def __contains__(self, key: object) -> bool:
        return True


def worst_case(
    source: str,
    variables: dict[str, int],
    owner: dict[str, int],
    field_width: int = 40,
    *,
    answers: dict[str, int] | None = None,
) -> str:
    """The template rendered with every merge field at its longest (date filters at their widest form).

    `answers` gives the longest answer of steps whose answers are known in advance (a choice's longest option);
    any other answer counts as a whole text, 160 characters.
    """
    values: dict[str, Any] = {name: "x" * width for name, width in variables.items()}
    values.update(
        sender="x" * SENDER_MAX_LENGTH,
        record=_Widest(field_width),
        call=_Widest(field_width),
        owner=_Widest(field_width, owner),
        answers=_Widest(160, answers),
        reply="x" * 160,
        flow="x" * 20,
    )
    values[MEASURE_KEY] = True
    return render(source, values)


def answer_widths(choices: dict[str, list[str]]) -> dict[str, int]:
    """For each step that offers choices, the longest answer it can record (the option's text)."""
    return {step: max(len(option) for option in options) for step, options in choices.items() if options}
