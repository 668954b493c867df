"""The ``hostile-inputs`` directive: the tables of tests/hostile/, as the course site shows them.

Every module ``tests/hostile/test_hostile_<area>.py`` starts with a table ``HOSTILE`` of
``(case id, the input, what it gets)``, and its tests are parametrised over those ids. This
directive reads the tables (with :func:`ast.literal_eval`, never importing the tests) when
the site is built and renders one table per area, so the page cannot fall out of date.
Every cell is inserted as literal text: the payloads are markup on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

HOSTILE_DIR = Path(__file__).resolve().parents[2] / "tests" / "hostile"


def read_tables(folder: Path = HOSTILE_DIR) -> dict[str, list[tuple[str, str, str]]]:
    """``{area: rows}`` of every ``test_hostile_<area>.py`` in ``folder``, in name order."""
    tables = {}
    for path in sorted(folder.glob("test_hostile_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(getattr(t, "id", None) == "HOSTILE" for t in targets):
                area = path.stem.removeprefix("test_hostile_").replace("_", " ")
                tables[area] = [tuple(row) for row in ast.literal_eval(node.value)]
    return tables


def _row(cells: list[nodes.Node]) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        entry += nodes.paragraph("", "", cell)
        row += entry
    return row


def _table(rows: list[tuple[str, str, str]]) -> nodes.table:
    table = nodes.table(classes=["lx-hostile"])
    group = nodes.tgroup(cols=3)
    table += group
    for width in (2, 5, 5):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    head += _row([nodes.Text("case"), nodes.Text("the input"), nodes.Text("what it gets")])
    group += head
    body = nodes.tbody()
    for case, given, gets in rows:
        body += _row([nodes.literal(case, case), nodes.Text(given), nodes.Text(gets)])
    group += body
    return table


class HostileInputs(SphinxDirective):
    """Render every hostile-input table, one section per area."""

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        tables = read_tables()
        for path in sorted(HOSTILE_DIR.glob("test_hostile_*.py")):
            self.env.note_dependency(str(path))
        for area, rows in tables.items():
            section = nodes.section(ids=[f"hostile-{area.replace(' ', '-')}"])
            section += nodes.title(text=f"{area} ({len(rows)} inputs)")
            section += _table(rows)
            out.append(section)
        return out


def setup(app: Any) -> dict:
    app.add_directive("hostile-inputs", HostileInputs)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
