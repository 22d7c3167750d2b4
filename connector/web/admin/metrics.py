"""`GET /metrics` in the Prometheus text format: queue depths, texts by status, errors, webhook latency.

Queue depths and message counts are read from the store, so every web process reports the same figures; the
webhook latency histogram is this process's own (Prometheus sums it across the processes it scrapes).
No phone numbers, bodies or names appear here.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, g, request
from sqlalchemy import func, select

from connector import __version__
from connector.bootstrap import Container
from connector.store.tables import Event, Message, Outbox, Timer, Writeback
from connector.store.tables_admin import AttentionItem

bp = Blueprint("metrics", __name__)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Histogram:
    """A Prometheus histogram per label value, safe across request threads."""

    def __init__(self, buckets: tuple[float, ...] = BUCKETS) -> None:
        self.buckets = buckets
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], list[float]] = {}  # (hook, code) -> [counts..., +Inf, sum]

    def observe(self, hook: str, code: str, seconds: float) -> None:
        with self._lock:
            series = self._series.setdefault((hook, code), [0.0] * (len(self.buckets) + 2))
            series[bisect_left(self.buckets, seconds)] += 1
            series[-1] += seconds

    def lines(self, name: str) -> Iterator[str]:
        with self._lock:
            snapshot = {key: list(values) for key, values in self._series.items()}
        for (hook, code), values in sorted(snapshot.items()):
            labels = f'hook="{hook}",code="{code}"'
            running = 0.0
            for bound, n in zip((*self.buckets, "+Inf"), values[:-1], strict=True):
                running += n
                yield f'{name}_bucket{{{labels},le="{bound}"}} {running:g}'
            yield f"{name}_sum{{{labels}}} {values[-1]:.6f}"
            yield f"{name}_count{{{labels}}} {running:g}"


webhook_latency = Histogram()


def instrument_hooks(app: Flask) -> None:
    """Time every request to /hooks/* (Twilio and Salesforce callbacks), by endpoint and status code."""

    @app.before_request
    def _start() -> None:
        if request.path.startswith("/hooks/"):
            g.smsflow_started = time.perf_counter()

    @app.after_request
    def _stop(response: Response) -> Response:
        started = g.pop("smsflow_started", None)
        if started is not None:
            hook = (request.endpoint or "unmatched").replace('"', "")
            webhook_latency.observe(hook, str(response.status_code), time.perf_counter() - started)
        return response


@bp.get("/metrics")
def metrics() -> Response:
    container: Container = current_app.extensions["smsflow.container"]
    body = "\n".join(render(container)) + "\n"
    return Response(body, mimetype="text/plain; version=0.0.4; charset=utf-8", headers={"Cache-Control": "no-store"})


def render(container: Container) -> Iterator[str]:
    now = container.clock()
    with container.store.unit_of_work() as uow:
        s = uow.session
        outbox = dict(s.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
        due = s.scalar(
            select(func.count()).select_from(Outbox).where(Outbox.status == "pending", Outbox.next_attempt_at <= now)
        )
        writebacks = dict(s.execute(select(Writeback.status, func.count()).group_by(Writeback.status)).all())
        timers_due = s.scalar(
            select(func.count()).select_from(Timer).where(Timer.status == "pending", Timer.due_at <= now)
        )
        events = s.scalar(select(func.count()).select_from(Event).where(Event.status == "received"))
        texts = s.execute(
            select(Message.direction, Message.status, func.count()).group_by(Message.direction, Message.status)
        ).all()
        sent = s.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.provider_id.is_not(None), Message.direction == "out")
        )
        errors = s.execute(
            select(Message.error_code, func.count())
            .where(Message.direction == "out", Message.error_code.is_not(None))
            .group_by(Message.error_code)
        ).all()
        attention = s.scalar(select(func.count()).select_from(AttentionItem).where(AttentionItem.status == "open"))
        oldest = uow.attention.oldest_open_at()
    yield from _help("smsflow_info", "gauge", "The connector's version")
    yield f'smsflow_info{{version="{__version__}"}} 1'
    yield from _help("smsflow_outbox_items", "gauge", "Outbox rows by status")
    for status in ("pending", "claimed", "done", "failed"):
        yield f'smsflow_outbox_items{{status="{status}"}} {outbox.get(status, 0)}'
    yield from _help("smsflow_outbox_due", "gauge", "Pending outbox rows already due (the send backlog)")
    yield f"smsflow_outbox_due {due or 0}"
    yield from _help("smsflow_writeback_items", "gauge", "CRM write-back rows by status")
    for status in ("pending", "claimed", "done", "failed"):
        yield f'smsflow_writeback_items{{status="{status}"}} {writebacks.get(status, 0)}'
    yield from _help("smsflow_timers_overdue", "gauge", "Pending timers past their due time")
    yield f"smsflow_timers_overdue {timers_due or 0}"
    yield from _help("smsflow_events_pending", "gauge", "CRM changes stored but not yet processed")
    yield f"smsflow_events_pending {events or 0}"
    yield from _help("smsflow_attention_open", "gauge", "Replies waiting for a person")
    yield f"smsflow_attention_open {attention or 0}"
    yield from _help("smsflow_attention_oldest_age_seconds", "gauge", "How long the oldest open reply has waited")
    yield f"smsflow_attention_oldest_age_seconds {max((now - oldest).total_seconds(), 0) if oldest else 0:.0f}"
    yield from _help("smsflow_messages", "gauge", "Texts by direction and current status")
    for direction, status, n in sorted(texts):
        yield f'smsflow_messages{{direction="{direction}",status="{_label(status)}"}} {n}'
    yield from _help("smsflow_texts_sent_total", "counter", "Texts the provider accepted (rate() is the send rate)")
    yield f"smsflow_texts_sent_total {sent or 0}"
    yield from _help("smsflow_text_errors_total", "counter", "Texts that failed, by error code")
    for code, n in sorted(errors):
        yield f'smsflow_text_errors_total{{code="{_label(code)}"}} {n}'
    yield from _help("smsflow_webhook_duration_seconds", "histogram", "Webhook handling time (this process)")
    yield from webhook_latency.lines("smsflow_webhook_duration_seconds")


def _help(name: str, kind: str, text: str) -> Iterator[str]:
    yield f"# HELP {name} {text}"
    yield f"# TYPE {name} {kind}"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
