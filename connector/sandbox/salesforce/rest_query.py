"""SOQL over REST: `query` and `queryAll`, paged with nextRecordsUrl the way the REST API pages them."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request

from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.soql_eval import execute
from connector.sandbox.salesforce.state import MAX_BATCH, current, json_response

bp = Blueprint("salesforce_query", __name__, url_prefix="/services/data/v<version>")

_BATCH_OPTION = re.compile(r"batchSize=(\d+)", re.IGNORECASE)
_LOCATOR = re.compile(r"^(?P<locator>01g\w{15})-(?P<offset>\d+)$")


def _batch_size() -> int:
    # REST API guide: Sforce-Query-Options batchSize is 200..2000; the org-wide knob can go lower for tests.
    wanted = MAX_BATCH
    match = _BATCH_OPTION.search(request.headers.get("Sforce-Query-Options", ""))
    if match:
        wanted = min(MAX_BATCH, max(200, int(match.group(1))))
    return max(1, min(wanted, current().query_batch_size))


def _page(version: str, resource: str, locator: str, records: list[dict[str, Any]], offset: int) -> dict[str, Any]:
    size = _batch_size()
    end = offset + size
    page: dict[str, Any] = {"totalSize": len(records), "done": end >= len(records)}
    if end < len(records):
        page["nextRecordsUrl"] = f"/services/data/v{version}/{resource}/{locator}-{end}"
    page["records"] = records[offset:end]
    return page


def _run(version: str, resource: str, include_deleted: bool) -> Response:
    state = current()
    text = request.args.get("q")
    if not text:
        raise ApiError(400, "MALFORMED_QUERY", "A query string has to be specified")
    total, records = execute(text, state.org, include_deleted=include_deleted, version=version)
    if not records:
        return json_response({"totalSize": total, "done": True, "records": []})
    locator = state.org.ids.new("01g")[:18]
    state.cursors.save(locator, records)
    return json_response(_page(version, resource, locator, records, 0))


def _more(version: str, resource: str, cursor: str) -> Response:
    match = _LOCATOR.match(cursor)
    if not match:
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    records = current().cursors.load(match.group("locator"))
    return json_response(_page(version, resource, match.group("locator"), records, int(match.group("offset"))))


@bp.get("/query/", strict_slashes=False)
def query(version: str) -> Response:
    return _run(version, "query", include_deleted=False)


@bp.get("/queryAll/", strict_slashes=False)
def query_all(version: str) -> Response:
    return _run(version, "queryAll", include_deleted=True)


@bp.get("/query/<cursor>", strict_slashes=False)
def query_more(version: str, cursor: str) -> Response:
    return _more(version, "query", cursor)


@bp.get("/queryAll/<cursor>", strict_slashes=False)
def query_all_more(version: str, cursor: str) -> Response:
    return _more(version, "queryAll", cursor)
