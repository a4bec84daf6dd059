"""Extracted forms against truth files: which fields differ. Used by bench/accuracy.py and the tests.

Long texts are compared with whitespace removed, every other value exactly as printed (SCHEMA.md).
"""

from __future__ import annotations

import re
from typing import Any

LONG_TEXTS = ("goal_expected", "goal_actual")
HEADER = ("title", "project_code", "project_name", "year", "implementing_unit", "budget_unit")
GOALS = LONG_TEXTS
TOTALS = ("total_weight", "total_score")
FUNDS = ("weight", "execution_rate", "score")
FUND_ROW = ("source", "initial_budget", "annual_budget", "executed")
INDICATOR = ("level1", "level1_weight", "level2", "level3", "target", "actual", "weight", "score",
             "deviation_note")


def fields(form: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Every comparable field of a form, keyed by (group, path)."""
    out: dict[tuple[str, str], Any] = {}
    for k in HEADER:
        out[("header", k)] = form.get(k)
    for k in GOALS:
        v = form.get(k)
        out[("goals", k)] = re.sub(r"\s", "", v) if isinstance(v, str) else v
    for k in TOTALS:
        out[("totals", k)] = form.get(k)
    for k in FUNDS:
        out[("funds", k)] = form["funds"].get(k)
    for i, row in enumerate(form["funds"]["rows"]):
        for k in FUND_ROW:
            out[("fund_rows", f"{i}.{k}")] = row.get(k)
    for i, row in enumerate(form["indicators"]):
        for k in INDICATOR:
            out[("indicators", f"{i}.{k}")] = row.get(k)
    return out


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Human-readable list of the truth fields `got` gets wrong (missing rows count as wrong)."""
    g, w = fields(got), fields(want)
    return [f"{group}.{path}: {g.get((group, path))!r} != {value!r}"
            for (group, path), value in w.items() if g.get((group, path)) != value]


def score(got: dict[str, Any] | None, want: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per field group: (fields right, fields in truth). A form not extracted scores 0."""
    g = fields(got) if got else {}
    out: dict[str, tuple[int, int]] = {}
    for (group, path), value in fields(want).items():
        right, total = out.get(group, (0, 0))
        out[group] = (right + (g.get((group, path)) == value), total + 1)
    return out
