"""The `jixiao` command as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PDF, ROOT, SAMPLES, differences, truth

JIXIAO = [sys.executable, "-m", "pipeline.cli"]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*JIXIAO, *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def test_help_lists_every_command():
    out = run("--help").stdout
    for cmd in ("extract", "ingest", "validate", "query", "export", "rebuild", "report"):
        assert cmd in out
    assert "--format" in run("query", "--help").stdout


def test_extract_prints_schema_json():
    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    result = run("extract", str(pdf))
    assert result.returncode == 0
    forms = json.loads(result.stdout)
    assert len(forms) == 1 and differences(forms[0], truth("440303210301500004143")) == []


def test_extract_reports_bad_file_and_keeps_going(tmp_path):
    bad = tmp_path / "x.pdf"
    bad.write_text("nope")
    result = run("extract", str(bad), str(PDF / "xlsx" / "440305210300200065020.xlsx.pdf"))
    assert result.returncode == 1
    assert f"{bad}: not a PDF" in result.stderr
    assert [f["project_code"] for f in json.loads(result.stdout)] == ["440305210300200065020"]


def test_ingest_validate_query_round_trip(tmp_path):
    wh = tmp_path / "w.duckdb"
    env = {"JIXIAO_WAREHOUSE": str(wh)}  # the env var stands in for --warehouse
    result = run("ingest", str(SAMPLES), "--quarantine", str(tmp_path / "q"), env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 23  # one per form and a summary
    assert "22 form(s) read" in lines[-1] and "11 loaded" in lines[-1]
    assert "[11/11]" in result.stderr  # progress
    line = next(l for l in lines if l.startswith("440306211550216301358"))
    assert "1 failed" in line and "funds_score" in line

    again = run("ingest", str(SAMPLES), "-q", env=env)
    assert again.returncode == 0 and "11 already loaded" in again.stdout
    assert "0 form(s) read" in again.stdout  # the skipped reports' forms are not counted again

    v = run("validate", "--format", "json", "--failed", env=env)
    assert v.returncode == 1
    findings = json.loads(v.stdout)
    assert {f["rule"] for f in findings} == {"weights_total", "level1_sum", "score_above_weight",
                                             "total_score", "fund_total", "execution_rate",
                                             "funds_score"}
    one = next(f for f in findings if f["project_code"] == "440307251551500032553")
    assert (one["rule"], one["expected"], one["observed"]) == ("execution_rate", "90.12", "90.39")
    order = [(f["form_id"], f["rule"], f["subject"]) for f in findings]
    assert order == sorted(order)  # as the text lists them

    text = run("validate", env=env)
    assert text.returncode == 1
    said = text.stdout.splitlines()
    # each rule says which number the form printed and which was computed
    assert ("FAIL 440307251551500032553-2025  execution_rate  执行率: printed 90.39, "
            "全年执行数 / 全年预算数 × 100 gives 90.12") in said
    checks = _count(env, "SELECT count(*) FROM check_result")  # one version of each form here
    assert said[-1] == f"{checks} check(s) on 22 current form(s): {checks - 10} passed, 10 failed"
    assert len(said) == len(findings) + 1
    assert run("validate", "--failed", env=env).returncode == 2  # text lists only failures anyway

    q = run("query", "SELECT project_code, total_score FROM dim_form ORDER BY 1 LIMIT 2",
            "--format", "csv", "--warehouse", str(wh))
    assert q.returncode == 0
    assert list(csv.reader(io.StringIO(q.stdout)))[1] == ["440106191550216302646", "97.91"]
    j = run("query", "SELECT sum(executed) AS s FROM fact_fund_execution WHERE source_order = 1",
            "--format", "json", "--warehouse", str(wh))
    assert json.loads(j.stdout) == [{"s": "148774002.35"}]  # exact decimal, not a float


def test_ingest_exit_1_when_any_report_quarantined(tmp_path):
    bad = tmp_path / "notes.pdf"  # scans load now (tests/read/test_ocr.py): a file that is no PDF
    bad.write_text("this is not a pdf", encoding="utf-8")
    result = run("ingest", str(bad), str(SAMPLES / "440305210300200065020.xlsx.pdf"),
                 "--warehouse", str(tmp_path / "w.duckdb"), "--quarantine", str(tmp_path / "q"))
    assert result.returncode == 1
    assert "not a PDF file" in result.stderr
    assert "1 loaded" in result.stdout and "1 quarantined" in result.stdout


def test_query_errors_are_clear(tmp_path):
    missing = run("query", "select 1", "--warehouse", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "run `jixiao ingest` first" in missing.stderr


def test_ingest_refuses_a_missing_path_without_touching_the_warehouse(tmp_path):
    wh = tmp_path / "w.duckdb"
    good = str(SAMPLES / "440305210300200065020.xlsx.pdf")
    result = run("ingest", good, "bad/nothere.pdf", "--warehouse", str(wh), "-q")
    assert result.returncode == 2
    assert "no such file or folder: bad/nothere.pdf" in result.stderr
    assert "Traceback" not in result.stderr
    assert not wh.exists()  # nothing loaded, no fake report recorded

    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "sub" / "notes.txt").write_text("no report here")
    none = run("ingest", str(empty), "--warehouse", str(wh))
    assert none.returncode == 2 and f"no report found under {empty}" in none.stderr
    assert not wh.exists()


def test_a_folder_s_archives_are_said_not_quarantined(tmp_path):
    """A folder search passes archives over and says so (a folder of reports beside their zip would
    quarantine a copy of the zip, perhaps gigabytes, and exit 1 on every run); the reports load."""
    import shutil

    shutil.copy(PDF / "hubei" / "440303230300200079180.hubei.pdf", tmp_path / "a.pdf")
    (tmp_path / "a.zip").write_bytes(b"PK\x03\x04" + bytes(64))
    done = run("ingest", str(tmp_path), "-q", "--warehouse", str(tmp_path / "w.duckdb"),
               "--quarantine", str(tmp_path / "q"))
    assert done.returncode == 0, done.stderr
    assert "1 archive(s) not read" in done.stderr and "a.zip" in done.stderr and "unpack them" in done.stderr
    assert not (tmp_path / "q").exists() or not any((tmp_path / "q").iterdir())


def test_extract_prints_only_json_on_stdout_for_a_damaged_workbook(tmp_path):
    """xlrd writes its warnings about a damaged .xls ("WARNING *** file size (…) not 512 + multiple of
    sector size") to stdout, where they came before `jixiao extract`'s JSON: the output no longer parsed."""
    from conftest import CORPUS

    src = (CORPUS / "xls" / "440106191550216302646.central.xls").read_bytes()
    damaged = tmp_path / "damaged.xls"
    damaged.write_bytes(src[:len(src) * 3 // 5 + 7])  # cut off, its size no multiple of a sector
    done = run("extract", str(damaged))
    assert json.loads(done.stdout) == [] and done.returncode == 1
    assert "damaged.xls" in done.stderr and "WARNING" not in done.stdout


def test_ingest_stores_the_absolute_path(tmp_path):
    wh = tmp_path / "w.duckdb"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes((SAMPLES / "440305210300200065020.xlsx.pdf").read_bytes())
    result = subprocess.run([*JIXIAO, "ingest", "r.pdf", "--warehouse", str(wh), "-q",
                             "--quarantine", str(tmp_path / "q")], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    q = run("query", "SELECT file_name, file_path FROM dim_report", "--format", "csv",
            "--warehouse", str(wh))
    assert q.stdout.splitlines()[1:] == [f"r.pdf,{pdf}"]


def _holder(path: Path, read_only: bool) -> subprocess.Popen:
    """An analyst's session left open on a DuckDB file (the duckdb CLI opens it read-write)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], "
         f"read_only={read_only}); print(c.execute('SELECT count(*) FROM dim_form').fetchone()[0], "
         "flush=True); time.sleep(600)", str(path)],
        stdout=subprocess.PIPE, text=True)
    return holder


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "read-write"])
def test_an_analyst_session_left_open_neither_fails_nor_blocks_the_commands(sample_warehouse, tmp_path,
                                                                           read_only):
    wh = tmp_path / "warehouse.duckdb"
    wh.write_bytes(sample_warehouse.read_bytes())
    holder = _holder(wh, read_only)
    try:
        before = int(holder.stdout.readline())
        pdf = str(PDF / "reportlab" / "440303210301500004143.reportlab.pdf")  # a second version
        result = run("ingest", pdf, "-q", "--warehouse", str(wh))
        assert result.returncode == 0 and "1 loaded" in result.stdout, result.stderr
        assert run("validate", "--warehouse", str(wh)).returncode in (0, 1)
        count = run("query", "SELECT count(*) FROM dim_form", "--format", "csv", "--warehouse", str(wh))
        assert count.returncode == 0 and count.stdout.split() == ["count_star()", str(before + 1)]
        out = tmp_path / "s.csv"
        assert run("export", "--view", "v_form_scorecard", "--out", str(out), "--warehouse",
                   str(wh)).returncode == 0
    finally:
        holder.kill()
        holder.wait()


def test_the_writers_file_held_by_another_program_is_named_not_traced(sample_warehouse, tmp_path):
    wh = tmp_path / "held.duckdb"
    wh.write_bytes(sample_warehouse.read_bytes())
    work = wh.with_name("held.work.duckdb")
    work.write_bytes(sample_warehouse.read_bytes())
    holder = _holder(work, read_only=False)  # not what analysts open: only writers use this file
    try:
        holder.stdout.readline()
        pdf = str(SAMPLES / "440305210300200065020.xlsx.pdf")
        for args in (["ingest", pdf, "-q", "--force"], ["validate"]):
            result = run(*args, "--warehouse", str(wh))
            assert result.returncode == 2, (args, result.stderr)
            assert f"{work}: the warehouse file is held by another process" in result.stderr
            assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_validate_refuses_a_missing_warehouse(tmp_path):
    missing = tmp_path / "typo.duckdb"
    result = run("validate", "--warehouse", str(missing))
    assert result.returncode == 2 and "run `jixiao ingest` first" in result.stderr
    assert not missing.exists()


def test_versions_of_a_form_are_told_apart(tmp_path):
    """Two files printing the same project and year, loaded in one run: a line each, naming its file;
    validate shows the current version unless asked for all."""
    env = {"JIXIAO_WAREHOUSE": str(tmp_path / "w.duckdb")}
    older = SAMPLES / "440305210300200065020.xlsx.pdf"
    newer = PDF / "reportlab" / "440305210300200065020.reportlab.pdf"
    result = run("ingest", str(older), str(newer), "-q", "--quarantine", str(tmp_path / "q"), env=env)
    assert result.returncode == 0, result.stderr
    *lines, summary = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"({older.name}, superseded)") and lines[1].endswith(f"({newer.name})")
    n = _count(env, "SELECT count(*) FROM check_result") // 2  # checks of one version
    assert all(f"checks {n - 1} passed, 1 failed  [level1_sum]" in line for line in lines)
    assert "2 form(s) read; 2 failed check(s)" in summary

    current = run("validate", env=env).stdout.splitlines()
    assert current == ["FAIL 440305210300200065020-2023  level1_sum  产出指标: printed (45.00分), its "
                       "printed 分值 add up to 50.00",
                       f"{n} check(s) on 1 current form(s): {n - 1} passed, 1 failed"]
    every = run("validate", "--all-versions", env=env).stdout.splitlines()
    assert every[:2] == [f"{current[0]}  ({older.name}, superseded)", f"{current[0]}  ({newer.name})"]
    assert every[2] == f"{2 * n} check(s) on 2 version(s) of 1 form(s): {2 * n - 2} passed, 2 failed"
    found = json.loads(run("validate", "--all-versions", "--format", "json", "--failed", env=env).stdout)
    assert [(f["file_name"], f["is_current"]) for f in found] == [(older.name, False), (newer.name, True)]


def test_query_runs_one_statement_and_says_when_the_table_is_cut(sample_warehouse):
    wh = ["--warehouse", str(sample_warehouse)]
    two = run("query", "select 1; select 2", *wh)
    assert two.returncode == 2 and "give one SQL statement (got 2)" in two.stderr and not two.stdout
    long = run("query", "SELECT range FROM range(10005)", *wh)
    assert long.returncode == 0
    assert "showed 10,000 of 10,005 rows; --format csv prints them all" in long.stderr
    lines = long.stdout.splitlines()
    assert lines[-2].strip() == "9999" and "10000" not in long.stdout and lines[-1] == "(10,000 rows)"
    assert len(run("query", "SELECT range FROM range(10005)", "--format", "csv", *wh)
               .stdout.splitlines()) == 10_006


def test_extract_takes_no_warehouse():
    result = run("extract", "x.pdf", "--warehouse", "w.duckdb")
    assert result.returncode == 2 and "unrecognized arguments: --warehouse" in result.stderr


def _count(env: dict, sql: str) -> int:
    """A number from the warehouse the command just wrote (read-only, as an analyst would)."""
    return int(run("query", sql, "--format", "csv", env=env).stdout.splitlines()[1])


def test_every_rule_says_which_number_was_printed():
    """validate's text names the printed and the computed number for every rule the suites check."""
    from pipeline.checks import RULES, load_suites

    assert {rule for suite in load_suites() for rule in suite.rules} == set(RULES)


def test_report_writes_the_review_report_and_never_over_another_folder(sample_warehouse, tmp_path):
    out = tmp_path / "report"
    result = run("report", "--warehouse", str(sample_warehouse), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "22 form(s), 10 finding(s) (10 with a picture), 0 refused file(s)" in result.stderr
    assert (out / "index.html").is_file() and len(list((out / "findings").glob("*.html"))) == 10
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    refused = run("report", "--warehouse", str(sample_warehouse), "--out", str(tmp_path / "mine"))
    assert refused.returncode == 2 and "not a review report" in refused.stderr
    assert "Traceback" not in refused.stderr and (tmp_path / "mine" / "notes.txt").read_text() == "keep"


@pytest.mark.parametrize("name, value, said", [
    ("JIXIAO_MAX_SECONDS", "abc", "$JIXIAO_MAX_SECONDS must be a number of seconds, not 'abc'"),
    ("JIXIAO_MAX_PAGES", "1.5", "$JIXIAO_MAX_PAGES must be a whole number of pages, not '1.5'"),
    ("JIXIAO_OCR_READ", "cellz", "$JIXIAO_OCR_READ must be page or cells, not 'cellz'"),
])
def test_a_setting_that_cannot_mean_anything_is_named_not_a_traceback(tmp_path, name, value, said):
    result = run("ingest", str(SAMPLES), "--warehouse", str(tmp_path / "w.duckdb"), "-q", env={name: value})
    assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "w.duckdb").exists()  # judged before any work
