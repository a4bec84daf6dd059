"""One report file → the warehouse, or → quarantine with its reason. Never both, never half.

`ingest_many` is what the CLI calls: each report is read in parts (`pipeline.extract.read_part`) by
bounded worker processes (`pipeline.bounded`: several at once, each limited in time, pages and memory,
any failure a refusal), then stored here, in the order given, by the one writer: a long report part
by part in a transaction of its own (`warehouse.load_parts`), so a bundle of any length is never held
whole; small reports, read whole, several to a transaction (`BATCH_REPORTS`), since a transaction
costs more than a 2-page report's rows. Either way a report is written whole or not at all.
Nothing a report file holds raises: a `ReportError` becomes a quarantined dim_report row (and, when a
quarantine folder is given, a copy of the file with a JSON sidecar giving the reason). `ingest_file`
does the same for one file in this process (no time or memory bound). The Dagster assets call
`read_report` (bounded) and `store` as separate steps, so reading runs in parallel and only the write
holds the warehouse; the inbox sensor's batch run calls `ingest_many`, as the CLI does.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from . import bounded, warehouse
from .facts import frames as facts
from .errors import ReportError
from .extract import PART_PAGES, count_pages, extract, parts, read_part
from .forms.reader import no_form_found
from .read.pdf import sha256_of
from .read.tables import KINDS

# what a folder is searched for: PDFs, workbooks, Word documents, web pages (a .doc is refused with advice)
REPORT_SUFFIXES = {".pdf", *KINDS}
BATCH_REPORTS = 64  # small reports written in one transaction (warehouse.load_parts) ...
BATCH_SECONDS = 1.0  # ... or as many as were read in this time, so progress still shows
COUNTED = ("dim_form", "fact_fund_execution", "fact_indicator_result")  # Outcome.rows: rows written
# Where a refused file goes: called with (file, sha256, refusal), returns the path its refusal row
# names. The CLI copies it to the quarantine (`copy_aside`); a Dagster run moves it out of the inbox.
PutAside = Callable[[Path, str, ReportError], Path]


@dataclass(frozen=True)
class Outcome:
    path: Path
    sha256: str
    status: str  # loaded | skipped (already loaded) | quarantined
    forms: int = 0
    pages: int | None = None
    error: ReportError | None = None
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # table (COUNTED) → rows written for it


def find_reports(paths: list[str | Path]) -> list[Path]:
    """Files as given, folders searched recursively for reports (`REPORT_SUFFIXES`); sorted, each once.

    A path that does not exist raises `FileNotFoundError` naming it, before anything is opened: a
    mistyped name is the user's slip, not a report to quarantine."""
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES]
        else:
            found.append(p)
    return sorted(dict.fromkeys(found))


def ingest_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, force: bool = False,
                quarantine_dir: Path | None = None) -> Outcome:
    """Load one report in one transaction, read in this process; `force` re-reads a report already
    loaded."""
    path = Path(path)
    sha = sha256_of(path)  # FileNotFoundError for a path that is not there: no report to record
    if not force and warehouse.report_status(con, sha) == "loaded":
        return Outcome(path, sha, "skipped")
    started = time.perf_counter()
    reading = bounded.guarded(read_report, path)
    return _store(con, path, sha, reading, time.perf_counter() - started, copy_aside(quarantine_dir))


@dataclass(frozen=True)
class PartJob:
    """One part of one report (`pipeline.extract.parts`), as a worker reads it."""

    path: Path
    sha256: str
    pages: range


