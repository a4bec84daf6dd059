"""The Dagster layer, in process: the inbox sensor turns each file into a partition and a run; each
run loads one report into a fresh warehouse, checks it, and fails alone when its file is bad or its
printed totals do not reconcile; rerunning one partition replaces that report's rows only."""

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from assets.automation import QUIET_SECONDS, REPORT_ASSETS, REQUEST_TAG, inbox_sensor, nightly
from assets.definitions import defs
from assets.reports import SEVERE, SUITE_TABLE
from assets.resources import FILE_TAG, REPORTS, ReportFolder, Warehouse
from conftest import PDF, ROOT, SAMPLES, extracted, truth, until
from pipeline.read.pdf import sha256_of
from pipeline import checks
from pipeline.checks import load_suites

REAL = SAMPLES / "luohu-2023-dev.xlsx.pdf"  # the 12 published forms; every other sample carries a defect
SUITE_NAMES = {s.name for s in load_suites()}
TABLES = {"dim_form", "fact_fund_execution", "fact_indicator_result"}


# The ticks here are scripted (conftest.first_sight_waits).
pytestmark = pytest.mark.usefixtures("first_sight_waits")


class Site:
    """A temp inbox, quarantine and warehouse, and the resources pointing at them; the sensor asks for
    one `ingest_report` run per file (the batch run of a tick is tests/orchestration/test_batch.py)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = root / "inbox"
        self.inbox.mkdir(parents=True)
        self.quarantine = root / "quarantine"
        self.database = root / "warehouse.duckdb"
        self.folder = ReportFolder(inbox_dir=str(self.inbox), quarantine_dir=str(self.quarantine),
                                   docs_dir=str(root / "docs"), inbox_runs="report")
        self.resources = {"report_folder": self.folder, "warehouse": Warehouse(path=str(self.database))}
        (root / "dagster").mkdir()
        self.instance = dg.DagsterInstance.local_temp(str(root / "dagster"))
        self.cursor: str | None = None
        self.requests: list[dg.RunRequest] = []  # every run the sensor requested

    def tick(self) -> dg.SensorResult:
        """One sensor evaluation, its partitions registered as the daemon would."""
        context = dg.build_sensor_context(cursor=self.cursor, instance=self.instance, resources=self.resources)
        result = inbox_sensor(context)
        self.cursor = result.cursor
        self.requests += result.run_requests or []
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        return result

    def materialize(self, partition_key: str, tags: dict | None = None) -> dg.ExecuteInProcessResult:
        """What the `ingest_report` job runs for one partition."""
        return dg.materialize(
            [*defs.assets, *defs.asset_checks],  # type: ignore[list-item]
            selection=REPORT_ASSETS, partition_key=partition_key, tags=tags, instance=self.instance,
            resources=self.resources, raise_on_error=False,
        )

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as con:
            return con.execute(sql, params).fetchall()


def _metadata(result: dg.ExecuteInProcessResult, node: str) -> dict[str, dict]:
    return {e.asset_key.to_user_string(): {k: v.value for k, v in e.metadata.items()}
            for e in result.asset_materializations_for_node(node)}


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    """The report's own check results (not the `findings` summary of analyst_views: `_summary`)."""
    return {e.check_name: e for e in result.get_asset_check_evaluations() if e.check_name != "findings"}


