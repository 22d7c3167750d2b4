"""What the benchmarks share: the machine they ran on, PostgreSQL schemas, recorded baselines, and small tables.

Every script prints its figures beside a baseline (a ceiling it is compared with, and the figures recorded in
bench/baseline.json by the last `--record` run); none asserts anything about time.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).with_name("baseline.json")
PG_URL = os.environ.get("SMSFLOW_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def machine() -> dict[str, str]:
    """nproc, memory, Python, SQLite and PostgreSQL versions, and when."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages * size / 2**30:.1f} GiB"
    except (ValueError, OSError):
        memory = "?"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version() or "unreachable",
        "platform": platform.platform(terse=True),
    }


def postgres_version() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]).split()[0] if row else None
    except Exception:
        return None


def backends(wanted: Sequence[str] | None = None) -> list[str]:
    """sqlite always; postgresql when the server answers."""
    names = ["sqlite", *(["postgresql"] if postgres_version() else [])]
    return [n for n in names if not wanted or n in wanted]


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh, migrated store: a SQLite file in `workdir`, or a PostgreSQL schema dropped afterwards."""
    from sqlalchemy import text

    from connector.store.db import make_engine, normalize_url
    from connector.store.migrate import upgrade

    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = normalize_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    try:
        upgrade(rendered)
        yield rendered
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def recorded(name: str) -> dict[str, Any]:
    """The figures the last recorded run of this benchmark kept, by key ({} when none)."""
    try:
        return dict(json.loads(BASELINE.read_text(encoding="utf-8")).get(name, {}).get("figures", {}))
    except (OSError, ValueError):
        return {}


def record(name: str, figures: dict[str, Any]) -> None:
    """Keep this run's figures (and the machine) as the baseline later runs are printed beside."""
    try:
        data = json.loads(BASELINE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    # Merged by key, so a run of some sizes or stores keeps the others' recorded figures.
    kept = dict(data.get(name, {}).get("figures", {}))
    data[name] = {"machine": machine(), "figures": {**kept, **figures}}
    BASELINE.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [
        all(isinstance(row[i], int | float) or row[i] in (None, "-") for row in rows) for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True))

    return "\n".join([line(list(headers)), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def header(title: str) -> None:
    info = machine()
    print(
        f"{title}  ({info['date']}; {info['nproc']} CPUs, {info['memory']}, Python {info['python']}, "
        f"SQLite {info['sqlite']}, PostgreSQL {info['postgresql']})"
    )


def run_child(args: Sequence[str], timeout: float | None = None) -> dict[str, Any]:
    """Run `python <args>` and read the JSON object it prints last."""
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return dict(json.loads(lines[-1]))
