"""What is recorded against a report's partition, in one place for both run paths: the one-report
run (`assets.reports`: the `forms` asset and the table multi-asset) and the inbox sensor's batch run
(`assets.batch`), so the two cannot drift. Each function gives the metadata (or the events) of one
report; the steps only decide when to emit them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipeline.errors import ReportError, shown

FORMS = dg.AssetKey("forms")
PARTITION_TAG = "dagster/partition"
TABLES = ("dim_form", "fact_fund_execution", "fact_indicator_result")


def numbers(sha256: str, forms: int, indicator_rows: int, pages: int | None) -> dict:
    """The counts every materialization of a report carries."""
    return {"sha256": sha256, "forms": forms, "indicator_rows": indicator_rows, "pages": pages}


def read_metadata(path: Path, counted: dict, seconds: float) -> dict:
    """A report's `forms` materialization: its file, its counts, the seconds of its reading."""
    return {"file": shown(path.name), "path": dg.MetadataValue.path(str(path)), **counted,
            "seconds": round(seconds, 2)}


def table_events(path: Path, counted: dict, rows: dict[str, int], totals: dict[str, int],
                 seconds: float | None = None) -> Iterator[tuple[str, dict]]:
    """(table, metadata) of each warehouse table's materialization for one report: this report's
    rows (`report_rows`) and the table's (`dagster/row_count`, what the asset's overview shows)."""
    extra = {} if seconds is None else {"seconds": round(seconds, 2)}
    for table in TABLES:
        yield table, {"file": shown(path.name), **counted, **extra, "report_rows": rows[table],
                      "dagster/row_count": totals[table]}


def table_rows(con) -> dict[str, int]:
    """Each warehouse table's row count."""
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def refusal_metadata(name: str, sha256: str, err: ReportError, seconds: float,
                     put_aside: Path | str | None) -> dict:
    """A refused report: file, kind, page, reason, and where the file went (a path), or why it could
    not be put aside (a string)."""
    if isinstance(put_aside, Path):
        where = {"quarantined": dg.MetadataValue.path(str(put_aside))}
    elif put_aside is not None:
        where = {"not_put_aside": put_aside}
    else:
        where = {}
    return {"file": shown(name), "sha256": sha256, "error_kind": err.kind, "page": err.page,
            "reason": err.reason, **where, "seconds": round(seconds, 2)}


def refusal(sha256: str, description: str, metadata: dict) -> dg.AssetObservation:
    """The refusal on the `forms` asset's own timeline for its partition, not only in the run log."""
    return dg.AssetObservation(asset_key=FORMS, partition=sha256, description=description,
                               metadata=metadata)


# The unit a rule's two numbers are in: amounts in 元, the execution rate in %, the rest are points.
RULE_UNIT = {"fund_total": "元", "execution_rate": "%"}
FINDINGS_SHOWN = 50  # rows of a failure table; the rest are in check_result


def identities(con, shas: list[str]) -> dict[str, dict]:
    """sha256 → what a person searches a report by: its file name, project codes and units (the
    partition key is the sha256, which nobody types)."""
    rows = con.execute(
        """SELECT r.report_sha256, any_value(r.file_name),
                  string_agg(DISTINCT f.project_code, ', ' ORDER BY f.project_code),
                  string_agg(DISTINCT f.implementing_unit, ', ' ORDER BY f.implementing_unit)
           FROM dim_report r LEFT JOIN dim_form f USING (report_sha256)
           WHERE list_contains(?, r.report_sha256) GROUP BY 1""", [shas]).fetchall()
    return {sha: {"file": shown(name or ""), "project_codes": codes or "", "units": units or ""}
            for sha, name, codes, units in rows}


def places(con, shas: list[str]):
    """form_id, report_sha256 → file name and first page, for the failure tables."""
    import polars as pl

    return pl.DataFrame(con.execute(
        """SELECT f.form_id, f.report_sha256, r.file_name, f.first_page FROM dim_form f
           JOIN dim_report r USING (report_sha256) WHERE list_contains(?, f.report_sha256)""",
        [shas]).fetchall(), schema=["form_id", "report_sha256", "file_name", "first_page"], orient="row")


def _cell(value) -> str:
    return "—" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def failures_table(failed) -> dg.MetadataValue:
    """The failed rows of a check as a markdown table a person reads: form, file, page, rule, what
    the form prints, what the rule computes, and their unit (JSON hid which number was which)."""
    if failed.is_empty():
        return dg.MetadataValue.md("No failures.")
    lines = ["| form | file | page | rule | subject | printed | computed | unit |",
             "|---|---|---|---|---|---:|---:|---|"]
    for row in failed.head(FINDINGS_SHOWN).iter_rows(named=True):
        lines.append("| " + " | ".join(_cell(v) for v in (
            row["form_id"], row.get("file_name"), row.get("first_page"), row["rule"], row["subject"],
            row["observed"], row["expected"], RULE_UNIT.get(row["rule"], "分"))) + " |")
    if failed.height > FINDINGS_SHOWN:
        lines.append(f"\n{failed.height - FINDINGS_SHOWN} more in check_result.")
    return dg.MetadataValue.md("\n".join(lines))


@dg.op(description="Stands for a refused report: never executed, its run is recorded failed")
def refused_report() -> None:
    """A run of `report_refused` records one refusal (`refused_failure`); the op itself never runs."""


@dg.job(description="The record of a refused report: a failed run per refused file, whose failure is "
                    "the reason, so the report's partition shows failed, not missing. Never launched.")
def report_refused():
    refused_report()


def refused_failure(instance: dg.DagsterInstance, sha256: str, name: str, description: str,
                    run_tags: dict[str, str] | None = None) -> str:
    """The refusal of a batch run's report as a failed run of `report_refused` that planned the
    report's `forms` partition: Dagster shows a partition failed only when the run that planned it
    failed (its event storage keeps no failed-materialization event), and the batch run itself
    succeeds. The run's failure message is the reason. Returns the run id."""
    from dagster._core.events import AssetMaterializationPlannedData, DagsterEvent

    run = instance.create_run_for_job(report_refused, tags={
        PARTITION_TAG: sha256, "jixiao/refused": "true", **(run_tags or {})})
    instance.report_dagster_event(DagsterEvent.build_asset_materialization_planned_event(
        report_refused.name, refused_report.name, AssetMaterializationPlannedData(FORMS, partition=sha256)),
        run_id=run.run_id)
    instance.report_run_failed(run, f"{name} refused: {description}")
    return run.run_id