def _summary(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (found,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "findings"]
    return found


def _failure(result: dg.ExecuteInProcessResult, step: str):
    (event,) = [e for e in result.all_events if e.is_step_failure and e.step_key == step]
    return event.step_failure_data.user_failure_data


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> tuple[Site, dict[str, Path], dict[str, dg.ExecuteInProcessResult]]:
    """Every sample and a file that is not a PDF dropped in the inbox, picked up by the sensor, and
    each requested run executed: {file name: path}, {partition key: run result}."""
    site = Site(tmp_path_factory.mktemp("samples"))
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        shutil.copy(pdf, site.inbox / pdf.name)
    (site.inbox / "not-a-report.pdf").write_text("项目支出绩效自评表", encoding="utf-8")
    files = {p.name: p for p in site.inbox.iterdir()}
    assert not site.tick().run_requests  # first sight: wait one tick in case a file is still being copied
    runs = {r.partition_key: site.materialize(r.partition_key, r.tags) for r in site.tick().run_requests}
    return site, files, runs


def test_lineage_partitions_jobs_and_non_blocking_checks():
    graph = defs.resolve_asset_graph()
    parents = {k.to_user_string(): {p.to_user_string() for p in graph.get(k).parent_keys}
               for k in graph.get_all_asset_keys()}
    assert parents == {"forms": set(), **{t: {"forms"} for t in TABLES}, "analyst_views": TABLES}
    partitioned = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).partitions_def}
    assert partitioned == {"forms", *TABLES}
    assert graph.get(dg.AssetKey("forms")).partitions_def == REPORTS
    checks = {(k.asset_key.to_user_string(), k.name): graph.get_check_spec(k).blocking
              for k in graph.asset_check_keys}
    per_report = {name: blocking for (asset, name), blocking in checks.items() if asset in TABLES}
    assert per_report == {name: False for name in SUITE_NAMES}  # findings never stop a run
    assert SEVERE == {"funds", "scores"}
    assert {name for (asset, name) in checks if asset == "analyst_views"} == SUITE_NAMES | {"findings"}
    job = defs.resolve_job_def("ingest_report")
    assert job.partitions_def == REPORTS
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == {"forms", *TABLES, "analyst_views"}
    assert {c.asset_key.to_user_string() for c in job.asset_layer.asset_graph.asset_check_keys} == \
        TABLES | {"analyst_views"}


def test_sensor_waits_for_a_file_to_stop_changing(tmp_path):
    site = Site(tmp_path)
    assert not site.tick().run_requests  # empty inbox
    report = site.inbox / "report.pdf"
    report.write_bytes(REAL.read_bytes()[:1000])
    assert not site.tick().run_requests  # new: seen once
    with report.open("ab") as f:
        f.write(REAL.read_bytes()[1000:])
    assert not site.tick().run_requests  # still growing
    result = site.tick()  # unchanged since the previous tick: taken
    sha = sha256_of(REAL)
    assert [(r.partition_key, r.tags[FILE_TAG]) for r in result.run_requests] == [(sha, str(report))]
    assert site.instance.get_dynamic_partitions("reports") == [sha]
    assert not site.tick().run_requests  # unchanged: nothing
    assert not site.tick().run_requests

    other = sorted(SAMPLES.glob("4403*.pdf"))[0]
    shutil.copy(other, report)  # the same name, other content: a new partition once it settles
    assert not site.tick().run_requests
    (request,) = site.tick().run_requests
    assert request.partition_key == sha256_of(other) != sha
    assert sorted(site.instance.get_dynamic_partitions("reports")) == sorted([sha, request.partition_key])

    report.unlink()  # gone (moved to quarantine, or deleted): forgotten
    assert not site.tick().run_requests and json.loads(site.cursor) == {}

    for name in ("copy-1.pdf", "copy-2.pdf"):  # one report under two names: one run
        shutil.copy(REAL, site.inbox / name)
    assert not site.tick().run_requests
    assert [r.partition_key for r in site.tick().run_requests] == [sha]


def test_sensor_takes_a_complete_quiet_pdf_at_first_sight(tmp_path, monkeypatch):
    """A PDF ending in %%EOF and not modified for QUIET_SECONDS is taken at the first look; one
    without its end (a copy cut off, or still being written) waits for the second look, however old."""
    monkeypatch.setattr("assets.automation.QUIET_SECONDS", QUIET_SECONDS)  # the rule itself
    site = Site(tmp_path)
    whole, cut = site.inbox / "whole.pdf", site.inbox / "cut.pdf"
    shutil.copy(REAL, whole)
    cut.write_bytes(REAL.read_bytes()[:-2000])
    assert not site.tick().run_requests  # both just written
    old = time.time() - QUIET_SECONDS - 1
    for p in (whole, cut):
        os.utime(p, (old, old))
    assert [r.partition_key for r in site.tick().run_requests] == [sha256_of(whole)]
    assert [r.tags[FILE_TAG] for r in site.tick().run_requests] == [str(cut)]  # unchanged since
    assert not site.tick().run_requests


