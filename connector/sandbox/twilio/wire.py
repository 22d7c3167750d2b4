"""Twilio's 2010-04-01 wire shapes: Message JSON, list pages, error bodies and RFC 2822 dates."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from connector.sandbox.twilio.store import Message

API_VERSION = "2010-04-01"


class ApiError(Exception):
    """An error answer: HTTP status plus Twilio's code and message (and `detail`, which 401s carry)."""

    def __init__(self, status: int, code: int, message: str, detail: str | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.detail = status, code, message, detail

    def body(self) -> dict[str, Any]:
        """The legacy API error body twilio-python turns into TwilioRestException (samples/error_*.json)."""
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        if self.detail is not None:
            out["detail"] = self.detail
        return out


def not_found(path: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {path} was not found")


def rfc2822(when: datetime | None) -> str | None:
    """'Mon, 23 Nov 2026 14:05:12 +0000', the format of every Twilio 2010 date."""
    return format_datetime(when.replace(microsecond=0)) if when else None


def message_uri(account_sid: str, sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}.json"


def message_json(m: Message) -> dict[str, Any]:
    """The Message resource as Twilio returns it: numbers as strings, dates in RFC 2822, keys sorted."""
    uri = message_uri(m.account_sid, m.sid)
    return {
        "account_sid": m.account_sid,
        "api_version": API_VERSION,
        "body": m.body,
        "date_created": rfc2822(m.date_created),
        "date_sent": rfc2822(m.date_sent),
        "date_updated": rfc2822(m.date_updated),
        "direction": m.direction,
        "error_code": m.error_code,
        "error_message": m.error_message,
        "from": m.from_,
        "messaging_service_sid": m.messaging_service_sid,
        "num_media": str(len(m.media_urls)),
        "num_segments": str(m.num_segments),
        "price": m.price,
        "price_unit": "USD",
        "sid": m.sid,
        "status": m.status,
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
        "to": m.to,
        "uri": uri,
    }


def page_json(
    path: str, query: list[tuple[str, str]], items: list[Message], page: int, size: int, next_token: str | None
) -> dict[str, Any]:
    """One page of a list, with Twilio's paging keys; `query` holds the filters to repeat in every page URI."""

    def uri(page_no: int, token: str | None = None) -> str:
        params = [*query, ("PageSize", str(size)), ("Page", str(page_no))]
        if token:
            params.append(("PageToken", token))
        return f"{path}?{urlencode(params)}"

    start = page * size
    return {
        "end": start + max(len(items) - 1, 0),
        "first_page_uri": uri(0),
        "messages": [message_json(m) for m in items],
        "next_page_uri": uri(page + 1, next_token) if next_token else None,
        "page": page,
        "page_size": size,
        "previous_page_uri": uri(page - 1) if page > 0 else None,
        "start": start,
        "uri": uri(page),
    }


def dumps(document: dict[str, Any]) -> bytes:
    """Serialise like api.twilio.com: compact UTF-8 JSON with sorted keys."""
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(", ", ": ")).encode()
