"""Many reports in one run: what the inbox sensor requests for the files that settled in one tick.

A run of `ingest_report` per report pays, per report, a run process, a process per step and the
imports of Dagster, Great Expectations and Camelot in each (about a minute each on 2 cores). The job
`ingest_batch` pays them once per run: its three ops run in the run's own process (in-process
executor), and the reports are read through one pool of bounded workers
(`pipeline.ingest.read_many`, the pool `jixiao ingest` reads through), so the inbox path costs about
what the CLI costs on the same files.

What users rely on is kept, per report: every event is recorded against the report's partition of
`reports` (its sha256), as a run of `ingest_report` records it —

- `load_reports`: each report loaded in a transaction of its own (`pipeline.ingest.store`), and a
  materialization of `forms` and of each warehouse table for its partition, with the same metadata
  (file, forms, indicator rows, pages, seconds, row counts); a refused report is moved to the
  quarantine with its sidecar, recorded in dim_report at once, and observed on its `forms`
  partition with its reason, kind and page; the other reports load;
- `check_reports`: every suite over the batch's reports, one evaluation per report and suite,
  recorded against that report's partition (the metadata of `report_checks`); a failed blocking
  suite (funds, scores) fails this step, so the views are not refreshed by this run;
- `refresh_views`: `analyst_views` recreated and materialized; the step then fails naming the
  refused files, if any, so a quarantine shows as a failed run.

Rerunning one report stays `ingest_report` on its partition (the UI, `make rerun`). A batch run keeps
no pickled `forms` value: rematerialize a partition's tables through `forms`, not alone.
"""


import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import polars as pl

from pipeline import bounded, validate
from pipeline.errors import ReportError
from pipeline.ingest import read_many, record_quarantined, store
from pipeline.warehouse import views as warehouse_views

from .reports import POOL, TABLES, _docs_link, _table, check_outcomes, counts
from .engines import writer_tags
from .resources import ReportFolder, Warehouse

FORMS = dg.AssetKey("forms")
VIEWS = dg.AssetKey("analyst_views")
REPORTS_TAG = "jixiao/reports"  # how many reports a batch run holds


class Batch(dg.Config):
    """The reports of the run: sha256 → the file the sensor saw (found again by its hash in the inbox
    or the quarantine if it moved since)."""

    reports: dict[str, str]


@dg.op(pool=POOL, tags=writer_tags(), out={"loaded": dg.Out(list), "refused": dg.Out(list)})
def load_reports(context: dg.OpExecutionContext, config: Batch, report_folder: ReportFolder,
                 warehouse: Warehouse) -> Iterator:
    """Read every report of the batch through one bounded pool and load each in its own transaction,
    recording each report's materializations (or its refusal) against its partition."""
    found: dict[Path, str] = {}
    refused: list[str] = []
    for sha, hint in config.reports.items():
        path = report_folder.file_of(sha, hint)
        if path is None:
            refused.append(Path(hint).name)
            reason = f"no file with sha256 {sha} in {report_folder.inbox_dir} or {report_folder.quarantine_dir}"
            context.log.error(reason)
            yield dg.AssetObservation(asset_key=FORMS, partition=sha, description=reason,
                                      metadata={"sha256": sha, "file": Path(hint).name})
        else:
            found[path] = sha
    loaded: list[str] = []
    with warehouse.writing(context.log, publish=False) as writer:  # published with the checks
        for path, reading, seconds in read_many(list(found), limits=bounded.Limits.from_env()):
            sha, seconds = found[path], round(seconds, 2)
            if isinstance(reading, ReportError):
                moved = report_folder.put_aside(path, sha, reading)
                refused.append(path.name)
                context.log.error(f"{path.name}: {reading}")
                yield dg.AssetObservation(
                    asset_key=FORMS, partition=sha, description=str(reading),
                    metadata={"file": path.name, "sha256": sha, "error_kind": reading.kind,
                              "page": reading.page, "reason": reading.reason,
                              "quarantined": dg.MetadataValue.path(str(moved)), "seconds": seconds})
                continue
            started = time.perf_counter()
            store(writer.con, path, sha, reading)
            loaded.append(sha)
            numbers = counts(reading)
            yield dg.AssetMaterialization(
                asset_key=FORMS, partition=sha,
                metadata={"file": path.name, "path": dg.MetadataValue.path(str(path)), **numbers,
                          "seconds": seconds})
            stored = round(time.perf_counter() - started, 2)
            for table in TABLES:
                yield dg.AssetMaterialization(
                    asset_key=table, partition=sha,
                    metadata={"file": path.name, **numbers, "seconds": stored,
                              "dagster/row_count": getattr(reading, table).height})
        record_quarantined(writer.con, Path(report_folder.quarantine_dir))  # the refusals, at once
    context.log.info(f"{len(loaded)} reports loaded, {len(refused)} refused")
    yield dg.Output(loaded, "loaded")
    yield dg.Output(refused, "refused")


@dg.op(pool=POOL, tags=writer_tags(), out=dg.Out(dg.Nothing))
def check_reports(context: dg.OpExecutionContext, loaded: list, warehouse: Warehouse,
                  report_folder: ReportFolder) -> Iterator:
    """Every suite over the batch's reports (`validate.run` once, for their sha256s), which replaces
    their findings in check_result; then one evaluation per report and suite, on its partition."""
    docs = Path(report_folder.docs_dir)
    with warehouse.writing(context.log) as writer:
        findings = validate.run(writer.con, loaded, docs=docs) if loaded else None
    link = _docs_link(docs) if loaded else {}
    for sha in loaded:
        mine = findings.filter(pl.col("report_sha256") == sha)
        for outcome in check_outcomes(mine, _table, {"report": sha, **link}):
            yield dg.AssetCheckEvaluation(**outcome, partition=sha,
                                          blocking=outcome["severity"] == dg.AssetCheckSeverity.ERROR)


@dg.op(pool=POOL, tags=writer_tags(), ins={"checked": dg.In(dg.Nothing)})
def refresh_views(context: dg.OpExecutionContext, refused: list, warehouse: Warehouse,
                  report_folder: ReportFolder) -> Iterator:
    """`analyst_views` recreated (as the asset does); fails afterwards naming the refused files."""
    with warehouse.writing(context.log) as writer:
        recorded = record_quarantined(writer.con, Path(report_folder.quarantine_dir))
        views = warehouse_views(writer.con)
    yield dg.AssetMaterialization(
        asset_key=VIEWS, metadata={"count": len(views), "views": dg.MetadataValue.json(views),
                                   "refusals_recorded": dg.MetadataValue.json(recorded),
                                   **_docs_link(Path(report_folder.docs_dir))})
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
