"""Performance over a period, per flow and overall: what the performance page, its CSV and the API show.

Texts count in the period they were queued; a run counts in the period it started. Definitions:
sent = accepted by the provider; delivered % and failed % are of texts sent; reply rate = runs that got a reply
/ runs that sent a text; opt-out rate = runs that ended because the contact opted out / runs that sent a text;
time to reply = from a run's first text sent to its first reply (median); cost = segments x SMSFLOW_SEGMENT_PRICE.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from connector.store.tables import ConsentChange, Message, Run
from connector.store.uow import UnitOfWork

FAILED = ("failed", "undelivered")
ALL = "all flows"


@dataclass
class FlowStats:
    flow: str
    texts: int = 0
    sent: int = 0
    delivered: int = 0
    failed: int = 0
    failures: dict[str, int] = field(default_factory=dict)  # error code (or "unknown") -> texts
    runs: int = 0
    replied: int = 0
    opted_out: int = 0
    reply_seconds: list[float] = field(default_factory=list)
    segments: int = 0
    price: float = 0.0

    @staticmethod
    def _pct(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def delivered_pct(self) -> float | None:
        return self._pct(self.delivered, self.sent)

    @property
    def failed_pct(self) -> float | None:
        return self._pct(self.failed, self.sent)

    @property
    def reply_rate(self) -> float | None:
        return self._pct(self.replied, self.runs)

    @property
    def opt_out_rate(self) -> float | None:
        return self._pct(self.opted_out, self.runs)

    @property
    def median_reply_seconds(self) -> float | None:
        return round(statistics.median(self.reply_seconds), 1) if self.reply_seconds else None

    @property
    def cost(self) -> float:
        return round(self.segments * self.price, 4)

    def as_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "texts": self.texts,
            "sent": self.sent,
            "delivered": self.delivered,
            "delivered_pct": self.delivered_pct,
            "failed": self.failed,
            "failed_pct": self.failed_pct,
            "failures": dict(sorted(self.failures.items())),
            "runs": self.runs,
            "replied": self.replied,
            "reply_rate": self.reply_rate,
            "opted_out": self.opted_out,
            "opt_out_rate": self.opt_out_rate,
            "median_reply_seconds": self.median_reply_seconds,
            "segments": self.segments,
            "cost_usd": self.cost,
        }


@dataclass(frozen=True)
class Day:
    day: date
    sent: int
    delivered: int
    failed: int
    replies: int


@dataclass
class Report:
    start: datetime
    end: datetime
    flows: list[FlowStats]
    overall: FlowStats
    days: list[Day]
    opt_outs_all_sources: int

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "overall": self.overall.as_json(),
            "flows": [f.as_json() for f in self.flows],
            "days": [
                {
                    "day": d.day.isoformat(),
                    "sent": d.sent,
                    "delivered": d.delivered,
                    "failed": d.failed,
                    "replies": d.replies,
                }
                for d in self.days
            ],
            "opt_outs_all_sources": self.opt_outs_all_sources,
        }


def _flow_of_message() -> ColumnElement[str]:
    """A text's flow: its own column (0003), else its run's; texts without a run are manual or HELP answers."""
    return case(
        (Message.action_id.like("manual:%"), literal("manual")),
        (Message.action_id.like("help:%"), literal("help")),
        else_=func.coalesce(Message.flow, Run.flow, literal("other")),
    )


def report(uow: UnitOfWork, start: datetime, end: datetime, *, price: float, flow: str | None = None) -> Report:
    """Figures for texts queued and runs started in [start, end), optionally for one flow."""
    by_flow: dict[str, FlowStats] = {}

    def get(name: str) -> FlowStats:
        return by_flow.setdefault(name, FlowStats(name, price=price))

    flow_col = _flow_of_message().label("flow")
    in_period = and_(Message.direction == "out", Message.created_at >= start, Message.created_at < end)
    texts = (
        select(
            flow_col,
            func.count().label("texts"),
            func.count(Message.provider_id).label("sent"),
            func.sum(case((Message.status == "delivered", 1), else_=0)).label("delivered"),
            func.sum(case((Message.status.in_(FAILED), 1), else_=0)).label("failed"),
            func.coalesce(func.sum(case((Message.provider_id.is_not(None), Message.segments), else_=0)), 0).label(
                "segments"
            ),
        )
        .select_from(Message)
        .outerjoin(Run, Run.id == Message.run_id)
        .where(in_period)
        .group_by(flow_col)
    )
    for row in uow.session.execute(texts):
        stats = get(row.flow)
        stats.texts, stats.sent = row.texts, row.sent
        stats.delivered, stats.failed, stats.segments = row.delivered or 0, row.failed or 0, row.segments or 0
    failures = (
        select(flow_col, Message.error_code, func.count().label("n"))
        .select_from(Message)
        .outerjoin(Run, Run.id == Message.run_id)
        .where(in_period, Message.status.in_(FAILED))
        .group_by(flow_col, Message.error_code)
    )
    for row in uow.session.execute(failures):
        get(row.flow).failures[row.error_code or "unknown"] = row.n
    _runs(uow, start, end, get)
    if flow is not None:
        by_flow = {k: v for k, v in by_flow.items() if k == flow}
    flows = sorted(by_flow.values(), key=lambda s: s.flow)
    opt_outs = uow.session.scalar(
        select(func.count(func.distinct(ConsentChange.contact_id))).where(
            ConsentChange.category == "all",
            ConsentChange.state == "revoked",
            ConsentChange.at >= start,
            ConsentChange.at < end,
        )
    )
    return Report(start, end, flows, _total(flows, price), _days(uow, start, end, flow), opt_outs or 0)


def _runs(uow: UnitOfWork, start: datetime, end: datetime, get: Any) -> None:
    """Per run started in the period: did it send, get a reply, end by opt-out; how long until the reply."""
    first_sent = func.min(case((Message.direction == "out", func.coalesce(Message.sent_at, Message.created_at))))
    first_reply = func.min(case((Message.direction == "in", Message.created_at)))
    sent_any = func.count(case((and_(Message.direction == "out", Message.provider_id.is_not(None)), 1)))
    stmt = (
        select(
            Run.id,
            Run.flow,
            Run.ended_reason,
            first_sent.label("first_sent"),
            first_reply.label("first_reply"),
            sent_any.label("sent"),
        )
        .select_from(Run)
        .outerjoin(Message, Message.run_id == Run.id)
        .where(Run.created_at >= start, Run.created_at < end)
        .group_by(Run.id, Run.flow, Run.ended_reason)
    )
    for row in uow.session.execute(stmt):
        if not row.sent:
            continue
        stats = get(row.flow)
        stats.runs += 1
        stats.opted_out += row.ended_reason == "opted_out"
        if row.first_reply is not None:
            stats.replied += 1
            sent_at, reply_at = _aware(row.first_sent), _aware(row.first_reply)
            if sent_at is not None and reply_at is not None and reply_at >= sent_at:
                stats.reply_seconds.append((reply_at - sent_at).total_seconds())


def _aware(value: Any) -> datetime | None:
    """MIN() over a UTC column comes back naive text on SQLite; read it as UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _total(flows: Iterable[FlowStats], price: float) -> FlowStats:
    total = FlowStats(ALL, price=price)
    for s in flows:
        for name in ("texts", "sent", "delivered", "failed", "runs", "replied", "opted_out", "segments"):
            setattr(total, name, getattr(total, name) + getattr(s, name))
        for code, n in s.failures.items():
            total.failures[code] = total.failures.get(code, 0) + n
        total.reply_seconds += s.reply_seconds
    return total


