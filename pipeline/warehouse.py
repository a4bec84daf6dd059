"""The only module that writes DuckDB: schema, one transaction per report, versions, check results.

Loading is idempotent: a report is keyed by its sha256, so the same file under any name loads once,
and re-loading it replaces its rows atomically. A failure inside the transaction rolls back: the
warehouse never holds half a report.

Readers and writers never block each other. DuckDB lets one process hold a file for writing and then
no other process may open it, not even to read; a reader holding it blocks every writer. So the
warehouse is two files:

- `data/warehouse.work.duckdb`, the writers' file. Only a writer opens it, one at a time: `writing()`
  takes the lock `data/warehouse.duckdb.lock` first (flock: a killed writer releases it), and a
  second writer waits its turn instead of failing.
- `data/warehouse.duckdb`, what analysts and `jixiao query` open: a snapshot that `Writer.publish`
  writes as a copy of the checkpointed working file and renames into place. A rename is atomic, so a
  reader opens the old snapshot or the new one, each whole; a session already open keeps the snapshot
  it opened, and nothing a reader does can hold up a writer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from filelock import FileLock, Timeout

from . import SQL_DIR
from .errors import ExtractionFault, WarehouseOutdated
from .files import (DEFAULT_WAREHOUSE, Damaged, PublishFailed, WorkingFileRestored, WriteFailed,  # noqa: F401
                    _copy, _readers, _reason, check_readable, files, is_corrupt, is_disk_full,
                    lock_path, published_of, restore, warehouse_path, work_path)
from .facts.frames import ReportFrames
from .facts.ocr_trust import UNVERIFIED, UNVERIFIED_NAME, VERIFIED

TABLES = ("check_result", "ocr_cell", "fact_indicator_result", "fact_fund_execution", "dim_form", "dim_report")
# where a view column's COMMENT comes from when the view gives none: first table that has the column
COMMENT_SOURCES = ("dim_form", "fact_indicator_result", "fact_fund_execution", "check_result", "dim_report", "ocr_cell")


def _kept(con: duckdb.DuckDBPyConnection, work: Path) -> str:
    """What the working file keeps, in a clause: how many reports, and whether each is checked."""
    [(loaded,)] = con.execute("SELECT count(*) FROM dim_report WHERE status = 'loaded'").fetchall()
    if not loaded:
        return f"the working file {work} holds no report yet"
    unchecked = len(unchecked_reports(con))
    checked = "and checked" if not unchecked else f"({unchecked} not yet checked: the next run checks them)"
    return f"the working file {work} keeps the {loaded} report(s) stored so far, each whole {checked}"


@dataclass
class Writer:
    """The one writer's connection to the working file, and how to publish it for readers."""

    con: duckdb.DuckDBPyConnection
    published: Path

    def publish(self) -> None:
        """Make what is committed visible to readers: checkpoint the working file (so it holds every
        committed report and needs no WAL), copy it beside the snapshot, and rename it into place;
        and dim_report to the store of sources' catalog (`pipeline.sources`).
        A failure (a full disk: the copy needs room for one more warehouse) leaves the snapshot as it
        was and no temporary file, and says what the working file keeps (`PublishFailed`)."""
        from .sources import store_of, write_catalog

        work = work_path(self.published)
        kept = _kept(self.con, work)  # counted first: a checkpoint that fails invalidates the connection
        writing_in = self.published.parent  # where a full disk was met: the store's, for its catalog
        try:
            self.con.execute("CHECKPOINT")
            if (store := store_of(self.con)) is not None:
                writing_in = store
                write_catalog(self.con, store)
                writing_in = self.published.parent
            for stale in self.published.parent.glob(f".{self.published.name}.*.tmp"):
                stale.unlink(missing_ok=True)  # left by a writer killed while publishing
            # a WAL beside the snapshot could only come from a client that opened it read-write; it
            # belongs to the old file and must not be replayed into the new one
            self.published.with_name(self.published.name + ".wal").unlink(missing_ok=True)
            _copy(work, self.published)
        except (OSError, duckdb.Error) as err:
            if isinstance(err, duckdb.Error) and not is_disk_full(err):
                raise  # a damaged working file, say: `writing` tells that apart
            free = (f"free space on {writing_in.resolve()}" if is_disk_full(err)
                    else "put that right")
            raise PublishFailed(
                f"publishing {self.published} failed ({_reason(err)}): {kept}; "
                f"{_readers(self.published)}; {free} and run the command again (or "
                f"`jixiao validate`, which publishes)") from err


