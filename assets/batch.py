"""Many reports in one run: what the inbox sensor requests for the files that settled in one tick.

A run of `ingest_report` per report pays, per report, a run process, a process per step and the
imports of Dagster, Great Expectations and Camelot in each (about a minute each on 2 cores). The job
`ingest_batch` pays them once per run: its three ops run in the run's own process (in-process
executor), and the reports are read and written as `jixiao ingest` reads and writes them
(`pipeline.ingest.ingest_many`: one pool of bounded workers over the parts of every report, small
reports written several to a transaction), so the inbox path costs about what the CLI costs on the
same files. Great Expectations is imported while the reports are read, for the checks.

What users rely on is kept, per report: every event is recorded against the report's partition of
`reports` (its sha256), as a run of `ingest_report` records it —

- `load_reports`: each report loaded whole or not at all, and a materialization of `forms` and of
  each warehouse table for its partition, with the same metadata (file, forms, indicator rows,
  pages, row counts; the seconds of its reading on `forms`); a report already loaded is skipped,
  as `jixiao ingest` skips it; a refused report is moved to the quarantine with its sidecar,
  recorded in dim_report at once, and observed on its `forms` partition with its reason, kind and
  page; the other reports load;
- `check_reports`: every suite over the batch's reports, one evaluation per report and suite,
  recorded against that report's partition (the metadata of `report_checks`); a failed blocking
  suite (funds, scores) fails this step, so the views are not refreshed by this run;
- `refresh_views`: `analyst_views` recreated and materialized; the step then fails naming the
  refused files, if any, so a quarantine shows as a failed run.

Rerunning one report stays `ingest_report` on its partition (the UI, `make rerun`). A batch run keeps
no pickled `forms` value: rematerialize a partition's tables through `forms`, not alone.
"""


import queue
import threading
from contextlib import closing
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import dagster as dg
import polars as pl

from pipeline import bounded, checks
from pipeline.errors import ReportError, shown
from pipeline.ingest import ingest_many, record_quarantined
from pipeline.warehouse import views as warehouse_views

from .events import FORMS, numbers, read_metadata, refusal, refusal_metadata, table_events
from .reports import POOL, also_unchecked, check_outcomes, docs_link, suite_table
from .engines import writer_tags
from .resources import REPORTS, ReportFolder, Warehouse

VIEWS = dg.AssetKey("analyst_views")
REPORTS_TAG = "jixiao/reports"  # how many reports a batch run holds
T = TypeVar("T")


class Batch(dg.Config):
    """The reports of the run: sha256 → the file the sensor saw (found again by its hash in the inbox
    or the quarantine if it moved since)."""

    reports: dict[str, str]


@dg.op(pool=POOL, tags=writer_tags(), out={"loaded": dg.Out(list), "refused": dg.Out(list)})
def load_reports(context: dg.OpExecutionContext, config: Batch, report_folder: ReportFolder,
                 warehouse: Warehouse) -> Iterator:
    """Read and load every report of the batch as `jixiao ingest` does (each whole or not at all),
    recording each report's materializations (or its refusal) against its partition."""
    found: dict[Path, str] = {}
    refused: list[str] = []
    for sha, hint in config.reports.items():
        path = report_folder.file_of(sha, hint)
        if path is None:
            refused.append(shown(Path(hint).name))
            reason = f"no file with sha256 {sha} in {report_folder.inbox_dir} or {report_folder.quarantine_dir}"
            context.log.error(reason)
            yield refusal(sha, reason, {"sha256": sha, "file": shown(Path(hint).name)})
        else:
            found[path] = sha
    loaded: list[str] = []
    moved: dict[str, Path] = {}  # sha256 → where its refused file went

    def put_aside(path: Path, sha: str, err: ReportError) -> Path:
        moved[sha] = report_folder.put_aside(path, sha, err)
        return moved[sha]

    if found:
        checks.warm_up()  # Great Expectations imported for check_reports while the workers read
    with warehouse.writing(context.log, publish=False) as writer:  # published with the checks
        # a report already loaded is skipped (its partition keeps its materialization: rerun it with
        # ingest_report), so a refusal here never replaces a loaded report's rows; the thread is
        # joined (closing) before the writer closes, whatever the loop raises
        with closing(_ahead(ingest_many(writer.con, list(found), put_aside=put_aside,
                                        limits=bounded.Limits.from_env()))) as outcomes:
            for outcome in outcomes:
                path, name = outcome.path, shown(outcome.path.name)  # printable, whatever its bytes
                sha = outcome.sha256 or found[path]  # a file refused before it was hashed has none
                if outcome.status == "skipped":
                    context.log.info(f"{name}: already loaded (sha256 {sha[:12]}), skipped")
                    continue
                if outcome.status != "loaded":
                    err = outcome.error
                    refused.append(name)
                    context.log.error(f"{name}: {err}")
                    yield refusal(sha, str(err), refusal_metadata(outcome.path.name, sha, err,
                                                                  outcome.seconds, moved.get(sha)))
                    continue
                loaded.append(sha)
                counted = numbers(sha, outcome.forms, outcome.rows["fact_indicator_result"], outcome.pages)
                yield dg.AssetMaterialization(asset_key=FORMS, partition=sha,
                                              metadata=read_metadata(path, counted, outcome.seconds))
                for table, metadata in table_events(path, counted, outcome.rows):
                    yield dg.AssetMaterialization(asset_key=table, partition=sha, metadata=metadata)
        record_quarantined(writer.con, Path(report_folder.quarantine_dir), context.log.warning)
    context.log.info(f"{len(loaded)} reports loaded, {len(refused)} refused")
    yield dg.Output(loaded, "loaded")
    yield dg.Output(refused, "refused")


