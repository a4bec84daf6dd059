"""Whether the numbers a form read by OCR gives can be trusted: its checks are the checksum.

The reconciliation rules (`pipeline.facts.rules`: weights add to 100, parts add to totals, the rate follows
from the amounts, 总分 is the sum) decide, exactly as the suites in expectations/ decide for every
form. A misread digit almost always breaks one of them. So a form read by OCR is

- `ocr_verified` when every rule of its template holds on the numbers as read (after the recorded
  corrections, `ocr.correct`);
- `ocr_unverified` otherwise, or when a target or an actual (年度指标值, 实际完成值: no sum covers
  them) was read twice (`ocr.recognise.second_reads`) and the two reads differ
  (`SECOND_READ`; digits, point and percent where either read has one, else the text), or one was read with a strict sign (`STRICT_SIGN`:
  forms print "≥", "≤"; a ">" is a misread the second read cannot see), or a sign the recogniser
  cannot tell from one outside its alphabet (`UNREADABLE_SIGN`: ≧ read "=", ═ read "—", a 指标性质
  lost where the form prints them): a failed check may be a
  misread or what the form really prints, and OCR alone cannot tell which, so the form is stored
  apart (the analyst views leave it out) with the rules that failed and the cells they rest on
  (`ocr_cell.unverified`). A unit or project name is judged at load, against the names the
  warehouse holds (`UNVERIFIED_NAME`, `pipeline.warehouse.check_ocr_names`).

A form read from its text layer is `text`: its failed checks are findings about the form, as before.
Nothing here changes a number.
"""

from __future__ import annotations

from collections.abc import Callable

import json
import re
from decimal import Decimal

import polars as pl

from .. import SUITES_DIR
from ..model import Form
from .rules import check_rows
from .targets import SIGNS
from ..forms.text import DASH, number, percent

TEXT, VERIFIED, UNVERIFIED = "text", "ocr_verified", "ocr_unverified"
LOW_CONFIDENCE = 0.9  # a recognised number below this confidence is listed as such
OCR_CELL = {
    "form_id": pl.String, "report_sha256": pl.String, "page": pl.Int32, "grid_no": pl.Int32,
    "row_no": pl.Int32, "col_no": pl.Int32, "text": pl.String, "raw_text": pl.String, "confidence": pl.Decimal(5, 4),
    "x0": pl.Decimal(9, 1), "y0": pl.Decimal(9, 1), "x1": pl.Decimal(9, 1), "y1": pl.Decimal(9, 1),
    "correction": pl.String, "is_number": pl.Boolean, "unverified": pl.Boolean, "reason": pl.String,
}

_NO_CELLS = pl.DataFrame(schema=OCR_CELL)


def _comparisons() -> dict[str, str]:
    """rule → "equal" or "a_ge_b", as the suites of expectations/ state them (the one source)."""
    out: dict[str, str] = {}
    for path in sorted(SUITES_DIR.glob("*.json")):
        for exp in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            rule = exp.get("meta", {}).get("rule")
            if rule:
                out[rule] = "a_ge_b" if "greater_than" in exp["type"] else "equal"
    return out


def failed_checks(dim_form: pl.DataFrame, funds: pl.DataFrame, indicators: pl.DataFrame) -> pl.DataFrame:
    """The rule rows that fail, as the suites judge them (a row missing either side is not judged)."""
    rows = check_rows(dim_form, funds, indicators)
    how = _comparisons()
    failed = []
    for r in rows.iter_rows(named=True):
        a, b = r["expected"], r["observed"]
        if a is None or b is None:
            continue
        ok = a >= b if how.get(r["rule"]) == "a_ge_b" else a == b
        if not ok:
            failed.append(r)
    return pl.DataFrame(failed, schema=rows.schema)


def _is_number(text: str) -> bool:
    value = percent(number(text))
    try:
        Decimal(value or "x")
        return True
    except Exception:  # noqa: BLE001 - decimal's InvalidOperation and friends
        return False


