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

import re
from decimal import Context, Decimal
from functools import lru_cache

import polars as pl

VALUE = pl.Decimal(38, 6)
# every sign a form prints → the comparator it means
SIGNS = {"≥": "≥", "≧": "≥", "≤": "≤", "≦": "≤", ">": ">", "＞": ">", "<": "<", "＜": "<",
         "=": "=", "＝": "=", "═": "="}
# the sets a form prints its signs from, one set a form: the national form's and 四川's, then 云南's
SIGN_SETS = (("≥", "≤", "="), ("≧", "≦", "═"))
_SIGN_CLASS = "".join(SIGNS)
# Unicode's Han script (Script=Han, as the Rust regex of polars knew it as \p{Han} when this parser ran
# there): Python's re has no script classes. tests/facts/test_targets.py compares it code point by
# code point with polars's \p{Han}.
HAN = ("\\u2e80-\\u2e99\\u2e9b-\\u2ef3\\u2f00-\\u2fd5\\u3005\\u3007\\u3021-\\u3029"
       "\\u3038-\\u303b\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufa6d\\ufa70-\\ufad9"
       "\\U00016fe2-\\U00016fe3\\U00016ff0-\\U00016ff1\\U00020000-\\U0002a6df"
       "\\U0002a700-\\U0002b739\\U0002b740-\\U0002b81d\\U0002b820-\\U0002cea1"
       "\\U0002ceb0-\\U0002ebe0\\U0002ebf0-\\U0002ee5d\\U0002f800-\\U0002fa1d"
       "\\U00030000-\\U0003134a\\U00031350-\\U000323af")
PATTERN = re.compile(  # holds 1200万 = 12000000 and 0.5 exactly
    rf"(?P<label>[^\d{_SIGN_CLASS}]*?)"
    rf"(?P<cmp>[{_SIGN_CLASS}])?"
    r"(?P<num>\d+(?:\.\d{1,6})?)"
    r"(?P<mult>[万亿])?"
    rf"(?P<unit>%|[A-Za-z]+(?:/[A-Za-z]+)?|[{HAN}]{{1,2}})?"
    r"(?P<within>内(?:响应)?)?"
)
SCALE = {"万": 10_000, "亿": 100_000_000}
_WHOLE_DIGITS = VALUE.precision - VALUE.scale  # a value with more whole digits has no place in VALUE
_EXACT = Context(prec=2 * VALUE.precision)  # 万 and 亿 scaled exactly (the default context keeps 28 digits)
Reading = tuple[str | None, Decimal | None, str | None]
QUALITATIVE: Reading = (None, None, None)


@lru_cache(maxsize=4096)  # texts repeat from form to form ("100%", "≥95%"): each is read once a worker
def reading(text: str | None) -> Reading:
    """(comparator, value, unit) of a 指标值 / 完成值 text; all None when it is qualitative (or no
    number a warehouse column holds: more than 32 whole digits)."""
    m = PATTERN.fullmatch(text) if text is not None else None
    # a label without a comparator ("…决算价的3%") is prose that happens to contain a number
    if m is None or (m["label"] and m["cmp"] is None):
        return QUALITATIVE
    value = _EXACT.multiply(Decimal(m["num"]), SCALE.get(m["mult"], 1))
    if value.adjusted() >= _WHOLE_DIGITS:
        return QUALITATIVE
    # "内" and "内响应" mean "within": an upper bound
    comparator = "≤" if m["within"] else SIGNS.get(m["cmp"])
    return comparator, value, m["unit"]


def met(target: Reading, actual: Reading) -> bool | None:
    """True / false when target and actual are both numbers in one unit; None when not comparable.

    Units are the same when printed the same, or when one side prints none (a bare "169" against
    "≥100人次": the row's unit printed once). Units that differ ("GB" against "Gbps") are not comparable.
    """
    cmp, t, tu = target
    _, a, au = actual
    if t is None or a is None or (tu is not None and au is not None and tu != au):
        return None
    if cmp == "≤":
        return a <= t
    if cmp == "<":
        return a < t
    if cmp == ">":
        return a > t
    if cmp == "=":
        return a == t
    return a >= t  # "≥" or none printed
