"""sObject resources: describe, create, get (with ?fields=), update, delete, and upsert by External ID."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from connector.sandbox.salesforce.errors import ApiError, no_such_column
from connector.sandbox.salesforce.schema import ObjectDef
from connector.sandbox.salesforce.state import current, json_response

bp = Blueprint("salesforce_sobjects", __name__, url_prefix="/services/data/v<version>")


def body_object() -> dict[str, Any]:
    """The JSON object in the request body; 400 JSON_PARSER_ERROR otherwise."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Unexpected end-of-input or non-object JSON in the request body")
    return data


def record_out(obj: ObjectDef, record: dict[str, Any], version: str, fields: list[str] | None = None) -> dict[str, Any]:
    """A record in the REST shape, with `attributes` first."""
    url = f"/services/data/v{version}/sobjects/{obj.name}/{record['Id']}"
    out: dict[str, Any] = {"attributes": {"type": obj.name, "url": url}}
    for name in fields if fields is not None else list(obj.fields):
        f = obj.field(name)
        if f is None:
            raise no_such_column(name, obj.name)
        out[f.name] = record.get(f.name)
    return out


def _fields_param() -> list[str] | None:
    raw = request.args.get("fields")
    return [name.strip() for name in raw.split(",") if name.strip()] if raw else None


@bp.get("/limits/", strict_slashes=False)
def limits(version: str) -> Response:
    limits = current().limits
    used, limit = limits.used, limits.limit
    return json_response({"DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)}})


@bp.get("/sobjects/", strict_slashes=False)
def describe_global(version: str) -> Response:
    sobjects = []
    for obj in current().org.schema:
        d = obj.describe(version)
        sobjects.append({k: v for k, v in d.items() if k not in ("fields",)})
    return json_response({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})


@bp.get("/sobjects/<obj>/", strict_slashes=False)
def metadata(version: str, obj: str) -> Response:
    described = current().org.object(obj).describe(version)
    return json_response({"objectDescribe": {k: v for k, v in described.items() if k != "fields"}, "recentItems": []})


@bp.get("/sobjects/<obj>/describe/", strict_slashes=False)
def describe(version: str, obj: str) -> Response:
    return json_response(current().org.object(obj).describe(version))


@bp.post("/sobjects/<obj>/", strict_slashes=False)
def create(version: str, obj: str) -> Response:
    body = body_object()
    if any(k.lower() == "id" for k in body):
        raise ApiError(400, "INVALID_FIELD", "Record ID: cannot specify Id in an insert call", ["Id"])
    record_id = current().org.create(obj, body)
    return json_response({"id": record_id, "success": True, "errors": []}, 201)


@bp.get("/sobjects/<obj>/<record_id>/", strict_slashes=False)
def get(version: str, obj: str, record_id: str) -> Response:
    org = current().org
    definition = org.object(obj)
    return json_response(record_out(definition, org.get(obj, record_id), version, _fields_param()))


@bp.patch("/sobjects/<obj>/<record_id>/", strict_slashes=False)
def update(version: str, obj: str, record_id: str) -> Response:
    current().org.update(obj, record_id, body_object())
    return Response(status=204)


@bp.delete("/sobjects/<obj>/<record_id>/", strict_slashes=False)
def delete(version: str, obj: str, record_id: str) -> Response:
    current().org.delete(obj, record_id)
    return Response(status=204)


def _by_external_id(obj: str, field: str, value: str) -> dict[str, Any]:
    org = current().org
    key = org.object(obj).field(field)
    if key is None or not (key.external_id or key.name == "Id"):
        raise ApiError(404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {field}")
    matches = [r for r in org.rows(obj) if str(r.get(key.name) or "").lower() == value.lower()]
    if not matches:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    if len(matches) > 1:
        raise ApiError(300, "MULTIPLE_CHOICES", f"More than one record found for {key.name} = {value}")
    return matches[0]


@bp.get("/sobjects/<obj>/<field>/<path:value>", strict_slashes=False)
def get_by_external_id(version: str, obj: str, field: str, value: str) -> Response:
    record = _by_external_id(obj, field, value)
    return json_response(record_out(current().org.object(obj), record, version, _fields_param()))


@bp.patch("/sobjects/<obj>/<field>/<path:value>", strict_slashes=False)
def upsert(version: str, obj: str, field: str, value: str) -> Response:
    record_id, created = current().org.upsert(obj, field, value, body_object())
    body = {"id": record_id, "success": True, "errors": [], "created": created}
    return json_response(body, 201 if created else 200)


@bp.delete("/sobjects/<obj>/<field>/<path:value>", strict_slashes=False)
def delete_by_external_id(version: str, obj: str, field: str, value: str) -> Response:
    record = _by_external_id(obj, field, value)
    current().org.delete(obj, record["Id"])
    return Response(status=204)
