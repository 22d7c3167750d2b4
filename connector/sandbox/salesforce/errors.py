"""REST API errors as Salesforce sends them: a JSON array of {message, errorCode, fields} with the HTTP status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ApiError(Exception):
    """One REST error; `body()` is the wire form, `save_error()` the sObject Collections item form."""

    def __init__(self, status: int, code: str, message: str, fields: Sequence[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.fields = list(fields) if fields is not None else None

    def body(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            error["fields"] = self.fields
        return [error]

    def save_error(self) -> dict[str, Any]:
        # sObject Collections report item errors with "statusCode", not "errorCode" (REST API guide).
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def malformed_id(value: str, label: str = "Record ID", fields: list[str] | None = None) -> ApiError:
    return ApiError(400, "MALFORMED_ID", f"{label}: id value of incorrect type: {value}", fields)


def no_such_column(field: str, obj: str) -> ApiError:
    return ApiError(400, "INVALID_FIELD", f"No such column '{field}' on sobject of type {obj}", [field])
