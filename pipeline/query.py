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