def test_sensor_tick_survives_files_that_vanish_while_it_runs(tmp_path, monkeypatch):
    """A file listed but gone before its stat, or gone between its stat and its hash (a run moved it
    to quarantine, a user deleted it), is skipped; the tick goes on with the others."""
    site = Site(tmp_path)
    kept, moved = site.inbox / "kept.pdf", site.inbox / "moved.pdf"
    shutil.copy(REAL, kept)
    shutil.copy(sorted(SAMPLES.glob("4403*.pdf"))[0], moved)
    listing = ReportFolder.inbox
    ghost = site.inbox / "ghost.pdf"  # listed, never there when stat'ed
    monkeypatch.setattr(ReportFolder, "inbox", lambda self: [ghost, *listing(self)])
    assert not site.tick().run_requests  # first sight of kept and moved
    assert set(json.loads(site.cursor)) == {str(kept), str(moved)}

    def hash_after_a_run_moved_it(path: Path) -> str:
        if path == moved:
            path.unlink()
        return sha256_of(path)

    monkeypatch.setattr("assets.automation.sha256_of", hash_after_a_run_moved_it)
    result = site.tick()
    assert [(r.partition_key, r.tags[FILE_TAG]) for r in result.run_requests] == [(sha256_of(REAL), str(kept))]
    assert set(json.loads(site.cursor)) == {str(kept)}


def test_nightly_schedule_at_two_in_shanghai_rescans_the_inbox(tmp_path):
    assert nightly.cron_schedule == "0 2 * * *"
    assert nightly.execution_timezone == "Asia/Shanghai"
    site = Site(tmp_path)
    known, missed = REAL, SAMPLES / "440305210300200065020.xlsx.pdf"
    recent = SAMPLES / "440303210301000048529.xlsx.pdf"  # modified 10 s before: maybe still being copied
    when = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    for pdf, age in ((known, 3600), (missed, 3600), (recent, 10)):
        shutil.copy(pdf, site.inbox / pdf.name)
        os.utime(site.inbox / pdf.name, (when.timestamp() - age,) * 2)
    site.instance.add_dynamic_partitions("reports", [sha256_of(known)])
    context = dg.build_schedule_context(instance=site.instance, scheduled_execution_time=when,
                                        resources=site.resources,
                                        repository_def=defs.get_repository_def())
    asked = list(nightly.evaluate_tick(context).run_requests or [])
    by_partition = {r.partition_key: r for r in asked}
    # known, but no run finished it (the warehouse does not hold it): asked again (tests/orchestration/test_recovery.py)
    assert set(by_partition) == {sha256_of(missed), sha256_of(known), None}
    assert by_partition[sha256_of(missed)].tags[FILE_TAG] == str(site.inbox / missed.name)
    assert by_partition[sha256_of(known)].tags[REQUEST_TAG] == f"unfinished-{sha256_of(known)}"
    assert sorted(site.instance.get_dynamic_partitions("reports")) == sorted(map(sha256_of, (known, missed)))
    assert by_partition[None].asset_selection == [dg.AssetKey("analyst_views")]


def test_nightly_rescan_survives_a_file_gone_since_the_listing(tmp_path, monkeypatch):
    site = Site(tmp_path)
    ghost = site.inbox / "moved-to-quarantine.pdf"
    monkeypatch.setattr(ReportFolder, "inbox", lambda self: [ghost])
    context = dg.build_schedule_context(instance=site.instance, resources=site.resources,
                                        scheduled_execution_time=datetime(2026, 11, 27, 2, 0,
                                                                          tzinfo=ZoneInfo("Asia/Shanghai")),
                                        repository_def=defs.get_repository_def())
    asked = list(nightly.evaluate_tick(context).run_requests or [])
    assert [r.asset_selection for r in asked] == [[dg.AssetKey("analyst_views")]]
    assert site.instance.get_dynamic_partitions("reports") == []


def test_sensor_requests_one_run_per_file(samples):
    site, files, runs = samples
    assert sorted(r.tags[FILE_TAG] for r in site.requests) == sorted(str(p) for p in files.values())
    samples = {sha256_of(p) for p in SAMPLES.glob("*.pdf")}
    assert len(runs) == len(files) == 12 and samples < set(runs)
    assert sorted(site.instance.get_dynamic_partitions("reports")) == sorted(runs)


