"""Every question in sql/examples/ runs on the sample warehouse and gives the answer the truth files give.

Each expected answer is computed here from tests/fixtures/corpus/truth in Python, not from the warehouse,
and without the code under test: parsed values come from the hand-written readings of
tests/fixtures/targets.json, and target_met, the rule score (财预〔2020〕10号) and rounding are plain
Decimal arithmetic below, so a bug in pipeline/facts/targets.py or pipeline/facts/rules.py cannot hide on both sides.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import ROOT, target_readings, truth

EXAMPLES = ROOT / "sql" / "examples"
D = Decimal


def _grade(total: Decimal) -> str:
    return "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"


def _round2(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def _met(target: str | None, actual: str | None) -> bool | None:
    """Met, short, or None when either side is qualitative or the units differ (a side printing no unit
    shares the row's unit). No comparator printed: a quantity to reach (≥)."""
    readings = target_readings()
    t = readings[target] if target is not None else None
    a = readings[actual] if actual is not None else None
    if t is None or a is None or (t[2] and a[2] and t[2] != a[2]):
        return None
    comparator, goal, done = t[0], t[1], a[1]
    assert comparator in (None, "≥", "≤"), f"no expected semantics written for {comparator!r}"
    return done <= goal if comparator == "≤" else done >= goal


def _rule_score(target: str | None, actual: str | None, weight: Decimal) -> Decimal | None:
    """财预〔2020〕10号: met → 分值; short of ≥ → actual / target × 分值; short of ≤ → target / actual × 分值;
    rounded half up to 2 places, never above 分值."""
    met = _met(target, actual)
    if met is None:
        return None
    if met:
        return weight
    goal, done = target_readings()[target][1], target_readings()[actual][1]
    ratio = goal / done if target_readings()[target][0] == "≤" else done / goal
    return min(weight, _round2(ratio * weight))


def _indicators(truths: dict[str, dict]) -> list[dict]:
    """The truth rows with whether they are quantitative, target_met and rule_score."""
    return [{"form_id": code, "level2": i["level2"], "target": i["target"],
             "weight": D(i["weight"]), "score": D(i["score"]),
             "quantitative": i["target"] is not None and target_readings()[i["target"]] is not None,
             "target_met": _met(i["target"], i["actual"]),
             "rule_score": _rule_score(i["target"], i["actual"], D(i["weight"]))}
            for code, t in truths.items() for i in t["indicators"]]


def most_underspent_projects(ts, _):
    rows = [(c, t["project_name"], t["budget_unit"], D(t["funds"]["rows"][0]["annual_budget"]),
             D(t["funds"]["rows"][0]["executed"]), None, D(t["funds"]["execution_rate"])) for c, t in ts.items()]
    rows = [r[:5] + (r[3] - r[4],) + r[6:] for r in rows]
    return sorted(rows, key=lambda r: (-r[5], r[0]))[:10]


def full_marks_low_execution(ts, _):
    rows = [(t["budget_unit"], c, t["project_name"], D(t["funds"]["execution_rate"]), D(t["total_score"]))
            for c, t in ts.items() if D(t["funds"]["execution_rate"]) < 80
            and all(D(i["score"]) >= D(i["weight"]) for i in t["indicators"])]
    return sorted(rows, key=lambda r: (r[3], r[1]))


def most_often_unmet_indicators(_, ind):
    unmet, comparable, total = Counter(), Counter(), Counter()
    for i in ind:
        total[i["level2"]] += 1
        comparable[i["level2"]] += i["target_met"] is not None
        unmet[i["level2"]] += i["target_met"] is False
    rows = [(k, unmet[k], comparable[k], total[k]) for k in total if unmet[k]]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def scores_above_the_rule(ts, ind):
    above: dict[str, list] = defaultdict(lambda: [0, D(0)])
    for i in ind:
        if i["rule_score"] is not None and i["score"] > i["rule_score"]:
            above[i["form_id"]][0] += 1
            above[i["form_id"]][1] += i["score"] - i["rule_score"]
    rows = [(c, ts[c]["project_name"], n, gap) for c, (n, gap) in above.items()]
    return sorted(rows, key=lambda r: (-r[3], r[0]))


def qualitative_weight_share(ts, ind):
    rows = []
    for c, t in ts.items():
        mine = [i for i in ind if i["form_id"] == c]
        qual = [i["weight"] for i in mine if not i["quantitative"] and i["target"] != "不适用"]
        total = sum(i["weight"] for i in mine)
        pct = _round2(sum(qual, D(0)) * 100 / total) if total else None
        rows.append((c, t["project_name"], sum(qual) if qual else None, total, pct))
    return sorted(rows, key=lambda r: (r[4] is None, -(r[4] or 0), r[0]))


def grade_distribution(ts, _):
    counts = Counter((t["year"], _grade(D(t["total_score"]))) for t in ts.values())
    return sorted((y, g, n) for (y, g), n in counts.items())


def failed_checks_by_rule(ts, _):
    forms: dict[str, list] = defaultdict(list)
    for c, t in ts.items():
        if t.get("defect"):
            forms[t["defect"]["kind"]].append(c)
    rows = [(k, len(v), ",".join(sorted(v))) for k, v in forms.items()]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def budget_changed_during_year(ts, _):
    rows = []
    for c, t in ts.items():
        whole = t["funds"]["rows"][0]
        initial, annual = D(whole["initial_budget"]), D(whole["annual_budget"])
        if initial != annual:
            rows.append((c, t["project_name"], initial, annual, annual - initial))
    return sorted(rows, key=lambda r: (-abs(r[4]), r[0]))[:10]


def carryover_reliance(ts, _):
    rows = []
    for c, t in ts.items():
        whole, carry = (D(t["funds"]["rows"][k]["annual_budget"]) for k in (0, 2))
        if carry > 0:
            rows.append((c, t["project_name"], carry, whole, _round2(carry * 100 / whole)))
    return sorted(rows, key=lambda r: (-r[4], r[0]))


def total_by_the_rules(ts, ind):
    rows = []
    for c, t in ts.items():
        funds = _round2(min(D(t["funds"]["execution_rate"]), D(100)) / 100 * D(t["funds"]["weight"]))
        by_rule = funds + sum(
            i["rule_score"] if i["rule_score"] is not None else i["score"] for i in ind if i["form_id"] == c)
        rows.append((c, t["project_name"], D(t["total_score"]), by_rule, D(t["total_score"]) - by_rule))
    return sorted(rows, key=lambda r: (-r[4], r[0]))


ANSWERS = {f.__name__: f for f in (
    most_underspent_projects, full_marks_low_execution, most_often_unmet_indicators,
    scores_above_the_rule, qualitative_weight_share, grade_distribution, failed_checks_by_rule,
    budget_changed_during_year, carryover_reliance, total_by_the_rules)}


# questions across templates, answered on a warehouse holding all of them (tests/warehouse/test_template_warehouse.py)
ACROSS_TEMPLATES = {"units_across_templates"}


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.sql") if p.stem.split("_", 1)[1] not in ACROSS_TEMPLATES)


def test_eleven_examples_each_with_a_question_and_an_answer():
    names = [p.stem.split("_", 1)[1] for p in _examples()]
    assert len(names) == 10 and sorted(names) == sorted(ANSWERS)
    assert {p.stem.split("_", 1)[1] for p in EXAMPLES.glob("*.sql")} == set(ANSWERS) | ACROSS_TEMPLATES
    for p in EXAMPLES.glob("*.sql"):
        assert p.read_text(encoding="utf-8").startswith("-- "), f"{p.name}: start with the question"


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_example_answers(sample_warehouse, path):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        got = con.execute(path.read_text(encoding="utf-8")).fetchall()
        codes = [c for (c,) in con.execute("SELECT project_code FROM dim_form WHERE is_current").fetchall()]
    finally:
        con.close()
    truths = {c: truth(c) for c in codes}
    want = ANSWERS[path.stem.split("_", 1)[1]](truths, _indicators(truths))
    assert want, "an example should have an answer on the samples"
    assert got == want
