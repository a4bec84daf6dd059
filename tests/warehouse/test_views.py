"""The analyst views on the sample warehouse, each answer checked against the truth files."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import duckdb
import pytest

from conftest import PDF, ROOT, SAMPLES, truth
from pipeline import warehouse
from pipeline.facts import rules
from pipeline.ingest import ingest_file

VIEWS = ("v_form_scorecard", "v_indicator_results", "v_self_score_audit", "v_unit_year_summary")


@pytest.fixture()
def con(sample_warehouse):
    c = duckdb.connect(str(sample_warehouse), read_only=True)
    yield c
    c.close()


def _truths(con) -> dict[str, dict]:
    return {code: truth(code) for (code,) in con.execute("SELECT project_code FROM dim_form").fetchall()}


def _grade(total: Decimal) -> str:
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def test_every_view_answers_and_is_commented(con):
    assert set(warehouse.views(con)) >= set(VIEWS)
    for view in VIEWS:
        assert con.execute(f"SELECT count(*) FROM {view}").fetchall()[0][0] > 0, view
        comments = warehouse.column_comments(con, view)
        assert [c for c, text in comments.items() if not text] == [], view
    assert all(c for _, c in con.execute(
        "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())


def test_form_scorecard(con):
    truths = _truths(con)
    rows = con.execute("""SELECT project_code, annual_budget, executed, execution_rate, total_score,
                                 grade, failed_checks, failed_rules FROM v_form_scorecard""").fetchall()
    assert len(rows) == len(truths) == 22
    for code, budget, executed, rate, total, grade, failed, failed_rules in rows:
        t = truth(code)
        whole = t["funds"]["rows"][0]
        assert (budget, executed) == (Decimal(whole["annual_budget"]), Decimal(whole["executed"]))
        assert rate == Decimal(t["funds"]["execution_rate"])
        assert grade == _grade(Decimal(t["total_score"]))
        defect = (t.get("defect") or {}).get("kind")
        assert (failed, failed_rules) == ((1, defect) if defect else (0, None)), code


def test_indicator_results(con):
    truths = _truths(con)
    assert con.execute("SELECT count(*) FROM v_indicator_results").fetchall()[0][0] == sum(
        len(t["indicators"]) for t in truths.values())
    gaps = con.execute("""SELECT score_gap = score - rule_score, rule_score = weight
                          FROM v_indicator_results WHERE target_met""").fetchall()
    assert gaps and all(g == (True, True) for g in gaps)
    printer = con.execute("""SELECT target_comparator, target_value, target_unit, actual_value,
                                    target_met, rule_score, score_gap FROM v_indicator_results
                             WHERE project_code = '440303210301500004143' AND level3 = '打印机采购的数量'
                          """).fetchall()
    assert printer == [("≥", Decimal(5), "台", Decimal(0), False, Decimal(0), Decimal("0.5"))]


def _findings(con, reason: str) -> set[tuple]:
    return set(con.execute("""SELECT project_code, coalesce(level3, level2) FROM v_self_score_audit
                              WHERE reason = ?""", [reason]).fetchall())


def test_self_score_audit_lists_the_known_cases(con):
    truths = _truths(con)
    # 0台 delivered against ≥5台 / ≥3台 still scoring 0.5 of 1; 6.7 of 10 where the rule gives 4.50
    above = _findings(con, "score_above_rule")
    assert {("440303210301500004143", "打印机采购的数量"),
            ("440303210301500004143", "办公电脑采购的数量")} <= above
    assert ("440305210300200065020", "现场执法人员满意度") in above
    # 86.25% against 90% of 3 is 2.875 by the rule; the form prints its 得分 to one decimal: 2.9
    assert con.execute("""SELECT score, rule_score FROM v_indicator_results WHERE project_code =
                          '440303210301500004143' AND target = '90%'""").fetchall() == [
        (Decimal("2.90"), Decimal("2.88"))]
    assert not {(c, row) for c, row in above if c == "440303210301500004143"} - {
        ("440303210301500004143", "打印机采购的数量"), ("440303210301500004143", "办公电脑采购的数量")}
    # what the truth files say, computed without the warehouse
    not_applicable = {(c, i["level3"] or i["level2"]) for c, t in truths.items() for i in t["indicators"]
                      if i["target"] == "不适用" and Decimal(i["weight"]) > 0}
    assert not_applicable == {("440303221550216305000", "服务对象满意度指标"),
                              ("440303221550216305000", "其他满意度指标")}
    assert _findings(con, "not_applicable_weighted") == not_applicable
    low = {(c, None) for c, t in truths.items()
           if Decimal(t["funds"]["execution_rate"]) < 60 and Decimal(t["total_score"]) >= 90}
    assert ("440303210301500001278", None) in low
    assert _findings(con, "low_execution_high_score") == low
    silent = {(c, i["level3"] or i["level2"]) for c, t in truths.items() for i in t["indicators"]
              if Decimal(i["score"]) < Decimal(i["weight"]) and not i["deviation_note"]}
    assert _findings(con, "shortfall_without_note") == silent
    # a finding about the whole form has no row; every other finding names its row
    assert con.execute("""SELECT count(*) FROM v_self_score_audit
                          WHERE (row_no IS NULL) <> (reason = 'low_execution_high_score')""").fetchall() == [(0,)]


def _unit_key(name: str) -> str:
    """unit_key, written again here: no spaces, half-width brackets, no trailing (本级), then the
    aliases of sql/unit_aliases.csv."""
    import csv
    import re

    norm = lambda n: re.sub(r"\(本级\)$", "", "".join(n.split()).replace("（", "(").replace("）", ")"))  # noqa: E731
    with (ROOT / "sql" / "unit_aliases.csv").open(encoding="utf-8") as fh:
        aliases = {norm(r["alias"]): norm(r["unit"]) for r in csv.DictReader(fh)}
    return aliases.get(norm(name), norm(name))


def test_unit_year_summary(con):
    want: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0), Decimal(0), []])
    for t in _truths(con).values():
        w = want[(_unit_key(t["budget_unit"]), t["year"])]
        w[0] += 1
        w[1] += Decimal(t["funds"]["rows"][0]["annual_budget"])
        w[2] += Decimal(t["funds"]["rows"][0]["executed"])
        w[3].append(Decimal(t["total_score"]))
    got = con.execute("SELECT * FROM v_unit_year_summary").fetchall()
    assert len(got) == len(want)
    for printed, unit, year, template, forms, budget, executed, rate, mean, low in got:
        assert _unit_key(printed) == unit
        assert template == "luohu"  # the samples are 罗湖区 forms; tests/warehouse/test_template_warehouse.py has the others
        n, b, e, totals = want[(unit, year)]
        assert (forms, budget, executed, low) == (n, b, e, min(totals))
        assert rate == rules.execution_rate(e, b)
        assert mean == rules.round2(sum(totals) / len(totals))


def test_a_reissued_report_supersedes_and_both_stay(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    bundle = ingest_file(con, SAMPLES / "luohu-2023-dev.xlsx.pdf")
    reissue = ingest_file(con, PDF / "reportlab" / "440303210301500004143.reportlab.pdf")
    assert bundle.sha256 != reissue.sha256
    form = "440303210301500004143-2023"
    versions = lambda: con.execute(  # noqa: E731
        "SELECT report_sha256, is_current, superseded_by FROM dim_form WHERE form_id = ? ORDER BY is_current",
        [form]).fetchall()
    assert versions() == [(bundle.sha256, False, reissue.sha256), (reissue.sha256, True, None)]
    # re-reading the older file is not a re-issue: it stays superseded
    ingest_file(con, SAMPLES / "luohu-2023-dev.xlsx.pdf", force=True)
    assert versions() == [(bundle.sha256, False, reissue.sha256), (reissue.sha256, True, None)]
    # the views read the current version only, once per form
    assert con.execute("SELECT count(*), count(DISTINCT form_id) FROM v_form_scorecard").fetchall() == [(12, 12)]
    for view in ("v_form_scorecard", "v_indicator_results"):
        assert con.execute(f"SELECT DISTINCT report_sha256 FROM {view} WHERE form_id = ?",
                           [form]).fetchall() == [(reissue.sha256,)]
    # the other eleven forms of the bundle are untouched
    assert con.execute("SELECT count(*) FROM dim_form WHERE is_current AND report_sha256 = ?",
                       [bundle.sha256]).fetchall() == [(11,)]


def test_audit_reasons_on_hand_made_rows():
    """Each reason on rows built for it, including unmet_full_score (no sample form has one);
    a superseded version carrying the same rows is not listed."""
    con = duckdb.connect()
    warehouse.apply_schema(con)
    for sha, current in (("new", True), ("old", False)):
        con.execute("""INSERT INTO dim_form (form_id, report_sha256, template, money_unit, project_code, year,
                           execution_rate, total_score, first_page, last_page, is_current, superseded_by)
                       VALUES ('p-2023', ?, 'luohu', '元', 'p', 2023, 50.00, 95.00, 1, 1, ?, ?)""",
                    [sha, current, None if current else "new"])
        con.execute("""INSERT INTO fact_indicator_result (form_id, report_sha256, row_no, level3, target,
                           actual, weight, score, deviation_note, page, target_met, rule_score) VALUES
                       ('p-2023', ?, 1, 'unmet, full', '≥5台', '4台', 2, 2, 'note', 1, false, 1.60),
                       ('p-2023', ?, 2, 'above rule', '≥5台', '0台', 2, 1, 'note', 1, false, 0),
                       ('p-2023', ?, 3, 'no note', '满足', '基本满足', 2, 1, '—', 1, NULL, NULL),
                       ('p-2023', ?, 4, NULL, '不适用', NULL, 5, 5, NULL, 1, NULL, NULL),
                       ('p-2023', ?, 5, 'fine', '≥5台', '6台', 2, 2, NULL, 1, true, 2)""", [sha] * 5)
    got = con.execute("SELECT reason, row_no, report_sha256 FROM v_self_score_audit").fetchall()
    assert sorted(got, key=str) == sorted([
        ("low_execution_high_score", None, "new"), ("unmet_full_score", 1, "new"),
        ("score_above_rule", 2, "new"), ("shortfall_without_note", 3, "new"),
        ("not_applicable_weighted", 4, "new")], key=str)


@pytest.mark.parametrize("scores,above", [
    # a form printing its 得分 to one decimal: 2.9 for 2.875 (stored 2.88) is its rounding, not a finding
    ([("2.90", "2.88"), ("0.50", "0"), ("6.70", "4.50"), ("3", "3")], [2, 3]),
    ([("2.90", "2.88")], []),
    # 2.86 rounds to 2.9 as well; 2.84 does not
    ([("2.90", "2.86"), ("2.90", "2.84")], [2]),
    # another 得分 of the form prints two decimals: 2.9 is then 0.02 above a rule it could print
    ([("2.90", "2.88"), ("1.25", "1.25")], [1]),
    # a form printing whole points: 3 for 2.88 is rounding, 1 for 0.50 and 5 for 4.49 are not
    ([("3", "2.88"), ("1", "0.50"), ("5", "4.49")], [3]),
])
def test_score_above_rule_allows_for_the_forms_printed_precision(scores, above):
    con = duckdb.connect()
    warehouse.apply_schema(con)
    con.execute("""INSERT INTO dim_form (form_id, report_sha256, template, money_unit, project_code, year,
                       execution_rate, total_score, first_page, last_page, is_current)
                   VALUES ('p-2023', 's', 'luohu', '元', 'p', 2023, 100.00, 100.00, 1, 1, true)""")
    for row_no, (score, rule) in enumerate(scores, start=1):  # every row short of its target, with a note
        con.execute("""INSERT INTO fact_indicator_result (form_id, report_sha256, row_no, target, actual,
                           weight, score, deviation_note, page, target_met, rule_score)
                       VALUES ('p-2023', 's', ?, '≥5台', '4台', 10, ?, 'note', 1, false, ?)""",
                    [row_no, Decimal(score), Decimal(rule)])
    got = con.execute("SELECT row_no FROM v_self_score_audit WHERE reason = 'score_above_rule' ORDER BY 1")
    assert [r for (r,) in got.fetchall()] == above
