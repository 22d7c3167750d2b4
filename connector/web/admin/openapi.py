"""The OpenAPI 3.1 description of /api; tests check every answer of the API against it."""

from __future__ import annotations

from typing import Any

from connector import __version__

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_NINT = {"type": ["integer", "null"]}
_NNUM = {"type": ["number", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_NTIME = {"type": ["string", "null"], "format": "date-time"}
_BOOL = {"type": "boolean"}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None, *, extra: bool = False) -> dict[str, Any]:
    props = {**required, **(optional or {})}
    return {"type": "object", "required": sorted(required), "properties": props, "additionalProperties": extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad request", 401: "Not signed in", 404: "Not found", 409: "Conflict", 422: "Invalid body"}
    return {str(c): _json(_ref("Error"), text[c]) for c in codes}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


def _param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


_FLOW_ID = _param("flow_id", "path", _STR, "The flow's id (flow: in its file)")
_CONTACT_ID = _param("contact_id", "path", _INT, "The contact's id")
_PAGE = [
    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200}, "At most this many"),
    _param("offset", "query", {"type": "integer", "minimum": 0}, "Skip this many"),
]
_PERIOD = [
    _param("from", "query", {"type": "string", "format": "date"}, "First UTC day (default: 6 days before `to`)"),
    _param("to", "query", {"type": "string", "format": "date"}, "Last UTC day, included (default: today)"),
    _param("flow", "query", _STR, "Only this flow (or manual, help)"),
]

SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": _STR}, {"details": {"type": "array", "items": {"type": "object"}}}),
    "Problem": _obj(
        {"file": _STR, "line": _INT, "column": _INT, "message": _STR, "severity": {"enum": ["error", "warning"]}}
    ),
    "FlowSummary": _obj(
        {
            "id": _STR,
            "name": _NSTR,
            "file": _NSTR,
            "category": _NSTR,
            "trigger": _NSTR,
            "version": _NSTR,
            "file_version": _NSTR,
            "status": {"enum": ["valid", "warnings", "errors", "changed", "not loaded"]},
            "enabled": _BOOL,
            "problems": {"type": "array", "items": _ref("Problem")},
        }
    ),
    "Flow": _obj(
        {
            "id": _STR,
            "name": _NSTR,
            "category": {"enum": ["transactional", "marketing"]},
            "trigger": _STR,
            "version": _STR,
            "start": _STR,
            "steps": {
                "type": "array",
                "items": _obj(
                    {
                        "id": _STR,
                        "does": {"type": "array", "items": _STR},
                        "next": {"type": "array", "items": _obj({"outcome": _STR, "step": _STR})},
                    }
                ),
            },
            "texts": {
                "type": "array",
                "items": _obj(
                    {
                        "step": _STR,
                        "template": _STR,
                        "sample": _STR,
                        "segments": _INT,
                        "encoding": {"enum": ["GSM-7", "UCS-2"]},
                        "worst_segments": _INT,
                        "worst_encoding": {"enum": ["GSM-7", "UCS-2"]},
                        "over_budget": _BOOL,
                    }
                ),
            },
        }
    ),
    "TryRequest": _obj(
        {"record": {"type": "object", "description": "the record's fields, with the CRM's names"}},
        {
            "call": {"type": ["object", "null"], "description": "the logged call, for call_logged flows"},
            "inputs": {
                "type": "array",
                "maxItems": 30,
                "items": _STR,
                "description": 'replies in order; "/timeout" lets a wait run out',
            },
        },
    ),
    "TryEvent": {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {
                "enum": ["start", "text", "reply", "understood", "update", "task", "wait", "timeout", "end", "note"]
            },
            "at": _TIME,
            "step": _STR,
            "body": _STR,
            "chars": _INT,
            "segments": _INT,
            "encoding": {"enum": ["GSM-7", "UCS-2"]},
            "non_gsm": {"type": "array", "items": _STR},
            "outcome": _STR,
            "object": _STR,
            "fields": {"type": "object"},
            "subject": _STR,
            "priority": _STR,
            "until": _TIME,
            "for": {"enum": ["reply", "delay"]},
            "reason": _STR,
            "text": _STR,
        },
        "additionalProperties": False,
    },
    "TryResult": _obj(
        {
            "phone": _NSTR,
            "trigger": _NSTR,
            "events": {"type": "array", "items": _ref("TryEvent")},
            "status": {"enum": ["active", "waiting", "ended", None]},
            "step": _NSTR,
            "waiting_for": {"enum": ["reply", "delay", None]},
            "can_time_out": _BOOL,
            "answers": {"type": "object", "additionalProperties": _STR},
        }
    ),
    "Enabled": _obj({"enabled": _BOOL}),
    "FlowEnabled": _obj({"id": _STR, "enabled": _BOOL}),
    "Contact": _obj(
        {
            "id": _INT,
            "phone": _STR,
            "time_zone": _NSTR,
            "opted_out": _BOOL,
            "consent_transactional": {"enum": ["unknown", "granted", "revoked"]},
            "consent_marketing": {"enum": ["unknown", "granted", "revoked"]},
            "crm_object": _NSTR,
            "crm_record_id": _NSTR,
        },
        {"crm_url": _NSTR, "last_at": _NTIME, "texts": _INT, "open_items": _INT},
    ),
    "TimelineEntry": {
        "type": "object",
        "required": ["at", "kind"],
        "description": "One event; the fields besides at and kind depend on the kind.",
        "properties": {
            "at": _TIME,
            "kind": {"enum": ["out", "in", "decision", "consent", "run_started", "run_ended", "attention", "handled"]},
            "body": _STR,
            "status": _STR,
            "statuses": {
                "type": "array",
                "items": _obj({"status": _STR, "error_code": _NSTR, "at": _TIME}),
            },
            "decision": {"enum": ["send", "defer", "drop"]},
            "cause": _STR,
            "reason": _NSTR,
            "until": _NTIME,
        },
    },
    "Conversation": _obj(
        {
            "contact": _ref("Contact"),
            "consent_history": {
                "type": "array",
                "items": _obj({"at": _TIME, "category": _STR, "state": _STR, "source": _STR, "detail": _NSTR}),
            },
            "timeline": {"type": "array", "items": _ref("TimelineEntry")},
        }
    ),
    "TextRequest": _obj(
        {
            "body": {"type": "string", "minLength": 1, "maxLength": 1600},
            "key": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{8,64}$",
                "description": "your idempotency key: the same key queues the text once",
            },
        }
    ),
    "TextResult": _obj(
        {
            "status": {"enum": ["queued", "duplicate", "no_contact", "opted_out", "empty", "too_long"]},
            "key": _STR,
            "reason": _NSTR,
        }
    ),
    "AttentionItem": _obj(
        {
            "id": _INT,
            "contact_id": _INT,
            "reason": {"enum": ["no_run", "not_understood"]},
            "flow": _NSTR,
            "run_id": _NSTR,
            "body": _STR,
            "received_at": _TIME,
        }
    ),
    "Handled": _obj({}, {"note": {"type": ["string", "null"], "maxLength": 500}}),
    "FlowStats": _obj(
        {
            "flow": _STR,
            "texts": _INT,
            "sent": _INT,
            "delivered": _INT,
            "delivered_pct": _NNUM,
            "failed": _INT,
            "failed_pct": _NNUM,
            "failures": {"type": "object", "additionalProperties": _INT, "description": "texts per error code"},
            "runs": _INT,
            "replied": _INT,
            "reply_rate": _NNUM,
            "opted_out": _INT,
            "opt_out_rate": _NNUM,
            "median_reply_seconds": _NNUM,
            "segments": _INT,
            "cost_usd": {"type": "number"},
        }
    ),
    "Performance": _obj(
        {
            "from": _TIME,
            "to": _TIME,
            "overall": _ref("FlowStats"),
            "flows": {"type": "array", "items": _ref("FlowStats")},
            "days": {
                "type": "array",
                "items": _obj(
                    {
                        "day": {"type": "string", "format": "date"},
                        "sent": _INT,
                        "delivered": _INT,
                        "failed": _INT,
                        "replies": _INT,
                    }
                ),
            },
            "opt_outs_all_sources": _INT,
        }
    ),
}


def document() -> dict[str, Any]:
    """The OpenAPI document, built fresh (callers may mutate it)."""
    doc = _document()
    # Every signed request is checked for NUL characters first (security.refuse_nul), whatever the operation takes.
    for operations in doc["paths"].values():
        for operation in operations.values():
            if operation.get("security") != []:
                operation["responses"].setdefault("400", _json(_ref("Error"), "Bad request (e.g. a NUL character)"))
    return doc


