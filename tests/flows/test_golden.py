"""Golden runs: for each shipped flow, scripted conversations with the actions and state expected after each input.

Each case file holds the flow, a record, and a script of inputs; under `expect:` the engine's answer to each.
The state is round-tripped through JSON before every input, proving a run survives a restart at any wait.
`pytest tests/flows --update-golden` rewrites the expectations; review that diff as you would review code.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.config.validate import load_config
from connector.engine.durations import parse_duration
from connector.engine.model import Input, Reply, RunState, Step, Timeout
from connector.engine.run import advance
from connector.simulate import start_input

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = sorted(HERE.glob("*.yaml"))


def _summary(step: Step) -> dict[str, Any]:
    state = step.state
    out: dict[str, Any] = {}
    if step.outcome:
        out["outcome"] = step.outcome
    if step.ignored:
        out["ignored"] = step.ignored
    out["actions"] = [
        {k: v for k, v in a.model_dump(mode="json").items() if k not in ("id",) and v is not None} for a in step.actions
    ]
    out["state"] = {
        k: v
        for k, v in state.model_dump(
            mode="json", include={"status", "step", "waiting_for", "wait_until", "ended_reason", "opted_out"}
        ).items()
        if v not in (None, False)
    }
    return out


def _input(item: Any, state: RunState | None, now: datetime) -> tuple[Input | None, datetime]:
    if item == "timeout":
        assert state is not None and state.timer_id and state.wait_until, "the script times out a run that waits"
        return Timeout(at=state.wait_until, timer_id=state.timer_id), state.wait_until
    if isinstance(item, dict) and "reply" in item:
        at = now + parse_duration(item.get("after", "2m"))
        return Reply(at=at, text=str(item["reply"])), at
    raise AssertionError(f"unknown script input {item!r}")


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_golden_flow(case_file: Path, update_golden: bool, repo_root: Path) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    bundle = load_config([ROOT / "flows" / f"{case['flow']}.yaml"])
    assert not bundle.errors, bundle.errors
    flow = bundle.flows[case["flow"]]
    record = json.loads((HERE / "records" / case["record"]).read_text(encoding="utf-8"))
    now = datetime.fromisoformat(case["at"])
    mapping = bundle.mappings.get(flow.trigger.object if flow.trigger else record["attributes"]["type"])
    start = start_input(flow, mapping, record, now).model_copy(update={"run_id": "golden"})
    got = [_summary(step := advance(flow, None, start))]
    state = step.state
    for item in case.get("script", []):
        state = RunState.model_validate_json(state.model_dump_json())
        inp, now = _input(item["input"], state, now)
        step = advance(flow, state, inp)
        got.append(_summary(step))
        state = step.state
    if update_golden:
        case["expect"] = got
        case_file.write_text(yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        pytest.skip("expectations rewritten")
    assert got == case["expect"]
