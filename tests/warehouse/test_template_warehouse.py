"""One warehouse for every template: the central and 四川 corpus forms loaded beside 罗湖区 ones.

Each converted form is flagged by exactly its injected defect ("defect" in its truth), the published
棠溪镇 2022 form by fund_total only; amounts are in 元 with the printed value and unit kept; sources
carry a canonical role; the sichuan-only fields are stored; the views and the cross-template example
work on all three templates.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import polars as pl
import pytest

from conftest import CORPUS, PDF, ROOT, TRUTH
from pipeline import warehouse
from pipeline import checks
from pipeline.ingest import ingest_file

D = Decimal
TRUTH_DIRS = {"central": CORPUS / "truth-central", "sichuan": CORPUS / "truth-sichuan"}
# three synthetic 罗湖区 forms without a defect: their codes are in no bundle (every code of the corpus
# is a sichuan form too, so they are not loaded beside the sichuan one-form PDFs: same project, year)
LUOHU = ["440308231550216303388", "440309211551500085790", "440310210301000051978"]
TANGXI = "weituoyewu"
BUNDLED = sorted(p.stem for p in TRUTH.glob("*.json")
                 if "defect" not in json.loads(p.read_text(encoding="utf-8")))  # the real forms

pytestmark = pytest.mark.slow


def _truths() -> dict[str, dict]:
    """layout/file stem → truth for every one-form PDF the warehouse `loaded` holds."""
    out = {}
    for template, folder in TRUTH_DIRS.items():
        for p in sorted(folder.glob("*.json")):
            stem = TANGXI if p.stem == "anhui-tangxi-2022" else p.stem
            out[f"{template}/{stem}"] = json.loads(p.read_text(encoding="utf-8"))
    return out


def _load(path, pdfs):
    con = warehouse.connect(path)
    for pdf in pdfs:
        outcome = ingest_file(con, pdf)
        assert outcome.status == "loaded", (pdf, outcome.error)
    return con


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Every central and sichuan one-form PDF of the corpus, checked."""
    path = tmp_path_factory.mktemp("tw") / "w.duckdb"
    con = _load(path, sorted((PDF / "central").glob("*.pdf")) + sorted((PDF / "sichuan").glob("*.pdf")))
    findings = checks.run(con)
    stems = dict(con.execute(
        "SELECT f.form_id, r.file_name FROM dim_form f JOIN dim_report r USING (report_sha256)").fetchall())
    con.close()
    by_stem = {f"{name.split('.')[1]}/{name.split('.')[0]}": fid for fid, name in stems.items()}
    return path, findings, by_stem


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """The central and sichuan bundles (the 12 real forms each) and three 罗湖区 forms: three templates."""
    path = tmp_path_factory.mktemp("tm") / "w.duckdb"
    con = _load(path, [PDF / "bundle" / "luohu-2023-dev.central.pdf", PDF / "bundle" / "luohu-2023-dev.sichuan.pdf"]
                + [PDF / "xlsx" / f"{code}.xlsx.pdf" for code in LUOHU])
    checks.run(con)
    con.close()
    truths = [json.loads((TRUTH_DIRS[t] / f"{c}.json").read_text(encoding="utf-8"))
              for t in TRUTH_DIRS for c in BUNDLED]
    truths += [json.loads((TRUTH / f"{code}.json").read_text(encoding="utf-8")) for code in LUOHU]
    return (path,), truths


def _con(loaded) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(loaded[0]), read_only=True)


def test_each_converted_form_is_flagged_for_exactly_its_defect(loaded):
    _, findings, by_stem = loaded
    truths = _truths()
    assert set(by_stem) == set(truths)
    for stem, t in truths.items():
        failed = findings.filter((pl.col("form_id") == by_stem[stem]) & ~pl.col("passed"))
        want = {t["defect"]["kind"]} if t.get("defect") else {"fund_total"} if stem.endswith(TANGXI) else set()
        assert set(failed["rule"]) == want, (stem, failed.to_dicts())


