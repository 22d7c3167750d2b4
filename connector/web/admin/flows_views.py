"""Flow pages: the list (validation, version, category, switch), one flow (diagram, texts), and "try it"."""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from connector.config.flow import Flow
from connector.store.tables_crm import RecordSnapshot
from connector.web.admin import context
from connector.web.admin.blueprint import bp
from connector.web.admin.diagram import layout, order, transitions, what_it_does
from connector.web.admin.flowinfo import flow_rows, flow_texts, trigger_text
from connector.web.admin.samples import CALL, record_for
from connector.web.admin.tryit import MAX_INPUTS, play

PICKABLE = 25  # recently seen records offered in the "try it" picker


@bp.get("/flows")
def flows() -> str:
    with context.container().store.unit_of_work() as uow:
        rows = flow_rows(context.container(), uow)
    return render_template("admin/flows.html", rows=rows)


@bp.get("/flows/<flow_id>")
def flow(flow_id: str) -> str:
    found = _flow(flow_id)
    registry = context.container().registry
    with context.container().store.unit_of_work() as uow:
        row = next((r for r in flow_rows(context.container(), uow) if r.id == flow_id), None)
    texts = flow_texts(found, registry.mapping_for(found), context.now(), registry.sender)
    steps = [
        {
            "id": sid,
            "does": what_it_does(found.steps[sid]),
            "note": found.steps[sid].note,
            "arrows": transitions(found.steps[sid]),
        }
        for sid in order(found)
    ]
    return render_template(
        "admin/flow.html",
        flow=found,
        row=row,
        trigger=trigger_text(found),
        diagram=layout(found),
        steps=steps,
        texts=texts,
    )


@bp.post("/flows/<flow_id>/switch")
def flow_switch(flow_id: str) -> Response:
    _flow(flow_id)
    enabled = request.form.get("enabled") == "on"
    user, at = context.user(), context.now()
    with context.container().store.unit_of_work() as uow:
        uow.flow_switches.set(flow_id, enabled, by=user, at=at)
        uow.audit.log(user, "flow_enabled" if enabled else "flow_disabled", f"flow:{flow_id}", at=at)
        uow.commit()
    flash(f"{flow_id} is now {'enabled' if enabled else 'disabled'}.")
    back = url_for("admin.flow", flow_id=flow_id) if request.form.get("back") == "flow" else url_for("admin.flows")
    return redirect(back)


@bp.route("/flows/<flow_id>/try", methods=["GET", "POST"])
def flow_try(flow_id: str) -> str | tuple[str, int]:
    found = _flow(flow_id)
    obj = found.trigger.object if found.trigger else "Lead"
    picks = _recent_records(obj)
    call_needed = found.trigger is not None and found.trigger.on == "call_logged"
    form: dict[str, Any] = {
        "record": json.dumps(record_for(obj), indent=2, ensure_ascii=False),
        "call": json.dumps(CALL, indent=2) if call_needed else "",
        "inputs": [],
    }
    if request.method == "GET":
        return render_template("admin/try.html", flow=found, picks=picks, form=form, result=None, error=None)
    pick = request.form.get("pick", "")
    if pick and request.form.get("action") == "pick":
        chosen = next((p for p in picks if p["id"] == pick), None)
        if chosen is not None:
            form["record"] = json.dumps(chosen["fields"], indent=2, ensure_ascii=False)
        form["call"] = request.form.get("call", form["call"])
        return render_template("admin/try.html", flow=found, picks=picks, form=form, result=None, error=None)
    form["record"] = request.form.get("record", "")
    form["call"] = request.form.get("call", "")
    inputs = [i for i in request.form.getlist("input") if i.strip()][:MAX_INPUTS]
    action = request.form.get("action", "start")
    if action == "reply" and request.form.get("reply", "").strip():
        inputs.append(request.form["reply"])
    elif action == "timeout":
        inputs.append("/timeout")
    elif action == "start":
        inputs = []
    form["inputs"] = inputs
    try:
        record = _json_object(form["record"], "record")
        call = _json_object(form["call"], "call") if form["call"].strip() else None
    except ValueError as exc:
        return render_template("admin/try.html", flow=found, picks=picks, form=form, result=None, error=str(exc)), 400
    registry = context.container().registry
    result = play(found, registry.mapping_for(found), record, inputs, context.now(), call=call, sender=registry.sender)
    return render_template("admin/try.html", flow=found, picks=picks, form=form, result=result, error=None)


def _flow(flow_id: str) -> Flow:
    found = context.container().registry.flows.get(flow_id)
    if found is None:
        abort(404, description=f"No flow {flow_id!r} is running (a file with errors does not load).")
    return found


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"The {name} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}.") from None
    if not isinstance(value, dict):
        raise ValueError(f"The {name} must be a JSON object of field names and values.")
    return value


def _recent_records(obj: str) -> list[dict[str, Any]]:
    """Records of `obj` the connector saw lately (ingest keeps each one's last fields), newest first."""
    with context.container().store.unit_of_work() as uow:
        stmt = (
            select(RecordSnapshot)
            .where(RecordSnapshot.object == obj)
            .order_by(RecordSnapshot.seen_at.desc())
            .limit(PICKABLE)
        )
        rows = uow.session.scalars(stmt).all()
        picks = []
        for row in rows:
            fields = {"Id": row.record_id, **dict(row.fields)}
            name = fields.get("Name") or " ".join(str(fields.get(k) or "") for k in ("FirstName", "LastName")).strip()
            picks.append({"id": row.record_id, "label": f"{name or '(no name)'} · {row.record_id}", "fields": fields})
    return picks
