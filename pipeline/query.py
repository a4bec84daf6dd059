"""What `jixiao query` lets SQL reach: the published snapshot, read-only, and nothing outside it.

The connection is opened with DuckDB's external access off (no file, URL or other database is
reached: no COPY or EXPORT to a file, no ATTACH, no read_csv of a path), extensions never installed
or loaded by themselves, and its configuration locked, so no `SET` in the SQL can undo that. On top,
a statement that is not a query is refused by its type before it runs, with a message saying why.
`allow_files` turns external access on for reading files (read_csv, read_parquet, read_text …);
writing them stays refused, by statement type, since DuckDB has no read-only file access.
"""

from __future__ import annotations

import json
import os
import shutil
import unicodedata
from decimal import Decimal
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
from duckdb.sqltypes import DuckDBPyType

from . import warehouse

QUERIES = "SELECT, WITH, FROM, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN, PIVOT, PRAGMA, CALL"
T = duckdb.StatementType
_RAN = {T.SELECT, T.EXPLAIN, T.PRAGMA, T.CALL, T.MULTI}  # MULTI: a PIVOT, with the type it makes
# why a statement of each refused type is refused
_WHY = {
    T.COPY: "COPY writes (or reads) a file; `jixiao export` writes a view to a file",
    T.EXPORT: "EXPORT writes files; `jixiao export` writes a view to a file",
    T.COPY_DATABASE: "COPY DATABASE writes another database",
    T.LOAD: "INSTALL and LOAD add extensions",
    T.ATTACH: "ATTACH opens another database file",
    T.DETACH: "DETACH closes a database",
    T.SET: "SET, RESET and USE change the session's settings",
    T.VARIABLE_SET: "SET VARIABLE changes the session",
}
# words that make a statement of a type that wraps others (EXPLAIN ANALYZE COPY …, COPY (PIVOT …),
# COPY FROM DATABASE) write or reach outside
_WRITING_WORDS = {"COPY", "EXPORT", "ATTACH", "INSTALL", "LOAD", "IMPORT_DATABASE"}
_NAME = {T.MULTI: "PIVOT"}  # DuckDB's MULTI statement is what a PIVOT parses to
# DuckDB types polars takes as they are; others (INTERVAL, UNION, BIT, BLOB, HUGEINT …) become text
_PLAIN = {"boolean", "tinyint", "smallint", "integer", "bigint", "utinyint", "usmallint", "uinteger",
          "ubigint", "float", "double", "decimal", "varchar", "date", "time", "timestamp",
          "timestamp_s", "timestamp_ms", "timestamp_ns", "timestamp with time zone", "uuid", "enum"}
_NESTED = {"list", "array", "struct", "map"}


class Refused(ValueError):
    """SQL that `jixiao query` does not run, and why."""


def connect(path: str | os.PathLike | None = None, *, allow_files: bool = False) -> duckdb.DuckDBPyConnection:
    """The snapshot, read-only, with external access off (on with `allow_files`), no extension
    installed or loaded by itself, and the configuration locked against `SET`."""
    return warehouse.connect(path, read_only=True, config={
        "enable_external_access": allow_files,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "lock_configuration": True,
    })