def test_tangxi_is_loaded_and_flagged_by_fund_total_in_yuan(loaded):
    _, findings, by_stem = loaded
    failed = findings.filter((pl.col("form_id") == by_stem[f"central/{TANGXI}"]) & ~pl.col("passed"))
    assert sorted(failed.select("subject", "expected", "observed").rows()) == [
        ("全年执行数", D("899740.00"), D("0.00")), ("全年预算数", D("899740.00"), D("0.00")),
        ("年初预算数", D("900000.00"), D("0.00"))]
    mine = findings.filter(pl.col("form_id") == by_stem[f"central/{TANGXI}"])
    assert "execution_rate" not in set(mine["rule"])  # 全年预算数 printed 0: nothing to execute against
    placeholder = mine.filter(pl.col("subject").str.contains("经济效益指标"))
    assert placeholder.height == 0  # the empty placeholder row is no lost number


def test_amounts_in_yuan_keep_the_printed_value_and_unit(loaded):
    _, _, by_stem = loaded
    with _con(loaded) as con:
        rows = con.execute(
            "SELECT source, role, money_unit, annual_budget_printed, annual_budget FROM fact_fund_execution "
            "WHERE form_id = ? ORDER BY source_order", [by_stem[f"central/{TANGXI}"]]).fetchall()
        assert rows == [("年度资金总额", "total", "万元", D("0"), D("0.00")),
                        ("本年财政拨款", "appropriation", "万元", D("89.974"), D("899740.00")),
                        ("上年结转资金", "carried_over", "万元", None, None),
                        ("其他资金", "other", "万元", None, None)]
        form = con.execute("SELECT template, project_code, money_unit, year FROM dim_form WHERE form_id = ?",
                           [by_stem[f"central/{TANGXI}"]]).fetchall()
        assert form == [("central", None, "万元", 2022)]


def test_luohu_amounts_stay_in_yuan_beside_the_others(mixed):
    with _con(mixed[0]) as con:
        units = con.execute("SELECT d.template, f.money_unit, count(*) FROM fact_fund_execution f JOIN dim_form d "
                            "USING (form_id, report_sha256) GROUP BY ALL ORDER BY ALL").fetchall()
        roles = con.execute("SELECT DISTINCT f.source, f.role FROM fact_fund_execution f JOIN dim_form d "
                            "USING (form_id, report_sha256) WHERE d.template = 'luohu' ORDER BY ALL").fetchall()
    assert units == [("central", "万元", 48), ("luohu", "元", 12), ("sichuan", "万元", 60)]
    assert roles == [("上年结转资金", "carried_over"), ("其他资金", "other"), ("年度资金总额", "total"),
                     ("当年财政拨款", "appropriation")]


def test_every_amount_is_the_printed_amount_times_its_unit(loaded):
    with _con(loaded) as con:
        bad = con.execute("""
            SELECT count(*) FROM fact_fund_execution
            WHERE annual_budget IS DISTINCT FROM annual_budget_printed
                  * CASE money_unit WHEN '万元' THEN 10000 WHEN '元' THEN 1 END
        """).fetchall()[0][0]
        assert bad == 0


def test_sources_have_canonical_roles_across_templates(loaded):
    with _con(loaded) as con:
        pairs = set(con.execute(
            "SELECT d.template, f.source, f.role FROM fact_fund_execution f JOIN dim_form d "
            "USING (form_id, report_sha256)").fetchall())
    assert {("sichuan", "财政资金", "appropriation"), ("central", "本年财政拨款", "appropriation"),
            ("central", "当年财政拨款", "appropriation"),
            ("sichuan", "总额", "total"), ("central", "年度资金总额", "total"),
            ("sichuan", "财政专户管理资金", "special_account"), ("sichuan", "单位资金", "unit_funds")} <= pairs


