"""Delivery rules and attempts: which record changes go where, how often to retry, and how requests are sent."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import requests

from connector.sandbox.salesforce import outbound

# (url, headers, body, timeout) -> (status, body); status None when nothing came back.
Transport = Callable[[str, dict[str, str], bytes, float], tuple[int | None, bytes]]


@dataclass(frozen=True)
class Rule:
    """One trigger: which changes of which object go where, and how."""

    name: str
    kind: Literal["outbound_message", "callout"]
    object: str
    url: str
    on: frozenset[str]
    when: str | None = None
    changed_fields: tuple[str, ...] = ()
    fields: tuple[str, ...] | None = None
    secret: str | None = None
    send_session_id: bool = False
    action_id: str = ""


@dataclass(frozen=True)
class Attempt:
    """One POST of one message (an Outbound Message may carry up to 100 notifications)."""

    rule: str
    kind: str
    url: str
    ids: tuple[str, ...]
    number: int
    status: int | None
    delivered: bool
    dropped: bool = False


@dataclass
class RetryPolicy:
    """Back-off between resends: base * 2**(n-1) seconds, at most `cap`, for `give_up_after` seconds (real: 24 h)."""

    base: float = 15.0
    cap: float = 7200.0
    give_up_after: float = 86400.0
    timeout: float = 60.0  # Salesforce waits 60 s for the listener's answer


@dataclass
class Item:
    rule: Rule
    item_id: str
    record_id: str
    raw: bytes | None
    first: float
    due: float
    attempts: int = 0


def http_transport(url: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int | None, bytes]:
    """POST with requests, ignoring proxy settings: the emulator talks to listeners it was told about directly."""
    with requests.Session() as session:
        session.trust_env = False
        try:
            response = session.post(url, data=body, headers=headers, timeout=timeout)
        except requests.RequestException:
            return None, b""
        return response.status_code, response.content


def batches(items: Sequence[Item]) -> list[list[Item]]:
    """One request per callout; Outbound Messages of one action share requests, up to 100 notifications each."""
    batches: list[list[Item]] = []
    grouped: dict[str, list[Item]] = {}
    for item in items:
        if item.rule.kind == "callout":
            batches.append([item])
        else:
            grouped.setdefault(item.rule.name, []).append(item)
    for group in grouped.values():
        for start in range(0, len(group), outbound.MAX_NOTIFICATIONS):
            batches.append(group[start : start + outbound.MAX_NOTIFICATIONS])
    return batches
