"""The rules a form must obey, as arithmetic over the loaded facts: the one place they are computed.

Each rule yields rows of (form_id, report_sha256, project_code, subject, expected, observed); whether a
row passes is decided by the Great Expectations suites in expectations/ (see `pipeline.checks`).
Amounts stay Decimal throughout; rounding is half up to 2 places, as the forms print.

- weights_total      funds 分值 + Σ indicator 分值 = 100 (where no indicator prints a 分值, hubei: + Σ the
                     一级指标 weights)
- total_weight       总分 (合计) 分值 = 100
- funds_weight       funds 分值 = 10
- level1_sum         per 一级指标, Σ 分值 = its printed "(N分)"; where the template weights the
                     section instead (sichuan "绩效指标（90分）"), Σ indicator 分值 = that weight
- score_above_weight 得分 ≤ 分值 for every indicator row and the funds row (a placeholder row that
                     prints neither has nothing to compare); where no indicator prints a 分值 (hubei), the
                     得分 of each 一级指标's rows add up to at most its printed "(N分)"
- total_score        总分 (合计) 得分 = funds 得分 + Σ indicator 得分; where the funds 得分 is printed rounded
                     (langfang's "9" for "86%"), the total may carry it unrounded: any total a rate within the
                     printed rate's rounding gives passes (Σ − 9 + 8.55…8.65)
- fund_total         per amount column, the total source = the sum of the template's other sources
                     (年度资金总额 = 当年财政拨款 + 上年结转资金 + 其他资金; 总额 = 财政资金 + …), in 元
- execution_rate     执行率 = 全年执行数 / 全年预算数 × 100, rounded to the decimals the form prints it with
                     ("86%" for 86.20: langfang), from the amounts as printed: a rate only amounts other
                     than the printed ones give is a finding, however near (the corpus's mistyped 90.41 for
                     2.65 / 2.94 万元 = 90.14); and every source row's own 执行率 where the template prints
                     one (sichuan)
- funds_score        funds 得分 = min(执行率, 100) / 100 × funds 分值 (10 by funds_weight), at the decimals
                     the 得分 is printed with; any score a rate within the printed rate's rounding gives
                     passes (printed "86%" and 得分 "9": 8.55–8.65 → 9; "86.25%" and "8.62": 86.248 rounds
                     to both), and a score outside them fails against the printed rate's

Compared at the precision printed, so that our rounding is never a false alarm, and never looser than
the form's own digits. A rule that cannot apply to what a variant prints (no 总分 分值, no indicator 分值
column, one funding source) is not in its `rules` and says why in its `unchecked` (the variant's file).

Which rules a form obeys is named in its template (`rules` in pipeline/forms/templates/<name>.toml); rows
of the others are not produced for it. Amounts are compared in 元: a form printed in 万元 has the
same arithmetic, each side × 10000.

And the rule-based score of a quantitative indicator (财预〔2020〕10号), `rule_score`, stored beside the
self-assessed 得分 so an auditor can see where the two part.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from ..forms import template as templates
from ..forms.template import RULES

CENT = Decimal("0.01")
FULL_MARKS = Decimal(100)  # 总分 分值 by the rules
FUNDS_WEIGHT = Decimal(10)  # 资金使用情况 分值 by the rules
AMOUNT_COLUMNS = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数"}
KEYS = ["form_id", "report_sha256", "project_code"]
CHECK = {
    "form_id": pl.String, "report_sha256": pl.String, "project_code": pl.String,
    "rule": pl.String, "subject": pl.String,
    "expected": pl.Decimal(18, 2), "observed": pl.Decimal(18, 2),
}


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def execution_rate(executed: Decimal | None, annual_budget: Decimal | None) -> Decimal | None:
    """执行率 in %, or None where there is no budget to execute against."""
    if executed is None or not annual_budget:
        return None
    return round2(executed / annual_budget * 100)


def funds_score(rate: Decimal | None, weight: Decimal | None) -> Decimal | None:
    """min(执行率, 100) / 100 × the funds 分值 the form prints: the score is checked against the weight
    the form gives, and a weight other than 10 is its own finding (funds_weight), not hidden in this one."""
    if rate is None or weight is None:
        return None
    return round2(min(rate, FULL_MARKS) / FULL_MARKS * weight)


def rule_score(comparator: str | None, target: Decimal | None, actual: Decimal | None,
               weight: Decimal | None, met: bool | None) -> Decimal | None:
    """财预〔2020〕10号: target met → full 分值; short of a "≥" target → actual / target × 分值; short of
    a "≤" target → target / actual × 分值. None where the row is not comparable (`met` is None).

    A target printed without a comparator is a quantity to reach (≥); one printed "=" is scored by the
    smaller over the larger. The score never exceeds 分值; an actual of 0 meets any "≤" target.
    """
    if met is None or weight is None or target is None or actual is None:
        return None
    if met:
        return weight
    upper = comparator in ("≤", "<") or (comparator == "=" and actual > target)
    numerator, denominator = (target, actual) if upper else (actual, target)
    if denominator <= 0:
        return weight if upper else Decimal(0)
    return min(weight, max(Decimal(0), round2(numerator / denominator * weight)))


def check_rows(dim_form: pl.DataFrame, funds: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """Every rule of its template applied to every form of the given facts, one row per
    (form, rule, subject)."""
    no_weights = {(f, s) for f, s, t in dim_form.select("form_id", "report_sha256", "template").iter_rows()
                  if "indicators.weight" in _absent(t)}
    rows = _all_rows(dim_form, funds, indicators, no_weights)
    applies = {(f, s): set(_template_rules(t)) for f, s, t in
               dim_form.select("form_id", "report_sha256", "template").iter_rows()}
    keep = [r["rule"] in applies.get((r["form_id"], r["report_sha256"]), set(RULES)) for r in rows]
    return pl.DataFrame([r for r, k in zip(rows, keep) if k], schema=CHECK)


def _template_rules(name: str | None) -> tuple[str, ...]:
    try:
        return templates.get(name or "luohu").rules
    except KeyError:  # a form read by a template no longer installed: every rule
        return RULES


def _absent(name: str | None) -> frozenset[str]:
    try:
        return templates.get(name or "luohu").absent
    except KeyError:
        return frozenset()


def at_precision(value: Decimal | None, decimals: int | None) -> Decimal | None:
    """`value` rounded half up to the decimals a form prints (2 where unknown)."""
    if value is None:
        return None
    return value.quantize(Decimal(1).scaleb(-(2 if decimals is None else decimals)), rounding=ROUND_HALF_UP)


def printed_funds_score(rate: Decimal | None, weight: Decimal | None, observed: Decimal | None,
                        rate_decimals: int | None, score_decimals: int | None) -> Decimal | None:
    """The funds score the printed rate allows, at the printed score's precision: `observed` where a
    rate within the printed rate's rounding gives it, else the score the printed rate gives."""
    if rate is None or weight is None:
        return None
    half = _half(rate_decimals)
    low, high = (_scored(r, weight, score_decimals) for r in (rate - half, rate + half))
    if observed is not None and low <= observed <= high:
        return observed  # the form's own rounding of its rate: no finding of ours
    return _scored(rate, weight, score_decimals)


