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
  each warehouse table for its partition, with the same metadata (file, project codes, units, forms,
  indicator rows, pages, row counts; the seconds of its reading on `forms`); a report already
  loaded is not read again (as `jixiao ingest` skips it) but its partition is materialized all the
  same, "already loaded", with its counts from the warehouse, so a UI started after `make demo`
  shows what the warehouse holds; a refused report is moved to the quarantine with its sidecar,
  recorded in dim_report at once, observed on its `forms` partition with its reason, kind and
  page, and recorded as a failed materialization of it; the other reports load;
- `check_reports`: every suite over the batch's reports, one evaluation per report and suite,
  recorded against that report's partition and its latest materialization (so the Partitions tab
  shows it); findings never fail the step;
- `refresh_views`: `analyst_views` recreated and materialized, with the `findings` check summing up
  every report's. The run fails only when jixiao itself failed, not on a finding or a refusal.

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

from .events import (FORMS, TABLES, identities, numbers, places, read_metadata, refusal, refused_failure,
                     refusal_metadata, table_events, table_rows)
from .reports import (POOL, also_unchecked, check_outcomes, docs_link, findings_summary, suite_table,
                      views_metadata)
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
            metadata = {"sha256": sha, "file": shown(Path(hint).name)}
            metadata["failed_run"] = refused_failure(context.instance, sha, shown(Path(hint).name), reason)
            yield refusal(sha, reason, metadata)
        else:
            found[path] = sha
    loaded: list[str] = []
    skipped: dict[str, Path] = {}
    moved: dict[str, Path] = {}  # sha256 → where its refused file went

    def put_aside(path: Path, sha: str, err: ReportError) -> Path:
        moved[sha] = report_folder.put_aside(path, sha, err)
        return moved[sha]

    if found:
        checks.warm_up()  # Great Expectations imported for check_reports while the workers read
    with warehouse.writing(context.log, publish=False) as writer:  # published with the checks
        totals = table_rows(writer.con)  # each table's rows, counted on as reports load
        look = writer.con.cursor()  # this thread's own connection: the writer's is the store thread's
        # a report already loaded is skipped (not read again: rerun it with ingest_report), so a
        # refusal here never replaces a loaded report's rows; the thread is joined (closing) before
        # the writer closes, whatever the loop raises
        with closing(_ahead(ingest_many(writer.con, list(found), put_aside=put_aside,
                                        limits=bounded.Limits.from_env()))) as outcomes:
            for outcome in outcomes:
                path, name = outcome.path, shown(outcome.path.name)  # printable, whatever its bytes
                sha = outcome.sha256 or found[path]  # a file refused before it was hashed has none
                if outcome.status == "skipped":
                    context.log.info(f"{name}: already loaded (sha256 {sha[:12]}), not read again")
                    skipped[sha] = path
                    continue
                if outcome.status == "unwritten":  # the warehouse failed: the step fails next, not a refusal
                    context.log.error(f"{name}: {outcome.error}")
                    continue
                if outcome.status != "loaded":
                    err = outcome.error
                    refused.append(name)
                    context.log.error(f"{name}: {err}")
                    metadata = refusal_metadata(outcome.path.name, sha, err, outcome.seconds, moved.get(sha))
                    metadata["failed_run"] = refused_failure(context.instance, sha, name, str(err))
                    yield refusal(sha, str(err), metadata)
                    continue
                loaded.append(sha)
                for page, why in outcome.skipped:  # look-alike tables: listed, never a refusal
                    context.log.info(f"{name}, page {page}: not a form, skipped ({why})")
                totals = {t: totals[t] + outcome.rows[t] for t in TABLES}
                counted = numbers(sha, outcome.forms, outcome.rows["fact_indicator_result"], outcome.pages)
                named = identities(look, [sha]).get(sha, {})
                yield dg.AssetMaterialization(asset_key=FORMS, partition=sha, metadata={
                    **read_metadata(path, counted, outcome.seconds), **named, "status": "loaded"})
                for table, metadata in table_events(path, counted, outcome.rows, totals):
                    yield dg.AssetMaterialization(asset_key=table, partition=sha, metadata=metadata)
        look.close()
        yield from _already_loaded(writer.con, skipped)
        record_quarantined(writer.con, Path(report_folder.quarantine_dir), context.log.warning)
    context.log.info(f"{len(loaded)} reports loaded, {len(skipped)} already loaded, {len(refused)} refused")
    yield dg.Output([*loaded, *skipped], "loaded")
    yield dg.Output(refused, "refused")


