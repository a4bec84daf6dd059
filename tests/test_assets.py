"""The Dagster layer: the whole graph materializes in-process into a fresh warehouse, loads what the
extractor reads, and its checks pass on the real forms and name each injected defect on the samples."""

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from assets.definitions import ReportFolder, defs
from conftest import ROOT, SAMPLES, extracted, truth
from pipeline.validate import load_suites

REAL = SAMPLES / "luohu-2023-dev.xlsx.pdf"  # the 12 published forms; every other sample carries a defect
SUITE_NAMES = {s.name for s in load_suites()}


def _materialize(reports_dir: Path, workdir: Path) -> dg.ExecuteInProcessResult:
    """Every asset and check, into `workdir`/warehouse.duckdb, refusals into `workdir`/quarantine."""
    return dg.materialize(
        [*defs.assets, *defs.asset_checks],  # type: ignore[list-item]
        resources={
            "report_folder": ReportFolder(reports_dir=str(reports_dir),
                                          quarantine_dir=str(workdir / "quarantine")),
            "duckdb": DuckDBResource(database=str(workdir / "warehouse.duckdb")),
        },
    )


def _rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def _count(database: Path, sql: str) -> int:
    return _rows(database, sql)[0][0]


def _metadata(result: dg.ExecuteInProcessResult, node: str) -> dict:
    (event,) = result.asset_materializations_for_node(node)
    return {k: v.value for k, v in event.metadata.items()}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> tuple[dg.ExecuteInProcessResult, Path]:
    workdir = tmp_path_factory.mktemp("samples")
    return _materialize(SAMPLES, workdir), workdir / "warehouse.duckdb"


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> tuple[dg.ExecuteInProcessResult, Path]:
    """The real forms only, next to a file that is not a PDF: it must be quarantined, not fatal."""
    folder = tmp_path_factory.mktemp("real")
    (folder / "reports").mkdir()
    shutil.copy(REAL, folder / "reports" / REAL.name)
    (folder / "reports" / "not-a-report.pdf").write_text("项目支出绩效自评表", encoding="utf-8")
    return _materialize(folder / "reports", folder), folder / "warehouse.duckdb"


def test_lineage_group_and_job():
    graph = defs.resolve_asset_graph()
    parents = {k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys}
               for k in graph.get_all_asset_keys()}
    tables = {"dim_form", "fact_fund_execution", "fact_indicator_result"}
    assert parents == {"reports": set(), "forms": {"reports"}, **{t: {"forms"} for t in tables},
                       "analyst_views": tables}
    assert {graph.get(k).group_name for k in graph.get_all_asset_keys()} == {"jixiao"}
    job = defs.resolve_job_def("ingest_samples")
    assert job.asset_layer.selected_asset_keys == graph.get_all_asset_keys()
    assert {c.name for c in job.asset_layer.asset_graph.asset_check_keys} == SUITE_NAMES


def test_samples_load_every_form_and_row(samples):
    result, database = samples
    assert result.success
    files = sorted(SAMPLES.glob("*.pdf"))
    reports = _metadata(result, "reports")
    assert reports["count"] == len(files) == 11
    assert [f["file"] for f in reports["files"]] == [f.name for f in files]
    assert all(len(f["sha256"]) == 64 for f in reports["files"])

    forms = _metadata(result, "forms")
    assert forms["forms"] == 22 and forms["quarantined"] == 0
    assert forms["pages"] == sum(r["pages"] for r in forms["reports"])

    read = [form for f in files for form in extracted(str(f))]
    assert _count(database, "SELECT count(*) FROM dim_form") == len(read) == 22
    codes = [c for (c,) in _rows(database, "SELECT project_code FROM dim_form")]
    indicators = _count(database, "SELECT count(*) FROM fact_indicator_result")
    assert indicators == sum(len(truth(c)["indicators"]) for c in codes)
    assert indicators == sum(len(form["indicators"]) for form in read)
    assert _count(database, "SELECT count(*) FROM fact_fund_execution") == 4 * 22

    rows = {e.asset_key.to_user_string(): e.metadata["dagster/row_count"].value
            for e in result.asset_materializations_for_node("warehouse_tables")}
    assert rows == {"dim_form": 22, "fact_fund_execution": 88, "fact_indicator_result": indicators}


def test_every_suite_has_a_result_stored_in_check_result(samples):
    result, database = samples
    checks = _checks(result)
    assert set(checks) == SUITE_NAMES
    rules = {r for s in load_suites() for r in s.rules}
    stored = _count(database, "SELECT count(*) FROM check_result")
    assert stored == sum(c.metadata["rows_checked"].value for c in checks.values()) > 0
    assert _count(database, "SELECT count(DISTINCT rule) FROM check_result") == len(rules)
    assert _count(database, "SELECT count(*) FROM check_result WHERE NOT passed") == sum(
        c.metadata["rows_failed"].value for c in checks.values())


def test_failing_checks_name_each_injected_defect_with_both_numbers(samples):
    result, database = samples
    checks = _checks(result)
    failures = [f for c in checks.values() for f in c.metadata["failures"].value]
    forms = _rows(database, "SELECT form_id, project_code FROM dim_form")
    defects = {(form_id, truth(code)["defect"]["kind"]) for form_id, code in forms
               if truth(code).get("defect")}
    assert {(f["form_id"], f["rule"]) for f in failures} == defects
    assert all(Decimal(f["expected"]) != Decimal(f["observed"]) for f in failures)
    assert {"form_id": "440306211550216301358-2024", "rule": "funds_score", "subject": "资金 得分",
            "expected": "5.34", "observed": "6.34"} in checks["funds"].metadata["failures"].value
    failing = {name for name, c in checks.items() if not c.passed}
    assert failing == SUITE_NAMES
    assert {checks[n].severity for n in failing} == {dg.AssetCheckSeverity.WARN}


def test_real_forms_pass_every_check(real):
    result, _ = real
    assert result.success
    checks = _checks(result)
    assert set(checks) == SUITE_NAMES
    for name, check in checks.items():
        assert check.passed, (name, check.metadata["failures"].value)
        assert check.metadata["rows_checked"].value > 0


def test_unreadable_report_is_quarantined_with_its_reason(real):
    result, database = real
    forms = _metadata(result, "forms")
    assert forms["forms"] == 12 and forms["quarantined"] == 1
    (refused,) = [r for r in forms["reports"] if r["status"] == "quarantined"]
    assert refused["file_name"] == "not-a-report.pdf" and refused["error_kind"] == "not_a_pdf"
    assert "not-a-report.pdf" in refused["error"]
    assert _count(database, "SELECT count(*) FROM dim_report WHERE status = 'quarantined' "
                            "AND file_name = 'not-a-report.pdf' AND error IS NOT NULL") == 1
    assert _count(database, "SELECT count(*) FROM dim_form") == 12
    (sidecar,) = (database.parent / "quarantine").glob("*.json")
    assert json.loads(sidecar.read_text(encoding="utf-8"))["kind"] == "not_a_pdf"
    assert sidecar.with_suffix("").read_text(encoding="utf-8") == "项目支出绩效自评表"


def test_definitions_validate_with_the_repo_instance(tmp_path):
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")  # as `make ui` does
    done = subprocess.run(
        [Path(sys.executable).with_name("dagster"), "definitions", "validate", "-m", "assets.definitions"],
        cwd=ROOT, env={**os.environ, "DAGSTER_HOME": str(tmp_path)}, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
