"""The new variants in the warehouse (issue 21, item 6): dim_form keeps variant, grade, report_date, the
checkboxes and the text printed around the table; indicator rows keep nature, unit and placeholder; the
views and every example question run on a warehouse holding every variant, and the analyst view leaves
placeholder rows out."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, PDF, ROOT
from pipeline import checks, warehouse
from pipeline.ingest import ingest_file

VARIANTS = ("yunnan", "langfang", "hubei")
ONE = "440303210301500004536"  # yunnan
LANGFANG = "440303230301000061330"
HUBEI = "440303230300200079180"
# forms of different projects: one project and year printed twice is one form, the later version current


def _truth(variant: str, code: str) -> dict:
    return json.loads((CORPUS / f"truth-{variant}" / f"{code}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    con = warehouse.connect(tmp_path_factory.mktemp("vw") / "w.duckdb")
    for pdf in [PDF / "yunnan" / f"{ONE}.yunnan.pdf", PDF / "langfang" / f"{LANGFANG}.langfang.pdf",
                PDF / "hubei" / f"{HUBEI}.hubei.pdf", PDF / "xlsx" / "440303210301500004143.xlsx.pdf",
                PDF / "sichuan" / "440303200301500094260.sichuan.pdf"]:
        assert ingest_file(con, pdf).status == "loaded", pdf
    checks.run(con)
    yield con
    con.close()


def test_dim_form_keeps_each_variant_s_own_parts(con):
    rows = {v: r for v, *r in con.execute(
        "SELECT variant, template, grade, report_date, department, table_no, other_notes, checkboxes, "
        "total_weight, execution_rate_decimals, funds_score_decimals FROM dim_form").fetchall()}
    assert set(rows) == {"yunnan", "langfang", "hubei", "luohu", "sichuan"}
    yunnan, hubei = _truth("yunnan", ONE), _truth("hubei", HUBEI)
    assert rows["yunnan"][:7] == ["yunnan", yunnan["grade"], None, yunnan["department"], "公开14表",
                                  yunnan["other_notes"], None]
    assert rows["hubei"][2] == hubei["report_date"] and json.loads(rows["hubei"][6]) == hubei["checkboxes"]
    assert rows["hubei"][7] is None  # no 总分 分值 printed
    assert rows["langfang"][8:] == [0, 0] and rows["yunnan"][8:] == [2, 2]  # "76%" / "8"; "75.68%" / "7.57"
    assert rows["luohu"][1:7] == [None] * 6


def test_indicator_rows_keep_nature_unit_and_placeholder(con):
    yunnan = con.execute("""SELECT i.nature, i.target, i.unit, i.target_comparator FROM fact_indicator_result i
        JOIN dim_form f USING (form_id, report_sha256) WHERE f.variant = 'yunnan' ORDER BY row_no LIMIT 1""").fetchone()
    assert yunnan == ("≧", "15", "个", "≥")
    placeholders = con.execute("""SELECT count(*) FILTER (WHERE placeholder), count(*) FROM fact_indicator_result i
        JOIN dim_form f USING (form_id, report_sha256) WHERE f.variant = 'langfang'""").fetchone()
    want = _truth("langfang", LANGFANG)["indicators"]
    assert placeholders == (sum(bool(r.get("placeholder")) for r in want), len(want))
    shown = con.execute("SELECT count(*) FROM v_indicator_results WHERE variant = 'langfang'").fetchone()[0]
    assert shown == placeholders[1] - placeholders[0]  # the analyst view: no placeholder rows


def test_every_view_and_example_runs_across_the_variants(con):
    scorecard = con.execute("SELECT variant, printed_grade, report_date, total_score FROM v_form_scorecard").fetchall()
    assert {r[0] for r in scorecard} == {"yunnan", "langfang", "hubei", "luohu", "sichuan"}
    views = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
    for view in views:
        con.execute(f"SELECT * FROM {view}").fetchall()
    for sql in sorted((ROOT / "sql" / "examples").glob("*.sql")):
        assert con.execute(sql.read_text(encoding="utf-8")).fetchall() is not None, sql.name
    failed = con.execute("SELECT DISTINCT f.variant, c.rule FROM check_result c JOIN dim_form f "
                         "USING (form_id, report_sha256) WHERE NOT c.passed").fetchall()
    defects = {v: (_truth(v, c).get("defect") or {}).get("kind") for v, c in
               (("yunnan", ONE), ("langfang", LANGFANG), ("hubei", HUBEI))}
    assert sorted(failed) == sorted((v, d) for v, d in defects.items() if d)


def test_the_examples_answer_per_form_and_only_where_the_form_prints_what_they_ask(tmp_path):
    """Forms printing no project code may share a name (the yunnan and the central form of one project
    and year, two units' forms): an example answering per project answers per form. A form printing no
    indicator 分值 (hubei) is no answer to "every indicator scores its full 分值" nor to a share of 分值."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    for pdf in [PDF / "hubei" / f"{HUBEI}.hubei.pdf", PDF / "yunnan" / "440303200301500094260.yunnan.pdf",
                PDF / "central" / "440303200301500094260.central.pdf"]:
        assert ingest_file(con, pdf).status == "loaded", pdf

    def answer(name: str) -> list[tuple]:
        return con.execute((ROOT / "sql" / "examples" / name).read_text(encoding="utf-8")).fetchall()

    hubei = _truth("hubei", HUBEI)
    assert float(hubei["funds"]["execution_rate"]) < 80
    assert [r for r in answer("02_full_marks_low_execution.sql") if r[2] == hubei["project_name"]] == []
    name = _truth("yunnan", "440303200301500094260")["project_name"]
    shares = [r for r in answer("05_qualitative_weight_share.sql") if r[1] == name]
    assert len(shares) == 2 and all(r[3] == 90 for r in shares)  # each form's own 分值, not the two added
    assert all(r[1] != hubei["project_name"] for r in answer("05_qualitative_weight_share.sql"))
    con.close()


def test_the_date_a_form_prints_is_a_date_to_sort_by(con):
    """填报日期 is kept as printed ("2024年3月22日", "2024.2.11", "2024-04-05": hubei forms print all
    three) and, in the scorecard, as a DATE."""
    from datetime import date

    printed, day = con.execute("SELECT report_date, report_day FROM v_form_scorecard WHERE variant = 'hubei'").fetchone()
    assert printed == _truth("hubei", HUBEI)["report_date"] and isinstance(day, date)
    assert [con.execute("SELECT printed_date(?)", [t]).fetchone()[0] for t in
            ("2024年3月22日", "2024.2.11", "2024-04-05", "2024/3/1", "2024年2月30日", "无")] == \
        [date(2024, 3, 22), date(2024, 2, 11), date(2024, 4, 5), date(2024, 3, 1), None, None]
