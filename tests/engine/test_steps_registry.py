"""Every registered step part is documented with an example that validates, and docs/flows.md names it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from connector.config.flow import StepDef
from connector.config.yamlpos import load
from connector.engine.steps import PARTS, STEPS

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "flows.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("key", sorted(STEPS))
def test_step_part_example_is_a_valid_step(key: str) -> None:
    doc = STEPS[key]
    example = textwrap.dedent(doc.split("\n\n", 1)[1])
    steps = load(example).data
    assert isinstance(steps, dict) and len(steps) == 1
    step = StepDef.model_validate(next(iter(steps.values())))
    assert getattr(step, key) not in (None, False)


@pytest.mark.parametrize("key", sorted(STEPS))
def test_step_part_is_documented_for_admins(key: str) -> None:
    assert f"| `{key}` |" in DOCS


def test_parts_that_act_are_registered_steps() -> None:
    assert list(PARTS) == ["update", "task", "send"]
    assert set(PARTS) <= set(STEPS)
