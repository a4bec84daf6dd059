"""Reads and writes with real concurrent processes: analysts polling the warehouse while reports load,
two ingests started together, and `jixiao ingest` killed with SIGKILL at random moments.

The oracle is `half_reports`, written here independently of the warehouse code: a report is whole when
its dim_report row counts exactly the forms stored for it, each form has its funds and indicator
rows, and (in a published snapshot, which is checked before it is published) its findings.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES

JIXIAO = [sys.executable, "-m", "pipeline.cli"]
FORMS_IN_SAMPLES = 22


def half_reports(con: duckdb.DuckDBPyConnection, *, checked: bool) -> list[tuple]:
    """Every way a report can be less than whole; empty when each is all there or not there at all."""
    problems = con.execute(
        """
        SELECT 'form count', r.report_sha256, r.forms, count(f.form_id)
        FROM dim_report r LEFT JOIN dim_form f USING (report_sha256)
        WHERE r.status = 'loaded' GROUP BY ALL HAVING count(f.form_id) <> r.forms
        UNION ALL
        SELECT 'refused with rows', r.report_sha256, r.forms, count(f.form_id)
        FROM dim_report r JOIN dim_form f USING (report_sha256)
        WHERE r.status <> 'loaded' GROUP BY ALL
        UNION ALL
        SELECT 'form without report', f.report_sha256, NULL, NULL FROM dim_form f
        WHERE NOT EXISTS (SELECT 1 FROM dim_report r WHERE r.report_sha256 = f.report_sha256)
        UNION ALL
        SELECT 'no fund rows', f.form_id, NULL, NULL FROM dim_form f
        WHERE NOT EXISTS (SELECT 1 FROM fact_fund_execution x
                          WHERE x.form_id = f.form_id AND x.report_sha256 = f.report_sha256)
        UNION ALL
        SELECT 'no indicator rows', f.form_id, NULL, NULL FROM dim_form f
        WHERE NOT EXISTS (SELECT 1 FROM fact_indicator_result x
                          WHERE x.form_id = f.form_id AND x.report_sha256 = f.report_sha256)
        UNION ALL
        SELECT 'orphan fact row', x.report_sha256, NULL, NULL FROM fact_indicator_result x
        WHERE NOT EXISTS (SELECT 1 FROM dim_form f
                          WHERE x.form_id = f.form_id AND x.report_sha256 = f.report_sha256)
        """).fetchall()
    if checked:
        problems += con.execute(
            """SELECT 'unchecked', f.form_id, NULL, NULL FROM dim_form f
               WHERE NOT EXISTS (SELECT 1 FROM check_result c
                                 WHERE c.form_id = f.form_id AND c.report_sha256 = f.report_sha256)"""
        ).fetchall()
    return problems


def _snapshot(path: Path) -> tuple[int, list[tuple]] | None:
    """(forms, problems) of the published file as an analyst opens it, or None before the first
    publish. Any error opening or reading it fails the test."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM dim_form").fetchone()[0], half_reports(con, checked=True)