@contextmanager
def writing(path: str | os.PathLike | None = None, *, create: bool = True, publish: bool = True,
            on_wait: Callable[[str], None] | None = None,
            on_notice: Callable[[str], None] | None = None) -> Iterator[Writer]:
    """The warehouse for writing: wait for the lock (saying so through `on_wait`), open the working
    file (made from the published one when there is none yet), and publish on a clean exit.
    Only `create` makes a new warehouse.

    A damaged working file is moved aside and made again from the snapshot (`restore`): found on
    opening, it is said through `on_notice` (default `on_wait`) and the work goes on; found part way,
    `WorkingFileRestored` says so and the command must run again. A full disk while writing is
    `WriteFailed`, saying what is kept."""
    target = warehouse_path(path)
    work = work_path(target)
    if not create and not (target.exists() or work.exists()):
        raise FileNotFoundError(f"{target}: no warehouse yet; run `jixiao ingest` first")
    with locked(target, on_wait):
        for stale in target.parent.glob(f".{work.name}.*.tmp"):
            stale.unlink(missing_ok=True)  # left by a writer killed while copying
        if not work.exists() and target.exists():  # a warehouse from before the working file
            _copy(target, work)
        try:
            con = connect(work)
        except Damaged as err:
            notice = restore(target, err.__cause__ or err)
            if on_notice or on_wait:
                (on_notice or on_wait)(notice)  # type: ignore[misc]
            con = connect(work)
        try:
            writer = Writer(con, target)
            yield writer
            if publish:
                writer.publish()
        except duckdb.Error as err:
            if is_corrupt(err):
                con.close()
                raise WorkingFileRestored(restore(target, err)) from err
            if is_disk_full(err):
                try:
                    kept = _kept(con, work)
                except duckdb.Error:  # a failed write can invalidate the connection
                    kept = f"every report stored before is whole and kept in {work}"
                raise WriteFailed(
                    f"writing {work} failed ({_reason(err)}): what was being written was rolled "
                    f"back; {kept}; {_readers(target)}; free space on {work.parent.resolve()} and "
                    f"run the command again (what is stored is skipped)") from err
            raise
        finally:
            con.close()


