"""Rules that fit what is printed (issue 21, item 4), on forms of our own: the variants drawn again
(tests/forms/_looks.py) with funds numbers at the edges of their printed rounding. Never a false alarm
from rounding, never a pass of a number no rounding explains."""

from __future__ import annotations

import json
from decimal import Decimal

import polars as pl

from _looks import RENDER
from conftest import CORPUS
from pipeline import checks, warehouse
from pipeline.ingest import ingest_file
from test_variant_looks import LOOKS

D = Decimal

# (variant, 全年预算数, 全年执行数, 执行率, funds 得分 as printed, the funds 得分 the 总分 adds) → the funds
# and total rules that fail
ROUNDED = [
    ("hubei", "149.75", "129.157", "86.25", "8.62", set()),        # 86.2484: 86.25 and 8.62 both its rounding
    ("hubei", "3.00", "2.00", "66.39", "6.64", {"execution_rate"}),  # 2.00 / 3.00 is 66.67: the amounts
    # as printed are what the rule divides (30,049 / 19,951 元 would print so, and so would a mistype)
    ("hubei", "149.75", "129.153", "86", "9", set()),
    ("hubei", "10.00", "10.35", "103.5", "10", set()),             # over 100%: the full 分值
    ("hubei", "10.00", "8.00", "85.00", "8.50", {"execution_rate"}),
    ("hubei", "149.75", "129.153", "86", "8", {"funds_score"}),
    ("yunnan", "100000.00", "86248.00", "86.25", "8.61", {"funds_score"}),
    ("langfang", "20.00", "17.24", "87", "9", {"execution_rate"}),  # 86.2 printed "87%"
    ("langfang", "20.00", "17.30", "87", "9", set()),               # 86.5: half up
    ("langfang", "20.00", "17.24", "86", "9", set(), "8.62"),       # the 总分 adds the unrounded 8.62
    ("langfang", "20.00", "17.24", "86", "9", {"total_score"}, "8.30"),  # no rate printed 86 gives 8.30
    ("langfang", "20.00", "17.24", "86", "9", {"total_score"}, "9.01"),
]
SAMPLE = {"yunnan": "440303200301500094260", "langfang": "440303230301000061330", "hubei": "440303210301500004143"}


def test_rounded_rates_and_scores_of_our_own_fail_only_where_no_rounding_explains_them(tmp_path):
    """Forms of the variants printed with funds numbers of our own (tests/forms/_looks.py): a rate or
    score at a half-up edge, from amounts rounded to the 万元, over 100%, printed whole: no finding;
    a mistyped one: a finding, whatever its precision."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    want = {}
    for k, (variant, budget, executed, rate, score, fails, *carried) in enumerate(ROUNDED):
        t = json.loads((CORPUS / f"truth-{variant}" / f"{SAMPLE[variant]}.json").read_text(encoding="utf-8"))
        f = t["funds"]
        t["total_score"] = str(D(t["total_score"]) - D(f["score"]) + D((carried or [score])[0]))
        f["execution_rate"], f["score"] = rate, score
        for i, row in enumerate(f["rows"]):
            for column in ("initial_budget", "annual_budget", "executed"):
                if column in row and row[column] not in (None, "—"):
                    row[column] = (executed if column == "executed" else budget) if i < 2 else "0"
        t["project_name"] += f"（{k}）"
        assert ingest_file(con, RENDER[variant](t, tmp_path / f"{k}.{variant}.pdf", LOOKS[variant][0])).status == "loaded"
        want[t["project_name"]] = fails
    found = checks.run(con)
    names = dict(((f, s), n) for f, s, n in con.execute("SELECT form_id, report_sha256, project_name FROM dim_form").fetchall())
    con.close()
    got = {n: set() for n in want}
    for r in found.filter(~pl.col("passed") & pl.col("rule").is_in(["execution_rate", "funds_score", "total_score"])).iter_rows(named=True):
        got[names[(r["form_id"], r["report_sha256"])]].add(r["rule"])
    assert got == want


def test_a_hubei_level_scoring_above_its_weight_fails(tmp_path):
    """hubei prints no row 分值, only the 一级 weight (产出指标（51分）): a row's 得分 raised so its block
    adds up above that weight (the 总分 raised with it) is a finding, not a silent pass."""
    t = json.loads((CORPUS / "truth-hubei" / f"{SAMPLE['hubei']}.json").read_text(encoding="utf-8"))
    first = t["indicators"][0]
    block = [r for r in t["indicators"] if r["level1"] == first["level1"]]
    over = D(first["level1_weight"]) - sum(D(r["score"]) for r in block) + 2
    first["score"] = str(D(first["score"]) + over)
    t["total_score"] = str(D(t["total_score"]) + over)
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert ingest_file(con, RENDER["hubei"](t, tmp_path / "h.hubei.pdf", LOOKS["hubei"][0])).status == "loaded"
    failed = checks.run(con).filter(~pl.col("passed")).select("rule", "subject", "expected", "observed").rows()
    con.close()
    assert failed == [("score_above_weight", f"{first['level1']} 得分合计", D(first["level1_weight"]),
                       D(first["level1_weight"]) + 2)]
