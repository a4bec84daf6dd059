"""The Dagster layer: report files → forms → warehouse tables → analyst views, checked by the GX suites.

Every asset is a few calls into `pipeline`; nothing here reads a PDF or knows a rule. The lineage the
UI shows is the library's data flow: `reports` → `forms` → {`dim_form`, `fact_fund_execution`,
`fact_indicator_result`} (one step, so each report is loaded in one transaction) → `analyst_views`.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from pipeline import normalise, validate, warehouse
from pipeline.errors import ReportError
from pipeline.extract import extract
from pipeline.ingest import find_reports, quarantine
from pipeline.pdf import sha256_of

GROUP = "jixiao"
POOL = "duckdb"  # DuckDB lets one process write the warehouse file; dagster.yaml limits this pool to 1
TABLES = ("dim_form", "fact_fund_execution", "fact_indicator_result")
# Read once at load time, so the checks the UI lists are the checks that run.
SUITES = validate.load_suites()
# The table whose numbers a suite reconciles; another suite lands on dim_form, the unit every rule names.
SUITE_TABLE = {"weights": "fact_indicator_result", "scores": "dim_form", "funds": "fact_fund_execution"}
FINDING = ["form_id", "rule", "subject", "expected", "observed"]


class ReportFolder(dg.ConfigurableResource):
    """Where the reports are (a folder searched recursively for PDFs) and where a refused one is
    copied with a JSON sidecar giving its reason, as `jixiao ingest` does. Relative to the working
    directory, like the warehouse path."""

    reports_dir: str = "data/samples"
    quarantine_dir: str = "data/quarantine"

    def files(self) -> list[Path]:
        return find_reports([self.reports_dir])


@dataclass(frozen=True)
class Reading:
    """One report as read: its dim_report row (loaded, or quarantined with the reason) and, unless
    refused, the frames to load. Errors travel as that row, so a refusal survives pickling between steps."""

    report: pl.DataFrame
    frames: normalise.ReportFrames | None
    seconds: float


@dg.asset(group_name=GROUP, kinds={"pdf"})
def reports(report_folder: ReportFolder) -> dg.Output[list[str]]:
    """The report files under `reports_dir`, each named with its sha256 (the warehouse's report key)."""
    files = report_folder.files()
    return dg.Output(
        [str(f) for f in files],
        metadata={
            "count": len(files),
            "files": dg.MetadataValue.json([{"file": f.name, "sha256": sha256_of(f)} for f in files]),
        },
    )


@dg.asset(group_name=GROUP, kinds={"polars"})
def forms(
    context: dg.AssetExecutionContext, report_folder: ReportFolder, reports: list[str]
) -> dg.Output[list[Reading]]:
    """Every form of every report, as warehouse frames. A report that cannot be read is not raised: it
    becomes a quarantined row with its reason (and a copy in `quarantine_dir`), so one bad file never
    stops the others."""
    readings = [_read(Path(p), Path(report_folder.quarantine_dir)) for p in reports]
    summary = [
        {**r.report.select("file_name", "status", "forms", "pages", "error_kind", "error").row(0, named=True),
         "seconds": round(r.seconds, 2)}
        for r in readings
    ]
    refused = [s for s in summary if s["status"] == "quarantined"]
    for s in refused:
        context.log.warning(f"quarantined: {s['error']}")
    return dg.Output(
        readings,
        metadata={
            "forms": sum(s["forms"] for s in summary),
            "pages": sum(s["pages"] or 0 for s in summary),
            "seconds": round(sum(r.seconds for r in readings), 2),
            "quarantined": len(refused),
            "reports": dg.MetadataValue.json(summary),
        },
    )


@dg.multi_asset(
    specs=[dg.AssetSpec(t, group_name=GROUP, kinds={"duckdb"}, deps=["forms"]) for t in TABLES],
    ins={"forms": dg.AssetIn()},
    pool=POOL,
)
def warehouse_tables(duckdb: DuckDBResource, forms: list[Reading]) -> Iterator[dg.MaterializeResult]:
    """Loads each report in its own transaction (`warehouse.load_report`), so its form, funds and
    indicator rows appear together or not at all; a refused report replaces what it loaded before
    with its quarantined dim_report row (`warehouse.record_refusal`)."""
    Path(duckdb.database).parent.mkdir(parents=True, exist_ok=True)
    with duckdb.get_connection() as con:
        warehouse.apply_schema(con)  # a first run creates the tables, as `warehouse.connect` does
        for reading in forms:
            if reading.frames is None:
                warehouse.record_refusal(con, reading.report)
            else:
                warehouse.load_report(con, reading.frames)
        totals = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone() for t in TABLES}
    for table in TABLES:
        loaded = sum(getattr(r.frames, table).height for r in forms if r.frames is not None)
        yield dg.MaterializeResult(
            asset_key=table, metadata={"rows_loaded": loaded, "dagster/row_count": totals[table][0]}
        )


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=list(TABLES), pool=POOL)
def analyst_views(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The views of sql/views/, recreated over the freshly loaded tables."""
    with duckdb.get_connection() as con:
        warehouse.refresh_views(con)
        views = [v for (v,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]
    return dg.MaterializeResult(metadata={"count": len(views), "views": dg.MetadataValue.json(views)})


def _table(suite: validate.Suite) -> str:
    return SUITE_TABLE.get(suite.name, "dim_form")


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            suite.name,
            asset=_table(suite),
            additional_deps=[t for t in TABLES if t != _table(suite)],
            description="; ".join(e["meta"]["description"] for e in suite.expectations),
        )
        for suite in SUITES
    ],
    pool=POOL,
)
def suites(duckdb: DuckDBResource) -> Iterator[dg.AssetCheckResult]:
    """One check per suite of expectations/, from one `validate.run` over every loaded report, which
    also stores the findings in check_result.

    A failure has severity WARN: the extractor reproduces what a form prints and refuses what it cannot
    have read right (an ExtractionFault quarantines the report), so a loaded form that breaks a rule
    really prints inconsistent numbers. That is a finding for the analyst, listed here with the form,
    rule and both numbers, not a broken load: the run stays green and the rows stay queryable.
    """
    with duckdb.get_connection() as con:
        findings = validate.run(con)
    for suite in SUITES:
        judged = findings.filter(pl.col("rule").is_in(suite.rules))
        failed = judged.filter(~pl.col("passed")).sort("form_id", "rule", "subject")
        yield dg.AssetCheckResult(
            check_name=suite.name,
            asset_key=_table(suite),
            passed=failed.is_empty(),
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "rules": dg.MetadataValue.json(suite.rules),
                "rows_checked": judged.height,
                "rows_failed": failed.height,
                "failures": dg.MetadataValue.json(
                    failed.select(FINDING).cast({"expected": pl.String, "observed": pl.String}).to_dicts()
                ),
            },
        )


def _read(path: Path, quarantine_dir: Path) -> Reading:
    """`pipeline.ingest.ingest_file` up to, not including, the write: the load is the next asset."""
    started = time.perf_counter()
    try:
        info, found = extract(path)
        frames = normalise.frames(found, file_path=str(path), pages=info.pages)
    except ReportError as err:
        sha = sha256_of(path)
        quarantine(path, sha, err, quarantine_dir)
        row = normalise.report_row(
            sha256=sha, file_name=path.name, file_path=str(path), pages=None,
            status="quarantined", forms=0, error_kind=err.kind, error=str(err), error_page=err.page,
        )
        return Reading(row, None, time.perf_counter() - started)
    return Reading(frames.dim_report, frames, time.perf_counter() - started)


ingest_samples = dg.define_asset_job(
    "ingest_samples",
    selection=dg.AssetSelection.all(),
    description="Read every report under reports_dir into the warehouse and run the suites.",
)

defs = dg.Definitions(
    assets=[reports, forms, warehouse_tables, analyst_views],
    asset_checks=[suites],
    jobs=[ingest_samples],
    resources={
        "report_folder": ReportFolder(),
        "duckdb": DuckDBResource(database=str(warehouse.warehouse_path())),
    },
    # One step at a time in one process: the steps share a single-writer DuckDB file, so parallel
    # processes would only queue on its lock.
    executor=dg.in_process_executor,
)
