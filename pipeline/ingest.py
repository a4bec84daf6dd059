"""One report file → the warehouse, or → quarantine with its reason. Never both, never half.

`ingest_many` is what the CLI calls: each report is read in parts (`pipeline.extract.read_part`) by
bounded worker processes (`pipeline.bounded`: several at once, each limited in time, pages and memory,
any failure a refusal), then stored here, in the order given, by the one writer: a long report part
by part in a transaction of its own (`warehouse.load_parts`), so a bundle of any length is never held
whole; small reports, read whole, several to a transaction (`BATCH_REPORTS`), since a transaction
costs more than a 2-page report's rows. Either way a report is written whole or not at all.
Nothing a report file holds raises: a `ReportError` becomes a quarantined dim_report row (and, when a
quarantine folder is given, a copy of the file with a JSON sidecar giving the reason). Nor does
anything about the file itself: a name that is not UTF-8 or too long for a quarantine name (handled
where names are made: `errors.shown`, `quarantine_name`); a file that cannot be read, is not a
regular file or changes while it is read (`errors.FileFault`: a refusal of the run only, as there is
no content to record); a full quarantine (the refusal is recorded, saying the file was not put
aside). `ingest_file` does the same for one file in this process (no time or memory bound). The
Dagster assets call `read_report` (bounded) and `store` as separate steps, so reading runs in
parallel and only the write holds the warehouse; the inbox sensor's batch run calls `ingest_many`,
as the CLI does.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

from . import bounded, warehouse
from .errors import ExtractionFault, FileChanged, FileFault, NotWritten, ReportError, UnreadableFile, shown
from .extract import PART_PAGES, count_pages, extract, parts, read_part
from .facts import frames as facts
from .forms.reader import no_form_found
from .read.pdf import CHANGED, Stamp, fingerprint, stamp
from .read.tables import KINDS
from .sources import NotKept, keep, kept_path, store_of, suffix_of

log = logging.getLogger(__name__)

# what a folder is searched for: PDFs, workbooks, Word documents, web pages (a .doc is refused with advice);
# archives (`tables.refuse_archive`: refused when given by name) are counted, not taken, by a folder search
# (a folder of reports beside their zip would end every run quarantining a copy of the zip)
ARCHIVE_SUFFIXES = {suffix for suffix, kind in KINDS.items() if kind == "archive"}
REPORT_SUFFIXES = {".pdf", *KINDS} - ARCHIVE_SUFFIXES
BATCH_REPORTS = 64  # small reports written in one transaction (warehouse.load_parts) ...
BATCH_SECONDS = 1.0  # ... or as many as were read in this time, so progress still shows
# The files of a batch of up to this many are counted by one worker unless `workers` is given: a
# second costs its start (a fork, its watchdog, ~0.4 CPU-s in all) and saves at most half of a few
# ms a file. The reading itself keeps one worker per core whatever the batch's size: reading 6 to 21
# text pages by one worker saved 0.3-0.45 CPU-s and no wall time (bench/README.md, issue 25), while
# a batch of one-page scans (~12 CPU-s a page) took twice the wall time on one.
SOLO_FILES = 30
COUNTED = ("dim_form", "fact_fund_execution", "fact_indicator_result")  # Outcome.rows: rows written
# Where a refused file goes: called with (file, sha256, refusal), returns the path its refusal row
# names. The CLI copies it to the quarantine (`copy_aside`); a Dagster run moves it out of the inbox.
PutAside = Callable[[Path, str, ReportError], Path]
# The name a quarantined file keeps is cut to this many bytes of UTF-8 (its suffix kept), after its
# sha256's first 12 hex digits: with ".json" for its sidecar, far under the 255 bytes a file name may
# take (a name of 243 bytes, 80 CJK characters, gave `[Errno 36] File name too long` at every run).
NAME_BYTES = 120


@dataclass(frozen=True)
class Outcome:
    path: Path
    sha256: str
    # loaded | skipped (already loaded) | quarantined | refused (a FileFault: not recorded) | unwritten
    # (read, but the warehouse could not be written: `NotWritten`, the run stopped)
    status: str
    forms: int = 0
    pages: int | None = None
    error: ReportError | None = None
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # table (COUNTED) → rows written for it
    skipped: tuple[tuple[int, str], ...] = ()  # tables passed over as not forms: (page, why)


def find_reports(paths: list[str | Path]) -> list[Path]:
    """Files as given, folders searched recursively for reports (`REPORT_SUFFIXES`); sorted, each once.

    A path that does not exist raises `FileNotFoundError` naming it, before anything is opened: a
    mistyped name is the user's slip, not a report to quarantine. Any other path given is kept, whatever
    it is (a FIFO, a file that cannot be read): it is refused by name when it is read. In a folder, what
    is not a regular file (a FIFO, a socket) is passed over, and an entry that cannot be stat'ed is
    kept, to be refused by name."""
    missing = [shown(p) for p in paths if _kind(Path(p)) is None]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    found: list[Path] = []
    for p in map(Path, paths):
        if _kind(p) == "dir":
            found += [f for f in p.rglob("*") if f.suffix.lower() in REPORT_SUFFIXES and _kind(f) != "other"]
        else:
            found.append(p)
    return sorted(dict.fromkeys(found))


def archives_under(paths: list[str | Path]) -> list[Path]:
    """The archives (.zip, .rar, .7z) the folders among `paths` hold, which `find_reports` passes over:
    said to the user, to be unpacked."""
    return sorted(f for p in map(Path, paths) if _kind(p) == "dir" for f in p.rglob("*")
                  if f.suffix.lower() in ARCHIVE_SUFFIXES and _kind(f) == "file")


def _kind(path: Path) -> str | None:
    """"dir", "file", "other" (not a regular file), "unknown" (cannot be stat'ed), or None (not there)."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        return "unknown"
    return "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def _content(path: Path) -> tuple[str, Stamp] | FileFault:
    """The file's sha256 and stamp (`pdf.fingerprint`), or why the file itself cannot be read: one
    report's refusal, never the run's end."""
    try:
        return fingerprint(path)
    except FileFault as err:
        return err
    except OSError as exc:
        return UnreadableFile(str(path), f"cannot be read ({exc.strerror or exc}); run again once it can")


def _changed(path: Path, was: Stamp) -> FileChanged | None:
    """A `FileChanged` refusal if the file is no longer as it was hashed (checked again before it is
    stored, once its reading is done): what was read may not be what was hashed."""
    try:
        now = stamp(path.stat())
    except OSError:
        now = None
    return None if now == was else FileChanged(str(path), CHANGED)


def ingest_file(con: duckdb.DuckDBPyConnection, path: str | Path, *, force: bool = False,
                quarantine_dir: Path | None = None, sources: Path | None = None,
                prefer_ocr: bool = False) -> Outcome:
    """Load one report in one transaction, read in this process; `force` re-reads a report already
    loaded. `sources`: the store of sources (default `pipeline.sources.store_of(con)`). `prefer_ocr`:
    its PDF pages read from their image (`pipeline.extract.extract`)."""
    path = Path(path)
    content = _content(path)
    if isinstance(content, FileFault):
        return Outcome(path, "", "refused", error=content)
    sha, was = content
    if not force and warehouse.report_status(con, sha) == "loaded":
        return Outcome(path, sha, "skipped")
    started = time.perf_counter()
    reading = bounded.guarded(functools.partial(read_report, prefer_ocr=prefer_ocr), path)
    reading = _changed(path, was) or reading
    return _store(con, path, sha, reading, time.perf_counter() - started, copy_aside(quarantine_dir),
                  sources)


@dataclass(frozen=True)
class PartJob:
    """One part of one report (`pipeline.extract.parts`), as a worker reads it."""

    path: Path
    sha256: str
    pages: range
    prefer_ocr: bool = False  # read from the pages' images (`pipeline.extract.extract`)


def ingest_many(con: duckdb.DuckDBPyConnection, paths: Iterable[Path], *, force: bool = False,
                quarantine_dir: Path | None = None, limits: bounded.Limits = bounded.Limits(),
                workers: int | None = None, part_pages: int = PART_PAGES,
                batch_seconds: float = BATCH_SECONDS, put_aside: PutAside | None = None,
                sources: Path | None = None, prefer_ocr: bool | Collection[str] = False,
                on_reading: Callable[[], object] | None = None) -> Iterator[Outcome]:
    """Load reports, each whole or not at all, yielding their outcomes in the order of `paths`.

    Each report is read in parts (`pipeline.extract`), up to `workers` parts at once, of one report or
    of several, each in a worker bounded by `limits` (its time limit is per part); only this process
    writes, each part as it comes, so neither side ever holds a whole large report. Workers first
    count each report's pages (the parent opens no report file), one worker for up to `SOLO_FILES`
    files unless `workers` is given. Small reports are written several
    to a transaction, up to `BATCH_REPORTS` or as many as were read in `batch_seconds` (0: each on
    its own), and their outcomes come when their batch is written. A refused file is copied to
    `quarantine_dir`, or handed to `put_aside` when given. A file that cannot be opened, is not a
    regular file or changes before it is stored is `refused` (`errors.FileFault`). Each report loaded
    is first kept in the store of sources, `sources` (default `pipeline.sources.store_of(con)`), or
    refused. `prefer_ocr`: every page of a PDF read from its image, the text layer set aside (the
    user distrusts it; `dim_form.ocr_reason` says `ocr_asked_for`); for every report, or for those
    whose sha256 it holds (a rebuild asks again for what was asked). `on_reading` is called once as
    soon as the run knows it will read something, before the counting (the CLI imports Great
    Expectations then, beside the forkserver's start and the reading); when that something is one
    report, only once it is counted and found short (one part): a long report's checks wait for its
    readers to be gone, so their memory never adds to theirs."""
    put_aside = put_aside or copy_aside(quarantine_dir)
    sources = sources if sources is not None else store_of(con)
    contents = [(path, _content(path)) for path in map(Path, paths)]
    statuses = {} if force else warehouse.report_statuses(
        con, [c[0] for _, c in contents if not isinstance(c, FileFault)])  # one select, not one a file
    entries: list[tuple[Path, str, Stamp | None, bool, FileFault | None]] = []
    for path, content in contents:
        if isinstance(content, FileFault):
            entries.append((path, "", None, False, content))
            continue
        sha, was = content
        entries.append((path, sha, was, statuses.get(sha) == "loaded", None))
    to_read = [(p, sha) for p, sha, _, skip, fault in entries if not skip and fault is None]
    if on_reading is not None and len(to_read) > 1:
        on_reading()
    counted = dict(zip((sha for _, sha in to_read), (r for _, r in bounded.run(
        count_pages, [p for p, _ in to_read], limits=limits,
        workers=workers or (1 if len(to_read) <= SOLO_FILES else None)))))
    if on_reading is not None and len(to_read) == 1 and isinstance(pages := counted[to_read[0][1]], int) \
            and len(parts(pages, part_pages)) == 1:
        on_reading()
    asked = (lambda sha: prefer_ocr) if isinstance(prefer_ocr, bool) else prefer_ocr.__contains__
    jobs = [PartJob(p, sha, part, asked(sha)) for p, sha in to_read if isinstance(counted[sha], int)
            for part in parts(counted[sha], part_pages)]
    readings = bounded.run(_read_part, jobs, limits=limits, workers=workers, name=lambda j: str(j.path))
    batch: list[facts.ReportFrames] = []  # small reports read whole, written together
    waiting: list[Outcome] = []  # decided, in the order of `paths`; yielded once their batch is written
    alone_written: set[str] = set()  # of the batch, the reports written one by one so far
    started = time.monotonic()

    def written() -> Iterator[Outcome]:
        if len(batch) == 1:
            alone(batch[0])
        elif batch:
            try:
                warehouse.load_parts(con, batch)
            except ExtractionFault:  # one of them breaks a key: each alone, so the others still load
                for frames in batch:
                    alone(frames)
        batch.clear()
        alone_written.clear()
        yield from waiting
        waiting.clear()

    def alone(frames: facts.ReportFrames) -> None:
        """One report of the batch written by itself; its refusal replaces its outcome."""
        sha = frames.dim_report["report_sha256"][0]
        try:
            warehouse.load_parts(con, [frames])
        except ExtractionFault as err:
            k = next(k for k, o in enumerate(waiting) if o.sha256 == sha and o.status == "loaded")
            waiting[k] = _store(con, waiting[k].path, sha, err, waiting[k].seconds, put_aside)
        else:
            alone_written.add(sha)

    storing: tuple[Path, str] | None = None  # the report being stored outside a batch
    try:
        for path, sha, was, skip, fault in entries:
            if any(sha == b.dim_report["report_sha256"][0] for b in batch):  # the same file twice
                yield from written()
            storing = (path, sha)
            if fault is not None:
                waiting.append(Outcome(path, sha, "refused", error=fault))
            elif skip:
                waiting.append(Outcome(path, sha, "skipped"))
            elif not isinstance(counted[sha], int):  # refused as it was opened
                waiting.append(_store(con, path, sha, _changed(path, was) or counted[sha], 0.0, put_aside))
            elif (count := len(parts(counted[sha], part_pages))) == 1:
                _, result = next(readings)
                reading, seconds, skipped = _unpacked(result)
                if reading is None:
                    reading = no_form_found(str(path), counted[sha])
                reading = _changed(path, was) or reading  # read whole since it was hashed, or refused
                if not isinstance(reading, ReportError):
                    reading = _kept(con, path, sha, reading, sources)
                if isinstance(reading, ReportError):
                    waiting.append(_store(con, path, sha, reading, seconds, put_aside))
                else:
                    if not batch:
                        started = time.monotonic()
                    batch.append(reading)
                    waiting.append(Outcome(path, sha, "loaded", forms=reading.dim_form.height,
                                           pages=counted[sha], seconds=seconds, rows=_rows(reading),
                                           skipped=tuple(skipped)))
            else:  # a long report: streamed part by part, in a transaction of its own
                storing = None
                yield from written()
                storing = (path, sha)
                waiting.append(_store_parts(con, path, sha, was, counted[sha], readings, count, put_aside,
                                            sources))
            storing = None
            if not batch or len(batch) >= BATCH_REPORTS or time.monotonic() - started >= batch_seconds:
                yield from written()
        yield from written()
    except Exception as err:  # the warehouse could not be written (or the readers failed): the run stops
        yield from _unwritten(waiting, {b.dim_report["report_sha256"][0] for b in batch} - alone_written,
                              storing, err)
        raise


def _unwritten(waiting: list[Outcome], pending: set[str], storing: tuple[Path, str] | None,
               err: Exception) -> Iterator[Outcome]:
    """The outcomes decided when the run stopped on `err` (the warehouse could not be written: a full
    disk, an I/O error; or the readers failed), said before it is raised: those of the batch not yet
    written (`pending`; a report of it written one by one before the failure is loaded, committed) and
    the report being stored (`storing`) as `unwritten`, naming their file and why; the others as they
    were. Before, a batch's outcomes went unsaid, those written one by one included."""
    why = "the disk is full" if warehouse.is_disk_full(err) else f"{type(err).__name__}: {err}"
    reason = (f"not loaded: the run stopped before it was written ({why}); nothing of it is stored, "
              "and running the command again loads it")

    def failed(path: Path, sha: str, seconds: float = 0.0) -> Outcome:
        return Outcome(path, sha, "unwritten", error=NotWritten(str(path), reason), seconds=seconds)

    for o in waiting:
        yield failed(o.path, o.sha256, o.seconds) if o.status == "loaded" and o.sha256 in pending else o
    if storing is not None:
        yield failed(*storing)


def _read_part(job: PartJob, max_pages: int | None = None
               ) -> tuple[facts.ReportFrames | ReportError | None, float, list[tuple[int, str]]]:
    """What a worker returns for one part: its frames (None: no form starts in it), or the refusal;
    its seconds; and the tables it passed over as not forms, (page, why)."""
    started = time.perf_counter()
    skipped: list[tuple[int, str]] = []
    try:
        info, forms = read_part(job.path, job.pages, max_pages=max_pages, sha256=job.sha256, skipped=skipped,
                                prefer_ocr=job.prefer_ocr)
        reading = facts.frames(forms, file_path=str(job.path.absolute()), pages=info.pages) \
            if forms else None
    except ReportError as err:
        reading = err
    return reading, time.perf_counter() - started, skipped


def _unpacked(result) -> tuple:
    """(reading, seconds, skipped) of a worker's result; a worker that failed gives its refusal alone."""
    return result if isinstance(result, tuple) else (result, 0.0, [])


def _store_parts(con: duckdb.DuckDBPyConnection, path: Path, sha: str, was: Stamp, pages: int,
                 readings: Iterator, count: int, put_aside: PutAside | None,
                 sources: Path | None = None) -> Outcome:
    """Write the next `count` readings (the parts of this report) in one transaction, as they come;
    the first refusal among them rolls it back and is the report's refusal, as is a file no longer
    as it was hashed (`was`) once every part is read. The file is kept in the store of sources once
    every part is read, before the commit (`NotKept` refuses it)."""
    store = sources if sources is not None else store_of(con)
    source = kept_path(store.absolute(), sha, suffix_of(path)) if store is not None else None
    seconds, taken = 0.0, 0
    rows = dict.fromkeys(COUNTED, 0)
    skipped: list[tuple[int, str]] = []

    def frames() -> Iterator[facts.ReportFrames]:
        nonlocal seconds, taken
        seen: dict[str, int] = {}  # form_id → first page: one report prints a form once
        for _ in range(count):
            _, result = next(readings)  # (reading, seconds), or the refusal of a worker that failed
            taken += 1
            reading, spent, passed = _unpacked(result)
            skipped.extend(passed)
            seconds += spent
            if isinstance(reading, ReportError):
                raise reading
            if reading is None:
                continue
            for form_id, page in zip(reading.dim_form["form_id"], reading.dim_form["first_page"]):
                facts.printed_once(seen, form_id, page, str(path.absolute()))
            for table, n in _rows(reading).items():
                rows[table] += n
            yield _with_source(reading, source)
        if changed := _changed(path, was):
            raise changed
        if not seen:
            raise no_form_found(str(path), pages)
        if store is not None:
            keep(store, path, sha)

    try:
        forms = warehouse.load_parts(con, frames())[sha]
    except ReportError as err:
        for _ in range(count - taken):  # the parts still coming: read, and not written
            next(readings)
        return _store(con, path, sha, _changed(path, was) or err, seconds, put_aside, sources)
    return Outcome(path, sha, "loaded", forms=forms, pages=pages, seconds=seconds, rows=rows,
                   skipped=tuple(skipped))


def read_isolated(path: str | Path, limits: bounded.Limits = bounded.Limits(),
                  prefer_ocr: bool = False) -> facts.ReportFrames | ReportError:
    """`read_report` in a worker process bounded by `limits`: what a Dagster step runs."""
    read = functools.partial(read_report, prefer_ocr=prefer_ocr)
    [(_, reading)] = bounded.run(read, [Path(path)], limits=limits, workers=1)
    return reading


def _store(con: duckdb.DuckDBPyConnection, path: Path, sha: str,
           reading: facts.ReportFrames | ReportError, seconds: float,
           put_aside: PutAside | None, sources: Path | None = None) -> Outcome:
    """Write one reading: the report (kept in the store of sources first), or its refusal (put aside,
    and recorded even when it cannot be put aside, saying so); a `FileFault` is the run's only."""
    if not isinstance(reading, ReportError):
        reading = _kept(con, path, sha, reading, sources)
    if isinstance(reading, FileFault):
        return Outcome(path, sha, "refused", error=reading, seconds=seconds)
    if isinstance(reading, ReportError):
        reading, _ = _refuse(con, path, sha, reading, put_aside)
        return Outcome(path, sha, "quarantined", error=reading, seconds=seconds)
    try:
        warehouse.load_report(con, reading)
    except ExtractionFault as err:  # its rows break a key of the warehouse: refused, nothing written
        return _store(con, path, sha, err, seconds, put_aside)
    return Outcome(path, sha, "loaded", forms=reading.dim_form.height,
                   pages=reading.dim_report["pages"][0], seconds=seconds, rows=_rows(reading))


def _refuse(con: duckdb.DuckDBPyConnection, path: Path, sha: str, reading: ReportError,
            put_aside: PutAside | None) -> tuple[ReportError, Path | None]:
    """A refusal put aside (when `put_aside` is given) and recorded in dim_report where the file now
    is; the refusal as recorded (saying so where the file could not be put aside) and where it went
    (None: not put aside)."""
    where = None
    if put_aside is not None:
        try:
            where = put_aside(path, sha, reading)
        except OSError as exc:  # a full or read-only quarantine: the refusal still counts, said so
            reading = type(reading)(reading.file, f"{reading.reason} (it could not be put aside in "
                                    f"the quarantine, {exc}; the file stays where it was read)",
                                    reading.page)
    _record_refusal(con, sha, where or path, path.name, reading.kind, str(reading), reading.page)
    return reading, where


def _kept(con: duckdb.DuckDBPyConnection, path: Path, sha: str, reading: facts.ReportFrames,
          sources: Path | None) -> facts.ReportFrames | ReportError:
    """`reading`, its dim_report naming the copy of `path` now kept in the store of sources
    (`pipeline.sources`; default `store_of(con)`, none for a warehouse in memory); or, when the copy
    cannot be made (a full disk), the report's refusal: a report the store lacks could not be
    rebuilt, and a rerun loads it."""
    store = sources if sources is not None else store_of(con)
    try:
        source = None if store is None else keep(store, path, sha).absolute()
    except NotKept as err:
        return err
    return _with_source(reading, source)


def _with_source(reading: facts.ReportFrames, source: Path | None) -> facts.ReportFrames:
    column = pl.lit(None if source is None else str(source), pl.String).alias("source_path")
    return dataclasses.replace(reading, dim_report=reading.dim_report.with_columns(column))


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


def read_report(path: str | Path, max_pages: int | None = None,
                prefer_ocr: bool = False) -> facts.ReportFrames | ReportError:
    """Everything one report would load, or why it cannot be loaded. The refusal is returned, not
    raised, so each caller decides where it goes (a quarantined row, a failed Dagster partition).
    Run it through `pipeline.bounded`, which turns any other failure into a refusal too."""
    path = Path(path)
    try:
        info, forms = extract(path, max_pages=max_pages, prefer_ocr=prefer_ocr)
        return facts.frames(forms, file_path=str(path.absolute()), pages=info.pages)
    except ReportError as err:
        return err


def store(con: duckdb.DuckDBPyConnection, path: Path, sha256: str,
          reading: facts.ReportFrames | ReportError, sources: Path | None = None,
          put_aside: PutAside | None = None) -> tuple[ReportError, Path | None] | None:
    """Write what `read_report` gave in one transaction: the report's rows replace its previous ones,
    or a refusal replaces them with its quarantined dim_report row, the file put aside first when
    `put_aside` is given; returns None when it loaded, else the refusal and where the file went (a
    report whose rows break a key of the warehouse is refused here, so its step must fail as a
    reading's refusal does). A report whose file cannot be kept in the store of sources is not
    written at all, and the refusal raised: the step fails naming it, and the warehouse keeps what
    it held (`NotKept` is the machine's fault, not the report's)."""
    if not isinstance(reading, ReportError):
        reading = _kept(con, path, sha256, reading, sources)
    if isinstance(reading, NotKept):
        raise reading
    if not isinstance(reading, ReportError):
        try:
            warehouse.load_report(con, reading)
            return None
        except ExtractionFault as err:  # its rows break a key of the warehouse: refused, nothing written
            reading = err
    return _refuse(con, path, sha256, reading, put_aside)


def record_quarantined(con: duckdb.DuckDBPyConnection, directory: Path,
                       warn: Callable[[str], None] | None = None) -> list[str]:
    """Record in dim_report each refusal put aside in `directory` that the warehouse does not know yet
    (by its sidecar); returns their sha256s.

    The Dagster read step refuses a file without opening the warehouse (only the pooled steps may), so
    its refusal reaches dim_report here, at the next pooled step; the CLI records its own at once. A
    sidecar that cannot be read (an empty one an older version left when it failed half-way) is
    passed over and said to `warn` (else the log): it never fails the step."""
    recorded = []
    for sidecar in sorted(Path(directory).glob("*.json")) if Path(directory).is_dir() else []:
        try:
            note = _note(sidecar)
        except (OSError, ValueError) as exc:
            (warn or log.warning)(f"{shown(sidecar)}: passed over, not a readable sidecar ({exc}); "
                                  f"put its file through `jixiao ingest` again, then delete it")
            continue
        sha, target = note["sha256"], sidecar.with_suffix("")
        if warehouse.report_status(con, sha) is not None:
            continue
        _record_refusal(con, sha, target, Path(note.get("file") or target).name, note.get("kind"),
                        note.get("message") or note.get("reason"), note.get("page"))
        recorded.append(sha)
    return recorded


def _note(sidecar: Path) -> dict:
    """A sidecar's fields, each of the type it is written with; ValueError for anything else."""
    note = json.loads(sidecar.read_text(encoding="utf-8"))
    if not isinstance(note, dict) or not re.fullmatch(r"[0-9a-f]{64}", str(note.get("sha256"))):
        raise ValueError("no sha256")
    for key, kind in (("file", str), ("kind", str), ("message", str), ("reason", str), ("page", int)):
        if note.get(key) is not None and not isinstance(note[key], kind):
            raise ValueError(f"{key} is not a {kind.__name__}")
    return note


def _record_refusal(con: duckdb.DuckDBPyConnection, sha256: str, path: Path, file_name: str,
                    kind: str | None, message: str | None, page: int | None) -> None:
    """The quarantined dim_report row of a refused report, replacing anything it loaded before."""
    warehouse.record_refusal(con, facts.report_row(
        sha256=sha256, file_name=file_name, file_path=str(path.absolute()), pages=None,
        status="quarantined", forms=0, error_kind=kind, error=message, error_page=page,
    ))


def quarantine_name(path: Path, sha: str) -> str:
    """`<sha256[:12]>-<name>`: the hash keeps two files of one name apart; the name made displayable
    (`errors.shown`, control characters as `_`) and cut to NAME_BYTES of UTF-8, keeping its suffix."""
    name = "".join(c if c.isprintable() else "_" for c in shown(path.name))
    suffix = Path(name).suffix
    if len(suffix.encode()) > 16:
        suffix = ""
    stem = name[:len(name) - len(suffix)].encode()[:NAME_BYTES - len(suffix.encode())]
    return f"{sha[:12]}-{stem.decode('utf-8', 'ignore')}{suffix}"


def quarantine(path: Path, sha: str, err: ReportError, directory: Path, *, move: bool = False) -> Path:
    """Put the file aside as `quarantine_name`, with `<that name>.json` saying why.

    Both or neither: the sidecar is written to a temporary file, the file copied (or moved), then the
    sidecar renamed into place. On any failure (a full disk) what was done is undone, no partial
    copy and no stray temporary file left, and the `OSError` raised for the caller to record."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / quarantine_name(path, sha)
    sidecar = target.with_name(target.name + ".json")
    note = json.dumps({**err.to_dict(), "sha256": sha, "name": shown(path.name), "message": str(err),
                       "quarantined_at": datetime.now(timezone.utc).isoformat()},
                      ensure_ascii=False, indent=2)
    fd, staged = tempfile.mkstemp(dir=directory, prefix=".sidecar-", suffix=".tmp")
    moved = False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(fd, 0o644)  # as a sidecar written directly was (mkstemp makes 0600)
            f.write(note)
            f.flush()
            os.fsync(f.fileno())
        if move:
            shutil.move(path, target)
            moved = True
        else:
            shutil.copy2(path, target)
        os.replace(staged, sidecar)
    except BaseException:
        Path(staged).unlink(missing_ok=True)
        if moved:
            shutil.move(target, path)
        else:
            target.unlink(missing_ok=True)  # a partial copy, or a partial move's
        raise
    return target