def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SMS Flow Connector admin API",
            "version": __version__,
            "description": (
                "What the admin pages show, as JSON. Sign in with the admin session cookie (unsafe methods also "
                "send X-CSRF-Token, from GET /api/session) or HTTP Basic credentials of an admin user."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}, {"basic": []}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "smsflow_session"},
                "basic": {"type": "http", "scheme": "basic"},
            },
            "schemas": SCHEMAS,
        },
        "paths": {
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
                }
            },
            "/api/session": {
                "get": {
                    "summary": "Who is signed in, and the session's CSRF token",
                    "operationId": "session",
                    "responses": {
                        "200": _json(_obj({"user": _STR, "csrf_token": _NSTR})),
                        **_errors(401),
                    },
                }
            },
            "/api/flows": {
                "get": {
                    "summary": "Flows with validation status, version, category and switch",
                    "operationId": "listFlows",
                    "responses": {
                        "200": _json(_obj({"flows": {"type": "array", "items": _ref("FlowSummary")}})),
                        **_errors(401),
                    },
                }
            },
            "/api/flows/{flow_id}": {
                "get": {
                    "summary": "A flow's steps and texts (segments, encoding, worst case)",
                    "operationId": "getFlow",
                    "parameters": [_FLOW_ID],
                    "responses": {"200": _json(_ref("Flow")), **_errors(401, 404)},
                }
            },
            "/api/flows/{flow_id}/try": {
                "post": {
                    "summary": "Play the flow against a record; nothing is sent or stored",
                    "operationId": "tryFlow",
                    "parameters": [_FLOW_ID],
                    "requestBody": _body("TryRequest"),
                    "responses": {"200": _json(_ref("TryResult")), **_errors(400, 401, 404, 422)},
                }
            },
            "/api/flows/{flow_id}/enabled": {
                "put": {
                    "summary": "Switch a flow on or off",
                    "operationId": "setFlowEnabled",
                    "parameters": [_FLOW_ID],
                    "requestBody": _body("Enabled"),
                    "responses": {"200": _json(_ref("FlowEnabled")), **_errors(400, 401, 404, 422)},
                }
            },
            "/api/conversations": {
                "get": {
                    "summary": "Contacts, most recently active first",
                    "operationId": "listConversations",
                    "parameters": [_param("q", "query", _STR, "Phone digits or CRM record id"), *_PAGE],
                    "responses": {
                        "200": _json(_obj({"conversations": {"type": "array", "items": _ref("Contact")}})),
                        **_errors(401),
                    },
                }
            },
            "/api/conversations/{contact_id}": {
                "get": {
                    "summary": "A contact's timeline: texts, replies, statuses, policy decisions, consent, runs",
                    "operationId": "getConversation",
                    "parameters": [_CONTACT_ID],
                    "responses": {"200": _json(_ref("Conversation")), **_errors(401, 404)},
                }
            },
            "/api/conversations/{contact_id}/texts": {
                "post": {
                    "summary": "Queue a manual text (through the outbox and the contact policy)",
                    "operationId": "sendText",
                    "parameters": [_CONTACT_ID],
                    "requestBody": _body("TextRequest"),
                    "responses": {
                        "202": _json(_ref("TextResult"), "Queued"),
                        "200": _json(_ref("TextResult"), "Queued before under this key; not queued again"),
                        # An id out of range (past the largest row id) is no path at all: routing answers it,
                        # in the API's error shape.
                        "404": _json(
                            {"oneOf": [_ref("TextResult"), _ref("Error")]},
                            "No such contact (the error shape when the id cannot name one)",
                        ),
                        "409": _json(_ref("TextResult"), "Refused (opted out, empty, too long)"),
                        **_errors(400, 401, 422),
                    },
                }
            },
            "/api/attention": {
                "get": {
                    "summary": "The needs-a-person queue, oldest first",
                    "operationId": "listAttention",
                    "parameters": _PAGE,
                    "responses": {
                        "200": _json(_obj({"open": _INT, "items": {"type": "array", "items": _ref("AttentionItem")}})),
                        **_errors(401),
                    },
                }
            },
            "/api/attention/{item_id}/handled": {
                "post": {
                    "summary": "Mark a needs-a-person item handled",
                    "operationId": "markHandled",
                    "parameters": [_param("item_id", "path", _INT, "The item's id")],
                    "requestBody": _body("Handled"),
                    "responses": {
                        "200": _json(_obj({"id": _INT, "status": {"const": "handled"}})),
                        **_errors(400, 401, 404, 409, 422),
                    },
                }
            },
            "/api/performance": {
                "get": {
                    "summary": "Sent, delivered, failed by error, replies, opt-outs, time to reply, segments, cost",
                    "operationId": "performance",
                    "parameters": _PERIOD,
                    "responses": {"200": _json(_ref("Performance")), **_errors(400, 401)},
                }
            },
        },
    }