def test_each_report_loads_its_forms_with_counts_in_metadata(samples):
    site, files, runs = samples
    pdfs = sorted(SAMPLES.glob("*.pdf"))
    read = {pdf.name: extracted(str(pdf)) for pdf in pdfs}
    for pdf in pdfs:
        result = runs[sha256_of(pdf)]
        (forms,) = _metadata(result, "forms").values()
        assert forms["file"] == pdf.name and forms["forms"] == len(read[pdf.name])
        assert forms["indicator_rows"] == sum(len(f["indicators"]) for f in read[pdf.name])
        assert forms["pages"] >= 1 and forms["seconds"] >= 0
        tables = _metadata(result, "warehouse_tables")
        assert set(tables) == TABLES
        assert tables["dim_form"]["report_rows"] == forms["forms"]
        assert tables["fact_indicator_result"]["report_rows"] == forms["indicator_rows"]
        assert tables["dim_form"]["dagster/row_count"] >= forms["forms"]  # the table's, all reports
        assert {m["forms"] for m in tables.values()} == {forms["forms"]}
    assert site.rows("SELECT count(*) FROM dim_form")[0][0] == sum(map(len, read.values())) == 22
    codes = [c for (c,) in site.rows("SELECT project_code FROM dim_form")]
    assert site.rows("SELECT count(*) FROM fact_indicator_result")[0][0] == sum(
        len(truth(c)["indicators"]) for c in codes)
    assert site.rows("SELECT count(*) FROM fact_fund_execution")[0][0] == 4 * 22
    last = [r for r in runs.values() if _metadata(r, "warehouse_tables")][-1]  # run in this order
    assert _metadata(last, "warehouse_tables")["dim_form"]["dagster/row_count"] == 22  # the table's


def test_real_report_passes_every_check_and_refreshes_the_views(samples):
    _, _, runs = samples
    result = runs[sha256_of(REAL)]
    assert result.success
    checks = _checks(result)
    assert set(checks) == SUITE_NAMES
    for name, check in checks.items():
        assert check.passed, (name, check.metadata["failures"].value)
        assert check.metadata["failures"].value == "No failures."
        assert check.metadata["file"].value == REAL.name
        assert "440303231550216305003" in check.metadata["project_codes"].value  # findable by code
        assert check.metadata["rows_checked"].value > 0
        assert check.metadata["report"].value == sha256_of(REAL)
    docs = {c.metadata["review_report"].value for c in checks.values()}
    (views,) = _metadata(result, "analyst_views").values()
    assert docs == {views["review_report"]}
    (index,) = docs
    page = Path(index)
    assert page.name == "index.html" and page.is_relative_to(samples[0].root / "docs")
    assert "440303210300200001664" in page.read_text(encoding="utf-8")  # the review report lists its forms
    assert "current forms" in checks[next(iter(checks))].metadata["review"].value  # its key figures


def _table(markdown: str) -> list[dict[str, str]]:
    """The rows of a failure table (`assets.events.failures_table`), by column."""
    header, _, *rows = [line.strip("| ").split(" | ") for line in markdown.splitlines() if line.startswith("|")]
    return [dict(zip(header, row)) for row in rows]


def test_failing_checks_are_findings_in_a_readable_table_and_the_run_succeeds(samples):
    site, _, runs = samples
    failures = {}
    for pdf in sorted(SAMPLES.glob("4*.pdf")):
        result = runs[sha256_of(pdf)]
        checks = _checks(result)
        failed = {name for name, c in checks.items() if not c.passed}
        assert failed, pdf.name  # every synthetic sample prints one inconsistency
        assert result.success, pdf.name  # a finding about a form is not a failure of jixiao
        assert _metadata(result, "analyst_views"), pdf.name  # the views are refreshed regardless
        assert {checks[n].severity for n in failed} == {
            dg.AssetCheckSeverity.ERROR if n in SEVERE else dg.AssetCheckSeverity.WARN for n in failed}
        for c in checks.values():
            assert isinstance(c.metadata["failures"], dg.MarkdownMetadataValue)
            for row in _table(c.metadata["failures"].value) if not c.passed else []:
                assert row["file"] == pdf.name and int(row["page"]) >= 1
                failures[(row["form"], row["rule"])] = row
    forms = site.rows("SELECT form_id, project_code FROM dim_form")
    defects = {(form_id, truth(code)["defect"]["kind"]) for form_id, code in forms if truth(code).get("defect")}
    assert set(failures) == defects
    assert all(Decimal(f["computed"]) != Decimal(f["printed"]) for f in failures.values())
    found = failures[("440306211550216301358-2024", "funds_score")]
    assert (found["subject"], found["printed"], found["computed"], found["unit"]) == ("资金 得分", "6.34", "5.34", "分")
    # the findings are stored, blocked or not
    assert site.rows("SELECT count(*) FROM check_result WHERE NOT passed")[0][0] == len(failures)