def check(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Raise `Refused` unless `sql` is one statement that only queries."""
    statements = con.extract_statements(sql)
    if len(statements) != 1:  # `select 1; select 2` would run both and print one
        raise Refused(f"give one SQL statement (got {len(statements)})")
    kind = statements[0].type
    if kind not in _RAN:
        why = _WHY.get(kind, f"{kind.name} changes the warehouse, which is read-only here")
        raise Refused(f"query runs queries only ({QUERIES}), not {kind.name}: {why}")
    if kind in (T.EXPLAIN, T.MULTI, T.PRAGMA):
        words = _words(sql) & _WRITING_WORDS
        if words:
            raise Refused(f"query runs queries only ({QUERIES}): this {_NAME.get(kind, kind.name)} statement holds "
                          f"{', '.join(sorted(words))}, which writes or reaches outside the warehouse")


def _words(sql: str) -> set[str]:
    """The keywords and names of `sql`, upper-cased (DuckDB's tokenizer: never inside a string)."""
    tokens = duckdb.tokenize(sql)
    ends = [offset for offset, _ in tokens[1:]] + [len(sql)]
    return {sql[offset:end].strip().upper() for (offset, kind), end in zip(tokens, ends)
            if kind in (duckdb.token_type.keyword, duckdb.token_type.identifier)}


def refusal(err: duckdb.Error) -> str | None:
    """What to say when DuckDB refused the SQL for reaching outside the snapshot, else None."""
    if isinstance(err, duckdb.PermissionException):
        return (f"the SQL reaches outside the warehouse ({err}); reading files is off unless "
                f"--allow-files is given (writing them always is)")
    return None


def frame(con: duckdb.DuckDBPyConnection, result: pa.Table) -> pl.DataFrame:
    """The result as a polars frame, for csv and json: a column of a type polars cannot take (INTERVAL,
    UNION, BIT, BLOB, HUGEINT, or a list of them) as DuckDB's text of it; repeated names made unique."""
    relation = con.from_arrow(result)
    columns = [f'"{c}"' if _plain(t) else f'CAST("{c}" AS VARCHAR) AS "{c}"'
               for c, t in zip([c.replace('"', '""') for c in relation.columns], relation.types)]
    out = pl.from_arrow(relation.project(", ".join(columns)).to_arrow_table())
    assert isinstance(out, pl.DataFrame)
    return out


def _plain(kind: DuckDBPyType) -> bool:
    if kind.id in _NESTED:
        return all(_plain(t) for _, t in kind.children if isinstance(t, DuckDBPyType))
    return kind.id in _PLAIN


def csv_text(frame: pl.DataFrame) -> str:
    """csv of `frame`; a LIST, STRUCT or MAP value as its JSON text (decimals as exact strings, as
    `--format json` prints them)."""
    nested = [c for c, t in frame.schema.items() if t.is_nested()]
    frame = frame.with_columns(
        pl.Series(c, [None if v is None else json.dumps(v, ensure_ascii=False, default=_text)
                      for v in frame[c].to_list()], dtype=pl.String) for c in nested)
    return frame.write_csv()


def _text(value: Any) -> str:
    return str(value)  # Decimal exact, a date ISO


# -- the table format ------------------------------------------------------------------------------

GAP = "  "  # between columns
NARROWEST = 8  # a text column is not wrapped narrower than this (display cells), unless it is shorter


def cell_text(value: Any) -> str:
    """A value as the table shows it: amounts (DECIMAL) with thousands separators, exact digits,
    never rounded; integers (a year, a count) as they are; text as it is; nothing for null. Only
    the table: csv and json stay exact."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e15 else str(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=_text)
    return str(value)


def width_of(text: str) -> int:
    """Display cells of `text` in a terminal: a CJK (wide or fullwidth) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _unbreakable(text: str) -> bool:
    """A number or a code (no space, no wide character): shown whole or not at all, never cut."""
    return " " not in text and width_of(text) == len(text)


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` display cells: at spaces where it can, else between
    characters (Chinese has no spaces); a number or code too long for `width` stays whole."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for word in para.split(" "):
            candidate = f"{line} {word}" if line else word
            if width_of(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            if _unbreakable(word) or width_of(word) <= width:
                line = word
                continue
            for ch in word:  # a long run of Chinese: broken between characters
                if width_of(line + ch) > width:
                    lines.append(line)
                    line = ""
                line += ch
        lines.append(line)
    return lines


def _pad(text: str, width: int, right: bool) -> str:
    room = " " * max(0, width - width_of(text))
    return room + text if right else text + room


def table_text(frame: pl.DataFrame, width: int) -> str:
    """`frame` as a table no wider than `width` terminal cells where it can be: text columns are
    wrapped (the widest first) down to NARROWEST cells, numbers and codes never cut; when even that
    does not fit, one record per block, each value on its own lines under its column name."""
    numeric = [frame.schema[c].is_numeric() for c in frame.columns]
    cells = [[cell_text(v) for v in frame[c].to_list()] for c in frame.columns]
    heads = list(frame.columns)
    natural = [max([width_of(heads[i]), *map(width_of, cells[i])]) for i in range(len(heads))]
    floor = [max([min(natural[i], NARROWEST), *(width_of(v) for v in cells[i] if _unbreakable(v))],
                 default=0) for i in range(len(heads))]
    room = width - len(GAP) * (len(heads) - 1)
    widths = list(natural)
    while sum(widths) > room:
        wrappable = [i for i in range(len(widths)) if widths[i] > floor[i]]
        if not wrappable:
            return _records(heads, cells, width)
        widest = max(wrappable, key=lambda i: widths[i])
        widths[widest] = max(floor[widest], widths[widest] - max(1, sum(widths) - room))
    out = []
    head = [[h[k:k + w] for k in range(0, len(h), w)] if _unbreakable(h) and len(h) > w else wrap(h, w)
            for h, w in zip(heads, widths)]  # a column name may be cut across lines: it is no value
    out += _lines(head, widths, [False] * len(heads))
    out.append(GAP.join("─" * w for w in widths))
    for r in range(frame.height):
        out += _lines([wrap(cells[i][r], widths[i]) for i in range(len(heads))], widths, numeric)
    out.append(f"({frame.height:,} row{'s' if frame.height != 1 else ''})")
    return "\n".join(line.rstrip() for line in out) + "\n"


def _lines(wrapped: list[list[str]], widths: list[int], right: list[bool]) -> list[str]:
    depth = max(map(len, wrapped), default=1)
    return [GAP.join(_pad(col[k] if k < len(col) else "", w, r) for col, w, r in zip(wrapped, widths, right))
            for k in range(depth)]


def _records(heads: list[str], cells: list[list[str]], width: int) -> str:
    """One block per row, `column  value` lines, the value wrapped to what is left of `width`."""
    label = max(map(width_of, heads), default=0)
    rows = len(cells[0]) if cells else 0
    out = []
    for r in range(rows):
        out.append(f"── row {r + 1} " + "─" * max(0, min(width, 60) - 9 - len(str(r + 1))))
        for h, column in zip(heads, cells):
            lines = wrap(column[r], max(NARROWEST, width - label - len(GAP)))
            out += [(_pad(h, label, False) if k == 0 else " " * label) + GAP + line
                    for k, line in enumerate(lines)]
    out.append(f"({rows:,} row{'s' if rows != 1 else ''})")
    return "\n".join(line.rstrip() for line in out) + "\n"


def terminal_width() -> int:
    """$COLUMNS, else the terminal's width, else 100 (output to a file or a pipe)."""
    return shutil.get_terminal_size((100, 24)).columns