def _days(uow: UnitOfWork, start: datetime, end: datetime, flow: str | None) -> list[Day]:
    """Texts sent, delivered and failed, and replies received, per UTC day of the period."""
    day = func.date(Message.created_at).label("day")
    stmt = (
        select(
            day,
            func.count(case((and_(Message.direction == "out", Message.provider_id.is_not(None)), 1))).label("sent"),
            func.count(case((and_(Message.direction == "out", Message.status == "delivered"), 1))).label("delivered"),
            func.count(case((and_(Message.direction == "out", Message.status.in_(FAILED)), 1))).label("failed"),
            func.count(case((Message.direction == "in", 1))).label("replies"),
        )
        .select_from(Message)
        .outerjoin(Run, Run.id == Message.run_id)
        .where(Message.created_at >= start, Message.created_at < end)
        .group_by(day)
    )
    if flow is not None:
        stmt = stmt.where(_flow_of_message() == flow)
    found = {str(row.day)[:10]: row for row in uow.session.execute(stmt)}
    days, current = [], start.date()
    while current < end.date() or (current == end.date() and end.time() != datetime.min.time()):
        row = found.get(current.isoformat())
        days.append(Day(current, *(getattr(row, k) if row else 0 for k in ("sent", "delivered", "failed", "replies"))))
        current += timedelta(days=1)
    return days


def to_csv(rep: Report) -> str:
    """One row per flow and one for all flows: the same figures as the page."""
    out = io.StringIO()
    columns = [
        "flow",
        "texts",
        "sent",
        "delivered",
        "delivered_pct",
        "failed",
        "failed_pct",
        "failures",
        "runs",
        "replied",
        "reply_rate",
        "opted_out",
        "opt_out_rate",
        "median_reply_seconds",
        "segments",
        "cost_usd",
    ]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["from", rep.start.isoformat(), "to", rep.end.isoformat()])
    writer.writerow(columns)
    for stats in [*rep.flows, rep.overall]:
        row = stats.as_json()
        row["failures"] = ";".join(f"{code}:{n}" for code, n in row["failures"].items())
        writer.writerow(["" if row[c] is None else _cell(row[c]) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> Any:
    # A flow id or error code cannot start with = + - @ (ids are [a-z0-9-]), but never let a cell be a formula.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
