"""Every hostile-input module here declares its table of cases (the docs page shows them)."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _tables() -> dict[str, list[tuple[str, str, str]]]:
    """``HOSTILE`` of every test_hostile_*.py, read without importing the module."""
    tables = {}
    for path in sorted(HERE.glob("test_hostile_*.py")):
        if path.name == Path(__file__).name:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if (isinstance(node, (ast.Assign, ast.AnnAssign))
                    and any(getattr(t, "id", None) == "HOSTILE"
                            for t in getattr(node, "targets", [getattr(node, "target", None)]))):
                tables[path.name] = ast.literal_eval(node.value)
    return tables


def test_every_module_declares_its_table():
    modules = {p.name for p in HERE.glob("test_hostile_*.py")} - {Path(__file__).name}
    tables = _tables()
    assert modules == set(tables), f"modules without a HOSTILE table: {modules - set(tables)}"
    for name, rows in tables.items():
        assert rows, f"{name}: empty HOSTILE table"
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids)), f"{name}: duplicate case ids"
        assert all(len(r) == 3 and all(isinstance(c, str) and c for c in r) for r in rows)

