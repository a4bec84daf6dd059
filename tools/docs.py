"""docs/warehouse.md from the catalog of a fresh warehouse, so the page cannot drift from the DDL.

    python -m tools.docs > docs/warehouse.md

Tables and views, their columns, types and COMMENTs come from duckdb_tables(), duckdb_views() and
duckdb_columns() after sql/ is applied; the relations of the diagram from the primary keys: a table
belongs to the table whose whole primary key it carries (the largest such key).
"""

from __future__ import annotations

import re
import sys

import duckdb

from pipeline import warehouse

HEADER = """\
<!-- Generated from sql/ by `python -m tools.docs > docs/warehouse.md`; do not edit by hand. -->
# The warehouse

Tables (`sql/schema.sql`) and analyst views (`sql/views/`), with the `COMMENT` each carries. Money is
`DECIMAL(18,2)`, 分值/得分/执行率 `DECIMAL(9,2)`, parsed indicator values `DECIMAL(38,6)`. Views read
the current version of each form only (`dim_form.is_current`). Example questions: `sql/examples/`.
"""


def render() -> str:
    con = duckdb.connect()
    warehouse.apply_schema(con)
    tables = [r for r in con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal ORDER BY table_name").fetchall()]
    views = [r for r in con.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]
    keys = {t: cols for t, cols in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() "
        "WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    columns = {name: _columns(con, name) for name, _ in tables + views}

    out = [HEADER, "```mermaid", "erDiagram"]
    for name, _ in tables:
        for parent, key in _parents(name, columns, keys):
            out.append(f'    {parent} ||--o{{ {name} : "{", ".join(key)}"')
    for name, _ in tables:
        out.append(f"    {name} {{")
        for col, dtype, _, comment in columns[name]:
            pk = " PK" if col in keys.get(name, []) else ""
            out.append(f'        {_mermaid_type(dtype)} {col}{pk} "{_quote_free(warehouse.label(comment))}"')
        out.append("    }")
    out += ["```", ""]
    for kind, rows in (("Tables", tables), ("Views", views)):
        out += [f"## {kind}", ""]
        for name, comment in rows:
            out += [f"### `{name}`", "", _cell(comment), "",
                    "| column | type | null | 说明 |", "|---|---|---|---|"]
            for col, dtype, nullable, comment in columns[name]:
                key = " (key)" if col in keys.get(name, []) else ""
                out.append(f"| `{col}`{key} | {dtype} | {'yes' if nullable else 'no'} | {_cell(comment)} |")
            out.append("")
    return "\n".join(out)


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple]:
    return con.execute("SELECT column_name, data_type, is_nullable, comment FROM duckdb_columns() "
                       "WHERE table_name = ? ORDER BY column_index", [name]).fetchall()


def _parents(name: str, columns: dict, keys: dict) -> list[tuple[str, list[str]]]:
    mine = {c for c, *_ in columns[name]}
    candidates = [(p, k) for p, k in keys.items()
                  if p != name and set(k) <= mine and set(k) != set(keys.get(name, []))]
    widest = max((len(k) for _, k in candidates), default=0)
    return sorted((p, k) for p, k in candidates if len(k) == widest)


def _mermaid_type(dtype: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", dtype).strip("_")


def _quote_free(text: str | None) -> str:
    return (text or "").replace('"', "'")


def _cell(text: str | None) -> str:
    return (text or "").replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    sys.stdout.write(render())
