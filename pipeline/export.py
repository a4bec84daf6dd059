"""A view (or table) of the warehouse to a file analysts open: csv, parquet or xlsx.

Headers are "<中文> <column>" (e.g. "项目编码 project_code"), the Chinese taken from the column's
COMMENT, so the labels live next to the DDL and cannot drift. Amounts stay exact in csv (the decimals
as stored) and parquet (DECIMAL). xlsx puts the Chinese over the column name in a frozen header row
with a filter on each column, shows each DECIMAL with separators and its scale ("#,##0.00":
264,700.00, 0.50) and integers such as the year without a separator, and sizes each column to its
values; an Excel cell holds a double, so there an amount is exact to 15 significant digits only: use
csv or parquet where every cent must survive.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl
from xlsxwriter.exceptions import FileCreateError

from . import warehouse
from .sources import store_dir

FORMATS = ("csv", "parquet", "xlsx")


def headers(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """column → "<中文> <column>"; the bare column name where no COMMENT gives a label."""
    return {c: f"{warehouse.label(text)} {c}" if text else c
            for c, text in warehouse.column_comments(con, relation).items()}


class TargetRefused(ValueError):
    """An --out that export must not write: a file of the warehouse, or one that exists."""


def export(con: duckdb.DuckDBPyConnection, relation: str, fmt: str, out: str | Path, *,
           force: bool = False) -> int:
    """Write `relation` to `out` in `fmt`; returns the number of rows written. `out` is written
    whole or not at all (a temporary file beside it, renamed into place); never onto a file of the
    warehouse read (`refuse`), nor onto an existing file unless `force`."""
    out = Path(out)
    refuse(out, _database(con), force=force)
    known = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal").fetchall()}
    if relation not in known:
        raise ValueError(f"no view or table {relation!r}; views: {', '.join(warehouse.views(con))}")
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    frame = warehouse.read_frame(con, f'SELECT * FROM "{relation}"').rename(headers(con, relation))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        if fmt == "csv":
            frame.write_csv(tmp, include_bom=True)  # the BOM makes Excel read the Chinese as UTF-8
        elif fmt == "parquet":
            frame.write_parquet(tmp)
        else:
            try:
                write_xlsx(frame, tmp, relation[:31])
            except FileCreateError as err:  # xlsxwriter's, not an OSError: say which file, no traceback
                raise OSError(f"{out}: cannot write the file ({err.__cause__ or err})") from err
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return frame.height


def refuse(out: Path, database: Path | None, force: bool = False) -> None:
    """Raise `TargetRefused` where writing `out` would harm a warehouse, or replace a file unasked:
    `out` is (once links, `..` and relative parts are resolved) the snapshot, the working file, the
    lock or a WAL of the warehouse `database` or of the default one ($JIXIAO_WAREHOUSE,
    data/warehouse.duckdb), a file in its store of sources, or any DuckDB database file; or it exists and not `force`."""
    target = out.resolve()
    warehouses = [warehouse.warehouse_path()] + ([warehouse.published_of(database)] if database else [])
    for kept in (f for published in warehouses for f in warehouse.files(published)):
        if target == kept.resolve() or (out.exists() and kept.exists() and os.path.samefile(out, kept)):
            raise TargetRefused(f"{out} is {kept}, a file of the warehouse: export never writes "
                                f"onto it; give another --out")
    for published in warehouses:  # its catalog and kept copies, what `jixiao rebuild` reloads from
        store = store_dir(None, published).resolve()
        if target == store or store in target.parents:
            raise TargetRefused(f"{out} is in {store}, the store of sources of the warehouse: export "
                                f"never writes there; give another --out")
    if out.is_dir():
        raise TargetRefused(f"{out} is a folder: give a file name")
    if out.exists() and _is_duckdb(out):
        raise TargetRefused(f"{out} is a DuckDB database: export never writes onto one; give "
                            f"another --out")
    if out.exists() and not force:
        raise TargetRefused(f"{out} exists: give --force to replace it, or another --out")


def _database(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file `con` reads (None: in memory)."""
    [(path,)] = con.execute("SELECT path FROM duckdb_databases() "
                            "WHERE database_name = current_database()").fetchall()
    return Path(path) if path else None


def _is_duckdb(path: Path) -> bool:
    """A DuckDB database file: its magic bytes "DUCK" at offset 8."""
    try:
        with path.open("rb") as fh:
            return fh.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def excel_formats(frame: pl.DataFrame) -> dict[str, str]:
    """Number format per column: a DECIMAL with thousands separators and its own scale
    ("#,##0.00": 264,700.00 and 0.50; Excel's General drops trailing zeros), and "0" for integers
    (the default "#,##0" prints the year 2,021)."""
    formats = {}
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            formats[name] = "#,##0." + "0" * dtype.scale if dtype.scale else "#,##0"
        elif dtype.is_integer():
            formats[name] = "0"
    return formats


WIDEST = 60  # characters: a column of longer text is no wider, so the sheet stays readable
PIXELS = 7  # per character of Calibri 11; a Chinese character takes two


def write_xlsx(frame: pl.DataFrame, out: Path, sheet: str) -> None:
    """The sheet an analyst filters: the header frozen, two lines (中文 over the column name), a
    filter on every column, amounts as "#,##0.00", each column as wide as its longest value (at
    most WIDEST characters; longer text wraps)."""
    from .query import cell_text, width_of

    two_lines = {c: c.replace(" ", "\n", 1) for c in frame.columns}
    widths = {}
    for name, dtype in frame.schema.items():
        values = frame[name].head(1000).to_list()
        shown = [cell_text(v) for v in values if v is not None]
        longest = max([*(width_of(part) for part in two_lines[name].split("\n")), *map(width_of, shown)])
        widths[two_lines[name]] = (min(longest, WIDEST) + 2) * PIXELS
    frame.rename(two_lines).write_excel(
        out, worksheet=sheet, autofit=False, column_widths=widths,  # type: ignore[arg-type]
        column_formats={two_lines[c]: f for c, f in excel_formats(frame).items()},  # type: ignore[arg-type]
        header_format={"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"},
        freeze_panes=(1, 0), autofilter=True, row_heights={0: 36})