def _ahead(items: Iterator[T]) -> Iterator[T]:
    """`items` produced in a thread of their own and handed over as they come. Each event an op
    yields is a commit to Dagster's event log (about 20 ms in SQLite, four per report); while the
    op's thread writes them, this one goes on storing the next reports, so the readers never wait
    for the event log. Closing the iterator lets the current item finish, then closes `items`."""
    handed: queue.Queue = queue.Queue()
    stop, end = threading.Event(), object()

    def produce() -> None:
        try:
            for item in items:
                handed.put(item)
                if stop.is_set():
                    break
        except BaseException as exc:  # re-raised in the op's thread
            handed.put(_Raised(exc))
        finally:
            getattr(items, "close", lambda: None)()
            handed.put(end)

    thread = threading.Thread(target=produce, name="store reports", daemon=True)
    thread.start()
    try:
        while (got := handed.get()) is not end:
            if isinstance(got, _Raised):
                raise got.exc
            yield got
    finally:
        stop.set()
        thread.join()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


@dg.op(pool=POOL, tags=writer_tags(), out=dg.Out(dg.Nothing))
def check_reports(context: dg.OpExecutionContext, loaded: list, warehouse: Warehouse,
                  report_folder: ReportFolder) -> Iterator:
    """Every suite over the batch's reports (`checks.run` once, for their sha256s) and any a killed
    run stored without its checks (`also_unchecked`), which replaces their findings in check_result;
    then one evaluation per report and suite, on its partition."""
    docs = Path(report_folder.docs_dir)
    with warehouse.writing(context.log) as writer:
        checked = also_unchecked(writer.con, loaded, context.log)
        findings = checks.run(writer.con, checked, docs=docs) if checked else None
    link = docs_link(docs) if checked else {}
    for sha in checked:
        if sha not in loaded and not context.instance.has_dynamic_partition(REPORTS.name, sha):
            continue  # stored by `jixiao ingest`: checked and stored, but no partition to record on
        mine = findings.filter(pl.col("report_sha256") == sha)
        for outcome in check_outcomes(mine, suite_table, {"report": sha, **link}):
            yield dg.AssetCheckEvaluation(**outcome, partition=sha,
                                          blocking=outcome["severity"] == dg.AssetCheckSeverity.ERROR)


@dg.op(pool=POOL, tags=writer_tags(), ins={"checked": dg.In(dg.Nothing)})
def refresh_views(context: dg.OpExecutionContext, refused: list, warehouse: Warehouse,
                  report_folder: ReportFolder) -> Iterator:
    """`analyst_views` recreated (as the asset does); fails afterwards naming the refused files."""
    with warehouse.writing(context.log) as writer:
        recorded = record_quarantined(writer.con, Path(report_folder.quarantine_dir), context.log.warning)
        views = warehouse_views(writer.con)
    yield dg.AssetMaterialization(
        asset_key=VIEWS, metadata={"count": len(views), "views": dg.MetadataValue.json(views),
                                   "refusals_recorded": dg.MetadataValue.json(recorded),
                                   **docs_link(Path(report_folder.docs_dir))})
    yield dg.Output(None)
    if refused:
        raise dg.Failure(f"{len(refused)} of the batch's reports were refused and quarantined: "
                         f"{', '.join(sorted(refused))}", metadata={"refused": dg.MetadataValue.json(refused)})


@dg.job(executor_def=dg.in_process_executor,
        description="Read many reports (each recorded against its partition) through one pool, load "
                    "each in its own transaction, check each, refresh the views: the inbox sensor's run.")
def ingest_batch():
    loaded, refused = load_reports()
    refresh_views(checked=check_reports(loaded), refused=refused)