def test_the_views_check_sums_up_every_report_not_the_last(samples):
    site, _, runs = samples
    last = [r for r in runs.values() if _metadata(r, "warehouse_tables")][-1]  # run in this order
    summary = _summary(last)
    assert summary.asset_key == dg.AssetKey("analyst_views") and not summary.passed
    assert summary.severity == dg.AssetCheckSeverity.WARN
    stored = site.rows("SELECT count(*), count(DISTINCT report_sha256) FROM check_result WHERE NOT passed")[0]
    assert summary.metadata["rows_failed"].value == stored[0]
    assert summary.metadata["reports_checked"].value == 11  # every loaded sample, not this run's only
    per_rule = _table(summary.metadata["per_rule"].value)
    assert sum(int(r["rows failing"]) for r in per_rule) == stored[0]
    assert {r["file"] for r in _table(summary.metadata["failures"].value)} == {
        n for (n,) in site.rows("SELECT DISTINCT file_name FROM check_result JOIN dim_report USING "
                                "(report_sha256) WHERE NOT passed")}


def test_unreadable_report_fails_its_partition_only_and_moves_to_quarantine(samples):
    site, files, runs = samples
    bad = files["not-a-report.pdf"]
    (key,) = [r.partition_key for r in site.requests if r.tags[FILE_TAG] == str(bad)]
    result = runs[key]
    assert not result.success
    failure = _failure(result, "forms")
    assert "not-a-report.pdf" in failure.description
    meta = {k: v.value for k, v in failure.metadata.items()}
    assert meta["error_kind"] == "not_a_pdf" and meta["file"] == "not-a-report.pdf" and "page" in meta
    assert not bad.exists()  # moved out of the inbox
    moved = Path(meta["quarantined"])
    assert moved.parent == site.quarantine and moved.read_text(encoding="utf-8") == "项目支出绩效自评表"
    sidecar = json.loads(moved.with_name(moved.name + ".json").read_text(encoding="utf-8"))
    assert sidecar["kind"] == "not_a_pdf" and sidecar["sha256"] == key
    (observed,) = [e.event_specific_data.asset_observation for e in result.all_events
                   if e.event_type_value == "ASSET_OBSERVATION"]
    assert observed.partition == key and observed.metadata["error_kind"].value == "not_a_pdf"
    assert not _metadata(result, "warehouse_tables")
    assert [k for k, r in runs.items() if not _metadata(r, "forms")] == [key]  # every other report loaded
    # the read step never opens the warehouse: the refusal reaches dim_report at the next views step
    views = dg.materialize([*defs.assets], selection=["analyst_views"], instance=site.instance,
                           resources=site.resources)
    assert views.success
    assert site.rows("SELECT status, error_kind, file_path, forms FROM dim_report WHERE report_sha256 = ?",
                     [key]) == [("quarantined", "not_a_pdf", str(moved), 0)]


def test_a_report_over_its_limits_is_refused_and_quarantined_not_a_crash(tmp_path, monkeypatch):
    """The read step is bounded like `jixiao ingest` ($JIXIAO_MAX_PAGES here): over it, the report is
    refused with its kind, the file moves to quarantine and the refusal reaches dim_report."""
    site = Site(tmp_path)
    two_pages = site.inbox / "two-pages.pdf"
    shutil.copy(SAMPLES / "441302221551500092553.xlsx.pdf", two_pages)
    monkeypatch.setenv("JIXIAO_MAX_PAGES", "1")
    site.tick()
    (request,) = site.tick().run_requests
    result = site.materialize(request.partition_key, request.tags)
    meta = {k: v.value for k, v in _failure(result, "forms").metadata.items()}
    assert meta["error_kind"] == "over_limit" and "more than the limit of 1" in meta["reason"]
    assert not two_pages.exists() and Path(meta["quarantined"]).is_file()
    assert dg.materialize([*defs.assets], selection=["analyst_views"], instance=site.instance,
                          resources=site.resources).success
    assert site.rows("SELECT status, error_kind FROM dim_report") == [("quarantined", "over_limit")]


