"""Forms → Polars frames with the warehouse's column types (Decimal for money and scores, never float).

A printed value that is not a number where the form needs one, or has more decimals than its column,
is an `ExtractionFault`: it is refused, never rounded or guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import polars as pl

from ..errors import ExtractionFault, shown
from ..model import Form
from ..forms.template import MONEY_UNITS
from ..forms.template import get as template_of
from ..forms.text import NOT_APPLICABLE
from .rules import rule_score
from .targets import SIGNS, VALUE, met, reading
from .ocr_trust import UNVERIFIED, VERIFIED, judge, repaired

MONEY = pl.Decimal(18, 2)   # 元
PRINTED_MONEY = pl.Decimal(24, 6)  # an amount as printed, in the form's unit (89.974 万元)
POINTS = pl.Decimal(9, 2)  # 分值, 得分, 执行率
PRINTED_SCALE = 6

DIM_REPORT = {
    "report_sha256": pl.String, "file_name": pl.String, "file_path": pl.String, "pages": pl.Int32,
    "ingested_at": pl.Datetime("us"), "read_at": pl.Datetime("us"), "status": pl.String, "error_kind": pl.String,
    "error": pl.String, "error_page": pl.Int32, "forms": pl.Int32,
}
DIM_FORM = {
    "form_id": pl.String, "report_sha256": pl.String, "template": pl.String, "title": pl.String,
    "project_code": pl.String, "project_name": pl.String, "year": pl.Int32, "implementing_unit": pl.String,
    "budget_unit": pl.String, "money_unit": pl.String, "goal_expected": pl.String, "goal_actual": pl.String,
    "funds_weight": POINTS, "execution_rate": POINTS, "funds_score": POINTS, "funds_note": pl.String,
    "indicators_weight": POINTS, "total_weight": POINTS, "total_score": POINTS,
    "implementation_summary": pl.String, "conclusion": pl.String, "problems": pl.String,
    "improvements": pl.String, "project_lead": pl.String, "finance_lead": pl.String,
    # the variant's own parts (VARIANTS.md), and the precision its rate and funds score are printed at
    "variant": pl.String, "department": pl.String, "table_no": pl.String, "other_notes": pl.String,
    "grade": pl.String, "report_date": pl.String, "checkboxes": pl.String,
    "execution_rate_decimals": pl.Int32, "funds_score_decimals": pl.Int32,
    "first_page": pl.Int32, "last_page": pl.Int32, "source_place": pl.String,
    "seals": pl.String, "may_be_cut": pl.String, "ocr_reason": pl.String,
    "is_current": pl.Boolean, "superseded_by": pl.String,
    # how the form was read (pipeline.facts.ocr_trust): text layer or OCR, and whether OCR'd numbers hold
    "read_method": pl.String, "ocr_engine": pl.String, "ocr_version": pl.String, "status": pl.String,
    "ocr_failed_rules": pl.String,
}
FACT_FUND_EXECUTION = {
    "form_id": pl.String, "report_sha256": pl.String, "source_order": pl.Int32, "source": pl.String,
    "role": pl.String, "initial_budget": MONEY, "annual_budget": MONEY, "executed": MONEY,
    "money_unit": pl.String, "initial_budget_printed": PRINTED_MONEY,
    "annual_budget_printed": PRINTED_MONEY, "executed_printed": PRINTED_MONEY,
    "execution_rate": POINTS, "page": pl.Int32,
}
PRINTED = {  # an indicator row as the form prints it
    "form_id": pl.String, "report_sha256": pl.String, "row_no": pl.Int32, "level1": pl.String,
    "level1_weight": POINTS, "level2": pl.String, "level3": pl.String, "nature": pl.String,
    "target": pl.String, "unit": pl.String,
    "actual": pl.String, "weight": POINTS, "score": POINTS, "deviation_note": pl.String,
    "page": pl.Int32, "placeholder": pl.Boolean, "may_be_cut": pl.String,
}
FACT_INDICATOR_RESULT = {
    **PRINTED,
    "target_comparator": pl.String, "target_value": VALUE, "target_unit": pl.String,
    "actual_comparator": pl.String, "actual_value": VALUE, "actual_unit": pl.String,
    "target_met": pl.Boolean, "rule_score": POINTS,
}
_READ_COLUMNS = ("read_method", "ocr_engine", "ocr_version", "status", "ocr_failed_rules")
COMPARATORS = tuple(SIGNS)  # 指标性质 as printed: ≥ ≧ ≤ ≦ = ═ …
QUALITATIVE = "定性"


@dataclass(frozen=True)
class ReportFrames:
    """Everything one report contributes to the warehouse; loaded together or not at all."""

    dim_report: pl.DataFrame
    dim_form: pl.DataFrame
    fact_fund_execution: pl.DataFrame
    fact_indicator_result: pl.DataFrame
    ocr_cell: pl.DataFrame | None = None  # the recognised cells of forms read by OCR (pipeline.facts.ocr_trust)


def decimal(text: str | None, *, file: str, page: int, what: str, scale: int = 2) -> Decimal | None:
    """A printed number as Decimal; "—", "/" and empty are None. Refuses what is not a number."""
    if text is None or text in NOT_APPLICABLE:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ExtractionFault(file, f"{what}: {text!r} is not a number", page) from None
    if not value.is_finite() or value.as_tuple().exponent < -scale:  # type: ignore[operator]
        raise ExtractionFault(file, f"{what}: {text!r} has more than {scale} decimals", page)
    return value


def report_row(*, sha256: str, file_name: str, file_path: str, pages: int | None, status: str,
               forms: int, error_kind: str | None = None, error: str | None = None,
               error_page: int | None = None, ingested_at: datetime | None = None) -> pl.DataFrame:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return pl.DataFrame(
        [{
            "report_sha256": sha256, "file_name": shown(file_name), "file_path": shown(file_path),
            "pages": pages,
            "ingested_at": ingested_at or now, "read_at": now, "status": status,
            "error_kind": error_kind, "error": error, "error_page": error_page, "forms": forms,
        }],
        schema=DIM_REPORT,
    )


def printed_once(seen: dict[str, int], form_id: str, page: int, file_path: str) -> None:
    """One report prints a form once: `seen` (form_id → first page) gains this form, or the second
    printing is refused, naming both pages (also across the parts of a report, `pipeline.ingest`)."""
    if form_id in seen:
        raise ExtractionFault(file_path, f"form {form_id} appears twice (pages {seen[form_id]} and "
                              f"{page}): a duplicate form in one report", page)
    seen[form_id] = page


def frames(forms: list[Form], *, file_path: str, pages: int) -> ReportFrames:
    """The frames of one successfully read report, in two steps: the forms' values typed, then, for
    forms read by OCR, whether their numbers hold (`ocr_trust`: an OCR'd form whose checks fail is
    tried with each amount that lost its decimal point given it back; a repair is kept, and
    recorded, only where every check then holds). All forms share one report sha256."""
    dim_form, funds, indicators, ocr_cell = _judged(forms, file_path)
    statuses = dim_form["status"].to_list()
    if UNVERIFIED in statuses:
        fixed = repaired(forms, statuses, lambda form: _judged([form], file_path)[0]["status"][0] == VERIFIED)
        if any(a is not b for a, b in zip(fixed, forms)):
            forms = fixed
            dim_form, funds, indicators, ocr_cell = _judged(forms, file_path)
    return ReportFrames(
        dim_report=report_row(sha256=forms[0].source.sha256, file_name=forms[0].source.file,
                              file_path=file_path, pages=pages, status="loaded", forms=len(forms)),
        dim_form=dim_form,  # DIM_FORM's columns: `_typed`'s, then `judge`'s read columns
        fact_fund_execution=funds,
        fact_indicator_result=indicators,
        ocr_cell=ocr_cell,
    )


def _judged(forms: list[Form], file_path: str) -> tuple[pl.DataFrame, ...]:
    """dim_form (with each form's read method and status), funds, indicators and ocr_cell."""
    dim_form, funds, indicators, unreadable = _typed(forms, file_path)
    dim_form, ocr_cell = judge(forms, dim_form, funds, indicators, unreadable)
    return dim_form, funds, indicators, ocr_cell


def _typed(forms: list[Form], file_path: str) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict[str, list[str]]]:
    """The forms' values typed (Decimal, 元; targets parsed): dim_form without its read columns,
    funds, indicators, and per form the number cells OCR read as no number."""
    sha = forms[0].source.sha256
    seen: dict[str, int] = {}
    unreadable: dict[str, list[str]] = {}
    form_rows, fund_rows, indicator_rows = [], [], []
    for form in forms:
        fid = form.form_id  # a property (a hash where no code is printed): once a form
        printed_once(seen, fid, form.source.first_page, file_path)
        misread: list[str] | None = [] if form.ocr is not None else None  # OCR: flagged, not refused
        unreadable[fid] = misread if misread is not None else []  # the same list, filled below
        num = _numbers(file_path, form, misread=misread)
        template = template_of(form.template)
        factor = MONEY_UNITS[form.money_unit]
        form_rows.append({
            "form_id": fid, "report_sha256": sha, "template": form.template,
            "title": form.title, "project_code": form.project_code,
            "project_name": form.project_name, "year": form.year,
            "implementing_unit": form.implementing_unit, "budget_unit": form.budget_unit,
            "money_unit": form.money_unit,
            "goal_expected": form.goal_expected, "goal_actual": form.goal_actual,
            "funds_weight": num("资金使用情况 分值", form.funds.weight),
            "execution_rate": num("执行率", form.funds.execution_rate),
            "funds_score": num("资金使用情况 得分", form.funds.score),
            "funds_note": form.funds.note,
            "indicators_weight": num("绩效指标 分值", form.indicators_weight),
            "total_weight": num("总分 分值", form.total_weight),
            "total_score": num("总分 得分", form.total_score),
            **{k: form.narrative.get(k) for k in ("implementation_summary", "conclusion", "problems",
                                                   "improvements", "project_lead", "finance_lead",
                                                   "department", "table_no", "other_notes", "grade",
                                                   "report_date")},
            "variant": form.template,
            "checkboxes": json.dumps(form.checkboxes, ensure_ascii=False) if form.checkboxes else None,
            "execution_rate_decimals": decimals(form.funds.execution_rate),
            "funds_score_decimals": decimals(form.funds.score),
            "first_page": form.source.first_page, "last_page": form.source.last_page,
            "source_place": form.source.place,
            "seals": json.dumps([{"page": seal.page, "box": [round(v, 1) for v in seal.box], "text": seal.text}
                                 for seal in form.seals], ensure_ascii=False) if form.seals else None,
            "may_be_cut": _columns(form.may_be_cut),
            "ocr_reason": form.ocr.reason if form.ocr is not None else None,
            "is_current": True, "superseded_by": None,
        })
        for row in form.funds.rows:
            printed = _numbers(file_path, form, row.page, scale=PRINTED_SCALE, misread=misread)
            rate = _numbers(file_path, form, row.page, misread=misread)
            amounts = {
                column: printed(f"{row.source} {label}", getattr(row, column))
                for column, label in (("initial_budget", "年初预算数"), ("annual_budget", "全年预算数"),
                                      ("executed", "全年执行数"))
            }
            fund_rows.append({
                "form_id": fid, "report_sha256": sha,
                "source_order": template.source_order(row.source), "source": row.source,
                "role": template.role_of(row.source),
                **{column: _yuan(file_path, form, row, column, value, factor)
                   for column, value in amounts.items()},
                "money_unit": form.money_unit,
                **{f"{column}_printed": value for column, value in amounts.items()},
                "execution_rate": rate(f"{row.source} 执行率", row.execution_rate),
                "page": row.page,
            })
        for row_no, ind in enumerate(form.indicators, start=1):
            points = _numbers(file_path, form, ind.page, misread=misread)
            what = f"indicator row {row_no} ({ind.level3 or ind.level2})"
            indicator_rows.append(indicator_result({
                "form_id": fid, "report_sha256": sha, "row_no": row_no,
                "level1": ind.level1,
                "level1_weight": points(f"{what} 一级指标分值", ind.level1_weight),
                "level2": ind.level2, "level3": ind.level3, "nature": ind.nature,
                "target": ind.target, "unit": ind.unit,
                "actual": ind.actual, "weight": points(f"{what} 分值", ind.weight),
                "score": points(f"{what} 得分", ind.score), "deviation_note": ind.deviation_note,
                "page": ind.page, "placeholder": ind.placeholder, "may_be_cut": _columns(ind.may_be_cut),
            }))
    base = {k: v for k, v in DIM_FORM.items() if k not in _READ_COLUMNS}
    dim_form = pl.DataFrame(form_rows, schema=base)
    funds = pl.DataFrame(fund_rows, schema=FACT_FUND_EXECUTION)
    indicators = pl.DataFrame(indicator_rows, schema=FACT_INDICATOR_RESULT)
    return dim_form, funds, indicators, unreadable


