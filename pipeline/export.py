"""A view (or table) of the warehouse to a file analysts open: csv, parquet or xlsx.

Headers are "<中文> <column>" (e.g. "项目编码 project_code"), the Chinese taken from the column's
COMMENT, so the labels live next to the DDL and cannot drift. Amounts stay exact in csv (the decimals
as stored) and parquet (DECIMAL). xlsx shows each DECIMAL with its scale ("0.00": 264700.00, 0.50)
and integers such as the year without a thousands separator; an Excel cell holds a double, so there
an amount is exact to 15 significant digits only: use csv or parquet where every cent must survive.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
from xlsxwriter.exceptions import FileCreateError

from . import warehouse

FORMATS = ("csv", "parquet", "xlsx")


def headers(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """column → "<中文> <column>"; the bare column name where no COMMENT gives a label."""
    return {c: f"{warehouse.label(text)} {c}" if text else c
            for c, text in warehouse.column_comments(con, relation).items()}


def export(con: duckdb.DuckDBPyConnection, relation: str, fmt: str, out: str | Path) -> int:
    """Write `relation` to `out` in `fmt`; returns the number of rows written."""
    known = {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
        "WHERE NOT internal").fetchall()}
    if relation not in known:
        raise ValueError(f"no view or table {relation!r}; views: {', '.join(warehouse.views(con))}")
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    frame = warehouse.read_frame(con, f'SELECT * FROM "{relation}"').rename(headers(con, relation))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.write_csv(out, include_bom=True)  # the BOM makes Excel read the Chinese as UTF-8
    elif fmt == "parquet":
        frame.write_parquet(out)
    else:
        try:
            frame.write_excel(out, worksheet=relation[:31], autofit=True,
                              column_formats=excel_formats(frame))  # type: ignore[arg-type]
        except FileCreateError as err:  # xlsxwriter's, not an OSError: say which file, no traceback
            raise OSError(f"{out}: cannot write the file ({err.__cause__ or err})") from err
    return frame.height


def excel_formats(frame: pl.DataFrame) -> dict[str, str]:
    """Number format per column: a DECIMAL's own scale (Excel's General drops trailing zeros, so
    0.50 would show 0.5), and "0" for integers (the default "#,##0" prints the year 2,021)."""
    formats = {}
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Decimal):
            formats[name] = "0." + "0" * dtype.scale if dtype.scale else "0"
        elif dtype.is_integer():
            formats[name] = "0"
    return formats