def _half(decimals: int | None) -> Decimal:
    """Half the last digit a number is printed to (2 decimals where unknown): its rounding's reach."""
    return Decimal(5).scaleb(-(2 if decimals is None else decimals) - 1)


def _scored(rate: Decimal, weight: Decimal, decimals: int | None) -> Decimal:
    """The funds 得分 a rate gives (min(执行率, 100) / 100 × 分值, never below 0), at `decimals`."""
    return at_precision(min(max(rate, Decimal(0)), FULL_MARKS) / FULL_MARKS * weight, decimals)


def printed_total(score_sum: Decimal, observed: Decimal | None, funds_score: Decimal | None,
                  rate: Decimal | None, weight: Decimal | None, rate_decimals: int | None,
                  score_decimals: int | None) -> Decimal:
    """The 总分 the printed 得分 allow: their sum, or `observed` where the total carries the funds 得分
    before the form rounded it for print (langfang prints "86%" and "9" and may add 8.62): a funds 得分
    printed to fewer than 2 decimals, and one the printed rate gives (else its own rule fails and the
    total is held to the printed sum), stands for any score a rate within the rate's rounding gives."""
    if observed is None or funds_score is None or score_decimals is None or score_decimals >= 2 \
            or printed_funds_score(rate, weight, funds_score, rate_decimals, score_decimals) != funds_score:
        return score_sum
    assert rate is not None and weight is not None
    half = _half(rate_decimals)
    rest = score_sum - funds_score
    low, high = (rest + _scored(r, weight, 2) for r in (rate - half, rate + half))
    return observed if low <= observed <= high else score_sum


