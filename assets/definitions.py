"""The Dagster layer: report files → forms → warehouse tables → analyst views, checked by the GX suites.

Every asset is a few calls into `pipeline`; nothing here reads a PDF or knows a rule. The lineage the
UI shows is the library's data flow: `reports` → `forms` → {`dim_form`, `fact_fund_execution`,
`fact_indicator_result`} (one step, so each report is loaded in one transaction) → `analyst_views`.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource
from duckdb import DuckDBPyConnection

from pipeline import normalise, validate, warehouse
from pipeline.errors import ReportError
from pipeline.extract import extract
from pipeline.ingest import find_reports
from pipeline.pdf import sha256_of

GROUP = "jixiao"
POOL = "duckdb"  # DuckDB lets one process write the warehouse file; dagster.yaml limits this pool to 1
TABLES = ("dim_form", "fact_fund_execution", "fact_indicator_result")
# The table whose numbers a suite reconciles; any other suite lands on dim_form, the unit every rule reports on.
SUITE_TABLE = {"weights": "fact_indicator_result", "scores": "dim_form", "funds": "fact_fund_execution"}
SUITES = validate.load_suites()
FINDING = ["form_id", "rule", "subject", "expected", "observed"]


class ReportFolder(dg.ConfigurableResource):
    """Where the reports are: a folder searched recursively for PDFs (relative to the working directory)."""

    reports_dir: str = "data/samples"

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


@dg.asset(group_name=GROUP, kinds={"python"})
def forms(context: dg.AssetExecutionContext, reports: list[str]) -> dg.Output[list[Reading]]:
    """Every form of every report, as warehouse frames. A report that cannot be read is not raised: it
    becomes a quarantined row with its reason, so one bad file never stops the others."""
    readings = [_read(Path(p)) for p in reports]
    rows = pl.concat([pl.DataFrame(schema=normalise.DIM_REPORT), *(r.report for r in readings)])
    refused = rows.filter(pl.col("status") == "quarantined")
    for error in refused["error"]:
        context.log.warning(f"quarantined: {error}")
    return dg.Output(
        readings,
        metadata={
            "forms": int(rows["forms"].sum()),
            "pages": int(rows["pages"].sum()),
            "seconds": round(sum(r.seconds for r in readings), 2),
            "quarantined": refused.height,
            "reports": dg.MetadataValue.json([
                {**row, "seconds": round(r.seconds, 2)}
                for r, row in zip(readings, rows.select(
                    "file_name", "status", "forms", "pages", "error_kind", "error").to_dicts())
            ]),
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
    with _warehouse(duckdb) as con:
        for reading in forms:
            if reading.frames is None:
                warehouse.record_refusal(con, reading.report)
            else:
                warehouse.load_report(con, reading.frames)
        for table in TABLES:
            (total,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[misc]
            loaded = sum(getattr(r.frames, table).height for r in forms if r.frames is not None)
            yield dg.MaterializeResult(
                asset_key=table, metadata={"rows_loaded": loaded, "dagster/row_count": total}
            )


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=list(TABLES), pool=POOL)
def analyst_views(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The views of sql/views/, recreated over the freshly loaded tables."""
    with _warehouse(duckdb) as con:
        warehouse.refresh_views(con)
        views = [v for (v,) in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]
    return dg.MaterializeResult(metadata={"count": len(views), "views": dg.MetadataValue.json(views)})


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            suite.name,
            asset=SUITE_TABLE.get(suite.name, "dim_form"),
            additional_deps=[t for t in TABLES if t != SUITE_TABLE.get(suite.name, "dim_form")],
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
    with _warehouse(duckdb) as con:
        findings = validate.run(con)
    for suite in SUITES:
        judged = findings.filter(pl.col("rule").is_in(suite.rules))
        failed = judged.filter(~pl.col("passed")).sort("form_id", "rule", "subject")
        yield dg.AssetCheckResult(
            check_name=suite.name,
            asset_key=SUITE_TABLE.get(suite.name, "dim_form"),
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


@contextmanager
def _warehouse(resource: DuckDBResource) -> Iterator[DuckDBPyConnection]:
    """A connection with the schema applied, as `warehouse.connect` gives, so a first run creates the tables."""
    Path(resource.database).parent.mkdir(parents=True, exist_ok=True)
    with resource.get_connection() as con:
        warehouse.apply_schema(con)
        yield con


def _read(path: Path) -> Reading:
    """`pipeline.ingest.ingest_file` up to, not including, the write: the load is the next asset."""
    started = time.perf_counter()
    try:
        info, read = extract(path)
        frames = normalise.frames(read, file_path=str(path), pages=info.pages)
    except ReportError as err:
        row = normalise.report_row(
            sha256=sha256_of(path), file_name=path.name, file_path=str(path), pages=None,
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
