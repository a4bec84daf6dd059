"""Every distinct 年度指标值 / 实际完成值 of the truth files, parsed or deliberately left qualitative.

The expected readings, one line per printed string, are tests/fixtures/targets.json (written by hand;
tests/warehouse/test_examples.py computes its answers from them too); a new string in the corpus fails
`test_every_corpus_string_is_classified` until it is added there with its reading.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from conftest import all_truth, target_readings
from pipeline.facts.frames import FACT_INDICATOR_RESULT, indicator_result
from pipeline.facts.rules import rule_score
from pipeline.facts.targets import HAN, VALUE, reading

READINGS = target_readings()  # tests/fixtures/targets.json, shared with tests/warehouse/test_examples.py
QUANTITATIVE = [(text, *reading) for text, reading in READINGS.items() if reading is not None]
QUALITATIVE = [text for text, reading in READINGS.items() if reading is None]

# Not in the corpus, but shapes the parser promises to read (or to refuse).
HARD = [
    ("≥1.5亿元", "≥", "150000000", "元"),
    ("30分钟内", "≤", "30", "分钟"),
    ("2小时内响应", "≤", "2", "小时"),
    ("满意度≥95%", "≥", "95", "%"),
    ("<3次", "<", "3", "次"),
    ("=1份", "=", "1", "份"),
    ("0.5", None, "0.5", None),
]
HARD_QUALITATIVE = ["", "约100个", "100-200个", "每月1次", "3年的免费保修服务"]


def _corpus_strings() -> set[str]:
    return {v for t in all_truth().values() for i in t["indicators"]
            for v in (i["target"], i["actual"]) if v is not None}


def _parse(text: str) -> tuple:
    comparator, value, unit = reading(text)
    return comparator, None if value is None else value.normalize(), unit


def test_every_corpus_string_is_classified():
    known = {q[0] for q in QUANTITATIVE} | set(QUALITATIVE)
    assert _corpus_strings() - known == set()
    assert known - _corpus_strings() == set(), "stale table entries"


@pytest.mark.parametrize(("text", "comparator", "value", "unit"), QUANTITATIVE + HARD)
def test_quantitative(text, comparator, value, unit):
    assert _parse(text) == (comparator, Decimal(value).normalize(), unit)


@pytest.mark.parametrize("text", QUALITATIVE + HARD_QUALITATIVE)
def test_qualitative_stays_null(text):
    assert _parse(text) == (None, None, None)


# (年度指标值, 实际完成值, 分值) → (target_met, rule_score); pairs printed in the truth files first.
SCORED = [
    ("≥5台", "0台", "1", False, "0.00"),             # 440303210301500004143 prints 0.5
    ("≥3台", "0台", "1", False, "0.00"),
    ("90%", "86.25%", "3", False, "2.88"),          # printed 2.9
    ("12000个", "6834个", "9", False, "5.13"),       # 5.1255: half up, not half even
    ("33", "21", "10", False, "6.36"),
    ("2877个", "2419个", "6", False, "5.04"),
    ("10年", "7年", "2", False, "1.40"),
    ("100%", "58%", "2", False, "1.16"),
    ("≥80%", "32%", "3", False, "1.20"),
    ("≥100人次", "169", "2", True, "2"),             # actual printed without unit: same row, same unit
    ("≥27个", "37个", "8", True, "8"),
    ("离职率≤20%", "0%", "3", True, "3"),
    ("≤2小时", "0小时", "2", True, "2"),             # actual 0 against ≤: met, no division
    ("≤5%", "3.1%", "2", True, "2"),
    ("≤45分钟", "45分钟", "1", True, "1"),
    ("30分钟内响应", "30分钟内响应", "7", True, "7"),
    ("2", "3", "5", True, "5"),
    ("≥1200万条", "1800万条", "2", True, "2"),
    ("≥1200万条", "1000万条", "2", False, "1.67"),
    ("≤0.5dB/km", "0.6dB/km", "2", False, "1.67"),   # short of ≤: target / actual × 分值
    ("≤2小时", "3小时", "3", False, "2.00"),
    ("=10个", "12个", "6", False, "5.00"),
    ("≥14GB", "14Gbps", "2", None, None),           # units differ: not comparable
    ("≥1年", "未完成", "25", None, None),
    ("满足", "基本满足", "1", None, None),
    ("不适用", None, "5", None, None),
]


@pytest.mark.parametrize(("target", "actual", "weight", "met", "score"), SCORED)
def test_target_met_and_rule_score(target, actual, weight, met, score):
    printed = {"form_id": "f", "report_sha256": "s", "row_no": 1, "nature": None, "target": target,
               "unit": None, "actual": actual, "weight": Decimal(weight), "score": Decimal(weight), "page": 1}
    row = pl.DataFrame([indicator_result(printed)], schema=FACT_INDICATOR_RESULT).row(0, named=True)
    assert row["target_met"] is met
    assert row["rule_score"] == (None if score is None else Decimal(score))


def test_rule_score_never_exceeds_weight_and_guards_zero():
    assert rule_score("≥", Decimal(0), Decimal(0), Decimal(2), False) == 0
    assert rule_score("<", Decimal(0), Decimal(0), Decimal(2), False) == Decimal(2)
    assert rule_score("≥", Decimal(5), Decimal(9), Decimal(2), True) == Decimal(2)
    assert rule_score(None, Decimal(5), None, Decimal(2), None) is None


@pytest.mark.parametrize(("nature", "target", "unit", "reads"), [
    ("≥", "100", "人次", ("≥", Decimal(100), "人次")),  # the three cells read as the one string they print
    ("≤", "2", None, ("≤", Decimal(2), None)),
    ("正向", "95", "%", (None, Decimal(95), "%")),  # a nature that is no sign: the number and its unit
    ("定性", "100", "%", (None, None, None)),  # qualitative is never a number
    ("≥", None, "个", (None, None, None)),
])
def test_a_target_printed_in_three_cells(nature, target, unit, reads):
    row = indicator_result({"nature": nature, "target": target, "unit": unit, "actual": None, "weight": None})
    assert (row["target_comparator"], row["target_value"], row["target_unit"]) == reads


def test_han_units_are_unicode_han_as_polars_reads_it():
    """The unit class `HAN` (Python's re has no \\p{Han}) is, code point by code point, the Han script
    of the Rust regex that read targets before (polars's \\p{Han})."""
    import re

    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    theirs = pl.Series(points).str.contains(r"^\p{Han}$").to_list()
    ours = re.compile(f"[{HAN}]")
    assert [bool(ours.fullmatch(ch)) for ch in points] == theirs


def test_numbers_no_column_holds_and_other_digits():
    """A number of more whole digits than the value column holds is qualitative (it made the frames
    fail before); digits of other scripts are the numbers they are ("１００%" is 100 %)."""
    assert reading("1" * 33 + "个") == (None, None, None)
    assert reading("1" * 32 + "个")[1] == Decimal("1" * 32)
    pl.DataFrame({"v": [reading("9" * 24 + "亿")[1]]}, schema={"v": VALUE})  # fits
    assert reading("9" * 25 + "亿") == (None, None, None)
    assert reading("１００%") == (None, Decimal(100), "%")
    assert reading("≥5台\n") == (None, None, None)  # the whole text is the number, nothing after it
