"""The form model: one 项目支出绩效自评表 as printed, every value kept as the exact printed string.

`Form.to_dict()` gives the JSON shape of tests/fixtures/corpus/SCHEMA.md (with the keys
TEMPLATES.md adds for the templates that print them), plus provenance keys (`source`, and `page` on
every row) that the schema allows as extras.

**Identity.** `form_id` is `<项目编码>-<年度>`. A template that prints no 项目编码 (the national one)
gets a derived code instead, deterministic and stable across re-issues: `derived_code()` is "N" + the
first 16 hex digits of sha256 over 年度, 实施单位 and 项目名称 (each as read, whitespace removed),
joined by "|"; `project_code` itself stays null.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

# the texts a form may print besides its tables, kept in `Form.narrative`: a template's narrative rows
# (closing rows, signatures), then lines outside the table and the total's grade
NARRATIVE_KEYS = ("implementation_summary", "conclusion", "problems", "improvements", "project_lead",
                  "finance_lead", "other_notes")
TEXT_KEYS = NARRATIVE_KEYS + ("department", "table_no", "report_date", "grade")

TITLE = "项目支出绩效自评表"


@dataclass(frozen=True)
class Source:
    """Where a form was read from."""

    file: str
    sha256: str
    first_page: int
    last_page: int
    # in a workbook, Word document or web page (each table a "page"): the sheet and cell range
    # ("'Sheet1'!A2:H44") or the table and rows ("table 2, rows 1–43") the form was read from
    place: str | None = None


@dataclass(frozen=True)
class OcrCell:
    """One cell of a scanned page as recognised: its text (after any recorded correction), the text
    as recognised, the recogniser's confidence and the box it was read from (PDF points, y up, of
    the deskewed page as it shows, though read turned where it was scanned on its side). Kept with the form so a failed check can be traced to the cells it rests on."""

    page: int
    row: int
    col: int
    text: str
    raw: str
    confidence: float
    box: tuple[float, float, float, float]
    correction: str | None = None  # the confusion corrected ("一→—", "O→0", ...), or None
    second: str | None = None  # a target's or an actual's one-line number read again (None: not read again)
    grid: int = 0  # which ruled table of the page, top to bottom (row and col are of that table)


@dataclass(frozen=True)
class OcrReading:
    """How a form printed on scanned pages was read: engine, its version, pages, cells."""

    engine: str
    version: str
    pages: tuple[int, ...]
    cells: tuple[OcrCell, ...]
    # why they were read from their image: "no_text_layer" (a scan), or "text_layer_unreadable" (a
    # text layer that cannot be trusted: unmapped codes, private-use or control characters, no label
    # of any form on a ruled page full of glyphs, or words drawn invisible over a scan's image;
    # `pipeline.read.pdf.untrusted`, `_recognised_over_image`)
    reason: str = "no_text_layer"


@dataclass(frozen=True)
class Seal:
    """An electronic seal (电子签章) whose text is drawn as text over the form: its ring of glyphs
    turned along a circle, and the text inside it in the ring's colour. It is set aside before text
    is placed in cells (`pipeline.read.glyphs.seals`) and kept with the form: its page, its box (PDF
    points of the page as displayed, y up) and its text (the ring read clockwise, then the inside)."""

    page: int
    box: tuple[float, float, float, float]
    text: str


@dataclass(frozen=True)
class FundRow:
    source: str
    initial_budget: str | None
    annual_budget: str | None
    executed: str | None
    page: int
    execution_rate: str | None = None  # a template printing a 执行率 on every source row (sichuan)
    role: str | None = None            # canonical role of the source (pipeline.forms.template.ROLES)


@dataclass(frozen=True)
class Funds:
    weight: str | None
    execution_rate: str | None
    score: str | None
    rows: tuple[FundRow, ...]
    note: str | None = None            # sichuan: 原因


@dataclass(frozen=True)
class IndicatorRow:
    level1: str | None
    level1_weight: str | None
    level2: str | None
    level3: str | None
    target: str | None
    actual: str | None
    weight: str | None
    score: str | None
    deviation_note: str | None
    page: int
    nature: str | None = None          # sichuan: 指标性质 (=, ≥, ≤, 定性); `target` is then 指标值
    unit: str | None = None            # sichuan: 度量单位
    placeholder: bool = False          # a template row left empty ("指标2", "……"): every value null
    may_be_cut: tuple[str, ...] = ()   # its fields that may be cut, as Form's


@dataclass(frozen=True)
class Form:
    title: str | None
    project_code: str | None
    project_name: str | None
    year: int
    implementing_unit: str | None
    budget_unit: str | None
    funds: Funds
    goal_expected: str | None
    goal_actual: str | None
    indicators: tuple[IndicatorRow, ...]
    total_weight: str | None
    total_score: str | None
    source: Source
    notes: tuple[str, ...] = field(default=())
    template: str = "luohu"
    money_unit: str = "元"
    indicators_weight: str | None = None  # sichuan: the "（90分）" of 绩效指标
    narrative: dict[str, str | None] = field(default_factory=dict)  # 评价结论, 部门, 评价等级 … (TEXT_FIELDS)
    optional: frozenset[str] = frozenset()  # keys of to_dict() only this form's template prints
    absent: frozenset[str] = frozenset()  # keys of to_dict() this form's template does not print
    checkboxes: dict[str, str | None] = field(default_factory=dict)  # question → the ticked option
    ocr: OcrReading | None = None  # set when some page of the form had no text layer (pipeline.read.ocr)
    seals: tuple[Seal, ...] = ()  # seals drawn as text on the form's pages, set aside before reading
    # the keys of to_dict() of free-text fields ("goal_expected", "funds.note") whose cell's border cuts
    # their text, or that a program clipping a cell's text to its row (a spreadsheet program) printed
    # filling their cell to within one line of its bottom border: the text may go on past what was
    # printed (vocabulary.toml [clipping]); the indicator rows' own are on each row
    may_be_cut: tuple[str, ...] = ()

    @property
    def grade(self) -> str | None:
        return self.narrative.get("grade")

    @property
    def report_date(self) -> str | None:
        return self.narrative.get("report_date")

    @property
    def read_method(self) -> str:
        """"ocr" when any page of the form was read from its image, else "text"."""
        return "ocr" if self.ocr is not None else "text"

    @property
    def form_code(self) -> str:
        """The printed 项目编码, or the derived code where the template prints none."""
        return self.project_code or derived_code(self.year, self.implementing_unit, self.project_name)

    @property
    def form_id(self) -> str:
        """Stable across re-issues of the same project and year (versions differ by report sha256)."""
        return f"{self.form_code}-{self.year}"

    def to_dict(self) -> dict[str, Any]:
        def printed(key: str) -> bool:
            """The form holds a value for `key` ("funds.note", "indicators.weight" on any row …)."""
            outer, _, inner = key.partition(".")
            rows = {"fund_rows": self.funds.rows, "indicators": self.indicators}.get(outer)
            if rows is not None:  # a part's 执行率 (the total's is funds.execution_rate)
                return any(getattr(r, inner) is not None for r in rows
                           if not (key == "fund_rows.execution_rate" and r.role == "total"))
            if key == "checkboxes":
                return bool(self.checkboxes)
            if key in TEXT_KEYS:
                return self.narrative.get(key) is not None
            return getattr(self.funds if outer == "funds" else self, inner or outer, None) is not None

        def has(key: str) -> bool:
            """A key its variant prints, or one this form printed all the same (a 其他需要说明事项 row, a
            grade, checkbox rows, a 分值 column on a variant that usually has none): never dropped unsaid."""
            return key in self.optional or printed(key)

        def gone(key: str) -> bool:
            """A key its variant does not print (`absent`), and this form printed no value for."""
            return key in self.absent and not printed(key)

        funds: dict[str, Any] = {
            "weight": self.funds.weight,
            "execution_rate": self.funds.execution_rate,
            "score": self.funds.score,
        }
        if has("funds.note"):
            funds["note"] = self.funds.note
        funds["rows"] = [_row_dict(r, ("role",) + (() if has("fund_rows.execution_rate") else ("execution_rate",))
                                   + (("initial_budget",) if gone("fund_rows.initial_budget") else ()))
                         for r in self.funds.rows]
        dropped = tuple(k for k in ("nature", "unit") if not has(f"indicators.{k}")) + tuple(
            k for k in ("weight", "deviation_note") if gone(f"indicators.{k}"))
        out: dict[str, Any] = {
            "form_id": self.form_id,
            "title": self.title,
            "template": self.template,
            "project_code": self.project_code,
            "project_name": self.project_name,
            "year": self.year,
            "implementing_unit": self.implementing_unit,
            "budget_unit": self.budget_unit,
            "money_unit": self.money_unit,
            "funds": funds,
            "goal_expected": self.goal_expected,
            "goal_actual": self.goal_actual,
        }
        for key in ("department", "table_no", "report_date"):
            if has(key):
                out[key] = self.narrative.get(key)
        if has("checkboxes"):
            out["checkboxes"] = dict(self.checkboxes)
        if has("implementation_summary"):
            out["implementation_summary"] = self.narrative.get("implementation_summary")
        if has("indicators_weight"):
            out["indicators_weight"] = self.indicators_weight
        out["indicators"] = [_indicator_dict(r, dropped, "indicators.placeholder" in self.optional) for r in self.indicators]
        out["total_weight"] = self.total_weight
        out["total_score"] = self.total_score
        for key in ("conclusion", "problems", "improvements", "project_lead", "finance_lead", "other_notes",
                    "grade"):
            if has(key):
                out[key] = self.narrative.get(key)
        for key in ("goal_expected", "goal_actual", "total_weight"):
            if gone(key):
                del out[key]
        if self.may_be_cut:
            out["may_be_cut"] = list(self.may_be_cut)
        out.update({
            "notes": list(self.notes),
            "source": {
                "file": self.source.file,
                "sha256": self.source.sha256,
                "first_page": self.source.first_page,
                "last_page": self.source.last_page,
                "read": self.read_method,
            },
        })
        if self.source.place is not None:
            out["source"]["place"] = self.source.place
        if self.seals:
            out["source"]["seals"] = [{"page": s.page, "box": [round(v, 1) for v in s.box], "text": s.text}
                                      for s in self.seals]
        if self.ocr is not None:  # provenance of a scan: engine, and every cell with its confidence
            out["source"]["ocr"] = {
                "engine": self.ocr.engine, "version": self.ocr.version, "pages": list(self.ocr.pages),
                "reason": self.ocr.reason,
                "cells": [{"page": c.page, "grid": c.grid, "row": c.row, "col": c.col, "text": c.text, "raw": c.raw,
                           "confidence": round(c.confidence, 4), "box": list(c.box),
                           "correction": c.correction, "second": c.second} for c in self.ocr.cells],
            }
        return out


def derived_code(year: int, implementing_unit: str | None, project_name: str | None) -> str:
    """The identity of a form printed without 项目编码: "N" + 16 hex digits of sha256 over
    "<年度>|<实施单位>|<项目名称>" (whitespace removed). Deterministic: the same project and year
    printed again (a re-issue) gets the same code, so it supersedes the earlier version."""
    key = "|".join("".join((part or "").split()) for part in (str(year), implementing_unit, project_name))
    return "N" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16].upper()


def _row_dict(row: FundRow | IndicatorRow, dropped: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in row.__dict__.items() if k not in dropped}


def _indicator_dict(row: IndicatorRow, dropped: tuple[str, ...], placeholder: bool) -> dict[str, Any]:
    """An indicator row; `placeholder: true` only on a placeholder row, where the variant records it;
    `may_be_cut` only where a field of it may be cut."""
    out = _row_dict(row, dropped + ("placeholder", "may_be_cut"))
    if placeholder and row.placeholder:
        out["placeholder"] = True
    if row.may_be_cut:
        out["may_be_cut"] = list(row.may_be_cut)
    return out