def _all_rows(dim_form: pl.DataFrame, funds: pl.DataFrame, indicators: pl.DataFrame,
              no_weights: set[tuple[str, str]] = frozenset()) -> list[dict]:
    precision = [c for c in ("execution_rate_decimals", "funds_score_decimals") if c in dim_form.columns]
    forms = dim_form.select(KEYS + ["funds_weight", "execution_rate", "funds_score", "total_weight",
                                    "total_score", "indicators_weight"] + precision)
    sums = indicators.group_by("form_id", "report_sha256").agg(
        pl.col("weight").sum().alias("weight_sum"), pl.col("score").sum().alias("score_sum"),
        pl.col("weight").is_not_null().any().alias("weighted"),
    )
    # a variant printing weights only on its 一级指标 (hubei): the weights are those, once per 一级指标
    level1_sums = (indicators.filter(pl.col("level1_weight").is_not_null())
                   .group_by("form_id", "report_sha256", "level1").agg(pl.col("level1_weight").first())
                   .group_by("form_id", "report_sha256").agg(pl.col("level1_weight").sum().alias("level1_sum")))
    forms = forms.join(sums, on=["form_id", "report_sha256"], how="left").join(
        level1_sums, on=["form_id", "report_sha256"], how="left")
    totals = funds.filter(pl.col("role") == "total").select(
        "form_id", "report_sha256", "executed", "annual_budget"
    )
    forms = forms.join(totals, on=["form_id", "report_sha256"], how="left")

    rows: list[dict] = []
    for f in forms.iter_rows(named=True):
        key = {k: f[k] for k in KEYS}
        indicator_weights = f["weight_sum"] if f["weighted"] or f["level1_sum"] is None else f["level1_sum"]
        weight_sum = (f["funds_weight"] or 0) + (indicator_weights or 0)
        score_sum = (f["funds_score"] or 0) + (f["score_sum"] or 0)
        rate_decimals, score_decimals = f.get("execution_rate_decimals"), f.get("funds_score_decimals")
        rate = None
        if f["executed"] is not None and f["annual_budget"]:
            rate = at_precision(f["executed"] / f["annual_budget"] * 100, rate_decimals)
        rows += [
            {**key, "rule": "weights_total", "subject": "分值合计", "expected": FULL_MARKS,
             "observed": weight_sum},
            {**key, "rule": "total_weight", "subject": "总分 分值", "expected": FULL_MARKS,
             "observed": f["total_weight"]},
            {**key, "rule": "funds_weight", "subject": "资金 分值", "expected": FUNDS_WEIGHT,
             "observed": f["funds_weight"]},
            {**key, "rule": "total_score", "subject": "总分 得分",
             "expected": printed_total(score_sum, f["total_score"], f["funds_score"], f["execution_rate"],
                                       f["funds_weight"], rate_decimals, score_decimals),
             "observed": f["total_score"]},
            {**key, "rule": "funds_score", "subject": "资金 得分",
             "expected": printed_funds_score(f["execution_rate"], f["funds_weight"], f["funds_score"],
                                             rate_decimals, score_decimals), "observed": f["funds_score"]},
            {**key, "rule": "score_above_weight", "subject": "资金使用情况",
             "expected": f["funds_weight"], "observed": f["funds_score"]},
        ]
        if f["annual_budget"] != 0:  # no budget, nothing executed against: the rule does not apply
            rows.append({**key, "rule": "execution_rate", "subject": "执行率", "expected": rate,
                         "observed": f["execution_rate"]})
        if f["indicators_weight"] is not None:  # weights printed per section, not per 一级指标
            rows.append({**key, "rule": "level1_sum", "subject": "绩效指标", "expected": f["indicators_weight"],
                         "observed": f["weight_sum"]})

    level1 = (
        indicators.filter(pl.col("level1_weight").is_not_null())
        .group_by("form_id", "report_sha256", "level1")
        .agg(pl.col("level1_weight").first(), pl.col("weight").sum(), pl.col("score").sum(),
             pl.col("row_no").min())
        .sort("form_id", "report_sha256", "row_no")
    )
    codes = dim_form.select(KEYS)
    for r in level1.join(codes, on=["form_id", "report_sha256"]).iter_rows(named=True):
        rows.append({**{k: r[k] for k in KEYS}, "rule": "level1_sum", "subject": r["level1"],
                     "expected": r["level1_weight"], "observed": r["weight"]})
        if (r["form_id"], r["report_sha256"]) in no_weights:  # no row 分值: the 一级 weight bounds its 得分
            rows.append({**{k: r[k] for k in KEYS}, "rule": "score_above_weight",
                         "subject": f"{r['level1']} 得分合计", "expected": r["level1_weight"],
                         "observed": r["score"]})

    for r in indicators.join(codes, on=["form_id", "report_sha256"]).iter_rows(named=True):
        if r["weight"] is None and r["score"] is None:
            continue  # a placeholder row (its template allows it): nothing printed to compare
        if (r["form_id"], r["report_sha256"]) in no_weights:
            continue  # the variant prints no indicator 分值: the 得分 has nothing to be under
        rows.append({**{k: r[k] for k in KEYS}, "rule": "score_above_weight",
                     "subject": f"指标{r['row_no']:02d} {r['level3'] or r['level2'] or ''}".strip(),
                     "expected": r["weight"], "observed": r["score"]})

    # the rows of a source's own rate (the total's is the form's 执行率, checked above)
    for r in funds.filter((pl.col("role") != "total") & pl.col("execution_rate").is_not_null()).join(
            codes, on=["form_id", "report_sha256"]).iter_rows(named=True):
        if r["annual_budget"] != 0:
            rows.append({**{k: r[k] for k in KEYS}, "rule": "execution_rate",
                         "subject": f"执行率 {r['source']}",
                         "expected": execution_rate(r["executed"], r["annual_budget"]),
                         "observed": r["execution_rate"]})

    parts = funds.filter(pl.col("role") != "total").group_by("form_id", "report_sha256").agg(
        [pl.col(c).sum().alias(c) for c in AMOUNT_COLUMNS]
    )
    whole = funds.filter(pl.col("role") == "total")
    joined = whole.join(parts, on=["form_id", "report_sha256"], suffix="_parts").join(
        codes, on=["form_id", "report_sha256"]
    )
    for r in joined.iter_rows(named=True):
        for column, label in AMOUNT_COLUMNS.items():
            rows.append({**{k: r[k] for k in KEYS}, "rule": "fund_total", "subject": label,
                         "expected": r[f"{column}_parts"], "observed": r[column]})
    return rows