def ingest_many(con: duckdb.DuckDBPyConnection, paths: Iterable[Path], *, force: bool = False,
                quarantine_dir: Path | None = None, limits: bounded.Limits = bounded.Limits(),
                workers: int | None = None, part_pages: int = PART_PAGES,
                batch_seconds: float = BATCH_SECONDS, put_aside: PutAside | None = None) -> Iterator[Outcome]:
    """Load reports, each whole or not at all, yielding their outcomes in the order of `paths`.

    Each report is read in parts (`pipeline.extract`), up to `workers` parts at once, of one report or
    of several, each in a worker bounded by `limits` (its time limit is per part); only this process
    writes, each part as it comes, so neither side ever holds a whole large report. Workers first
    count each report's pages (the parent opens no report file). Small reports are written several
    to a transaction, up to `BATCH_REPORTS` or as many as were read in `batch_seconds` (0: each on
    its own), and their outcomes come when their batch is written. A refused file is copied to
    `quarantine_dir`, or handed to `put_aside` when given."""
    put_aside = put_aside or copy_aside(quarantine_dir)
    entries = []
    for path in map(Path, paths):
        sha = sha256_of(path)
        entries.append((path, sha, not force and warehouse.report_status(con, sha) == "loaded"))
    to_read = [(p, sha) for p, sha, skip in entries if not skip]
    counted = dict(zip((sha for _, sha in to_read), (r for _, r in bounded.run(
        count_pages, [p for p, _ in to_read], limits=limits, workers=workers))))
    jobs = [PartJob(p, sha, part) for p, sha in to_read if isinstance(counted[sha], int)
            for part in parts(counted[sha], part_pages)]
    readings = bounded.run(_read_part, jobs, limits=limits, workers=workers, name=lambda j: str(j.path))
    batch: list[facts.ReportFrames] = []  # small reports read whole, written together
    waiting: list[Outcome] = []  # decided, in the order of `paths`; yielded once their batch is written
    started = time.monotonic()

    def written() -> Iterator[Outcome]:
        if batch:
            warehouse.load_parts(con, batch)
            batch.clear()
        yield from waiting
        waiting.clear()

    for path, sha, skip in entries:
        if any(sha == b.dim_report["report_sha256"][0] for b in batch):  # the same file twice
            yield from written()
        if skip:
            waiting.append(Outcome(path, sha, "skipped"))
        elif not isinstance(counted[sha], int):  # refused as it was opened
            waiting.append(_store(con, path, sha, counted[sha], 0.0, put_aside))
        elif (count := len(parts(counted[sha], part_pages))) == 1:
            _, result = next(readings)
            reading, seconds = result if isinstance(result, tuple) else (result, 0.0)
            if reading is None:
                reading = no_form_found(str(path), counted[sha])
            if isinstance(reading, ReportError):
                waiting.append(_store(con, path, sha, reading, seconds, put_aside))
            else:
                if not batch:
                    started = time.monotonic()
                batch.append(reading)
                waiting.append(Outcome(path, sha, "loaded", forms=reading.dim_form.height,
                                       pages=counted[sha], seconds=seconds, rows=_rows(reading)))
        else:  # a long report: streamed part by part, in a transaction of its own
            yield from written()
            waiting.append(_store_parts(con, path, sha, counted[sha], readings, count, put_aside))
        if not batch or len(batch) >= BATCH_REPORTS or time.monotonic() - started >= batch_seconds:
            yield from written()
    yield from written()


def _read_part(job: PartJob, max_pages: int | None = None) -> tuple[facts.ReportFrames | ReportError | None, float]:
    """What a worker returns for one part: its frames (None: no form starts in it), or the refusal."""
    started = time.perf_counter()
    try:
        info, forms = read_part(job.path, job.pages, max_pages=max_pages, sha256=job.sha256)
        reading = facts.frames(forms, file_path=str(job.path.absolute()), pages=info.pages) \
            if forms else None
    except ReportError as err:
        reading = err
    return reading, time.perf_counter() - started


def _store_parts(con: duckdb.DuckDBPyConnection, path: Path, sha: str, pages: int,
                 readings: Iterator, count: int, put_aside: PutAside | None) -> Outcome:
    """Write the next `count` readings (the parts of this report) in one transaction, as they come;
    the first refusal among them rolls it back and is the report's refusal."""
    seconds, taken = 0.0, 0
    rows = dict.fromkeys(COUNTED, 0)

    def frames() -> Iterator[facts.ReportFrames]:
        nonlocal seconds, taken
        seen: dict[str, int] = {}  # form_id → first page: one report prints a form once
        for _ in range(count):
            _, result = next(readings)  # (reading, seconds), or the refusal of a worker that failed
            taken += 1
            reading, spent = result if isinstance(result, tuple) else (result, 0.0)
            seconds += spent
            if isinstance(reading, ReportError):
                raise reading
            if reading is None:
                continue
            for form_id, page in zip(reading.dim_form["form_id"], reading.dim_form["first_page"]):
                facts.printed_once(seen, form_id, page, str(path.absolute()))
            for table, n in _rows(reading).items():
                rows[table] += n
            yield reading
        if not seen:
            raise no_form_found(str(path), pages)

    try:
        forms = warehouse.load_parts(con, frames())[sha]
    except ReportError as err:
        for _ in range(count - taken):  # the parts still coming: read, and not written
            next(readings)
        return _store(con, path, sha, err, seconds, put_aside)
    return Outcome(path, sha, "loaded", forms=forms, pages=pages, seconds=seconds, rows=rows)


