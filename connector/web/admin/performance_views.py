"""The performance page: figures per flow and overall over a chosen period, a daily chart, and a CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, abort, render_template, request

from connector.web.admin import context
from connector.web.admin.blueprint import bp
from connector.web.admin.stats import Day, Report, report, to_csv

DEFAULT_DAYS = 7
MAX_DAYS = 366
CHART_W, CHART_H, PAD = 760, 220, 34
SERIES = ("sent", "delivered", "failed", "replies")


@dataclass(frozen=True)
class Period:
    first: date  # inclusive, UTC days
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)


def period_from(args: dict[str, str], today: date) -> Period:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (UTC days, both included); the last 7 days by default."""
    try:
        last = date.fromisoformat(args["to"]) if args.get("to") else today
        first = date.fromisoformat(args["from"]) if args.get("from") else last - timedelta(days=DEFAULT_DAYS - 1)
    except (ValueError, OverflowError):  # OverflowError: the default `from` would fall before year 1
        abort(400, description="Dates look like 2026-11-23.")
    if first > last:
        first, last = last, first
    if last == date.max:  # the period ends where the next day starts, and 10000-01-01 is no date
        abort(400, description="Dates look like 2026-11-23.")
    if (last - first).days >= MAX_DAYS:
        abort(400, description=f"Choose a period of at most {MAX_DAYS} days.")
    return Period(first, last)


def build_report(args: dict[str, str]) -> tuple[Period, Report]:
    period = period_from(args, context.now().astimezone(UTC).date())
    flow = args.get("flow") or None
    with context.container().store.unit_of_work() as uow:
        rep = report(uow, period.start, period.end, price=context.settings().segment_price, flow=flow)
    return period, rep


@bp.get("/performance")
def performance() -> str:
    period, rep = build_report(request.args.to_dict())
    return render_template(
        "admin/performance.html",
        rep=rep,
        period=period,
        flow=request.args.get("flow", ""),
        flows=sorted(context.container().registry.flows),
        chart=chart(rep.days),
        price=context.settings().segment_price,
    )


@bp.get("/performance.csv")
def performance_csv() -> Response:
    period, rep = build_report(request.args.to_dict())
    name = f"smsflow-performance-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(
        to_csv(rep),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def chart(days: list[Day]) -> dict[str, object]:
    """Grouped bars per day (sent, delivered, failed, replies), laid out for an inline SVG."""
    top = max([max(getattr(d, s) for s in SERIES) for d in days] + [1])
    slot = (CHART_W - 2 * PAD) / max(len(days), 1)
    bar = max(min(slot / (len(SERIES) + 1), 18), 1)
    bars, ticks = [], []
    label_every = max(1, len(days) // 10)
    for i, d in enumerate(days):
        x0 = PAD + i * slot + (slot - bar * len(SERIES)) / 2
        for j, series in enumerate(SERIES):
            value = getattr(d, series)
            h = (CHART_H - 2 * PAD) * value / top
            bars.append(
                {
                    "x": round(x0 + j * bar, 1),
                    "y": round(CHART_H - PAD - h, 1),
                    "w": round(bar - 1, 1),
                    "h": round(h, 1),
                    "series": series,
                    "value": value,
                    "day": d.day.isoformat(),
                }
            )
        if i % label_every == 0:
            ticks.append({"x": round(PAD + i * slot + slot / 2, 1), "label": d.day.strftime("%d %b")})
    return {"w": CHART_W, "h": CHART_H, "pad": PAD, "top": top, "bars": bars, "ticks": ticks, "series": SERIES}
