"""Extracted forms against truth files: which fields differ. Used by bench/accuracy.py and the tests.

Long texts are compared with whitespace removed, every other value exactly as printed (SCHEMA.md).
Both sides are walked, so a row or a field the extractor invents is a difference as much as one it
misses; only keys that one side has by design are left out: provenance (`source`, `page`) and the
`may_be_cut` flags, which truth files lack, and `form_id`, `notes`, `defect`, which extraction does not
produce.
"""

from __future__ import annotations

import re
from typing import Any

LONG_TEXTS = ("goal_expected", "goal_actual", "implementation_summary", "conclusion", "problems",
              "improvements")
# TEMPLATES.md: "absent keys mean the luohu form"; a truth file without them says these
TRUTH_DEFAULTS = {"template": "luohu", "money_unit": "元"}
TOTALS = ("total_weight", "total_score")
ONE_SIDED = {"source", "form_id", "notes", "defect", "may_be_cut"}  # of a form (a fund row's `source` is compared)
ROW_ONE_SIDED = {"page", "may_be_cut"}
ABSENT = "<absent>"  # a key one side lacks: never equal to a value, not even null


def fields(form: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """Every comparable field of a form, keyed by (group, path): a row is its fields, so an extra or
    missing row is fields on one side only."""
    out: dict[tuple[str, str], Any] = {}
    for k, v in form.items():
        if k in ONE_SIDED:
            continue
        if k == "funds":
            for fk, fv in v.items():
                if fk == "rows":
                    out.update(_rows("fund_rows", fv))
                else:
                    out[("funds", fk)] = fv
        elif k == "indicators":
            out.update(_rows("indicators", v))
        elif k in LONG_TEXTS:
            out[("goals", k)] = re.sub(r"\s", "", v) if isinstance(v, str) else v
        else:
            out[("totals" if k in TOTALS else "header", k)] = v
    return out


def _rows(group: str, rows: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for i, row in enumerate(rows):
        out.update({(group, f"{i}.{k}"): v for k, v in row.items() if k not in ROW_ONE_SIDED})
    return out


def _pairs(got: dict[str, Any] | None, want: dict[str, Any]):
    """(group, path, got value, truth value) over the fields of either side, truth's order first."""
    g, w = (fields(got) if got else {}), fields({**TRUTH_DEFAULTS, **want})
    for key in list(w) + [k for k in g if k not in w]:
        yield key[0], key[1], g.get(key, ABSENT), w.get(key, ABSENT)


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Human-readable list of the fields where `got` and the truth part: wrong, missing or extra."""
    return [f"{group}.{path}: {g!r} != {w!r}" for group, path, g, w in _pairs(got, want) if g != w]


def wrong(got: dict[str, Any] | None, want: dict[str, Any]) -> set[tuple[str, str]]:
    """The (group, path) of every field where `got` and the truth part."""
    return {(group, path) for group, path, g, w in _pairs(got, want) if g != w}


def may_be_cut(got: dict[str, Any]) -> set[tuple[str, str]]:
    """The (group, path) of every field the extraction flags `may_be_cut` (a form's keys, "funds.note",
    and each indicator row's own), as `fields` keys them."""
    out = set()
    for key in got.get("may_be_cut", ()):
        outer, _, inner = key.partition(".")
        value = got.get(outer) if not inner else (got.get(outer) or {}).get(inner)
        out.update(fields({outer: value} if not inner else {outer: {inner: value}}))
    for i, row in enumerate(got.get("indicators", ())):
        out.update(("indicators", f"{i}.{k}") for k in row.get("may_be_cut", ()))
    return out


def score(got: dict[str, Any] | None, want: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per field group: (fields right, fields on either side). A form not extracted scores 0; an
    invented field counts as one more wrong."""
    out: dict[str, tuple[int, int]] = {}
    for group, _, g, w in _pairs(got, want):
        right, total = out.get(group, (0, 0))
        out[group] = (right + (g == w), total + 1)
    return out


def checked_numbers(form: dict[str, Any]) -> dict[str, str | None]:
    """Every number the reconciliation rules cover, by path (funds, fund rows, 分值 and 得分, totals):
    what must never be wrong on a form OCR calls verified (bench/scans.py, tests/read/test_ocr.py)."""
    out = {f"funds.{k}": form["funds"].get(k) for k in ("weight", "execution_rate", "score")}
    for i, row in enumerate(form["funds"]["rows"]):  # a variant prints some columns only (湖北: no 年初预算数)
        out.update({f"fund_rows.{i}.{k}": row.get(k) for k in ("initial_budget", "annual_budget", "executed")})
    for i, row in enumerate(form["indicators"]):
        out.update({f"indicators.{i}.{k}": row.get(k) for k in ("level1_weight", "weight", "score")})
    out.update({"total_weight": form.get("total_weight"), "total_score": form.get("total_score")})
    return out