@contextmanager
def locked(target: Path, on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """The writers' lock of the warehouse `target`, waited for (saying so through `on_wait`)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(target))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait(f"waiting for {target}: another jixiao command or Dagster step is writing it")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


class WarehouseBusy(OSError):
    """The warehouse file cannot be opened: another process holds its lock, or the OS refuses it."""


def connect(path: str | os.PathLike | None = None, *, read_only: bool = False, create: bool = True,
            config: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, applying sql/ (tables, then views) when writable. Only a writable `create`
    connection makes a new file: reading or checking a mistyped path must not pass on an empty one.
    `config`: DuckDB settings for the connection (`pipeline.query` limits what SQL may reach).
    A file DuckDB cannot read back is `Damaged`, naming it."""
    target = warehouse_path(path)
    if (read_only or not create) and not target.exists():
        raise FileNotFoundError(f"{target}: no warehouse yet; run `jixiao ingest` first")
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    con = None
    try:
        con = duckdb.connect(str(target), read_only=read_only, config=config or {})
        if not read_only:
            apply_schema(con)
    except duckdb.Error as err:
        if con is not None:
            con.close()  # else the damaged file stays open in this process, and is opened again
        if is_corrupt(err):
            raise Damaged(f"{target} is damaged: {err}") from err
        if not isinstance(err, duckdb.IOException):
            raise
        if "lock" in str(err).lower():
            raise WarehouseBusy(
                f"{target}: the warehouse file is held by another process; try again when it is "
                f"done, or stop it ({err})") from err
        raise WarehouseBusy(f"{target}: cannot open the warehouse ({err})") from err
    except BaseException:  # the unit aliases unreadable, an interrupt: the file is not left held
        if con is not None:
            con.close()
        raise
    return con


SCHEMA_DIGEST = "jixiao_schema_digest"  # a macro: the digest (`_schema_digest`) of the sql/ last applied


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """sql/ applied (tables, views, unit aliases), in one transaction: each of its ~200 statements
    committed on its own wrote and synced the WAL, 1.1-1.2 s of every writable connect against
    0.2-0.26 s at once (bench/README.md, issue 25); and a failure part way now leaves nothing.
    The tables and views are applied only when the warehouse's stored digest of them is not that of
    this jixiao's sql/ (and of this module and DuckDB's version): a warehouse this jixiao already made
    current is opened in ~0.03 s. The unit aliases are reloaded every time (the user's file)."""
    ddl = (SQL_DIR / "schema.sql").read_text(encoding="utf-8")
    digest = _schema_digest(ddl)
    try:
        current = con.execute(f"SELECT {SCHEMA_DIGEST}()").fetchone()[0] == digest  # type: ignore[index]
    except duckdb.CatalogException:  # a new warehouse, or one from before the digest
        current = False
    with _transaction(con):
        if not current:
            _require_current_tables(con, ddl)
            con.execute(ddl)
            refresh_views(con)
            con.execute(f"CREATE OR REPLACE MACRO {SCHEMA_DIGEST}() AS {_literal(digest)}")
        load_unit_aliases(con)
        check_ocr_names(con)


def _schema_digest(ddl: str) -> str:
    """What decides the tables and views `apply_schema` makes: sql/schema.sql, sql/views/, this
    module (how they are applied, the comments views inherit) and DuckDB's version."""
    digest = hashlib.sha256()
    for part in (ddl, *(f"{v.name}\n{v.read_text(encoding='utf-8')}" for v in sorted((SQL_DIR / "views").glob("*.sql"))),
                 Path(__file__).read_text(encoding="utf-8"), duckdb.__version__):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def load_unit_aliases(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> int:
    """unit_alias replaced by the rows of sql/unit_aliases.csv ($JIXIAO_UNIT_ALIASES moves it), both
    columns normalised by the unit_norm macro: the names one unit is printed under, which the views
    group by `unit_key`. Kept as data the user extends, not a rule. Returns the aliases loaded."""
    import csv

    source = Path(path or os.environ.get("JIXIAO_UNIT_ALIASES") or SQL_DIR / "unit_aliases.csv")
    try:
        with source.open(encoding="utf-8-sig", newline="") as fh:
            rows = [(r["alias"], r["unit"]) for r in csv.DictReader(fh) if r.get("alias") and r.get("unit")]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise OSError(f"the unit aliases {source} ($JIXIAO_UNIT_ALIASES) cannot be read: {err}") from err
    con.execute("DELETE FROM unit_alias")
    if rows:
        con.executemany("INSERT OR REPLACE INTO unit_alias SELECT unit_norm(?), unit_norm(?)", rows)
    return len(rows)


def check_ocr_names(con: duckdb.DuckDBPyConnection) -> None:
    """Give each current form read by OCR the rule `unverified_name` (status ocr_unverified) while
    v_ocr_unmatched_names lists one of its names as `keeps_unverified`, and take it back once the
    warehouse confirms the name (a text-layer form printing it came later, an alias was added): a
    misread name breaks no sum, so it keeps its form out of the verified views. The view is the one
    definition; this only mirrors it into dim_form.status and ocr_failed_rules (its other rules
    stay). Run after every load, refusal and re-ranking, and when the aliases are reloaded."""
    [(scans,)] = con.execute("SELECT count(*) FROM dim_form WHERE read_method = 'ocr' AND is_current").fetchall()
    if not scans:
        return  # text forms only: nothing to compare, and text loads pay nothing
    con.execute(
        f"""
        UPDATE dim_form SET ocr_failed_rules = r.rules,
               status = CASE WHEN r.rules IS NULL THEN '{VERIFIED}' ELSE '{UNVERIFIED}' END
        FROM (
            SELECT f.form_id, f.report_sha256, nullif(array_to_string(list_sort(
                       list_filter(string_split(coalesce(f.ocr_failed_rules, ''), ','),
                                   lambda x: x NOT IN ('', '{UNVERIFIED_NAME}'))
                       || CASE WHEN n.form_id IS NULL THEN [] ELSE ['{UNVERIFIED_NAME}'] END), ','), '') AS rules
            FROM dim_form f
            LEFT JOIN (SELECT DISTINCT form_id, report_sha256 FROM v_ocr_unmatched_names WHERE keeps_unverified) n
                 ON n.form_id = f.form_id AND n.report_sha256 = f.report_sha256
            WHERE f.read_method = 'ocr' AND f.is_current
        ) r
        WHERE dim_form.form_id = r.form_id AND dim_form.report_sha256 = r.report_sha256
          AND dim_form.ocr_failed_rules IS DISTINCT FROM r.rules
        """)


def _require_current_tables(con: duckdb.DuckDBPyConnection, ddl: str) -> None:
    """Refuse a warehouse whose existing tables lack a column of `ddl` (new files pass)."""
    def columns(c: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
        return set(c.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE list_contains(?, table_name)",
            [list(TABLES)]).fetchall())

    fresh = duckdb.connect()
    fresh.execute(ddl)
    present = columns(con)
    existing = {t for t, _ in present}
    missing = sorted((t, c) for t, c in columns(fresh) - present if t in existing)
    fresh.close()
    if missing:
        where = (con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                 .fetchall()[0][0] or "the warehouse")
        listed = ", ".join(f"{t}.{c}" for t, c in missing[:5]) + (" …" if len(missing) > 5 else "")
        published = published_of(Path(where))  # the writers' file: name the one users know
        again = ("make demo" if published.resolve() == DEFAULT_WAREHOUSE.resolve()
                 else f"jixiao ingest <your reports> --warehouse {published}")
        raise WarehouseOutdated(
            f"{published} was built by an older jixiao (missing {listed}); it is derived from the "
            f"reports: make it again from the copies of them it kept (`jixiao rebuild --warehouse "
            f"{published}`), or delete it and its working file, and ingest again "
            f"(`rm -f {published} {work_path(published)} && {again}`)")


def refresh_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create every analyst view in sql/views/, in file-name order, then give each view column
    without a COMMENT of its own the COMMENT of the table column of the same name (so a column means
    one thing everywhere and its label cannot drift)."""
    for view in sorted((SQL_DIR / "views").glob("*.sql")):
        con.execute(view.read_text(encoding="utf-8"))
    inherited = con.execute(
        """
        SELECT v.table_name, v.column_name, arg_min(t.comment, list_position(?, t.table_name))
        FROM duckdb_columns() v
        JOIN duckdb_views() w ON w.view_name = v.table_name AND NOT w.internal
        JOIN duckdb_columns() t ON t.column_name = v.column_name AND list_contains(?, t.table_name)
        WHERE v.comment IS NULL AND t.comment IS NOT NULL
        GROUP BY ALL
        """,
        [list(COMMENT_SOURCES), list(COMMENT_SOURCES)],
    ).fetchall()
    for view, column, comment in inherited:
        con.execute(f"COMMENT ON COLUMN {view}.{column} IS {_literal(comment)}")


def label(comment: str | None) -> str | None:
    """The Chinese label a COMMENT starts with: the text before its first ": " (or all of it)."""
    return None if comment is None else comment.split(": ", 1)[0].strip()


def column_comments(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str | None]:
    """Column → COMMENT of a table or view, in column order."""
    return dict(con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [relation]).fetchall())


def views(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [v for (v,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def report_status(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    rows = con.execute("SELECT status FROM dim_report WHERE report_sha256 = ?", [sha256]).fetchall()
    return rows[0][0] if rows else None


def report_statuses(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, str]:
    """report_sha256 → status, for those of `shas` in dim_report: one select for a batch (a select
    a file cost ~1 ms each, 0.2 s of a 208-file rerun)."""
    return dict(_of_reports(con, "status", shas))


def _of_reports(con: duckdb.DuckDBPyConnection, columns: str, shas: list[str]) -> list[tuple]:
    """(report_sha256, *columns) of those of `shas` in dim_report, in one select."""
    return con.execute(f"SELECT report_sha256, {columns} FROM dim_report WHERE report_sha256 IN "
                       "(SELECT unnest(?::VARCHAR[]))", [shas]).fetchall()


def unchecked_reports(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Loaded reports with forms but no findings: every form gets findings when checked, so these
    were stored by a run stopped before its checks ran."""
    return [sha for (sha,) in con.execute(
        """SELECT DISTINCT report_sha256 FROM dim_form f
           WHERE NOT EXISTS (SELECT 1 FROM check_result c WHERE c.report_sha256 = f.report_sha256)
           ORDER BY 1""").fetchall()]


def finished_reports(path: str | os.PathLike | None, shas: list[str]) -> set[str]:
    """Those of `shas` that the published snapshot holds finished: refused (quarantined), or loaded
    and checked. What a run killed before its load or its checks left undone is not among them.
    Opens the snapshot read-only, never the writers' file; nothing when there is no warehouse yet."""
    target = warehouse_path(path)
    if not target.exists():
        return set()
    con = connect(target, read_only=True)
    try:
        rows = _of_reports(con, "status", shas)
        unchecked = set(unchecked_reports(con))
    finally:
        con.close()
    return {sha for sha, status in rows if status == "quarantined" or (status == "loaded" and sha not in unchecked)}


def load_report(con: duckdb.DuckDBPyConnection, frames: ReportFrames) -> None:
    """Replace everything of this report with `frames`, in one transaction, then re-rank versions."""
    load_parts(con, [frames])


FRAME_TABLES = ("dim_form", "fact_fund_execution", "fact_indicator_result", "ocr_cell")
FLUSH_ROWS = 20_000  # rows held before they are written: a part of 50 pages is about 1,500


def load_parts(con: duckdb.DuckDBPyConnection, parts: Iterable[ReportFrames]) -> dict[str, int]:
    """Replace everything of each report in `parts` with its parts' frames, in one transaction, then
    re-rank versions; returns each report's number of forms.

    `parts` is the parts of one report (`pipeline.extract`), written as its workers finish, never
    held whole; or several small reports at once, one part each, so that a nightly run of thousands
    of 2-page reports pays one transaction (a few statements and a commit, ~40 ms here) per batch
    rather than per report. A report's parts come one after another. Whatever `parts` raises (a part
    refused) rolls the whole transaction back: the warehouse never holds part of a report. Rows that
    break a key of the warehouse (a reading that gives one cell twice) are the report's fault, not
    the warehouse's: an `ExtractionFault` naming its file (the first file given, if several)."""
    files: list[str] = []
    try:
        return _load_parts(con, parts, files)
    except duckdb.ConstraintException as err:
        raise ExtractionFault(files[0] if files else "?", "its rows break a key of the warehouse, so "
                              f"nothing of it was written ({err})") from None


def _load_parts(con: duckdb.DuckDBPyConnection, parts: Iterable[ReportFrames], files: list[str]) -> dict[str, int]:
    with _transaction(con):
        # several small reports, given at once: whether each was loaded before, in one select
        before = _first_loads(con, [f.dim_report["report_sha256"][0] for f in parts]) \
            if isinstance(parts, list) else None
        seqs = count(_next_seq(con))
        reports: dict[str, pl.DataFrame] = {}
        forms: dict[str, list[str]] = {}
        held: dict[str, list[pl.DataFrame]] = {t: [] for t in FRAME_TABLES}
        rows, last = 0, None
        for frames in parts:
            sha = frames.dim_report["report_sha256"][0]
            if sha != last:
                files.append(frames.dim_report["file_path"][0])
                if sha in reports:
                    raise ValueError(f"load_parts: the parts of report {sha} are not together")
                reports[sha], forms[sha], last = _replace(con, frames.dim_report, seqs, before), [], sha
            forms[sha] += frames.dim_form["form_id"].to_list()
            for table in FRAME_TABLES:
                frame = getattr(frames, table)
                if frame is not None and frame.height:
                    held[table].append(frame)
                    rows += frame.height
            if rows >= FLUSH_ROWS:
                _write(con, held)
                rows = 0
        if not reports:
            raise ValueError("load_parts: a report of no part")
        _write(con, held)
        _insert(con, "dim_report", pl.concat(
            [r.with_columns(pl.lit(len(forms[sha]), pl.Int32).alias("forms")) for sha, r in reports.items()]))
        _rank_versions(con, [f for ids in forms.values() for f in ids])
    return {sha: len(ids) for sha, ids in forms.items()}


def _write(con: duckdb.DuckDBPyConnection, held: dict[str, list[pl.DataFrame]]) -> None:
    """One INSERT per table for the frames held (a statement costs more than its rows), then forget them."""
    for table, frames in held.items():
        if frames:
            _insert(con, table, pl.concat(frames, rechunk=True))  # to_arrow: 10× slower by chunk
            frames.clear()


def record_refusal(con: duckdb.DuckDBPyConnection, dim_report: pl.DataFrame) -> None:
    """A quarantined report: its dim_report row only, and nothing it may have loaded before."""
    sha = dim_report["report_sha256"][0]
    with _transaction(con):
        form_ids = [r[0] for r in con.execute(
            "SELECT form_id FROM dim_form WHERE report_sha256 = ?", [sha]).fetchall()]
        row = _replace(con, dim_report, count(_next_seq(con)))  # keeps its first ingested_at, load_seq
        _delete_report(con, sha)
        _insert(con, "dim_report", row)
        _rank_versions(con, form_ids)


def rank_all_versions(con: duckdb.DuckDBPyConnection) -> None:
    """Re-rank the versions of every form (after `pipeline.rebuild` restored each report's load_seq)."""
    _rank_versions(con, [f for (f,) in con.execute("SELECT DISTINCT form_id FROM dim_form").fetchall()])


def replace_checks(con: duckdb.DuckDBPyConnection, results: pl.DataFrame, reports: list[str]) -> None:
    """Store one validation run's findings for `reports`, replacing their previous findings."""
    with _transaction(con):
        if reports:
            con.execute("DELETE FROM check_result WHERE list_contains(?, report_sha256)", [reports])
        _insert(con, "check_result", results)


def read_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())  # type: ignore[return-value]


class _transaction:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type, exc, tb) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height:
        _frame = frame.to_arrow()  # noqa: F841 - read by name (DuckDB's replacement scan): a third of
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")  # register()'s cost a call


