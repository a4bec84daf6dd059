"""The assets: one report file → its forms → its rows in the warehouse tables → the analyst views,
checked by the GX suites. Each is a few calls into `pipeline`; nothing here reads a PDF or knows a rule.

`forms` and the warehouse tables are partitioned by report (`resources.REPORTS`): reading runs in
its own process, in parallel with other reports, bounded by `pipeline.bounded.Limits` (from
$JIXIAO_MAX_SECONDS, …); every step that writes DuckDB is in the pool "duckdb", which dagster.yaml
limits to one step at a time, and takes the writers' lock (`resources.Warehouse`).
"""

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from pipeline import bounded, checks, report
from pipeline.facts import frames as facts
from pipeline.warehouse import unchecked_reports, views as warehouse_views
from pipeline.errors import FileChanged, ReportError
from pipeline.ingest import read_isolated, record_quarantined, store
from pipeline.read.pdf import CHANGED, sha256_of

from .engines import writer_tags
from .events import (TABLES, failures_table, identities, numbers, places, read_metadata, refusal,
                     refusal_metadata, table_events, table_rows)
from .resources import FILE_TAG, REPORTS, ReportFolder, Warehouse

GROUP = "jixiao"
POOL = "duckdb"
# Read once at load time, so the checks the UI lists are the checks that run.
SUITES = checks.load_suites()
# The table whose numbers a suite reconciles; another suite lands on dim_form, the unit every rule names.
SUITE_TABLE = {"weights": "fact_indicator_result", "scores": "dim_form", "funds": "fact_fund_execution"}
# Suites whose rules reconcile printed totals: a form failing them prints numbers that do not add up
# (severity ERROR); `weights` findings warn. Both are findings about the forms, not a failure of the
# run: no check blocks, the views are refreshed over what was loaded, and a run fails only when
# jixiao itself failed.
SEVERE = {"funds", "scores"}
FINDINGS = dg.AssetCheckKey(dg.AssetKey("analyst_views"), "findings")
# A check spec with partitions_def is a preview feature of Dagster: said once per process, to nobody.
warnings.filterwarnings("ignore", message=".*partitions_def.*", category=dg.PreviewWarning)


class Reading(dg.Config):
    """How `forms` reads its report: `prefer_ocr` reads every page of a PDF from its image, its text
    layer set aside (`jixiao ingest --prefer-ocr`), for a report whose text layer the user distrusts."""

    prefer_ocr: bool = False


@dg.asset(partitions_def=REPORTS, group_name=GROUP, kinds={"pdf", "polars"})
def forms(
    context: dg.AssetExecutionContext, report_folder: ReportFolder, config: Reading
) -> Iterator[dg.AssetObservation | dg.Output[facts.ReportFrames]]:
    """The forms of one report file as warehouse frames. A file that cannot be read fails this
    partition only, with its reason and page, and is moved to quarantine with a JSON sidecar."""
    sha = context.partition_key
    path = report_folder.file_of(sha, context.run.tags.get(FILE_TAG))
    if path is None:
        raise dg.Failure(f"no file with sha256 {sha} in {report_folder.inbox_dir} or "
                         f"{report_folder.quarantine_dir}", metadata={"sha256": sha})
    started = time.perf_counter()
    reading = read_isolated(path, bounded.Limits.from_env(), prefer_ocr=config.prefer_ocr)
    seconds = time.perf_counter() - started
    if not _still(path, sha):  # what was read may not be the partition's content: never stored as it
        raise dg.Failure(description=str(FileChanged(str(path), CHANGED)), metadata={"sha256": sha})
    if isinstance(reading, ReportError):
        try:
            where: Path | str = report_folder.put_aside(path, sha, reading)
        except OSError as exc:  # a full quarantine: the partition fails with its reason all the same
            where = f"{exc}; the file stays where it was read"
        metadata = refusal_metadata(path.name, sha, reading, seconds, where)
        yield refusal(sha, str(reading), metadata)
        raise dg.Failure(description=str(reading), metadata=metadata)
    yield dg.Output(reading, metadata=read_metadata(path, counts(reading), seconds))