def test_a_report_breaking_a_key_at_its_store_fails_its_partition_and_is_quarantined(tmp_path, monkeypatch):
    """A reading whose rows break a key of the warehouse (one indicator row given twice) is refused
    where it is stored: the tables step fails naming the file and why, the file moves to quarantine
    and dim_report says quarantined there, nothing of it written. Before, the refusal was recorded
    but the step succeeded, its tables' metadata counting rows never written, and the file stayed in
    the inbox as though it had loaded."""
    import dataclasses

    import polars as pl

    from assets import reports

    site = Site(tmp_path)
    report = site.inbox / "spoiled.pdf"
    shutil.copy(SAMPLES / "440305210300200065020.xlsx.pdf", report)

    def spoiled(path, *args, **kwargs):
        reading = read_isolated(path, *args, **kwargs)
        rows = reading.fact_indicator_result
        return dataclasses.replace(reading, fact_indicator_result=pl.concat([rows, rows.head(1)]))

    read_isolated = reports.read_isolated
    monkeypatch.setattr(reports, "read_isolated", spoiled)
    site.tick()
    (request,) = site.tick().run_requests
    result = site.materialize(request.partition_key, request.tags)
    assert not result.success and not _metadata(result, "warehouse_tables")
    assert [e.step_key for e in result.all_events if e.is_step_failure] == ["warehouse_tables"]  # no check crashed
    failure = _failure(result, "warehouse_tables")
    meta = {k: v.value for k, v in failure.metadata.items()}
    assert "spoiled.pdf" in failure.description and "break a key of the warehouse" in meta["reason"]
    assert meta["error_kind"] == "extraction_fault" and not report.exists()
    moved = Path(meta["quarantined"])
    assert moved.parent == site.quarantine and moved.is_file()
    assert dg.materialize([*defs.assets], selection=["analyst_views"], instance=site.instance,
                          resources=site.resources).success
    assert site.rows("SELECT status, error_kind, file_path, forms FROM dim_report") == [
        ("quarantined", "extraction_fault", str(moved), 0)]
    assert site.rows("SELECT count(*) FROM fact_indicator_result") == [(0,)]


def test_an_analyst_session_left_open_does_not_fail_the_steps(tmp_path):
    """The duckdb CLI opens a file read-write, and then no other process may open it: the steps
    write the working file and publish past it, so the run succeeds and the next reader sees it."""
    site = Site(tmp_path)
    shutil.copy(SAMPLES / "440305210300200065020.xlsx.pdf", site.inbox / "a.pdf")
    site.tick()
    (first,) = site.tick().run_requests
    assert _metadata(site.materialize(first.partition_key, first.tags), "warehouse_tables")
    shutil.copy(SAMPLES / "440307251551500032553.xlsx.pdf", site.inbox / "b.pdf")
    site.tick()
    (second,) = site.tick().run_requests
    analyst = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(600)", str(site.database)], stdout=subprocess.PIPE, text=True)
    try:
        assert analyst.stdout.readline().strip() == "open"
        result = site.materialize(second.partition_key, second.tags)
        assert _metadata(result, "warehouse_tables") and _checks(result)  # loaded and checked
    finally:
        analyst.kill()
        analyst.wait()
    assert site.rows("SELECT count(*) FROM dim_form") == [(2,)]


def test_rerun_of_one_partition_replaces_that_report_only(samples):
    site, _, runs = samples
    sha = sha256_of(REAL)
    before = site.rows("SELECT report_sha256, read_at FROM dim_report ORDER BY 1")
    forms_before = site.rows("SELECT form_id, report_sha256 FROM dim_form ORDER BY 1, 2")
    rerun = site.materialize(sha)  # as from the UI: no file tag, found again in the inbox by its hash
    assert rerun.success
    after = dict(site.rows("SELECT report_sha256, read_at FROM dim_report ORDER BY 1"))
    assert after[sha] > dict(before)[sha]
    assert {k: v for k, v in after.items() if k != sha} == {k: v for k, v in before if k != sha}
    assert site.rows("SELECT form_id, report_sha256 FROM dim_form ORDER BY 1, 2") == forms_before
    (materialized,) = [e.partition for e in rerun.asset_materializations_for_node("forms")]
    assert materialized == sha


