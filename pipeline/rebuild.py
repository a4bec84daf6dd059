"""`jixiao rebuild`: the warehouse made again from the store of sources (`pipeline.sources`).

Every loaded report is reloaded from its kept copy, in the order it was first loaded
(dim_report.load_seq), into a fresh file beside the warehouse; its name, path, ingested_at and
load_seq are given back as they were, so each form's versions rank as before (the last loaded is
current). A refused report's dim_report row is carried over as it is. The fresh file is checked
(every report reloaded under its sha256, every form's checks run) and only then swapped in for the
working file and published: a rebuild that stops, fails or is interrupted leaves the warehouse as it
was. The caller holds the writers' lock throughout (`warehouse.locked`).

It reads only the store, never the paths the reports were first read from (moved out of the inbox,
into quarantine, or gone). The reports and their order are listed from the working file; if it cannot
be opened, from the published snapshot; if neither is there, from the store's catalog (dim_report as
last published, `pipeline.sources.CATALOG`), so a store alone rebuilds the warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from . import bounded, checks, warehouse
from .errors import WarehouseOutdated
from .extract import ASKED
from .ingest import Outcome, ingest_many
from .read.pdf import sha256_of
from .sources import CATALOG, copies, kept_path, suffix_of

class RebuildFailed(RuntimeError):
    """The fresh file does not hold what the warehouse listed: never swapped in."""


RESTORED = ("file_name", "file_path", "ingested_at", "load_seq")  # dim_report, as first loaded


@dataclass(frozen=True)
class Kept:
    """A loaded report of the warehouse and the copy it is reloaded from."""

    load_seq: int
    sha256: str
    file_name: str
    source: Path  # in the store (or where dim_report.source_path says, if the store was moved)
    size: int  # bytes; 0 when missing
    state: str = "kept"  # kept, or why it cannot be reloaded: missing, damaged
    problem: str | None = None  # that, said in full


@dataclass
class Plan:
    """What a rebuild of `target` reloads from `store`, as listed in `listed_from` (`note` says
    why, when that is not the working file)."""

    target: Path
    store: Path
    listed_from: Path
    reports: list[Kept]  # the loaded reports, in the order they were first loaded
    rows: pl.DataFrame  # every dim_report row as it is
    forms: int | None  # forms (every version) and failed checks before; None when listed from the
    failed: int | None  # store's catalog
    note: str | None = None
    # the reports whose forms were read from their images at the user's asking (--prefer-ocr): asked
    # again; a catalog does not say, so a rebuild from it reads them as any other
    asked_ocr: frozenset[str] = frozenset()

    @property
    def refusals(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("status") != "loaded")

    @property
    def unusable(self) -> list[Kept]:
        return [k for k in self.reports if k.problem]

    @property
    def size(self) -> int:
        return sum(k.size for k in self.reports)


@dataclass
class Result:
    """A rebuild's end: `fresh` is complete and checked (then swapped in by `swap`), or `refused`
    names the reports that did not reload as before and nothing was swapped."""

    fresh: Path
    outcomes: list[Outcome]
    forms: int = 0
    failed: int = 0
    refused: list[tuple[Kept, Outcome]] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # reports reloaded with another number of forms

    @property
    def complete(self) -> bool:
        return not self.refused


def plan(target: Path, store: Path, *, fold_wal: bool = False) -> Plan:
    """List what a rebuild reloads: each loaded report's copy, found by its sha256 in `store` (else
    at its recorded source_path) and checked against it. `fold_wal`: open the working file for
    writing so that its write-ahead log is folded in (what it holds does not change), as `swap`
    must not leave that log beside the new file."""
    rows, forms, failed, listed_from, note, asked = _listing(target, store, fold_wal)
    reports = [_find(store, r) for r in rows.filter(pl.col("status") == "loaded").iter_rows(named=True)]
    return Plan(target, store, listed_from, reports, rows, forms, failed, note, asked)


def listable(target: Path, store: Path) -> bool:
    """Whether there is anything to rebuild `target` from: its files, or the store's catalog."""
    return any(p.exists() for p in (target, warehouse.work_path(target), store / CATALOG))


