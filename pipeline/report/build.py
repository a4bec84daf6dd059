"""The review report's data, read from the warehouse, and the site written from it."""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

from ..checks import RULES
from ..facts.rules import AMOUNT_COLUMNS
from ..extract import tables_of
from ..read.tables import kind
from .grid import draw
from .pictures import Picture, render
from .templates import environment, money, signed

# how the printed number of a rule is printed around it, where a bare number would be found elsewhere
AROUND = {"level1_sum": ("({}分)", "（{}分）", "({}分）", "（{}分)")}
MONEY = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}
PICTURES = "pictures.json"  # each finding's picture, by its digest: reused by the next report
PICTURES_VERSION = 1  # raise it when pictures.py draws differently: every picture is drawn again
SUMMARY = "review.md"  # the key figures as markdown, for the Dagster UI (`markdown`)

_FORMS = r"""
    WITH cut AS (SELECT form_id, report_sha256, string_agg(DISTINCT field, ', ' ORDER BY field) AS may_be_cut
                 FROM v_may_be_cut GROUP BY ALL)
    SELECT f.form_id, f.report_sha256, f.project_code, f.project_name, f.year, f.template,
           f.implementing_unit, f.budget_unit, regexp_replace(f.budget_unit, '\s+', '', 'g') AS unit,
           f.money_unit, f.status, f.read_method, f.first_page, f.last_page, f.source_place, f.funds_weight,
           f.execution_rate, f.funds_score, f.total_score, m.annual_budget, m.executed,
           r.file_name, r.source_path, r.file_path, k.may_be_cut,
           count(c.rule) AS checks, count(c.rule) FILTER (WHERE NOT c.passed) AS findings
    FROM dim_form f JOIN dim_report r USING (report_sha256)
    LEFT JOIN fact_fund_execution m
           ON m.form_id = f.form_id AND m.report_sha256 = f.report_sha256 AND m.role = 'total'
    LEFT JOIN check_result c ON c.form_id = f.form_id AND c.report_sha256 = f.report_sha256
    LEFT JOIN cut k ON k.form_id = f.form_id AND k.report_sha256 = f.report_sha256
    WHERE f.is_current
    GROUP BY ALL
    ORDER BY unit, f.year, f.project_code NULLS LAST, f.form_id
"""

_FINDINGS = """
    SELECT c.form_id, c.report_sha256, c.rule, c.subject, c.expected, c.observed
    FROM check_result c JOIN dim_form f USING (form_id, report_sha256)
    WHERE f.is_current AND NOT c.passed
    ORDER BY c.form_id, c.rule, c.subject
"""

_REFUSED = """
    SELECT file_name, file_path, error_kind, error, error_page, ingested_at
    FROM dim_report WHERE status = 'quarantined' ORDER BY file_name
"""


class NotAReport(OSError):
    """--out names a folder that holds something else: it is never replaced."""


@dataclass
class Finding:
    key: str  # the names of its page and picture
    digest: str  # of the report file, rule, subject, numbers and PICTURES_VERSION: its picture's key
    form: dict[str, Any]
    rule: str
    subject: str
    expected: Decimal | None
    observed: Decimal | None
    zh: str = ""
    en: str = ""
    unit: str = ""
    expected_is: str = ""
    observed_is: str = ""
    difference: Decimal | None = None
    picture: Picture | None = None
    picture_note: str = ""
    related: list[Decimal] = field(default_factory=list)


@dataclass(frozen=True)
class Built:
    index: Path
    forms: int
    findings: int
    pictures: int
    refused: int
    unverified: int


