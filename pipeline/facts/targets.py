"""年度指标值 / 实际完成值 text → (comparator, value, unit), and whether the target was met.

The only place that reads indicator strings. A text is quantitative only when it has the shape
``[label comparator] number [万|亿] [unit] [内|内响应]``, e.g. "≥100人次", "离职率≤20%", "≤0.5dB/km",
"≥1200万条" (value 12000000, unit 条), "30分钟内响应" (≤ 30 分钟), "98%", "0台". Anything else — 满足,
有效提供, "7X24小时的故障服务受理", "3年的免费保修服务", "预算审核报告审定金额乘以0.96", "一个月内" — is
qualitative: every parsed column is null, never a guess. A label before the number is accepted only
when a comparator follows it ("离职率≤20%"), so "…决算价的3%" stays qualitative.

Comparison signs are read in every form units print them (≧ ≦ ═ ＞ ＜ ＝ besides ≥ ≤ > < =: `SIGNS`);
the parsed comparator is the plain one, the printed text stays as printed.

A target printed without a comparator ("100%", "2000个") is a quantity to reach, read as ≥ (正向指标);
its comparator column stays null because none is printed.
"""

from __future__ import annotations

import polars as pl

VALUE = pl.Decimal(38, 6)
# every sign a form prints → the comparator it means
SIGNS = {"≥": "≥", "≧": "≥", "≤": "≤", "≦": "≤", ">": ">", "＞": ">", "<": "<", "＜": "<",
         "=": "=", "＝": "=", "═": "="}
_SIGN_CLASS = "".join(SIGNS)  # holds 1200万 = 12000000 and 0.5 exactly
PATTERN = (
    rf"^(?P<label>[^\d{_SIGN_CLASS}]*?)"
    rf"(?P<cmp>[{_SIGN_CLASS}])?"
    r"(?P<num>\d+(?:\.\d{1,6})?)"
    r"(?P<mult>[万亿])?"
    r"(?P<unit>%|[A-Za-z]+(?:/[A-Za-z]+)?|\p{Han}{1,2})?"
    r"(?P<within>内(?:响应)?)?$"
)
SCALE = {"万": 10_000, "亿": 100_000_000}


def parsed(column: str) -> list[pl.Expr]:
    """`<column>_comparator`, `<column>_value`, `<column>_unit` for a text column; nulls when qualitative."""
    g = pl.col(column).str.extract_groups(PATTERN)
    label, cmp, unit = g.struct["label"], g.struct["cmp"], g.struct["unit"]
    # a label without a comparator ("…决算价的3%") is prose that happens to contain a number
    ok = g.struct["num"].is_not_null() & ((label == "") | cmp.is_not_null())
    # "内" and "内响应" mean "within": an upper bound
    comparator = pl.when(g.struct["within"].is_not_null()).then(pl.lit("≤")).otherwise(
        cmp.replace_strict(list(SIGNS), list(SIGNS.values()), default=None, return_dtype=pl.String))
    scale = (
        pl.when(g.struct["mult"] == "万").then(pl.lit(SCALE["万"]))
        .when(g.struct["mult"] == "亿").then(pl.lit(SCALE["亿"]))
        .otherwise(pl.lit(1))
        .cast(VALUE)
    )
    value = g.struct["num"].cast(VALUE) * scale
    return [
        pl.when(ok).then(comparator).alias(f"{column}_comparator"),
        pl.when(ok).then(value).cast(VALUE).alias(f"{column}_value"),
        pl.when(ok).then(unit).alias(f"{column}_unit"),
    ]


def target_met() -> pl.Expr:
    """True / false when target and actual are both numbers in one unit; null when not comparable.

    Units are the same when printed the same, or when one side prints none (a bare "169" against
    "≥100人次": the row's unit printed once). Units that differ ("GB" against "Gbps") are not comparable.
    """
    t, a = pl.col("target_value"), pl.col("actual_value")
    tu, au = pl.col("target_unit"), pl.col("actual_unit")
    comparable = t.is_not_null() & a.is_not_null() & (tu.is_null() | au.is_null() | (tu == au))
    cmp = pl.col("target_comparator")
    met = (
        pl.when(cmp == "≤").then(a <= t)
        .when(cmp == "<").then(a < t)
        .when(cmp == ">").then(a > t)
        .when(cmp == "=").then(a == t)
        .otherwise(a >= t)  # "≥" or none printed
    )
    return pl.when(comparable).then(met).alias("target_met")
