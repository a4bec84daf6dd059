"""What is recorded against a report's partition, in one place for both run paths: the one-report
run (`assets.reports`: the `forms` asset and the table multi-asset) and the inbox sensor's batch run
(`assets.batch`), so the two cannot drift. Each function gives the metadata (or the events) of one
report; the steps only decide when to emit them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipeline.errors import ReportError, shown

FORMS = dg.AssetKey("forms")
TABLES = ("dim_form", "fact_fund_execution", "fact_indicator_result")


def numbers(sha256: str, forms: int, indicator_rows: int, pages: int | None) -> dict:
    """The counts every materialization of a report carries."""
    return {"sha256": sha256, "forms": forms, "indicator_rows": indicator_rows, "pages": pages}


def read_metadata(path: Path, counted: dict, seconds: float) -> dict:
    """A report's `forms` materialization: its file, its counts, the seconds of its reading."""
    return {"file": shown(path.name), "path": dg.MetadataValue.path(str(path)), **counted,
            "seconds": round(seconds, 2)}


def table_events(path: Path, counted: dict, rows: dict[str, int], seconds: float | None = None
                 ) -> Iterator[tuple[str, dict]]:
    """(table, metadata) of each warehouse table's materialization for one report."""
    extra = {} if seconds is None else {"seconds": round(seconds, 2)}
    for table in TABLES:
        yield table, {"file": shown(path.name), **counted, **extra, "dagster/row_count": rows[table]}


def refusal_metadata(name: str, sha256: str, err: ReportError, seconds: float,
                     put_aside: Path | str | None) -> dict:
    """A refused report: file, kind, page, reason, and where the file went (a path), or why it could
    not be put aside (a string)."""
    if isinstance(put_aside, Path):
        where = {"quarantined": dg.MetadataValue.path(str(put_aside))}
    elif put_aside is not None:
        where = {"not_put_aside": put_aside}
    else:
        where = {}
    return {"file": shown(name), "sha256": sha256, "error_kind": err.kind, "page": err.page,
            "reason": err.reason, **where, "seconds": round(seconds, 2)}


def refusal(sha256: str, description: str, metadata: dict) -> dg.AssetObservation:
    """The refusal on the `forms` asset's own timeline for its partition, not only in the run log."""
    return dg.AssetObservation(asset_key=FORMS, partition=sha256, description=description,
                               metadata=metadata)