def _operands(form: Form, failures: list[tuple[str, str]]) -> set[str]:
    """The printed numbers the failed rule rows (rule, subject) compare: the cells a failure rests on
    are those holding one of them, on the form's scanned pages (matched by value, so a number
    printed twice is listed twice)."""
    f, ind = form.funds, form.indicators
    out: set[str | None] = set()
    for rule, subject in failures:
        if rule in ("weights_total", "total_weight", "funds_weight"):
            out |= {f.weight, form.total_weight} | {i.weight for i in ind}
        elif rule == "level1_sum":
            group = [i for i in ind if i.level1 == subject] or list(ind)
            out |= {i.weight for i in group} | {i.level1_weight for i in group} | {form.indicators_weight}
        elif rule == "score_above_weight":
            if subject.startswith("指标") and subject[2:4].isdigit() and int(subject[2:4]) <= len(ind):
                row = ind[int(subject[2:4]) - 1]
                out |= {row.weight, row.score}
            else:
                out |= {f.weight, f.score}
        elif rule == "total_score":
            out |= {f.score, form.total_score} | {i.score for i in ind}
        elif rule == "funds_score":
            out |= {f.execution_rate, f.weight, f.score}
        elif rule == "execution_rate":
            rows = [r for r in f.rows if subject.endswith(r.source)] or [r for r in f.rows if r.role == "total"]
            out |= {f.execution_rate} | {v for r in rows for v in (r.annual_budget, r.executed, r.execution_rate)}
        elif rule == "fund_total":
            column = {"年初预算数": "initial_budget", "全年预算数": "annual_budget",
                      "全年执行数": "executed"}.get(subject)
            out |= {getattr(r, column) for r in f.rows} if column else \
                {v for r in f.rows for v in (r.initial_budget, r.annual_budget, r.executed)}
    return {v for v in out if v}


_AMOUNTS = ("initial_budget", "annual_budget", "executed")
MISSING_POINT = "missing decimal point"


def point_repairs(form: Form):
    """The form with one amount that printed without its decimal point given it back, for each
    such amount: "1890000" where the form's other amounts print two decimals ("18900.00") may be
    "18900.00" with the point lost. Each candidate's cell records the correction; `facts.frames`
    keeps a candidate only if every check then holds (`repaired`), so the number is never silently "fixed"."""
    import dataclasses

    if form.ocr is None:
        return
    values = [getattr(r, c) for r in form.funds.rows for c in _AMOUNTS]
    if not any(v and "." in v for v in values):
        return  # the form prints whole amounts: nothing lost
    for i, row in enumerate(form.funds.rows):
        for column in _AMOUNTS:
            value = getattr(row, column)
            if not (value and value.isdigit() and len(value) > 2):
                continue
            fixed = f"{value[:-2]}.{value[-2:]}"
            rows = list(form.funds.rows)
            rows[i] = dataclasses.replace(row, **{column: fixed})
            done = False
            cells = []
            for cell in form.ocr.cells:
                if not done and cell.page == row.page and cell.text == value:
                    note = ", ".join(filter(None, (cell.correction, f"{MISSING_POINT} {value!r}→{fixed!r}")))
                    cell = dataclasses.replace(cell, text=fixed, correction=note)
                    done = True
                cells.append(cell)
            yield dataclasses.replace(form, funds=dataclasses.replace(form.funds, rows=tuple(rows)),
                                      ocr=dataclasses.replace(form.ocr, cells=tuple(cells)))


NOT_A_NUMBER = "not_a_number"  # an OCR'd cell read into a number field that is no number
SECOND_READ = "second_read"  # a target or an actual whose second read gives other digits
# a unit or project name no source confirms (set at load, pipeline.warehouse.check_ocr_names)
UNVERIFIED_NAME = "unverified_name"
_MARKS = re.compile(r"[^0-9.%]")


def _digits(text: str) -> str:
    """What two reads of a number must agree on: its digits, point and percent ("≥5" against "25"
    differs). Not its comparison sign: read alone, PP-OCRv4 reads the "≥" of a right "≥100个" as
    ">" (6 of one fixture's targets); a sign is checked by `strict_signs`."""
    return _MARKS.sub("", text)


UNCHECKED = ("target", "actual")  # the numbers no rule covers: 年度指标值, 实际完成值


def unchecked(form: Form) -> list:
    """The OCR cells of `form` holding a target or an actual: no sum or rule covers them, so these
    are the cells read a second time (`read.ocr.page.attach`) and compared (`disagreements`)."""
    return _holding(form, UNCHECKED)


def disagreements(form: Form) -> list:
    """The OCR cells of `form` holding a target or an actual (年度指标值, 实际完成值), read twice,
    whose two reads differ (`_differ`): the rules cannot check these, so a difference leaves the
    cell and the form unverified."""
    return [c for c in unchecked(form) if c.second is not None and _differ(c.text, c.second)]


_SIGNS_AND_MARKS = re.compile(r"[\s≥≤><=＞＜≧≦.,，。、:：;；'\"“”‘’()（）]")


def _differ(first: str, second: str) -> bool:
    """Whether two reads of a target or an actual disagree: on their digits, point and percent where
    either has a digit ("1" read "人" the first time is caught when the second finds the "1"); else
    on their text, signs and punctuation set aside ("人" against "#": neither read is sure)."""
    if _digits(first) or _digits(second):
        return _digits(first) != _digits(second)
    return _SIGNS_AND_MARKS.sub("", first) != _SIGNS_AND_MARKS.sub("", second)


