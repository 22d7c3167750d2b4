"""Golden runs: for each shipped flow, scripted conversations with the actions and state expected after each input.

Each case file holds the flow, a record (`record_fields:` overrides some of its fields), the business name texts
are signed with (`sender:`, "Acme Homes" when left out), and a script of inputs: `{reply: text, after: 2m}`,
`timeout` (the run's timer comes due), or `{timeout: {record_fields: {...}}}` (it comes due and the host re-read the
record, which changed meanwhile). Under `expect:`, the engine's answer to each. The state is round-tripped through
JSON before every input, proving a run survives a restart at any wait.
`pytest tests/flows --update-golden` rewrites the expectations; review that diff as you would review code.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.config import DEFAULT_SENDER_NAME
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
    if item == "timeout" or (isinstance(item, dict) and "timeout" in item):
        assert state is not None and state.timer_id and state.wait_until, "the script times out a run that waits"
        # {timeout: {record_fields: {...}}}: the host re-read the record when the timer came due, and it changed.
        changed = item["timeout"].get("record_fields") if isinstance(item, dict) else None
        record = state.record.model_copy(update={"fields": {**state.record.fields, **changed}}) if changed else None
        return Timeout(at=state.wait_until, timer_id=state.timer_id, record=record), state.wait_until
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
    record.update(case.get("record_fields", {}))
    now = datetime.fromisoformat(case["at"])
    mapping = bundle.mappings.get(flow.trigger.object if flow.trigger else record["attributes"]["type"])
    sender = case.get("sender", DEFAULT_SENDER_NAME)
    start = start_input(flow, mapping, record, now, sender=sender).model_copy(update={"run_id": "golden"})
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


@pytest.mark.parametrize("flow_file", sorted((ROOT / "flows").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_flow_has_conversations_and_a_page(flow_file: Path) -> None:
    flow_id = flow_file.stem
    assert len(list(HERE.glob(f"{flow_id}.*.yaml"))) >= 1, f"tests/flows/{flow_id}.<case>.yaml: add a golden run"
    assert (ROOT / "docs" / "flows" / f"{flow_id}.md").is_file(), f"docs/flows/{flow_id}.md: describe it for admins"
    assert f"(flows/{flow_id}.md)" in (ROOT / "docs" / "flows.md").read_text(encoding="utf-8"), "link it"
