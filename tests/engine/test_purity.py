"""The engine is pure: it imports no I/O library and never reads the clock or makes random ids."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "connector" / "engine"
FORBIDDEN_IMPORTS = {
    "flask",
    "sqlalchemy",
    "twilio",
    "simple_salesforce",
    "apscheduler",
    "requests",
    "socket",
    "httpx",
    "urllib",
    "http",
    "subprocess",
    "logging",
    "random",
    "uuid",
    "alembic",
    "psycopg",
}
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("date", "today"),
    ("time", "time"),
    ("time", "monotonic"),
    ("uuid", "uuid4"),
    ("os", "getenv"),
    ("os", "environ"),
}
MODULES = sorted(ENGINE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_module_is_pure(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN_IMPORTS, f"{path.name} imports {name}"
            assert not name.startswith(("connector.store", "connector.web", "connector.crm", "connector.sandbox")), (
                f"{path.name} imports {name}: the engine may not reach the host"
            )
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in FORBIDDEN_CALLS, f"{path.name} uses {node.value.id}.{node.attr}"
        if isinstance(node, ast.Name):
            assert node.id not in {"open", "eval", "exec", "print"}, f"{path.name} uses {node.id}"


def test_purity_check_catches_a_clock_read(tmp_path: Path) -> None:
    tree = ast.parse("from datetime import datetime\nx = datetime.now()\n")
    found = [
        (n.value.id, n.attr) for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
    ]
    assert ("datetime", "now") in found and ("datetime", "now") in FORBIDDEN_CALLS