def _holding(form: Form, fields: tuple[str, ...]) -> list:
    """The OCR cells of `form` whose text is one of its indicators' `fields`, on the same page."""
    if form.ocr is None:
        return []
    values = {(i.page, v) for i in form.indicators for f in fields if (v := getattr(i, f))}
    return [c for c in form.ocr.cells if (c.page, c.text) in values]


STRICT_SIGN = "strict_sign"  # a target or an actual read with ">" or "<": what PP-OCRv4 makes of "≥", "≤"
STRICT = (">", "＞", "<", "＜")  # the strict signs of targets.SIGNS


def strict_signs(form: Form) -> list:
    """The OCR cells of `form` holding a target, an actual or a 指标性质 (sichuan) with a strict sign
    (">", "<", either width). The second read cannot check a sign: on its own crop PP-OCRv4 reads a
    right "≥" as ">" or drops it (24 of 52 on the fixture scans), a "≤" as "<" (5 of 9). But forms
    print no strict sign: none of the 1,223 signs of the corpus truth, none of the published forms
    (corpus/published); and the first read gave ">" for one "≥" of 54 ("≥50个"). A ">" read is
    therefore more likely a misread "≥" than what the form prints, and the cell stays unverified:
    ">50" against an actual of 50 is unmet, "≥50" met. A sign the recogniser read strict and gave "≥" nearly
    as much (`read.ocr.blanks`, loaded as "≥") counts too: units do print "＞" (issue 21), and the two readings
    were near a tie."""
    from ..read.ocr.blanks import STRICT_READ

    return [c for c in _holding(form, ("target", "actual", "nature"))
            if any(sign in c.text for sign in STRICT) or STRICT_READ in (c.correction or "")]


UNREADABLE_SIGN = "unreadable_sign"  # a sign the recogniser cannot tell from one it cannot read
# what OCR reads of a 指标性质 for sure; PP-OCRv4's alphabet has no ≧ ≦ ═ (what 云南 prints there),
# and it reads them "=", "—", "NI" (Word pages whose fonts lost their text, read from their images)
SURE_NATURES = ("≥", "≤", "定性", "定量")
_EQUALS = ("=", "＝")
# a target that is a number, after any sign a form prints ("≥95%", "1918个"; not "制作4K节目")
_NUMERIC = re.compile(rf"[\s{re.escape(''.join(SIGNS))}]*\d")


def _by_shape(cell) -> bool:
    """Whether a cell's sign was read from its shape (`read.ocr.signs`: told only when every glyph of
    another meaning is clearly farther; measured on fonts and looks it was not made from). Asked of
    OCR'd forms only, whose reading stack is loaded."""
    from ..read.ocr.signs import NOTE, TOLD

    return cell.text.strip() in TOLD and NOTE in (cell.correction or "")


def unreadable_signs(form: Form) -> tuple[list, bool]:
    """The OCR cells of `form` whose comparison sign cannot be trusted, and whether a row lost its
    sign altogether. The recogniser's alphabet lacks ≧ ≦ ═, which units print; it reads ≧ as "=" and
    ═ as "—", and no second read can check a sign. So a 指标性质 read as anything but ≥, ≤, 定性 or
    定量, unless told from its shape, and a target or an actual read with "=" (forms print none: none
    of the corpus's 800 signed targets and actuals), keep their form unverified; so does a row with a
    number for a target but no 指标性质 where the form prints them (a sign lost), and a checkbox
    question read with no box ticked (its ☑ is outside the alphabet too)."""
    if form.ocr is None:
        return [], False
    cells = [c for c in _holding(form, ("target", "actual")) if c.text.lstrip().startswith(_EQUALS)]
    cells += [c for c in _holding(form, ("nature",)) if c.text.strip() not in SURE_NATURES and not _by_shape(c)]
    printed = any(i.nature for i in form.indicators)
    lost = printed and any(i.nature is None and i.target and _NUMERIC.match(i.target) for i in form.indicators)
    # a checkbox question with no box ticked: the recogniser has no ☑ (nor ✓ ✔ ☒ ▣) to read
    return cells, lost or any(answer is None for answer in form.checkboxes.values())


def repaired(forms: list[Form], statuses: list[str], verified: Callable[[Form], bool]) -> list[Form]:
    """`forms` with each unverified OCR'd form replaced by its first `point_repairs` candidate that
    `verified` (every check holds on it alone); the others as they were."""
    out = list(forms)
    for n, (form, status) in enumerate(zip(forms, statuses)):
        if status == UNVERIFIED:
            out[n] = next((c for c in point_repairs(form) if verified(c)), form)
    return out