def indicator_result(printed: dict) -> dict:
    """An indicator row as printed (`PRINTED`'s columns) plus its parsed target / actual,
    `target_met` and `rule_score`: a row of `FACT_INDICATOR_RESULT`.

    A target printed in three cells (指标性质, 指标值, 度量单位: "≥" "100" "人次") is read as the one
    string they print together ("≥100人次"); 指标性质 定性 (qualitative) is never a number."""
    nature, target, unit = printed.get("nature"), printed.get("target"), printed.get("unit") or ""
    if nature is None:
        whole = target
    elif nature == QUALITATIVE or target is None:
        whole = None
    elif nature in COMPARATORS:
        whole = nature + target + unit
    else:
        whole = target + unit
    t, a = reading(whole), reading(printed.get("actual"))
    is_met = met(t, a)
    return {
        **printed,
        "target_comparator": t[0], "target_value": t[1], "target_unit": t[2],
        "actual_comparator": a[0], "actual_value": a[1], "actual_unit": a[2],
        "target_met": is_met, "rule_score": rule_score(t[0], t[1], a[1], printed.get("weight"), is_met),
    }


def _columns(keys: tuple[str, ...]) -> str | None:
    """The warehouse columns of a form's keys ("funds.note" is funds_note), comma-separated; None for none."""
    return ",".join(k.replace(".", "_") for k in keys) or None