@dg.multi_asset(
    specs=[dg.AssetSpec(t, group_name=GROUP, kinds={"duckdb"}, deps=["forms"]) for t in TABLES],
    ins={"forms": dg.AssetIn()},
    partitions_def=REPORTS,
    pool=POOL,
    op_tags=writer_tags(),
)
def warehouse_tables(
    context: dg.AssetExecutionContext, warehouse: Warehouse, report_folder: ReportFolder,
    forms: facts.ReportFrames
) -> Iterator[dg.MaterializeResult | dg.AssetObservation]:
    """Replaces this report's rows in one transaction (`pipeline.ingest.store`): its form, funds and
    indicator rows appear together or not at all, and a rerun leaves no trace of the previous load.
    A report refused as it is stored (its rows break a key of the warehouse) fails this partition
    as a refused reading fails `forms`: put aside, recorded, nothing of it written."""
    started = time.perf_counter()
    path = Path(forms.dim_report["file_path"][0])
    with warehouse.writing(context.log, publish=False) as writer:  # published with its checks
        refused = store(writer.con, path, context.partition_key, forms, put_aside=report_folder.put_aside)
        totals = table_rows(writer.con)
    if refused is not None:
        err, where = refused
        metadata = refusal_metadata(path.name, context.partition_key, err, time.perf_counter() - started,
                                    where or "it could not be put aside; the file stays where it was read")
        yield refusal(context.partition_key, str(err), metadata)
        raise dg.Failure(description=str(err), metadata=metadata)
    rows = {table: getattr(forms, table).height for table in TABLES}
    for table, metadata in table_events(path, counts(forms), rows, totals, time.perf_counter() - started):
        yield dg.MaterializeResult(asset_key=table, metadata=metadata)


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=list(TABLES), pool=POOL, op_tags=writer_tags(),
          check_specs=[dg.AssetCheckSpec(
              FINDINGS.name, asset="analyst_views",
              description="Every report's findings as they stand in check_result, per rule: what the "
                          "asset boxes of the partitioned checks cannot show (they show one report)")])
def analyst_views(context: dg.AssetExecutionContext, warehouse: Warehouse,
                  report_folder: ReportFolder) -> dg.MaterializeResult:
    """The views of sql/views/, recreated over the loaded tables, whatever the checks found; the
    reports stored but not yet checked are checked first. Also
    records in dim_report the refusals quarantined since (the read step does not open the
    warehouse), so analysts see every refused file there; and sums up every report's findings."""
    with warehouse.writing(context.log) as writer:
        refused = record_quarantined(writer.con, Path(report_folder.quarantine_dir), context.log.warning)
        views = warehouse_views(writer.con)  # `connect` recreated them
        # no check blocks, so this step may come before the report's checks: it checks what is
        # stored unchecked itself (as `also_unchecked`), never publishing a form as unchecked
        if todo := unchecked_reports(writer.con):
            checks.run(writer.con, todo, docs=Path(report_folder.docs_dir))
        summary = findings_summary(writer.con)
    return dg.MaterializeResult(metadata=views_metadata(views, refused, Path(report_folder.docs_dir)),
                                check_results=[dg.AssetCheckResult(**summary)])


def views_metadata(views: list[str], refused: list, docs: Path) -> dict:
    """What a materialization of `analyst_views` carries, by either run path."""
    return {"count": len(views), "views": dg.MetadataValue.json(views),
            "refusals_recorded": dg.MetadataValue.json(refused), **docs_link(docs)}


def findings_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """The `findings` check of `analyst_views`: every report's findings in check_result, per rule
    (forms checked, forms failing, rows failing), and the failing rows as a table. It fails (WARN:
    the forms' own inconsistencies, not jixiao's) when any stands."""
    per_rule = con.execute(
        """SELECT rule, count(DISTINCT report_sha256), count(DISTINCT form_id || report_sha256),
                  count(DISTINCT CASE WHEN NOT passed THEN form_id || report_sha256 END),
                  count(*) FILTER (WHERE NOT passed)
           FROM check_result GROUP BY rule ORDER BY rule""").fetchall()
    failed = pl.DataFrame(con.execute(
        """SELECT c.form_id, c.report_sha256, r.file_name, f.first_page, c.rule, c.subject,
                  c.expected, c.observed
           FROM check_result c JOIN dim_report r USING (report_sha256)
           LEFT JOIN dim_form f USING (form_id, report_sha256)
           WHERE NOT c.passed ORDER BY r.file_name, c.form_id, c.rule, c.subject""").fetchall(),
        schema=["form_id", "report_sha256", "file_name", "first_page", "rule", "subject", "expected",
                "observed"], orient="row")
    reports = con.execute("SELECT count(DISTINCT report_sha256) FROM check_result").fetchone()[0]
    table = ["| rule | reports | forms checked | forms failing | rows failing |", "|---|---:|---:|---:|---:|"]
    table += [f"| {rule} | {r} | {f} | {ff} | {rows} |" for rule, r, f, ff, rows in per_rule]
    return dict(asset_key=FINDINGS.asset_key, check_name=FINDINGS.name, passed=failed.is_empty(),
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"reports_checked": reports, "rows_failed": failed.height,
                          "forms_failing": failed.select("form_id", "report_sha256").n_unique(),
                          "per_rule": dg.MetadataValue.md("\n".join(table)),
                          "failures": failures_table(failed)})


def also_unchecked(con: duckdb.DuckDBPyConnection, shas: list[str], log) -> list[str]:
    """`shas` and the reports stored by a run killed before its checks ran
    (`warehouse.unchecked_reports`, as `jixiao ingest` does): the reports a checking step checks."""
    left = [sha for sha in unchecked_reports(con) if sha not in shas]
    if left:
        log.info(f"also checking {len(left)} report(s) a run stored but did not check: "
                 f"{', '.join(s[:12] for s in left)}")
    return [*shas, *left]