def judge(forms: list[Form], dim_form: pl.DataFrame, funds: pl.DataFrame, indicators: pl.DataFrame,
          unreadable: dict[str, list[str]] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """dim_form with each form's `read_method`, engine, `status` and failed rules, and the
    `ocr_cell` rows of the forms read by OCR. `unreadable`: per form, the texts of number cells
    that are no number (stored as null); such a form is unverified too."""
    unreadable = unreadable or {}
    # text forms only: nothing to judge, and text PDFs read at the speed they did
    failed = failed_checks(dim_form, funds, indicators) if any(f.ocr for f in forms) else None
    by_form: dict[str, list[str]] = {}
    subjects: dict[str, list[tuple[str, str]]] = {}
    if failed is not None:
        for fid, rule, subject in failed.select("form_id", "rule", "subject").iter_rows():
            by_form.setdefault(fid, [])
            subjects.setdefault(fid, []).append((rule, subject))
            if rule not in by_form[fid]:
                by_form[fid].append(rule)
    status, method, engine, version, rules_col = [], [], [], [], []
    cells: list[dict] = []
    for form in forms:
        method.append(form.read_method)
        if form.ocr is None:
            status.append(TEXT)
            engine.append(None)
            version.append(None)
            rules_col.append(None)
            continue
        rules = list(by_form.get(form.form_id, []))
        bad_text = set(unreadable.get(form.form_id, []))
        if bad_text:
            rules.append(NOT_A_NUMBER)
        twice = {id(c) for c in disagreements(form)}
        if twice:
            rules.append(SECOND_READ)
        strict = {id(c) for c in strict_signs(form)}
        if strict:
            rules.append(STRICT_SIGN)
        unsure, lost = unreadable_signs(form)
        unsure_ids = {id(c) for c in unsure}
        if unsure_ids or lost:
            rules.append(UNREADABLE_SIGN)
        status.append(UNVERIFIED if rules else VERIFIED)
        engine.append(form.ocr.engine)
        version.append(form.ocr.version)
        rules_col.append(",".join(sorted(rules)) or None)
        operands = {number(v) for v in _operands(form, subjects.get(form.form_id, []))}
        for c in form.ocr.cells:
            numeric = _is_number(c.text)
            reasons = []
            if rules and numeric and number(c.text) in operands:
                checked = sorted(r for r in rules if r not in (NOT_A_NUMBER, SECOND_READ, STRICT_SIGN, UNREADABLE_SIGN))
                reasons.append("failed_check:" + ",".join(checked))
            if id(c) in twice:
                reasons.append(f"{SECOND_READ}:{c.second!r}")
            if id(c) in strict:
                reasons.append(STRICT_SIGN)
            if id(c) in unsure_ids:
                reasons.append(UNREADABLE_SIGN)
            if c.text in bad_text or number(c.text) in bad_text:
                reasons.append(NOT_A_NUMBER)
                numeric = True  # read into a number field
            if c.correction:
                reasons.append("corrected")
            if numeric and c.confidence < LOW_CONFIDENCE:
                reasons.append("low_confidence")
            cells.append({
                "form_id": form.form_id, "report_sha256": form.source.sha256, "page": c.page,
                "grid_no": c.grid, "row_no": c.row, "col_no": c.col, "text": c.text, "raw_text": c.raw,
                "confidence": Decimal(str(round(c.confidence, 4))),
                **{k: Decimal(str(v)) for k, v in zip(("x0", "y0", "x1", "y1"), c.box)},
                "correction": c.correction, "is_number": numeric,
                # a dash is no number: "—" read as 一 is not what a failed check rests on
                "unverified": id(c) in twice | strict | unsure_ids
                or (bool(rules) and (numeric or (bool(c.correction) and c.text != DASH)) and bool(reasons)),
                "reason": ";".join(reasons) or None,
            })
    dim_form = dim_form.hstack([  # eager: no query planned for five columns
        pl.Series("read_method", method, dtype=pl.String),
        pl.Series("ocr_engine", engine, dtype=pl.String),
        pl.Series("ocr_version", version, dtype=pl.String),
        pl.Series("status", status, dtype=pl.String),
        pl.Series("ocr_failed_rules", rules_col, dtype=pl.String),
    ])
    # a text form's empty frame cleared from one made once (a frame made from a schema costs ~0.1 ms)
    return dim_form, pl.DataFrame(cells, schema=OCR_CELL) if cells else _NO_CELLS.clear()
