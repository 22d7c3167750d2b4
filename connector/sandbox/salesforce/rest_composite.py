"""sObject Collections (`composite/sobjects`): create, update, upsert, delete and retrieve up to 200 records a call."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from connector.sandbox.salesforce import ids
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.rest_sobjects import body_object, record_out
from connector.sandbox.salesforce.state import current, json_response

bp = Blueprint("salesforce_composite", __name__, url_prefix="/services/data/v<version>")

MAX_RECORDS = 200
_ROLLED_BACK = ApiError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)


class _Rollback(Exception):
    """Raised inside the org transaction to undo an allOrNone request that had a failure."""


def _records(items: Any) -> list[Any]:
    if not isinstance(items, list):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize the request: records must be an array")
    if len(items) > MAX_RECORDS:
        # The limit error the REST API gives for more than 200 records in one collection call.
        raise ApiError(
            400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call"
        )
    return items


def _type_of(record: Any) -> str:
    attributes = record.get("attributes") if isinstance(record, dict) else None
    name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(name, str) or current().org.schema.get(name) is None:
        raise ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
    return name


def _save_all(items: list[Any], all_or_none: bool, save: Callable[[Any], dict[str, Any]]) -> list[dict[str, Any]]:
    """Apply `save` to each record in order; with allOrNone, one failure rolls every record back."""
    results: list[dict[str, Any]] = []
    org = current().org
    try:
        with org.transaction():
            for item in items:
                try:
                    results.append({**save(item), "success": True, "errors": []})
                except ApiError as exc:
                    failed: dict[str, Any] = {"success": False, "errors": [exc.save_error()]}
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        failed = {"id": item["id"], **failed}
                    results.append(failed)
            if all_or_none and any(not r["success"] for r in results):
                raise _Rollback
    except _Rollback:
        results = [
            {**r, "success": False, "errors": [_ROLLED_BACK.save_error()]} if r["success"] else r for r in results
        ]
        for r in results:
            r.pop("created", None)
    return results


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("attributes",) and k.lower() != "id"}


@bp.post("/composite/sobjects/", strict_slashes=False)
def create(version: str) -> Response:
    body = body_object()
    org = current().org

    def save(record: Any) -> dict[str, Any]:
        obj = _type_of(record)
        if any(k.lower() == "id" for k in record):
            raise ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return {"id": org.create(obj, _fields(record))}

    return json_response(_save_all(_records(body.get("records")), bool(body.get("allOrNone")), save))


@bp.patch("/composite/sobjects/", strict_slashes=False)
def update(version: str) -> Response:
    body = body_object()
    org = current().org

    def save(record: Any) -> dict[str, Any]:
        obj = _type_of(record)
        record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
        if not isinstance(record_id, str):
            raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
        org.update(obj, record_id, _fields(record))
        return {"id": ids.to18(record_id) or record_id}

    return json_response(_save_all(_records(body.get("records")), bool(body.get("allOrNone")), save))


@bp.patch("/composite/sobjects/<obj>/<field>/", strict_slashes=False)
def upsert(version: str, obj: str, field: str) -> Response:
    body = body_object()
    org = current().org
    definition = org.object(obj)
    key = definition.field(field)
    if key is None or not key.external_id:
        raise ApiError(400, "INVALID_FIELD", f"Field {field} is not an External ID field for {definition.name}")

    def key_of(record: Any) -> Any:
        items = record.items() if isinstance(record, dict) else ()
        return next((v for k, v in items if k.lower() == key.name.lower()), None)

    records = _records(body.get("records"))
    seen = Counter(str(key_of(r)).lower() for r in records if key_of(r) not in (None, ""))

    def save(record: Any) -> dict[str, Any]:
        if _type_of(record).lower() != definition.name.lower():
            raise ApiError(400, "INVALID_TYPE", f"Record type must be {definition.name} in this upsert", [])
        value = key_of(record)
        if value in (None, ""):
            raise ApiError(400, "MISSING_ARGUMENT", f"{key.name} not specified", [key.name])
        if seen[str(value).lower()] > 1:
            # One request may not name the same external id twice; every record naming it fails.
            raise ApiError(400, "DUPLICATE_VALUE", f"Duplicate external id specified: {value}", [key.name])
        record_id, created = org.upsert(definition.name, key.name, str(value), _fields(record))
        return {"id": record_id, "created": created}

    return json_response(_save_all(records, bool(body.get("allOrNone")), save))


@bp.delete("/composite/sobjects/", strict_slashes=False)
def delete(version: str) -> Response:
    org = current().org
    record_ids = _records([i for i in request.args.get("ids", "").split(",") if i])
    all_or_none = request.args.get("allOrNone", "false").lower() == "true"

    def save(record_id: str) -> dict[str, Any]:
        found = org.find(record_id)
        if found is None:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", f"invalid cross reference id: {record_id}")
        org.delete(found[0].name, record_id)
        return {"id": found[1]["Id"]}

    return json_response(_save_all(record_ids, all_or_none, save))


@bp.get("/composite/sobjects/<obj>/", strict_slashes=False)
def retrieve(version: str, obj: str) -> Response:
    org = current().org
    definition = org.object(obj)
    names = [n.strip() for n in request.args.get("fields", "").split(",") if n.strip()]
    out: list[dict[str, Any] | None] = []
    for record_id in [i for i in request.args.get("ids", "").split(",") if i]:
        found = org.find(record_id)
        ok = found is not None and found[0] is definition and not found[1]["IsDeleted"]
        out.append(record_out(definition, found[1], version, names) if ok and found else None)
    return json_response(out)