def _still(path: Path, sha256: str) -> bool:
    """The file still holds the content `sha256` (it was not rewritten while it was read)."""
    try:
        return sha256_of(path) == sha256
    except (OSError, ReportError):
        return False


def suite_table(suite: checks.Suite) -> str:
    return SUITE_TABLE.get(suite.name, "dim_form")


def _description(suite: checks.Suite) -> str:
    return "; ".join(e["meta"]["description"] for e in suite.expectations)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            suite.name,
            asset=suite_table(suite),
            additional_deps=[t for t in TABLES if t != suite_table(suite)],
            description=_description(suite),
            blocking=False,  # a finding about a form, never a reason to stop (SEVERE)
            partitions_def=REPORTS,  # each result is recorded against its report's partition
        )
        for suite in SUITES
    ],
    pool=POOL,
    op_tags=writer_tags(),
)
def report_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse, report_folder: ReportFolder
) -> Iterator[dg.AssetCheckResult]:
    """Every suite over this partition's report only (`checks.run` for its sha256), which also
    replaces the report's findings in check_result. A failure lists form, rule and both numbers.

    The extractor refuses what it cannot have read right (the partition fails in `forms`), so a loaded
    form that breaks a rule really prints inconsistent numbers: a finding, not a broken load.
    Checks first any report a killed run stored without its checks (`also_unchecked`), so this
    step never publishes it as checked."""
    sha = context.partition_key
    docs = Path(report_folder.docs_dir)
    with warehouse.writing(context.log) as writer:
        findings = checks.run(writer.con, also_unchecked(writer.con, [sha], context.log), docs=docs)
        where, named = places(writer.con, [sha]), identities(writer.con, [sha])
    mine = findings.filter(pl.col("report_sha256") == sha)  # the others' are stored in check_result
    yield from _results(mine.join(where, on=["form_id", "report_sha256"], how="left"), suite_table,
                        {"report": sha, **named.get(sha, {}), **docs_link(docs)})


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(suite.name, asset="analyst_views", description=_description(suite))
        for suite in SUITES
    ],
    pool=POOL,
    op_tags=writer_tags(),
)
def warehouse_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse,
                     report_folder: ReportFolder) -> Iterator[dg.AssetCheckResult]:
    """Every suite over every loaded report, as the nightly schedule runs them; refreshes check_result."""
    docs = Path(report_folder.docs_dir)
    with warehouse.writing(context.log) as writer:
        findings = checks.run(writer.con, docs=docs)
        where = places(writer.con, findings["report_sha256"].unique().to_list())
    yield from _results(findings.join(where, on=["form_id", "report_sha256"], how="left"),
                        lambda suite: "analyst_views", docs_link(docs))


def _results(findings: pl.DataFrame, asset_of, extra: dict) -> Iterator[dg.AssetCheckResult]:
    for outcome in check_outcomes(findings, asset_of, extra):
        yield dg.AssetCheckResult(**outcome)


def check_outcomes(findings: pl.DataFrame, asset_of, extra: dict) -> Iterator[dict]:
    """Per suite: check name, asset, passed, severity and metadata (the failures as a table of form,
    file, page, rule, printed, computed and unit: `events.failures_table`), as an `AssetCheckResult`
    (a step's own partition) or an `AssetCheckEvaluation` (a batch run's, `assets.batch`) takes
    them. `findings` may carry file_name and first_page (`events.places`)."""
    for suite in SUITES:
        judged = findings.filter(pl.col("rule").is_in(suite.rules))
        failed = judged.filter(~pl.col("passed")).sort("form_id", "rule", "subject")
        yield dict(
            check_name=suite.name,
            asset_key=dg.AssetKey(asset_of(suite)),
            passed=failed.is_empty(),
            severity=dg.AssetCheckSeverity.ERROR if suite.name in SEVERE else dg.AssetCheckSeverity.WARN,
            metadata={
                **extra,
                "rules": ", ".join(suite.rules),
                "rows_checked": judged.height,
                "rows_failed": failed.height,
                "forms_failing": failed.select("form_id", "report_sha256").n_unique(),
                "failures": failures_table(failed),
            },
        )


def docs_link(docs: Path) -> dict:
    """The review report the checks just rebuilt (`pipeline.report`): its key figures and findings as
    markdown, shown in the UI, and its path, to open in a browser (the UI's file:// links do not)."""
    index = checks.docs_index(docs)
    return {"review": dg.MetadataValue.md(report.markdown(index.parent)),
            "review_report": dg.MetadataValue.path(str(index.resolve()))}


def counts(frames: facts.ReportFrames) -> dict:
    return numbers(frames.dim_report["report_sha256"][0], frames.dim_form.height,
                   frames.fact_indicator_result.height, frames.dim_report["pages"][0])