def test_sichuan_fields_are_stored(loaded):
    _, findings, by_stem = loaded
    fid = by_stem["sichuan/440303210301500004143"]
    t = _truths()["sichuan/440303210301500004143"]
    with _con(loaded) as con:
        form = con.execute("SELECT project_code, indicators_weight, funds_note, conclusion, project_lead, "
                           "finance_lead, title FROM dim_form WHERE form_id = ?", [fid]).fetchall()[0]
        assert form == (t["project_code"], D(t["indicators_weight"]), t["funds"]["note"], t["conclusion"],
                        t["project_lead"], t["finance_lead"], "部门预算项目支出绩效自评表")
        rates = con.execute("SELECT source, execution_rate FROM fact_fund_execution WHERE form_id = ? "
                            "ORDER BY source_order", [fid]).fetchall()
        assert rates == [(r["source"], None if r["execution_rate"] is None else D(r["execution_rate"]))
                         for r in t["funds"]["rows"]]
        first = con.execute("SELECT nature, target, unit, target_comparator, target_value, target_unit, "
                            "target_met FROM fact_indicator_result WHERE form_id = ? AND row_no IN (1, 12) "
                            "ORDER BY row_no", [fid]).fetchall()
        assert first == [("≥", "100", "人次", "≥", D("100"), "人次", True),
                         ("定性", "符合", None, None, None, None, None)]
    mine = findings.filter(pl.col("form_id") == fid)
    assert mine.filter(pl.col("rule") == "level1_sum").select("subject", "expected", "observed").rows() == [
        ("绩效指标", D("90.00"), D("90.00"))]  # the section weight; 一级指标 print none
    assert set(mine.filter(pl.col("rule") == "execution_rate")["subject"]) == {"执行率", "执行率 财政资金"}


def test_views_carry_the_template_and_cover_every_form(mixed):
    with _con(mixed[0]) as con:
        per = dict(con.execute("SELECT template, count(*) FROM v_form_scorecard GROUP BY ALL").fetchall())
        forms = dict(con.execute("SELECT template, count(*) FROM dim_form GROUP BY ALL").fetchall())
        assert per == forms == {"central": 12, "sichuan": 12, "luohu": 3}
        assert con.execute("SELECT count(DISTINCT template) FROM v_indicator_results").fetchall() == [(3,)]
        assert con.execute("SELECT count(DISTINCT template) FROM v_unit_year_summary").fetchall() == [(3,)]
        assert con.execute("SELECT count(*) FROM v_self_score_audit WHERE template IS NULL").fetchall() == [(0,)]


def _round2(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_example_units_across_templates(mixed):
    """sql/examples/11: computed here from the truth files (万元 × 10000), not from the warehouse."""
    groups: dict[tuple, dict] = defaultdict(lambda: {"units": set(), "n": 0, "budget": D(0), "executed": D(0),
                                                      "approp": D(0), "scores": []})
    for t in mixed[1]:
        template = t.get("template", "luohu")
        factor = D(10000) if t.get("money_unit") == "万元" else D(1)
        total = t["funds"]["rows"][0]
        approp = t["funds"]["rows"][1]
        g = groups[(template, "".join(t["budget_unit"].split()))]
        g["units"].add(t.get("money_unit", "元"))
        g["n"] += 1
        g["budget"] += D(total["annual_budget"] or 0) * factor
        g["executed"] += D(total["executed"] or 0) * factor
        g["approp"] += D(approp["annual_budget"] or 0) * factor
        g["scores"].append(D(t["total_score"]))
    want = sorted(
        ((tpl, unit, ",".join(sorted(g["units"])), g["n"], g["budget"], g["executed"],
          _round2(g["executed"] * 100 / g["budget"]) if g["budget"] else None,
          _round2(g["approp"] * 100 / g["budget"]) if g["budget"] else None,
          _round2(sum(g["scores"]) / len(g["scores"])))
         for (tpl, unit), g in groups.items()),
        key=lambda r: (r[0], -r[4], r[1]))
    sql = (ROOT / "sql" / "examples" / "11_units_across_templates.sql").read_text(encoding="utf-8")
    with _con(mixed[0]) as con:
        got = con.execute(sql).fetchall()
    assert got == want
    assert {r[0] for r in got} == {"central", "luohu", "sichuan"}
