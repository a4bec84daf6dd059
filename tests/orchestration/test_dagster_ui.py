"""The Dagster UI as an operator sees it, in a real headless Chromium (as tests/report opens the review
report): the samples and a file that is not a report loaded by one batch run, then Dagster's own
webserver on that instance. What each screen shows is asserted against the warehouse: every report's
check result on its partition, a finding's form, rule and both numbers in its table, and a refused
file's partition failed with its reason. With $JIXIAO_SCREENSHOTS=DIR the screens are written there
(`python bench/screenshots.py` regenerates the README's docs/img/dagster-*.png so).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.automation import inbox_sensor
from assets.batch import ingest_batch
from assets.resources import ReportFolder, Warehouse
from conftest import ROOT, SAMPLES, chromium, keep_screenshots
from pipeline.checks import load_suites
from pipeline.read.pdf import sha256_of

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("first_sight_waits")]

FINDING = "440306230301000026512.xlsx.pdf"  # its 全年执行数 total is 100 元 short of its sources
REFUSED = "not-a-report.pdf"
WAIT = 90  # seconds a screen may take to render on a loaded machine


def _loaded_by_one_batch(root: Path, home: Path) -> None:
    """What the inbox sensor and its run do after `make ui` when the samples are dropped in the inbox."""
    inbox = root / "inbox"
    for pdf in sorted(SAMPLES.glob("*.pdf")):
        shutil.copy(pdf, inbox / pdf.name)
    (inbox / REFUSED).write_text("项目支出绩效自评表", encoding="utf-8")
    folder = ReportFolder(inbox_dir=str(inbox), quarantine_dir=str(root / "quarantine"),
                          docs_dir=str(root / "docs"), inbox_runs="batch")
    resources = {"report_folder": folder, "warehouse": Warehouse(path=str(root / "warehouse.duckdb"))}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        cursor, result = None, None
        for _ in range(2):  # first sight, then taken
            result = inbox_sensor(dg.build_sensor_context(cursor=cursor, instance=instance, resources=resources))
            cursor = result.cursor
            for request in result.dynamic_partitions_requests or []:
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        (request,) = result.run_requests
        run = ingest_batch.execute_in_process(run_config=request.run_config, tags=request.tags,
                                              instance=instance, resources=resources, raise_on_error=False)
        assert run.success


def _body(browser) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.TAG_NAME, "body").text


def _showing(browser, *texts: str) -> str:
    """The page's text, once it shows every one of `texts`."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, WAIT).until(lambda b: all(t in _body(b) for t in texts))
    return _body(browser)


def test_the_ui_shows_each_reports_checks_findings_and_refusal(tmp_path, monkeypatch, dagster_webserver):
    from selenium.webdriver.common.by import By

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")  # as `make ui` does
    (tmp_path / "inbox").mkdir()
    env = {"DAGSTER_HOME": str(home), "JIXIAO_INBOX": str(tmp_path / "inbox"),
           "JIXIAO_QUARANTINE": str(tmp_path / "quarantine"), "JIXIAO_DOCS": str(tmp_path / "docs"),
           "JIXIAO_WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "PYTHONPATH": str(ROOT)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _loaded_by_one_batch(tmp_path, home)

    funds = next(s for s in load_suites() if s.name == "funds")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        shas = dict(con.execute("SELECT file_name, report_sha256 FROM dim_report").fetchall())
        failing = {sha for (sha,) in con.execute(
            "SELECT DISTINCT report_sha256 FROM check_result WHERE NOT passed AND list_contains(?, rule)",
            [funds.rules]).fetchall()}
        form_id, subject, printed, computed = con.execute(
            "SELECT form_id, subject, observed, expected FROM check_result JOIN dim_report USING (report_sha256) "
            "WHERE file_name = ? AND rule = 'fund_total' AND NOT passed", [FINDING]).fetchone()
        reason, kind = con.execute("SELECT error, error_kind FROM dim_report WHERE file_name = ?",
                                   [REFUSED]).fetchone()
    loaded = {sha for name, sha in shas.items() if name != REFUSED}
    assert len(loaded) == 11 and shas[FINDING] in failing and 0 < len(failing) < len(loaded)

    webserver = Path(sys.executable).with_name("dagster-webserver")  # the UI alone: nothing runs meanwhile
    server = dagster_webserver({**os.environ, **env}, program=[str(webserver)])
    browser = chromium(tmp_path / "profile")
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        browser.set_window_size(1440, 900)
        # the asset graph: every asset, the refused report a failed partition of `forms`
        browser.get(f"{server.url}/asset-groups")
        graph = _showing(browser, "forms", "dim_form", "fact_fund_execution", "fact_indicator_result",
                         "analyst_views", "1 failed")
        assert "91% filled (1 failed)" in graph  # 11 of 12 reports loaded, the 12th refused
        browser.save_screenshot(str(shots / "dagster-assets.png"))

        # the funds check, per report: each partition passed or failed as check_result says
        browser.get(f"{server.url}/assets/fact_fund_execution?view=checks")
        _showing(browser, "Execution history")
        browser.find_element(By.XPATH, "//*[text()='Execution history']").click()
        _showing(browser, *loaded)
        shown = {}
        for row in browser.find_elements(By.CSS_SELECTOR, "tbody tr"):
            cells = [c.text.strip() for c in row.find_elements(By.TAG_NAME, "td")]
            shown.update({c: cells[0] for c in cells if c in loaded})
        assert shown == {sha: "Failed" if sha in failing else "Passed" for sha in loaded}
        browser.save_screenshot(str(shots / "dagster-check-partitions.png"))

        # a failed check's findings: its metadata table names the form, rule and both numbers
        row = browser.find_element(By.XPATH, f"//tr[td[normalize-space()='{shas[FINDING]}']]")
        row.find_element(By.CSS_SELECTOR, "button").click()
        _showing(browser, "Show Markdown", "project_codes")
        assert FINDING in _body(browser) and "rows_failed" in _body(browser)
        browser.find_element(By.XPATH, "//*[contains(text(), 'Show Markdown')]").click()  # failures
        _showing(browser, "computed")
        finding = browser.find_element(By.XPATH, "//tr[td[normalize-space()='fund_total']]")
        cells = [c.text.strip() for c in finding.find_elements(By.TAG_NAME, "td")]
        assert cells == [form_id, FINDING, "1", "fund_total", subject, str(printed), str(computed), "元"]
        assert (str(printed), str(computed)) == ("43778.47", "43878.47")
        browser.save_screenshot(str(shots / "dagster-finding.png"))

        # the refused file: its partition failed, not missing, and its reason in the partition's events
        refused = shas[REFUSED]
        browser.get(f"{server.url}/assets/forms?view=partitions&partition={refused}")
        page = _showing(browser, "Failed (1)", "failed, and did not materialize")
        assert "Missing (0)" in page
        browser.get(f"{server.url}/assets/forms?view=events&partition={refused}")
        events = _showing(browser, "observed in run", reason)
        assert f"{REFUSED}" in events and kind in events and "quarantine" in events
        browser.save_screenshot(str(shots / "dagster-refused.png"))
    finally:
        browser.quit()
    keep_screenshots(shots)