def _replace(con: duckdb.DuckDBPyConnection, dim_report: pl.DataFrame, seqs: Iterator[int],
             before: dict[str, tuple[Any, int]] | None = None) -> pl.DataFrame:
    """Make room for a report's rows: a report loaded (or refused) before has them deleted, and keeps
    its first ingested_at and load_seq (versions are ordered by when a file first arrived, so
    re-reading an older report with `--force` never makes it current again); a new one takes the
    next load_seq of `seqs`. A new report has nothing to delete: every load and every refusal writes
    its dim_report row. `before`: `_first_loads` of the reports, if known."""
    sha = dim_report["report_sha256"][0]
    first = (before if before is not None else _first_loads(con, [sha])).get(sha)
    if first is None:
        return dim_report.with_columns(pl.lit(next(seqs), pl.Int64).alias("load_seq"))
    _delete_report(con, sha)
    ingested_at, load_seq = first
    return dim_report.with_columns(pl.lit(ingested_at, dtype=dim_report.schema["ingested_at"]).alias("ingested_at"),
                                   pl.lit(load_seq, pl.Int64).alias("load_seq"))


def _first_loads(con: duckdb.DuckDBPyConnection, shas: list[str]) -> dict[str, tuple[Any, int]]:
    """report_sha256 → (ingested_at, load_seq), for those of `shas` in dim_report."""
    return {sha: (at, seq) for sha, at, seq in _of_reports(con, "ingested_at, load_seq", shas)}