def read_isolated(path: str | Path, limits: bounded.Limits = bounded.Limits()) -> facts.ReportFrames | ReportError:
    """`read_report` in a worker process bounded by `limits`: what a Dagster step runs."""
    [(_, reading)] = bounded.run(read_report, [Path(path)], limits=limits, workers=1)
    return reading


def _store(con: duckdb.DuckDBPyConnection, path: Path, sha: str,
           reading: facts.ReportFrames | ReportError, seconds: float,
           put_aside: PutAside | None) -> Outcome:
    if isinstance(reading, ReportError):
        where = put_aside(path, sha, reading) if put_aside is not None else path
        _record_refusal(con, sha, where, path.name, reading.kind, str(reading), reading.page)
        return Outcome(path, sha, "quarantined", error=reading, seconds=seconds)
    warehouse.load_report(con, reading)
    return Outcome(path, sha, "loaded", forms=reading.dim_form.height,
                   pages=reading.dim_report["pages"][0], seconds=seconds, rows=_rows(reading))


def _rows(reading: facts.ReportFrames) -> dict[str, int]:
    return {table: getattr(reading, table).height for table in COUNTED}


def copy_aside(directory: Path | None) -> PutAside | None:
    """The CLI's quarantine: a copy of the refused file in `directory`, with its sidecar; the refusal
    row names the file where it was read."""
    if directory is None:
        return None

    def put(path: Path, sha: str, err: ReportError) -> Path:
        quarantine(path, sha, err, directory)
        return path
    return put


def read_report(path: str | Path, max_pages: int | None = None) -> facts.ReportFrames | ReportError:
    """Everything one report would load, or why it cannot be loaded. The refusal is returned, not
    raised, so each caller decides where it goes (a quarantined row, a failed Dagster partition).
    Run it through `pipeline.bounded`, which turns any other failure into a refusal too."""
    path = Path(path)
    try:
        info, forms = extract(path, max_pages=max_pages)
        return facts.frames(forms, file_path=str(path.absolute()), pages=info.pages)
    except ReportError as err:
        return err


def store(con: duckdb.DuckDBPyConnection, path: Path, sha256: str,
          reading: facts.ReportFrames | ReportError) -> None:
    """Write what `read_report` gave in one transaction: the report's rows replace its previous ones,
    or a refusal replaces them with its quarantined dim_report row."""
    if isinstance(reading, ReportError):
        _record_refusal(con, sha256, path, path.name, reading.kind, str(reading), reading.page)
    else:
        warehouse.load_report(con, reading)


def record_quarantined(con: duckdb.DuckDBPyConnection, directory: Path) -> list[str]:
    """Record in dim_report each refusal put aside in `directory` that the warehouse does not know yet
    (by its sidecar); returns their sha256s.

    The Dagster read step refuses a file without opening the warehouse (only the pooled steps may), so
    its refusal reaches dim_report here, at the next pooled step; the CLI records its own at once."""
    recorded = []
    for sidecar in sorted(Path(directory).glob("*.json")) if Path(directory).is_dir() else []:
        note = json.loads(sidecar.read_text(encoding="utf-8"))
        sha, target = note.get("sha256"), sidecar.with_suffix("")
        if not sha or warehouse.report_status(con, sha) is not None:
            continue
        _record_refusal(con, sha, target, Path(note.get("file") or target).name, note.get("kind"),
                        note.get("message") or note.get("reason"), note.get("page"))
        recorded.append(sha)
    return recorded


def _record_refusal(con: duckdb.DuckDBPyConnection, sha256: str, path: Path, file_name: str,
                    kind: str | None, message: str | None, page: int | None) -> None:
    """The quarantined dim_report row of a refused report, replacing anything it loaded before."""
    warehouse.record_refusal(con, facts.report_row(
        sha256=sha256, file_name=file_name, file_path=str(path.absolute()), pages=None,
        status="quarantined", forms=0, error_kind=kind, error=message, error_page=page,
    ))


def quarantine(path: Path, sha: str, err: ReportError, directory: Path, *, move: bool = False) -> Path:
    """Put the file aside under its hash, with `<name>.json` saying why."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{sha[:12]}-{path.name}"
    (shutil.move if move else shutil.copy2)(str(path), target)
    sidecar = target.with_name(target.name + ".json")
    sidecar.write_text(
        json.dumps({**err.to_dict(), "sha256": sha, "message": str(err),
                    "quarantined_at": datetime.now(timezone.utc).isoformat()},
                   ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return target
