"""What people read from the `jixiao` command: a `query` table that fits the terminal and never cuts
a code or a number, progress on `validate`, a prompt Ctrl-C, and an ingest summary that says what
stands in the warehouse as well as what the run read."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal

import polars as pl
import pytest

from conftest import SAMPLES
from pipeline.query import table_text, width_of

JIXIAO = [sys.executable, "-m", "pipeline.cli"]
WIDE = ("SELECT form_id, project_code, project_name, implementing_unit, annual_budget, executed, "
        "execution_rate, total_score FROM v_form_scorecard ORDER BY form_id")


def run(*args: str, columns: int | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({"COLUMNS": str(columns)} if columns else {})}
    return subprocess.run([*JIXIAO, *args], capture_output=True, text=True, timeout=600, env=env)


@pytest.mark.parametrize("columns", [60, 100, 160])
def test_query_table_fits_the_terminal_and_never_cuts_a_code_or_number(sample_warehouse, columns):
    out = run("query", WIDE, "--warehouse", str(sample_warehouse), columns=columns)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    exact = json.loads(run("query", WIDE, "--format", "json", "--warehouse", str(sample_warehouse)).stdout)
    for row in exact:
        assert row["project_code"] in text and row["form_id"] in text  # 21 digits, whole
        for amount in ("annual_budget", "executed"):
            assert f"{Decimal(row[amount]):,}" in text  # thousands separators, every digit
    longest = max(width_of(line) for line in text.splitlines())
    if columns >= 100:
        assert longest <= columns  # a table: text wrapped to fit
    else:  # even wrapped to 8 cells the columns do not fit: one record per block, none cut
        assert "── row 1 " in text and longest <= max(columns, len(exact[0]["form_id"]) + 20)


def test_thousands_separators_only_in_the_table(sample_warehouse):
    sql = "SELECT sum(executed) AS s, 2024 AS year FROM fact_fund_execution WHERE source_order = 1"
    table = run("query", sql, "--warehouse", str(sample_warehouse), columns=80).stdout
    assert "148,774,002.35" in table and "2024" in table and "2,024" not in table
    assert json.loads(run("query", sql, "--format", "json", "--warehouse", str(sample_warehouse)).stdout) == [
        {"s": "148774002.35", "year": 2024}]
    assert list(csv.reader(io.StringIO(run("query", sql, "--format", "csv", "--warehouse",
                                           str(sample_warehouse)).stdout)))[1] == ["148774002.35", "2024"]


def test_table_wraps_text_at_the_width_given():
    frame = pl.DataFrame({"code": ["440303231550216305003"],
                          "name": ["深圳市罗湖区政务服务和数据管理局（本级）信息化运维项目经费"],
                          "amount": [Decimal("4387847.12")]}, schema_overrides={"amount": pl.Decimal(18, 2)})
    text = table_text(frame, 60)
    assert max(width_of(line) for line in text.splitlines()) <= 60
    assert "440303231550216305003" in text and "4,387,847.12" in text
    assert len(text.splitlines()) > 4  # the name took several lines
    alone = table_text(frame.select("name"), 20).splitlines()[2:-1]  # below the header and rule
    assert "".join(line.strip() for line in alone) == frame["name"][0]  # wrapped, nothing cut
    records = table_text(frame, 30)  # too narrow for the columns side by side
    assert "── row 1" in records and "440303231550216305003" in records and "4,387,847.12" in records


def test_validate_says_what_it_is_doing(sample_warehouse, tmp_path):
    wh = tmp_path / "w.duckdb"
    wh.write_bytes(sample_warehouse.read_bytes())
    out = run("validate", "--warehouse", str(wh))
    assert out.returncode == 1
    steps = [line for line in out.stderr.splitlines() if line.startswith("[")]
    assert "checking 22 form(s) of 11 report(s) against 3 suites (funds, scores, weights)" in steps[0]
    assert any("running the suites" in s for s in steps) and steps[-1].endswith("done ...")


@pytest.mark.parametrize("after", [0.5, 2.0, 4.0, 6.0])
def test_ctrl_c_during_validate_ends_it_at_once_with_no_traceback(sample_warehouse, tmp_path, after):
    """A Ctrl-C at any point (opening the warehouse, importing Great Expectations, running the
    suites) ends the command with 130 and one line; the warehouse stays usable."""
    wh = tmp_path / "w.duckdb"
    wh.write_bytes(sample_warehouse.read_bytes())
    command = subprocess.Popen([*JIXIAO, "validate", "--warehouse", str(wh)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(after)
    command.send_signal(signal.SIGINT)
    try:
        _, err = command.communicate(timeout=20)  # before: the import thread held it up to 18 s
    finally:
        command.kill()
    assert "Traceback" not in err
    if command.returncode == 130:
        assert "jixiao: interrupted" in err
    else:  # it had finished already
        assert command.returncode == 1 and err.rstrip().endswith("done ...")
    assert run("validate", "--warehouse", str(wh)).returncode == 1  # whole: checks run again


def test_ingest_summary_counts_what_stands_as_well_as_what_it_read(tmp_path):
    wh = str(tmp_path / "w.duckdb")
    first = run("ingest", str(SAMPLES), "-q", "--warehouse", wh, "--quarantine", str(tmp_path / "q"))
    assert "10 failed check(s) in this run; the warehouse holds 22 current form(s) with 10 failed check(s)" \
        in first.stdout
    again = run("ingest", str(SAMPLES), "-q", "--warehouse", wh, "--quarantine", str(tmp_path / "q"))
    assert "0 failed check(s) in this run; the warehouse holds 22 current form(s) with 10 failed check(s)" \
        in again.stdout


def test_validate_says_which_rules_a_variant_cannot_be_checked_by_and_why(tmp_path):
    """A rule a variant's forms cannot obey (hubei prints no 总分 分值, no indicator 分值, one source)
    is not run on them; `validate` says so, with why (the variant's [unchecked]), never leaves it unsaid."""
    from conftest import PDF
    from pipeline.forms import template as templates

    wh = str(tmp_path / "w.duckdb")
    assert run("ingest", str(PDF / "hubei" / "440303230300200079180.hubei.pdf"), "--warehouse", wh).returncode in (0, 1)
    out = run("validate", "--warehouse", wh)
    said = [line for line in out.stdout.splitlines() if line.startswith("not checked on ")]
    assert said == [f"not checked on 1 hubei form(s): {rule}: {why}"
                    for rule, why in templates.get("hubei").unchecked.items()]
    assert len(said) == 3


def test_validate_says_where_the_execution_rate_is_not_checked_for_want_of_a_budget(tmp_path):
    """棠溪镇 2022 prints 0 in its 年度资金总额 row: 执行率 has nothing to be computed from, and `validate`
    says so rather than leave the rule silently unrun."""
    from conftest import CORPUS
    from pipeline.checks import NO_BUDGET

    wh = str(tmp_path / "w.duckdb")
    run("ingest", str(CORPUS / "xls" / "440106191550216302646.central.xls"), "--warehouse", wh)
    tangxi = next(p for p in sorted((CORPUS / "html").glob("*.central.html"))
                  if "棠溪镇" in p.read_text(encoding="utf-8", errors="replace"))
    run("ingest", str(tangxi), "--warehouse", wh)
    said = [line for line in run("validate", "--warehouse", wh).stdout.splitlines() if line.startswith("not checked")]
    assert said == [f"not checked on 1 central form(s): execution_rate: {NO_BUDGET}"]
