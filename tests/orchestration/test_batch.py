"""The inbox sensor's batch run (`assets.batch.ingest_batch`), in process: the files settled in one tick
are one run, which loads into the warehouse what `jixiao ingest` loads from the same files, and
records each report's materializations, checks and refusal against its own partition."""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.batch import REPORTS_TAG, ingest_batch
from assets.reports import SEVERE, SUITE_TABLE
from assets.resources import REPORTS, ReportFolder, Warehouse
from assets.automation import inbox_sensor
from conftest import SAMPLES
from pipeline.read.pdf import sha256_of
from pipeline.checks import load_suites

REAL = SAMPLES / "luohu-2023-dev.xlsx.pdf"
TABLES = ("dim_form", "fact_fund_execution", "fact_indicator_result")
SUITES = {s.name for s in load_suites()}
# What the two paths must agree on, row for row (not the times they were read or checked).
SAME = {
    "dim_report": "SELECT report_sha256, file_name, pages, status, forms, error_kind FROM dim_report",
    "dim_form": "SELECT form_id, report_sha256, template, execution_rate, total_score, is_current FROM dim_form",
    "fact_fund_execution": "SELECT form_id, report_sha256, source, role, annual_budget, executed FROM fact_fund_execution",
    "fact_indicator_result": "SELECT form_id, report_sha256, level3, target, actual, weight, score FROM fact_indicator_result",
    "check_result": "SELECT form_id, report_sha256, rule, subject, expected, observed, passed FROM check_result",
}


# The ticks here are scripted (conftest.first_sight_waits).
pytestmark = pytest.mark.usefixtures("first_sight_waits")


