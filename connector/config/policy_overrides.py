"""The admin's contact-policy overrides file (SMSFLOW_POLICY_OVERRIDES): windows per region, US state rules.

    regions: {GB: "09:00-20:00"}
    states: {FL: {max_per_24h: 2}, TX: {enabled: false}}

docs/policy.md lists every key. A file that does not parse stops start-up with the file's name and the problem.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from connector.config import yamlpos
from connector.engine.policy import PolicyOverrides


def load_overrides(path: str | Path) -> PolicyOverrides:
    """The overrides in a YAML (or JSON) file; ValueError naming the file and what is wrong with it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        located = yamlpos.load(text, str(path))
    except yamlpos.YamlError as exc:
        raise ValueError(f"{path}:{exc.pos.line}:{exc.pos.column}: {exc.message}") from None
    try:
        return PolicyOverrides.model_validate(located.data or {})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = tuple(part for part in error["loc"] if isinstance(part, str | int))
            pos = located.where(where)
            problems.append(f"{path}:{pos.line}:{pos.column}: {'.'.join(map(str, where)) or '(top)'}: {error['msg']}")
        raise ValueError("; ".join(problems)) from None