def rebuild(plan: Plan, *, limits: bounded.Limits = bounded.Limits(), workers: int | None = None,
            on_outcome: Callable[[int, Kept, Outcome], None] | None = None) -> Result:
    """Reload `plan` into a fresh file beside the warehouse and check it; the file is removed again
    unless the result is complete. Reports whose copy is unusable must have been dealt with first."""
    if plan.unusable:
        raise ValueError("rebuild: a report's kept copy is missing or damaged")
    fresh = plan.target.with_name(f"{plan.target.stem}.rebuild{plan.target.suffix}")
    _remove(fresh)  # left by a rebuild that was stopped
    result = Result(fresh, [])
    try:
        con = warehouse.connect(fresh)
        try:
            sources = [k.source for k in plan.reports]
            # kept again in the store of the new warehouse (a no-op, unless read from elsewhere)
            for n, (kept, outcome) in enumerate(zip(plan.reports, ingest_many(
                    con, sources, limits=limits, workers=workers, prefer_ocr=plan.asked_ocr)), start=1):
                result.outcomes.append(outcome)
                if outcome.status != "loaded" or outcome.sha256 != kept.sha256:
                    result.refused.append((kept, outcome))
                if on_outcome:
                    on_outcome(n, kept, outcome)
            if result.complete:
                _restore(con, plan)
                checks.run(con)
                _check(con, plan, result)
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except BaseException:
        _remove(fresh)
        raise
    if not result.complete:
        _remove(fresh)
    return result


def swap(plan: Plan, result: Result) -> None:
    """The checked fresh file becomes the working file, then the published snapshot. Until the
    rename the old warehouse is whole; after it, the new one (a rerun of any writer publishes it
    should this stop before the snapshot is written)."""
    work = warehouse.work_path(plan.target)
    os.replace(result.fresh, work)
    work.with_name(work.name + ".wal").unlink(missing_ok=True)  # folded in by `plan(fold_wal=True)`
    con = warehouse.connect(work)
    try:
        warehouse.Writer(con, plan.target).publish()
    finally:
        con.close()


def _listing(target: Path, store: Path, fold_wal: bool
             ) -> tuple[pl.DataFrame, int | None, int | None, Path, str | None, frozenset[str]]:
    """Every dim_report row, in load order, with the forms and failed checks before, from the
    working file, else the snapshot, else the store's catalog; where they came from, and why; and
    the reports read by OCR at the user's asking."""
    work, notes = warehouse.work_path(target), []
    for candidate in (work, target):
        if not candidate.exists():
            continue
        try:
            con = duckdb.connect(str(candidate), read_only=not (fold_wal and candidate == work))
        except duckdb.Error as err:
            if "lock" in str(err).lower():
                raise warehouse.WarehouseBusy(f"{candidate}: the warehouse file is held by another "
                                              f"process; try again when it is done ({err})") from err
            notes.append(f"{candidate} cannot be opened ({err})")
            continue
        try:
            _require_order(con, candidate)
            rows = warehouse.read_frame(con, "SELECT * FROM dim_report ORDER BY load_seq")
            [(forms, failed)] = con.execute(
                "SELECT (SELECT count(*) FROM dim_form), "
                "(SELECT count(*) FROM check_result WHERE NOT passed)").fetchall()
            asked = frozenset(sha for (sha,) in con.execute(
                "SELECT DISTINCT report_sha256 FROM dim_form WHERE ocr_reason = ?", [ASKED]).fetchall())
        finally:
            con.close()
        return rows, forms, failed, candidate, _said(notes, candidate), asked
    catalog = store / CATALOG
    if not catalog.exists():
        raise FileNotFoundError("; ".join(notes + [f"{target}: no warehouse, and no catalog {catalog} "
                                                   f"to rebuild it from"]))
    notes.append(f"no warehouse at {target}")
    try:
        rows = pl.read_parquet(catalog)
    except (OSError, pl.exceptions.PolarsError) as err:
        raise OSError(f"{catalog}: the store's catalog cannot be read ({err}), and there is no "
                      f"warehouse to list the reports from; nothing to rebuild") from err
    return rows, None, None, catalog, _said(notes, catalog), frozenset()