def _already_loaded(con, skipped: dict[str, Path]) -> Iterator[dg.AssetMaterialization]:
    """The partitions of reports the warehouse already held, materialized "already loaded" with their
    counts as the warehouse holds them: a UI started over a warehouse `jixiao ingest` filled shows
    them loaded, not missing. Their rows are not touched."""
    if not skipped:
        return
    shas = list(skipped)
    per_table = {t: dict(con.execute(f"SELECT report_sha256, count(*) FROM {t} WHERE list_contains(?, "
                                     f"report_sha256) GROUP BY 1", [shas]).fetchall()) for t in TABLES}
    pages = dict(con.execute("SELECT report_sha256, pages FROM dim_report WHERE list_contains(?, "
                             "report_sha256)", [shas]).fetchall())
    totals, named = table_rows(con), identities(con, shas)
    for sha, path in skipped.items():
        rows = {t: per_table[t].get(sha, 0) for t in TABLES}
        counted = numbers(sha, rows["dim_form"], rows["fact_indicator_result"], pages.get(sha))
        yield dg.AssetMaterialization(
            asset_key=FORMS, partition=sha, description="already loaded: counts from the warehouse",
            metadata={**read_metadata(path, counted, 0.0), **named.get(sha, {}), "status": "already loaded"})
        for table, metadata in table_events(path, counted, rows, totals):
            yield dg.AssetMaterialization(asset_key=table, partition=sha, description="already loaded",
                                          metadata={**metadata, "status": "already loaded"})


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
        if checked:
            findings = findings.join(places(writer.con, checked), on=["form_id", "report_sha256"], how="left")
            named = identities(writer.con, checked)
    link = docs_link(docs) if checked else {}
    for sha in checked:
        if sha not in loaded and not context.instance.has_dynamic_partition(REPORTS.name, sha):
            continue  # stored by `jixiao ingest`: checked and stored, but no partition to record on
        mine = findings.filter(pl.col("report_sha256") == sha)
        for outcome in check_outcomes(mine, suite_table, {"report": sha, **named.get(sha, {}), **link}):
            yield dg.AssetCheckEvaluation(**outcome, partition=sha, blocking=False,
                                          target_materialization_data=_target(context, outcome["asset_key"], sha))


def _target(context: dg.OpExecutionContext, asset: dg.AssetKey, sha: str):
    """The partition's latest materialization, which an evaluation names so that Dagster counts it as
    the partition's current check result (without it the Partitions tab shows the check missing)."""
    from dagster._core.definitions.asset_checks.asset_check_evaluation import (
        AssetCheckEvaluationTargetMaterializationData)

    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[sha]), limit=1).records
    if not records:
        return None
    return AssetCheckEvaluationTargetMaterializationData(
        storage_id=records[0].storage_id, run_id=records[0].run_id, timestamp=records[0].timestamp)


@dg.op(pool=POOL, tags=writer_tags(), ins={"checked": dg.In(dg.Nothing)})
def refresh_views(context: dg.OpExecutionContext, refused: list, warehouse: Warehouse,
                  report_folder: ReportFolder) -> Iterator:
    """`analyst_views` recreated (as the asset does), and its `findings` check over every report.
    Refused files are named in the log and on their partitions; they do not fail the run."""
    with warehouse.writing(context.log) as writer:
        recorded = record_quarantined(writer.con, Path(report_folder.quarantine_dir), context.log.warning)
        views = warehouse_views(writer.con)
        summary = findings_summary(writer.con)
    yield dg.AssetMaterialization(asset_key=VIEWS, metadata={
        **views_metadata(views, recorded, Path(report_folder.docs_dir)),
        "refused_in_this_run": ", ".join(sorted(refused)) or "none"})
    yield dg.AssetCheckEvaluation(**summary, blocking=False)
    if refused:
        context.log.warning(f"{len(refused)} of the batch's reports were refused and quarantined: "
                            f"{', '.join(sorted(refused))}")
    yield dg.Output(None)


@dg.job(executor_def=dg.in_process_executor,
        description="Read many reports (each recorded against its partition) through one pool, load "
                    "each in its own transaction, check each, refresh the views: the inbox sensor's run.")
def ingest_batch():
    loaded, refused = load_reports()
    refresh_views(checked=check_reports(loaded), refused=refused)