def decimals(text: str | None) -> int | None:
    """Digits printed after the decimal point ("86" → 0, "86.2" → 1, "8.63" → 2); None for no number:
    the precision a rule compares a printed rate or score at (pipeline.facts.rules)."""
    value = (text or "").strip().rstrip("%％")
    whole, _, fraction = value.partition(".")
    if not whole.lstrip("-").isdigit() or (fraction and not fraction.isdigit()):
        return None
    return len(fraction)


def _numbers(file: str, form: Form, page: int | None = None, scale: int = 2,
             misread: list[str] | None = None):
    """A parser of the form's printed numbers. With `misread` (a form read by OCR), a cell that is
    no number is recorded there and stored as null, the form flagged (`pipeline.facts.ocr_trust`), instead of
    the report being refused: a misread, not what the form printed."""
    where = page if page is not None else form.source.first_page
    named = f"form {form.form_id}: "

    def parse(what: str, text: str | None) -> Decimal | None:
        try:
            return decimal(text, file=file, page=where, what=named + what, scale=scale)
        except ExtractionFault:
            if misread is None:
                raise
            misread.append(text or "")
            return None

    return parse


def _yuan(file: str, form: Form, row, column: str, printed: Decimal | None, factor: Decimal) -> Decimal | None:
    """A printed amount in 元 (89.974 万元 = 899740.00 元), exact; refused when it would need more
    than 2 decimals (a fraction of a 分 is no amount a form prints)."""
    if printed is None:
        return None
    value = printed * factor
    if value != value.quantize(Decimal("0.01")):
        raise ExtractionFault(file, f"form {form.form_id}: {row.source} {column}: {printed} "
                              f"{form.money_unit} is not a whole number of 分", row.page)
    return value.quantize(Decimal("0.01"))
