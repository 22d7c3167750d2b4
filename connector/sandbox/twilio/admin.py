"""Admin routes under /_emulator/ (same Basic auth as the API), so another process can steer the emulator.

GET  /_emulator                          what a client needs, the knobs and the inbound URL
GET|POST /_emulator/knobs                read, or change some: {"undelivered_rate": 0.5}
POST /_emulator/faults                   {"fault": "500" | "429" | "slow", "times": 2}
POST /_emulator/inbound                  {"url": "http://127.0.0.1:5000/hooks/twilio/inbound"}
GET|POST /_emulator/handsets/<number>    inbox and opt-out state; {"fail_with": {"status": ..., "error_code": ...}}
POST /_emulator/handsets/<number>/replies   {"body": "STOP"}: the handset texts back
GET  /_emulator/deliveries               every webhook POSTed so far
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from connector.sandbox.twilio.callbacks import Delivery
from connector.sandbox.twilio.handsets import Handset
from connector.sandbox.twilio.knobs import FAULTS
from connector.sandbox.twilio.lifecycle import Step
from connector.sandbox.twilio.wire import ApiError, dumps, rfc2822

if TYPE_CHECKING:
    from connector.sandbox.twilio.emulator import TwilioEmulator

RULES = [
    Rule("/_emulator", endpoint="admin.info", methods=["GET"]),
    Rule("/_emulator/knobs", endpoint="admin.knobs", methods=["GET", "POST"]),
    Rule("/_emulator/faults", endpoint="admin.faults", methods=["POST"]),
    Rule("/_emulator/inbound", endpoint="admin.inbound", methods=["POST"]),
    Rule("/_emulator/handsets/<number>", endpoint="admin.handset", methods=["GET", "POST"]),
    Rule("/_emulator/handsets/<number>/replies", endpoint="admin.reply", methods=["POST"]),
    Rule("/_emulator/deliveries", endpoint="admin.deliveries", methods=["GET"]),
]


def handle(emu: TwilioEmulator, endpoint: str, request: Request, args: dict[str, str]) -> Response:
    body = _json_body(request) if request.method == "POST" else {}
    if endpoint == "admin.info":
        return _ok({**emu.describe(), "knobs": emu.knobs.to_json(), "inbound_url": emu.inbound_url})
    if endpoint == "admin.knobs":
        if body:
            try:
                emu.set_knobs(**body)
            except (TypeError, ValueError) as exc:
                raise ApiError(400, 20001, str(exc)) from None
        return _ok(emu.knobs.to_json())
    if endpoint == "admin.faults":
        fault, times = body.get("fault"), body.get("times", 1)
        if fault not in FAULTS or not isinstance(times, int) or times < 1:
            raise ApiError(400, 20001, f"expected {{'fault': one of {list(FAULTS)}, 'times': n >= 1}}")
        emu.inject(fault, times)
        return _ok({"fault": fault, "times": times})
    if endpoint == "admin.inbound":
        emu.inbound_url = body.get("url") or None
        return _ok({"inbound_url": emu.inbound_url})
    if endpoint == "admin.deliveries":
        return _ok({"deliveries": [delivery_json(d) for d in emu.deliveries]})
    handset = emu.phone(args["number"])
    if endpoint == "admin.reply":
        if not isinstance(body.get("body"), str):
            raise ApiError(400, 20001, "expected {'body': text}")
        delivery = handset.reply(body["body"], body.get("to"))
        return _ok(delivery_json(delivery) if isinstance(delivery, Delivery) else {})
    if "fail_with" in body:
        handset.fail_with = _step(body["fail_with"])
    if "opted_out" in body:
        handset.opted_out = bool(body["opted_out"])
    return _ok(handset_json(handset))


def _step(value: Any) -> Step | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("status") not in ("failed", "undelivered"):
        raise ApiError(400, 20001, "fail_with: expected null or {'status': 'failed'|'undelivered', 'error_code': n}")
    return Step(value["status"], value.get("error_code"))


def handset_json(handset: Handset) -> dict[str, Any]:
    return {
        "number": handset.number,
        "opted_out": handset.opted_out,
        "fail_with": asdict(handset.fail_with) if handset.fail_with else None,
        "inbox": [{"sid": t.sid, "from": t.from_, "body": t.body, "at": rfc2822(t.at)} for t in handset.inbox],
    }


def delivery_json(d: Delivery) -> dict[str, Any]:
    return {"kind": d.kind, "url": d.url, "params": [list(p) for p in d.params], "status": d.status, "error": d.error}


def _json_body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise ApiError(400, 20001, "expected a JSON object") from None
    if not isinstance(data, dict):
        raise ApiError(400, 20001, "expected a JSON object")
    return data


def _ok(document: dict[str, Any]) -> Response:
    return Response(dumps(document), status=200, content_type="application/json; charset=utf-8")