def _said(notes: list[str], source: Path) -> str | None:
    return None if not notes else (f"{'; '.join(notes)}: the reports are listed from {source}, as last "
                                   f"published; a report loaded since is not in it: ingest it again")


def _require_order(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    columns = {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'dim_report'").fetchall()}
    if not {"load_seq", "source_path"} <= columns:
        raise WarehouseOutdated(
            f"{path} was built before jixiao kept a copy of each report it loads (dim_report has no "
            f"load_seq, source_path): there is nothing to rebuild it from; delete it and its working "
            f"file and ingest the reports again")


def _find(store: Path, row: dict) -> Kept:
    """A loaded report's copy: in `store` by its sha256, else where dim_report.source_path says."""
    sha = row["report_sha256"]
    candidates = ([kept_path(store, sha, suffix_of(Path(row["file_name"])))] + copies(store, sha)
                  + ([Path(row["source_path"])] if row["source_path"] else []))
    source = next((p for p in candidates if p.is_file()), None)
    if source is None:
        return Kept(row["load_seq"], sha, row["file_name"], candidates[0], 0, "missing",
                    f"its copy is missing: not in {candidates[0]}"
                    + (f" nor {candidates[-1]}" if candidates[-1] != candidates[0] else ""))
    size = source.stat().st_size
    if (found := sha256_of(source)) != sha:
        return Kept(row["load_seq"], sha, row["file_name"], source, size, "damaged",
                    f"its copy {source} is damaged (its sha256 is {found[:12]}…)")
    return Kept(row["load_seq"], sha, row["file_name"], source, size)


def _restore(con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
    """Give each reloaded report its first name, path, ingested_at and load_seq back, carry the
    refusals over as they are, and rank every form's versions by that order again."""
    columns = set(warehouse.column_comments(con, "dim_report"))
    _first = plan.rows.filter(pl.col("status") == "loaded").select("report_sha256", *RESTORED).to_arrow()  # noqa: F841
    _refusals = plan.refusals.select([c for c in plan.rows.columns if c in columns]).to_arrow()  # noqa: F841
    con.execute("BEGIN TRANSACTION")
    con.execute(f"UPDATE dim_report SET {', '.join(f'{c} = o.{c}' for c in RESTORED)} FROM _first o "
                f"WHERE dim_report.report_sha256 = o.report_sha256")
    con.execute("INSERT INTO dim_report BY NAME SELECT * FROM _refusals")
    warehouse.rank_all_versions(con)
    con.execute("COMMIT")


def _check(con: duckdb.DuckDBPyConnection, plan: Plan, result: Result) -> None:
    """The fresh file holds what the old one listed: each report under its sha256 and load_seq, the
    refusals, every form checked. Anything else is a fault of the rebuild, never swapped in."""
    now = dict(con.execute("SELECT report_sha256, load_seq FROM dim_report").fetchall())
    before = dict(zip(plan.rows["report_sha256"], plan.rows["load_seq"]))
    if now != before or warehouse.unchecked_reports(con):
        raise RebuildFailed(f"rebuild: {result.fresh} does not hold the reports of {plan.listed_from}; "
                           f"the warehouse is left as it was")
    forms_before = dict(zip(plan.rows["report_sha256"], plan.rows["forms"]))
    result.changed = [f"{k.file_name}: {o.forms} form(s), {forms_before[k.sha256]} before"
                      for k, o in zip(plan.reports, result.outcomes) if o.forms != forms_before[k.sha256]]
    [(result.forms, result.failed)] = con.execute(
        "SELECT (SELECT count(*) FROM dim_form), "
        "(SELECT count(*) FROM check_result WHERE NOT passed)").fetchall()


def _remove(fresh: Path) -> None:
    for path in (fresh, fresh.with_name(fresh.name + ".wal")):
        path.unlink(missing_ok=True)