def _ingest(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([*JIXIAO, "ingest", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)


@pytest.fixture
def reports(tmp_path) -> Path:
    folder = tmp_path / "reports"
    shutil.copytree(SAMPLES, folder)
    return folder


@pytest.mark.slow
def test_analysts_polling_during_a_load_always_see_whole_reports(reports, tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    load = _ingest(str(reports), "--warehouse", str(wh), "--publish-every", "0", "-q",
                   "--quarantine", str(tmp_path / "q"))
    seen, polls = set(), 0
    while load.poll() is None:
        state = _snapshot(wh)
        polls += 1
        if state is not None:
            forms, problems = state
            assert problems == [], problems
            seen.add(forms)
        time.sleep(0.05)
    out, err = load.communicate()
    assert load.returncode == 0, err
    # an analyst's query through the CLI answers too, during and after
    final = _snapshot(wh)
    assert final == (FORMS_IN_SAMPLES, [])
    # the last snapshot is what readers see once the run is done: the command ends as soon as it is
    # published (`cli._leave`), often before a poll sees it
    seen.add(final[0])
    assert len(seen) >= 3, f"readers saw only {sorted(seen)} in {polls} polls: no intermediate snapshot"
    assert sorted(seen)[-1] == FORMS_IN_SAMPLES  # no snapshot held more than the whole load


@pytest.mark.slow
def test_a_query_answers_while_an_ingest_writes(reports, tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    first = subprocess.run([*JIXIAO, "ingest", str(reports / "440305210300200065020.xlsx.pdf"), "-q",
                            "--warehouse", str(wh)], capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    load = _ingest(str(reports), "--warehouse", str(wh), "-q", "--force", "--publish-every", "0")
    answered = 0
    try:
        while load.poll() is None:
            q = subprocess.run([*JIXIAO, "query", "SELECT count(*) FROM v_form_scorecard", "--format", "csv",
                                "--warehouse", str(wh)], capture_output=True, text=True, timeout=120)
            assert q.returncode == 0, q.stderr
            answered += load.poll() is None
    finally:
        _, err = load.communicate(timeout=600)
    assert load.returncode == 0, err
    assert answered >= 1


@pytest.mark.slow
def test_two_ingests_started_together_both_complete(reports, tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    pdfs = sorted(reports.glob("*.pdf"))
    halves = tmp_path / "a", tmp_path / "b"
    for half, files in zip(halves, (pdfs[::2], pdfs[1::2])):
        half.mkdir()
        for f in files:
            shutil.move(str(f), half / f.name)
    runs = [_ingest(str(h), "--warehouse", str(wh), "--quarantine", str(tmp_path / "q")) for h in halves]
    results = [(p.communicate(timeout=900), p.returncode) for p in runs]
    for (out, err), code in results:
        assert code == 0, err
        assert "Traceback" not in err
    assert any("waiting for" in err and "is writing it" in err for (_, err), _ in results), \
        "neither ingest waited for the other"
    assert _snapshot(wh) == (FORMS_IN_SAMPLES, [])


KILLS = 20


@pytest.mark.slow
def test_ingest_killed_at_random_moments_never_leaves_half_a_report(reports, tmp_path):
    """SIGKILL `jixiao ingest` KILLS times at random moments (fixed seed) while it re-reads and
    stores every sample; after each kill both files open and hold only whole reports, and a last
    run completes the rest. The moments fall within what one whole run takes on this machine (from
    a tenth of it, and 1 s at least, its start-up, to nine tenths: 1–9 s where a run takes 10 s), so
    that a faster machine or a faster jixiao still kills runs mid-way, not after they ended."""
    wh = tmp_path / "warehouse.duckdb"
    work = wh.with_name("warehouse.work.duckdb")
    args = (str(reports), "--warehouse", str(wh), "--force", "--publish-every", "0", "-q", "--workers", "1")
    started = time.monotonic()
    whole = _ingest(*args)
    whole.communicate(timeout=900)
    assert whole.returncode == 0
    took = time.monotonic() - started
    rng = random.Random(9)
    killed_while_writing = 0
    for n in range(KILLS):
        run = _ingest(*args, start_new_session=True)
        time.sleep(rng.uniform(max(1.0, 0.1 * took), 0.9 * took))
        if run.poll() is None:
            os.kill(run.pid, signal.SIGKILL)  # the ingest itself, as the OOM killer would
            killed_while_writing += 1
        run.wait()
        try:
            os.killpg(run.pid, signal.SIGKILL)  # its readers, orphaned
        except ProcessLookupError:
            pass
        run.communicate()
        state = _snapshot(wh)
        assert state is None or state[1] == [], (n, state)
        if work.exists():
            with duckdb.connect(str(work), read_only=True) as con:
                assert half_reports(con, checked=False) == [], n
    assert killed_while_writing >= KILLS * 3 // 4
    last = subprocess.run([*JIXIAO, "ingest", str(reports), "--warehouse", str(wh)],
                          capture_output=True, text=True, timeout=900)
    assert last.returncode == 0, last.stderr
    assert _snapshot(wh) == (FORMS_IN_SAMPLES, [])