def _next_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The load_seq of the next report loaded or refused for the first time: one writer at a time
    (the writers' lock) takes it inside its transaction, so each is taken once, in the order loaded."""
    return con.execute("SELECT coalesce(max(load_seq), 0) + 1 FROM dim_report").fetchone()[0]


def _delete_report(con: duckdb.DuckDBPyConnection, sha: str) -> None:
    for table in TABLES:
        con.execute(f"DELETE FROM {table} WHERE report_sha256 = ?", [sha])


def _rank_versions(con: duckdb.DuckDBPyConnection, form_ids: list[str]) -> None:
    """The report of a project and year loaded last (dim_report.load_seq) is current, except that a
    version read from the text layer always outranks one read by OCR (a scan of a form dropped after
    its text-layer copy does not replace it: v_supersessions lists it as text_over_ocr); each
    outranked one names the next (its successor). load_seq, not ingested_at: the clock is read where
    a report is read, by parallel workers, so two reports of one batch can tie or come in either
    order."""
    if not form_ids:
        return
    con.execute(
        """
        UPDATE dim_form SET is_current = v.rn = 1, superseded_by = v.successor
        FROM (
            SELECT f.form_id, f.report_sha256,
                   row_number() OVER (PARTITION BY f.form_id ORDER BY f.read_method = 'text' DESC,
                                      r.load_seq DESC, f.report_sha256 DESC) AS rn,
                   lead(f.report_sha256) OVER (PARTITION BY f.form_id ORDER BY f.read_method = 'text',
                                               r.load_seq, f.report_sha256) AS successor
            FROM dim_form f JOIN dim_report r USING (report_sha256)
            WHERE list_contains(?, f.form_id)
        ) v
        WHERE dim_form.form_id = v.form_id AND dim_form.report_sha256 = v.report_sha256
        """,
        [form_ids],
    )
    check_ocr_names(con)  # which version is current decides which names are compared