def build(con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    """Write the review report of the warehouse `con` into the folder `out` (made, or its report
    replaced): index.html, a page per finding under findings/, their pictures under img/. Written
    beside and renamed into place, so a reader never sees half a report. A picture that cannot be
    made (the kept copy gone) is said on the finding's page instead."""
    forms = _rows(con, _FORMS)
    by_form = {(f["form_id"], f["report_sha256"]): f for f in forms}
    refused = _rows(con, _REFUSED)
    findings = [_finding(con, by_form[(r["form_id"], r["report_sha256"])], r) for r in _rows(con, _FINDINGS)]
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / SUMMARY).is_file():
        raise NotAReport(f"{out}: not empty and not a review report; give an empty or new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        kept = _kept(out)
        for f in findings:
            _picture(f, work / "img", out / "img", kept.get(f.digest),
                     _ocr_cells(con, f.form) if f.form["read_method"] == "ocr" else None)
        (work / PICTURES).write_text(json.dumps(
            {f.digest: {"file": f"{f.key}.{f.picture.suffix}", **asdict(f.picture)} for f in findings
             if f.picture}),
            encoding="utf-8")
        units = _units(forms)
        env = environment()
        made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        common = {"made": made, "rules": RULES}
        (work / "findings").mkdir()
        for f in findings:
            (work / "findings" / f"{f.key}.html").write_text(
                env.get_template("finding").render(f=f, **common), encoding="utf-8")
        (work / "index.html").write_text(env.get_template("index").render(
            forms=forms, units=units, findings=findings, refused=refused, **common), encoding="utf-8")
        built = Built(out / "index.html", len(forms), len(findings),
                      sum(f.picture is not None for f in findings), len(refused),
                      sum(f["status"] == "ocr_unverified" for f in forms))
        (work / SUMMARY).write_text(_markdown(built, findings, refused), encoding="utf-8")
        _swap(work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return built


def markdown(out: Path) -> str:
    """The key figures of the review report in `out`, as markdown (for the Dagster UI, which does not
    open file links)."""
    try:
        return (Path(out) / SUMMARY).read_text(encoding="utf-8")
    except OSError:
        return "No review report yet."


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _finding(con: duckdb.DuckDBPyConnection, form: dict, row: dict) -> Finding:
    rule = RULES[row["rule"]]
    key = hashlib.sha256("|".join([row["form_id"], row["report_sha256"], row["rule"], row["subject"]])
                         .encode()).hexdigest()[:16]
    digest = hashlib.sha256("|".join(map(str, [PICTURES_VERSION, row["form_id"], row["report_sha256"], row["rule"],
                                               row["subject"], row["expected"], row["observed"]])).encode()).hexdigest()
    expected, observed = row["expected"], row["observed"]
    return Finding(
        key=f"{form['project_code'] or row['form_id']}-{row['rule']}-{key[:6]}", digest=digest, form=form,
        rule=row["rule"], subject=row["subject"], expected=expected, observed=observed,
        zh=rule.zh, en=rule.en.format(expected=money(expected), observed=money(observed)),
        unit=rule.unit, expected_is=rule.expected_is, observed_is=rule.observed_is,
        difference=observed - expected if expected is not None and observed is not None else None,
        related=_related(con, form, row))


def _printed(form: dict, finding: Finding) -> list[Decimal]:
    """The numbers the finding is about as the form prints them (amounts in its money unit)."""
    sides = RULES[finding.rule].printed
    values = [getattr(finding, side) for side in sides]
    factor = MONEY.get(form["money_unit"], Decimal(1)) if finding.unit == "元" else Decimal(1)
    return [v / factor for v in values if v is not None]


def _related(con: duckdb.DuckDBPyConnection, form: dict, row: dict) -> list[Decimal]:
    """The printed numbers the rule computes from, where few enough to outline: a fund total's
    sources, a rate's budget and executed amounts, a funds score's rate and weight."""
    keys = [row["form_id"], row["report_sha256"]]
    if row["rule"] == "fund_total":
        column = {label: c for c, label in AMOUNT_COLUMNS.items()}.get(row["subject"])
        if column is None:
            return []
        got = con.execute(f"SELECT {column}_printed FROM fact_fund_execution WHERE form_id = ? AND "
                          f"report_sha256 = ? AND role <> 'total'", keys).fetchall()
        return [v for (v,) in got if v]
    if row["rule"] == "execution_rate":
        source = row["subject"].removeprefix("执行率").strip()
        got = con.execute("SELECT annual_budget_printed, executed_printed FROM fact_fund_execution WHERE "
                          "form_id = ? AND report_sha256 = ? AND (role = 'total' AND ? = '' OR source = ?)",
                          keys + [source, source]).fetchall()
        return [v for r in got for v in r if v]
    if row["rule"] == "funds_score":
        return [v for v in (form["execution_rate"], form["funds_weight"]) if v is not None]
    return []


def _kept(out: Path) -> dict[str, dict]:
    """The pictures of the report in `out`, by finding: a picture depends only on the report file (its
    sha256), the finding and this code, so the next report takes them as they are."""
    try:
        return json.loads((out / PICTURES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _picture(f: Finding, folder: Path, old: Path, kept: dict | None, ocr: dict[int, list] | None) -> None:
    form = f.form
    source = Path(form["source_path"] or form["file_path"] or "")
    if not source.is_file():
        f.picture_note = (f"未找到源文件副本 the kept copy of the report is missing ({source}); "
                          f"`jixiao rebuild` needs it too")
        return
    pages = list(range(form["first_page"], form["last_page"] + 1))
    around = AROUND.get(f.rule, ("{}",))
    try:
        if kept and (old / kept["file"]).is_file():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(old / kept["file"], folder / kept["file"])
            f.picture = Picture(**{k: v for k, v in kept.items() if k != "file"})
        elif kind(source) == "pdf":
            f.picture = render(source, pages, _printed(form, f), f.related, folder / f"{f.key}.png",
                               ocr=ocr, forms=around, anchor=_anchor(f))
        else:  # a workbook, Word document or web page: its cells drawn as a grid
            f.picture = draw(tables_of(source), form["source_place"], form["first_page"], form["last_page"],
                             _printed(form, f), f.related, folder / f"{f.key}.svg", forms=around,
                             anchor=_anchor(f))
    except Exception as err:  # a damaged copy: said on the page, the rest of the report stands
        f.picture_note = f"页面无法渲染 the page could not be rendered: {err}"
        return
    if not RULES[f.rule].printed:
        f.picture_note = ("此规则比较的是计算值，显示整页 the rule compares computed numbers (a sum of "
                          "the printed ones): the whole page is shown")
    elif not f.picture.found:
        f.picture_note = ("印刷值未在页面文字中找到，显示整页 the printed number was not found in the "
                          "page's text; the whole page is shown")


def _ocr_cells(con: duckdb.DuckDBPyConnection, form: dict) -> dict[int, list]:
    """Per page, the text and box of each OCR'd cell of the form (its scanned pages)."""
    cells: dict[int, list] = {}
    for page, text, *box in con.execute(
            "SELECT page, text, x0, y0, x1, y1 FROM ocr_cell WHERE form_id = ? AND report_sha256 = ? "
            "AND x0 IS NOT NULL", [form["form_id"], form["report_sha256"]]).fetchall():
        cells.setdefault(page, []).append((text, tuple(float(v) for v in box)))
    return cells


def _anchor(f: Finding) -> str:
    """The start of an indicator row's label ("指标12 合同取得…" → "合同取得"), to find its row."""
    if f.subject.startswith("指标") and " " in f.subject:
        return f.subject.split(" ", 1)[1][:6]
    return ""


def _units(forms: list[dict]) -> list[dict]:
    """Per unit (whitespace removed) and year: forms, budget, executed, rate, mean score, findings,
    OCR-unverified forms. The amounts of OCR-unverified forms are left out of the sums (as in
    v_unit_year_summary), and counted."""
    groups: dict[tuple, dict] = {}
    for f in forms:
        g = groups.setdefault((f["unit"] or "", f["year"]), {
            "unit": f["unit"] or "", "year": f["year"], "forms": 0, "budget": Decimal(0),
            "executed": Decimal(0), "scores": [], "findings": 0, "unverified": 0})
        g["forms"] += 1
        g["findings"] += f["findings"]
        if f["status"] == "ocr_unverified":
            g["unverified"] += 1
            continue
        g["budget"] += f["annual_budget"] or 0
        g["executed"] += f["executed"] or 0
        if f["total_score"] is not None:
            g["scores"].append(f["total_score"])
    for g in groups.values():
        g["rate"] = _half_up(g["executed"] * 100 / g["budget"]) if g["budget"] else None
        g["score"] = _half_up(sum(g["scores"]) / len(g["scores"])) if g["scores"] else None
    return sorted(groups.values(), key=lambda g: (g["unit"], g["year"]))


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _markdown(built: Built, findings: list[Finding], refused: list[dict]) -> str:
    lines = [f"**{built.forms}** current forms · **{built.findings}** findings · "
             f"**{built.unverified}** OCR-unverified · **{built.refused}** refused files", "",
             f"Review report: `{built.index.resolve()}` (open it in a browser: File → Open)", ""]
    if findings:
        lines += ["| form | file | page | rule | subject | observed | expected | difference | unit |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for f in findings[:50]:
            page = (f.picture.place or f.picture.page) if f.picture else f.form["first_page"]
            lines.append(f"| {f.form['project_code'] or f.form['form_id']} {f.form['year']} | "
                         f"{_cell(f.form['file_name'])} | {page} | {f.rule} | {_cell(f.subject)} | "
                         f"{f.observed_is}: {money(f.observed)} | {f.expected_is}: {money(f.expected)} | "
                         f"{signed(f.difference)} | {f.unit} |")
    if refused:
        lines += ["", "| refused file | reason |", "|---|---|"]
        lines += [f"| {_cell(r['file_name'])} | {_cell(r['error'] or r['error_kind'] or '')} |" for r in refused]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return html.escape(str(text)).replace("|", "\\|").replace("\n", " ")


def _swap(work: Path, out: Path) -> None:
    """`work` becomes `out`: the old report moved aside, the new one renamed in, the old deleted."""
    old = out.with_name(f".{out.name}.old.{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(work, out)
    shutil.rmtree(old, ignore_errors=True)

