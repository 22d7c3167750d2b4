"""What the emulator's HTTP handlers share: the org, sessions, budget, faults, query cursors and deliveries."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Response, current_app

from connector.sandbox.salesforce.auth import Auth
from connector.sandbox.salesforce.errors import ApiError
from connector.sandbox.salesforce.limits import Faults, Limits
from connector.sandbox.salesforce.org import Org

if TYPE_CHECKING:
    from connector.sandbox.salesforce.deliveries import Deliveries

MAX_BATCH = 2000  # the REST API's default and largest query batch


class Cursors:
    """Query results kept for nextRecordsUrl paging, like the org's server-side query locators."""

    def __init__(self, keep: int = 200) -> None:
        self._results: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def save(self, locator: str, records: list[dict[str, Any]]) -> None:
        with self._lock:
            self._results[locator] = records
            while len(self._results) > self._keep:
                self._results.popitem(last=False)

    def load(self, locator: str) -> list[dict[str, Any]]:
        with self._lock:
            records = self._results.get(locator)
        if records is None:
            raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return records


@dataclass
class EmulatorState:
    org: Org
    auth: Auth
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    cursors: Cursors = field(default_factory=Cursors)
    deliveries: Deliveries | None = None
    base_url: str = ""
    query_batch_size: int = MAX_BATCH  # tests lower it to page through a handful of records


def current() -> EmulatorState:
    state: EmulatorState = current_app.extensions["salesforce_emulator"]
    return state


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json;charset=UTF-8")