class Site:
    def __init__(self, root: Path) -> None:
        self.root, self.inbox, self.quarantine = root, root / "inbox", root / "quarantine"
        self.inbox.mkdir(parents=True)
        self.database = root / "warehouse.duckdb"
        self.folder = ReportFolder(inbox_dir=str(self.inbox), quarantine_dir=str(self.quarantine),
                                   docs_dir=str(root / "docs"), inbox_runs="batch")
        (root / "dagster").mkdir()
        self.instance = dg.DagsterInstance.local_temp(str(root / "dagster"))
        self.cursor = None

    def tick(self) -> dg.SensorResult:
        context = dg.build_sensor_context(cursor=self.cursor, instance=self.instance,
                                          resources={"report_folder": self.folder,
                                                     "warehouse": Warehouse(path=str(self.database))})
        result = inbox_sensor(context)
        self.cursor = result.cursor
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        return result

    def run(self, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
        return ingest_batch.execute_in_process(
            run_config=request.run_config, tags=request.tags, instance=self.instance, raise_on_error=False,
            resources={"report_folder": self.folder, "warehouse": Warehouse(path=str(self.database))})

    def rows(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return sorted(con.execute(sql).fetchall(), key=repr)


def _failed_partitions(instance: dg.DagsterInstance, asset: str) -> set[str]:
    """The partitions the UI shows failed, as Dagster computes them."""
    from dagster._core.definitions.partitions.context import partition_loading_context
    from dagster._core.storage.partition_status_cache import build_failed_and_in_progress_partition_subset

    planned = instance.get_latest_planned_materialization_info(dg.AssetKey(asset))
    with partition_loading_context(dynamic_partitions_store=instance):
        failed, _, _ = build_failed_and_in_progress_partition_subset(
            instance, dg.AssetKey(asset), REPORTS, planned.storage_id if planned else 0)
        return set(failed.get_partition_keys())


def cli_rows(pdfs: list[Path], tmp: Path) -> dict[str, list[tuple]]:
    """The same files through what `jixiao ingest` runs (ingest_many, then the checks)."""
    from pipeline import warehouse
    from pipeline import checks
    from pipeline.ingest import ingest_many

    path = tmp / "cli.duckdb"
    con = warehouse.connect(path)
    list(ingest_many(con, pdfs, quarantine_dir=tmp / "cli-quarantine"))
    checks.run(con)
    rows = {t: sorted(con.execute(sql).fetchall(), key=repr) for t, sql in SAME.items()}
    con.close()
    return rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Every sample and a file that is not a PDF dropped in the inbox: one tick, one run."""
    site = Site(tmp_path_factory.mktemp("batch"))
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        shutil.copy(pdf, site.inbox / pdf.name)
    (site.inbox / "not-a-report.pdf").write_text("项目支出绩效自评表", encoding="utf-8")
    files = sorted(site.inbox.iterdir())
    shas = {p.name: sha256_of(p) for p in files}
    assert not site.tick().run_requests  # first sight: may still be being copied
    (request,) = site.tick().run_requests
    cli = cli_rows(files, site.root)
    return site, shas, request, site.run(request), cli


def test_one_tick_is_one_batch_run_with_a_partition_per_report(batch):
    site, shas, request, result, _ = batch
    assert request.job_name == "ingest_batch" and request.partition_key is None
    assert request.tags[REPORTS_TAG] == "12"
    reports = request.run_config["ops"]["load_reports"]["config"]["reports"]
    assert set(reports) == set(shas.values())
    assert sorted(site.instance.get_dynamic_partitions("reports")) == sorted(shas.values())


def test_batch_loads_what_the_cli_loads(batch):
    site, _, _, _, cli = batch
    for table, sql in SAME.items():
        got = site.rows(sql)
        if table == "dim_report":  # the batch names the file as the inbox held it: compare without paths
            assert got == cli[table]
        else:
            assert got == cli[table], table
    assert len(site.rows(SAME["dim_form"])) == 22


def test_each_loaded_report_is_materialized_on_its_partition(batch):
    site, shas, _, result, _ = batch
    good = {sha for name, sha in shas.items() if name != "not-a-report.pdf"}
    for asset in ("forms", *TABLES):
        assert site.instance.get_materialized_partitions(dg.AssetKey(asset)) == good, asset
    real = sha256_of(REAL)
    (forms,) = [m for m in result.asset_materializations_for_node("load_reports")
                if m.asset_key == dg.AssetKey("forms") and m.partition == real]
    meta = {k: v.value for k, v in forms.metadata.items()}
    assert meta["file"] == REAL.name and meta["forms"] == 12 and meta["sha256"] == real
    (dim_form,) = [m for m in result.asset_materializations_for_node("load_reports")
                   if m.asset_key == dg.AssetKey("dim_form") and m.partition == real]
    assert dim_form.metadata["report_rows"].value == 12
    codes = [c for (c,) in site.rows(f"SELECT project_code FROM dim_form WHERE report_sha256 = '{real}'")]
    assert forms.metadata["project_codes"].value == ", ".join(sorted(codes))  # findable by project code
    # the table's row count, counted on as reports load: the last one's is the whole table's
    last = [m for m in result.asset_materializations_for_node("load_reports") if m.asset_key == dg.AssetKey("dim_form")]
    assert last[-1].metadata["dagster/row_count"].value == 22


def test_each_report_is_checked_on_its_partition_and_findings_do_not_fail_the_run(batch):
    site, shas, _, result, _ = batch
    good = {sha for name, sha in shas.items() if name != "not-a-report.pdf"}
    evaluations = [e for e in result.get_asset_check_evaluations() if e.check_name != "findings"]
    assert {(e.partition, e.check_name) for e in evaluations} == {(s, n) for s in good for n in SUITES}
    for e in evaluations:
        assert e.asset_key.to_user_string() == SUITE_TABLE.get(e.check_name, "dim_form")
        assert e.metadata["report"].value == e.partition
        assert e.blocking is False
        assert e.target_materialization_data is not None  # current for the partition's materialization
    real = {e.check_name: e for e in evaluations if e.partition == sha256_of(REAL)}
    assert all(e.passed for e in real.values())
    failed = {(e.partition, e.check_name) for e in evaluations if not e.passed}
    stored = site.rows("SELECT DISTINCT report_sha256, rule FROM check_result WHERE NOT passed")
    assert {sha for sha, _ in stored} == {sha for sha, _ in failed}
    # recorded in the instance against each partition, as the UI reads them
    key = dg.AssetCheckKey(dg.AssetKey("dim_form"), "scores")
    history = site.instance.event_log_storage.get_asset_check_execution_history(key, limit=100)
    assert {r.partition for r in history} == good
    # the Partitions tab of each check: passed and failed per report, none missing
    for name in SUITES:
        key = dg.AssetCheckKey(dg.AssetKey(SUITE_TABLE.get(name, "dim_form")), name)
        records = site.instance.event_log_storage.get_asset_check_partition_info([key])
        assert {r.partition_key for r in records} == good
        assert all(r.is_current for r in records), name
        assert {r.partition_key for r in records if r.latest_execution_status.value == "FAILED"} == \
            {sha for sha, n in failed if n == name}
    # the synthetic samples print inconsistencies: findings, not a failed run; the views are refreshed
    assert any(e.check_name in SEVERE for e in evaluations if not e.passed)
    assert result.success
    (views,) = result.asset_materializations_for_node("refresh_views")
    (summary,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "findings"]
    assert summary.asset_key == dg.AssetKey("analyst_views") and not summary.passed
    assert summary.metadata["rows_failed"].value == len(site.rows("SELECT 1 FROM check_result WHERE NOT passed"))


def test_a_refused_report_is_quarantined_and_recorded_on_its_partition(batch):
    site, shas, _, result, _ = batch
    bad = shas["not-a-report.pdf"]
    assert not (site.inbox / "not-a-report.pdf").exists()
    (moved,) = [p for p in site.quarantine.iterdir() if p.suffix == ".pdf"]
    sidecar = json.loads(moved.with_name(moved.name + ".json").read_text(encoding="utf-8"))
    assert sidecar["kind"] == "not_a_pdf" and sidecar["sha256"] == bad
    (observed,) = [e.event_specific_data.asset_observation for e in result.all_events
                   if e.event_type_value == "ASSET_OBSERVATION"]
    assert observed.partition == bad and observed.metadata["error_kind"].value == "not_a_pdf"
    assert str(moved) == observed.metadata["quarantined"].value
    # its partition is failed (not "missing"), by a failed run that holds the reason; the batch succeeds
    assert result.success
    (failed,) = site.instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": bad}))
    assert failed.status == dg.DagsterRunStatus.FAILURE and failed.run_id == observed.metadata["failed_run"].value
    (message,) = [e.message for e in site.instance.all_logs(failed.run_id)
                  if e.dagster_event and e.dagster_event.event_type_value == "PIPELINE_FAILURE"]
    assert "not-a-report.pdf" in message and "not a PDF" in message
    assert _failed_partitions(site.instance, "forms") == {bad}
    assert site.rows(f"SELECT status, error_kind, file_path FROM dim_report WHERE report_sha256 = '{bad}'") == [
        ("quarantined", "not_a_pdf", str(moved))]


def test_a_clean_batch_succeeds_and_refreshes_the_views(tmp_path):
    site = Site(tmp_path)
    shutil.copy(REAL, site.inbox / "a.pdf")
    shutil.copy(REAL, site.inbox / "same-report.pdf")  # one report under two names: one partition
    site.tick()
    (request,) = site.tick().run_requests
    result = site.run(request)
    assert result.success
    assert site.instance.get_materialized_partitions(dg.AssetKey("forms")) == {sha256_of(REAL)}
    (views,) = result.asset_materializations_for_node("refresh_views")
    assert views.asset_key == dg.AssetKey("analyst_views")
    assert site.rows("SELECT count(*) FROM dim_form") == [(12,)]
    # the same report dropped again under a third name: skipped, as `jixiao ingest` skips it
    shutil.copy(REAL, site.inbox / "again.pdf")
    site.tick()
    (again,) = site.tick().run_requests
    rerun = site.run(again)
    assert rerun.success
    assert site.rows("SELECT count(*) FROM dim_form") == [(12,)]
    # not read again, but its partition is materialized "already loaded" with the warehouse's counts
    shown = {m.asset_key.to_user_string(): m for m in rerun.asset_materializations_for_node("load_reports")}
    assert set(shown) == {"forms", *TABLES}
    assert shown["forms"].metadata["status"].value == "already loaded"
    assert shown["forms"].metadata["forms"].value == 12 and shown["dim_form"].metadata["report_rows"].value == 12


def test_a_ui_started_after_make_demo_shows_the_reports_loaded(tmp_path):
    """`make demo` (jixiao ingest) filled the warehouse; the samples dropped in the inbox then are not
    read again, but every partition is materialized and checked, and the run succeeds."""
    from pipeline import checks, warehouse
    from pipeline.ingest import ingest_many

    site = Site(tmp_path)
    pdfs = sorted(SAMPLES.glob("*.pdf"))
    con = warehouse.connect(site.database)
    list(ingest_many(con, pdfs, quarantine_dir=tmp_path / "q"))
    checks.run(con)
    con.close()
    for pdf in pdfs:
        shutil.copy(pdf, site.inbox / pdf.name)
    site.tick()
    (request,) = site.tick().run_requests
    result = site.run(request)
    assert result.success
    shas = set(map(sha256_of, pdfs))
    for asset in ("forms", *TABLES):
        assert site.instance.get_materialized_partitions(dg.AssetKey(asset)) == shas, asset
    evaluations = [e for e in result.get_asset_check_evaluations() if e.partition]
    assert {e.partition for e in evaluations} == shas
    assert {e.partition for e in evaluations if not e.passed} == {
        sha for (sha,) in site.rows("SELECT DISTINCT report_sha256 FROM check_result WHERE NOT passed")}


def test_a_tick_with_more_than_batch_max_files_asks_for_several_runs(tmp_path, monkeypatch):
    monkeypatch.setattr("assets.automation.BATCH_MAX", 5)
    site = Site(tmp_path)
    pdfs = sorted(SAMPLES.glob("*.pdf"))
    for pdf in pdfs:
        shutil.copy(pdf, site.inbox / pdf.name)
    site.tick()
    runs = site.tick().run_requests
    assert [r.tags[REPORTS_TAG] for r in runs] == ["5", "5", str(len(pdfs) - 10)]
    batches = [r.run_config["ops"]["load_reports"]["config"]["reports"] for r in runs]
    assert sorted(sha for b in batches for sha in b) == sorted(map(sha256_of, pdfs))
    assert not site.tick().run_requests  # taken once


def test_report_mode_asks_for_one_ingest_report_run_per_file(tmp_path):
    site = Site(tmp_path)
    site.folder = ReportFolder(inbox_dir=str(site.inbox), quarantine_dir=str(site.quarantine),
                               docs_dir=str(tmp_path / "docs"), inbox_runs="report")
    shutil.copy(REAL, site.inbox / "a.pdf")
    site.tick()
    (request,) = site.tick().run_requests
    assert request.job_name == "ingest_report" and request.partition_key == sha256_of(REAL)