def test_definitions_validate_with_the_repo_instance(tmp_path):
    shutil.copy(ROOT / "dagster.yaml", tmp_path / "dagster.yaml")  # as `make ui` does
    done = subprocess.run(
        [Path(sys.executable).with_name("dagster"), "definitions", "validate", "-m", "assets.definitions"],
        cwd=ROOT, env={**os.environ, "DAGSTER_HOME": str(tmp_path)}, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr


CHECK_EXECUTIONS = """
query ($key: AssetKeyInput!, $check: String!, $partition: String) {
  assetCheckExecutions(assetKey: $key, checkName: $check, partition: $partition, limit: 5) {
    runId status partition
    evaluation { success severity metadataEntries { label
      ... on IntMetadataEntry { intValue } ... on TextMetadataEntry { text } } }
  }
}"""
ADD_PARTITION = """
mutation ($selector: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $selector, partitionsDefName: $name, partitionKey: $key) {
    __typename
  }
}"""


@pytest.mark.slow
def test_webserver_and_daemon_run_a_partition_launched_through_graphql(tmp_path, dagster_webserver):
    """`dagster dev` (webserver, daemon, code server) on a free loopback port, with its own instance,
    inbox and warehouse; a partition launched through the GraphQL API ends in the warehouse with its
    checks readable back from the API, recorded against that partition."""
    from dagster_graphql import DagsterGraphQLClient

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    database = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "DAGSTER_HOME": str(home), "JIXIAO_INBOX": str(tmp_path / "inbox"),
           "JIXIAO_QUARANTINE": str(tmp_path / "quarantine"), "JIXIAO_DOCS": str(tmp_path / "docs"),
           "JIXIAO_WAREHOUSE": str(database), "PYTHONPATH": str(ROOT)}
    server = dagster_webserver(env, log=tmp_path / "dagster.log")  # `dagster dev`
    client = DagsterGraphQLClient("127.0.0.1", port_number=server.port)
    sha = sha256_of(REAL)
    selector = {"repositoryLocationName": "assets.definitions", "repositoryName": "__repository__"}
    added = client._execute(ADD_PARTITION, {"selector": selector, "name": "reports", "key": sha})
    assert added["addDynamicPartition"]["__typename"] == "AddDynamicPartitionSuccess"
    run_id = client.submit_job_execution(
        "ingest_report", tags={"dagster/partition": sha, FILE_TAG: str(REAL)})
    done = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
    status = until("the run", lambda: (s := client.get_run_status(run_id)) in done and s, 180)
    assert status == dg.DagsterRunStatus.SUCCESS, (tmp_path / "dagster.log").read_text()[-3000:]

    for suite in load_suites():
        asset = SUITE_TABLE.get(suite.name, "dim_form")
        (execution,) = client._execute(CHECK_EXECUTIONS, {
            "key": {"path": [asset]}, "check": suite.name, "partition": sha})["assetCheckExecutions"]
        assert execution["runId"] == run_id and execution["partition"] == sha
        assert execution["status"] == "SUCCEEDED" and execution["evaluation"]["success"]
        meta = {m["label"]: m.get("intValue", m.get("text")) for m in execution["evaluation"]["metadataEntries"]}
        assert meta["rows_checked"] > 0 and meta["rows_failed"] == 0 and meta["report"] == sha
        assert execution["evaluation"]["severity"] == ("ERROR" if suite.name in SEVERE else "WARN")
    server.stop()  # before the warehouse is opened here
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM dim_form WHERE report_sha256 = ?", [sha]).fetchone() == (12,)
    assert checks.docs_index(tmp_path / "docs").is_file()


def test_a_rerun_can_ask_for_ocr(tmp_path):
    """`forms`' config `prefer_ocr` (the launchpad of a rerun): the report's PDF pages are read from
    their image, and dim_form says it was asked for."""
    site = Site(tmp_path)
    text_form = PDF / "xlsx" / "440305210300200065020.xlsx.pdf"  # one page, a good text layer
    shutil.copy(text_form, site.inbox / text_form.name)
    sha = sha256_of(text_form)
    site.instance.add_dynamic_partitions("reports", [sha])
    result = dg.materialize(
        [*defs.assets, *defs.asset_checks], selection=REPORT_ASSETS, partition_key=sha,
        instance=site.instance, resources=site.resources, raise_on_error=False,
        tags={FILE_TAG: str(site.inbox / text_form.name)},
        run_config={"ops": {"forms": {"config": {"prefer_ocr": True}}}})
    assert result.success
    assert site.rows("SELECT read_method, ocr_reason FROM dim_form") == [("ocr", "ocr_asked_for")]
