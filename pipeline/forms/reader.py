"""Cell grids → Form records.

Departments' templates differ, so nothing here relies on fixed rows or columns: sections and columns
are found by their printed labels, and a cell belongs to the column whose printed header sits above it
(by x position: `columns.py`). The steps, in order:

1. `rows.stitch_overflow`: a page holding only spilled right-hand columns is glued to the rows it
   belongs to (same y positions on an earlier page), as if the page had been wide enough.
2. `rows.rows_of`: all grids become one stream of rows; each row knows its pages and each cell its x
   range.
3. `rows.by_form`: a new form starts at the header block holding the label 项目编码 or 项目名称.
4. `_template_of`: the template (pipeline/forms/templates/*.toml, `template.py`) whose identifying
   labels the form prints; it holds every label, source, unit and rule below, none is coded here.
5. `_FormReader`: walks one form's rows: header fields, funds table, goals, indicators, 总分 (or
   合计), closing narrative rows.

Two cross-checks turn a misread into an `ExtractionFault` instead of a form with wrong numbers:
every value cell's printed text must lie inside the column it is read into (a cell shifted a column,
or two cells run together by a missed border, straddle or leave it), and every row of the funds and
indicator tables must be read into fields (a row the reader could not place is not skipped). Only
section titles are passed over. And every scored row (indicator, funds, 总分) must have both 分值 and
得分: every form prints both (不适用 rows print 0), so an empty one is a number lost, not a blank.
`read.grids.check_held` is the last: no printed text lost by the ruling.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from . import template as templates
from ..errors import ExtractionFault, IncompleteForm, NoFormFound, shown
from ..model import TITLE, Form, FundRow, Funds, IndicatorRow, Source
from ..read.pdf import PdfInfo
from ..read.grids import Grid
from .columns import NUMBERING, ROW_TOLERANCE, Columns, RunTogether, match_label, matches
from .rows import Row, by_form, rows_of, stitch_overflow
from .template import Template, TemplateError, header_label
from .text import flat, label, number, paragraph, percent


_FUND_NUMBERS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
_LEVEL1 = re.compile(r"^(?P<name>.*?指标)[(（](?P<weight>\d+(?:\.\d+)?)分[)）]$")
_SECTION = re.compile(r"^(?P<name>.*?)[(（](?P<weight>\d+(?:\.\d+)?)分[)）]$")
_YEAR = re.compile(r"(19|20)\d{2}")
_YEAR_LINE = re.compile(r"^[(（]((?:19|20)\d{2})年度?[)）]$")  # "（2022年度）" on a line of its own
_YEAR_IN_TITLE = re.compile(r"[(（]((?:19|20)\d{2})年度?[)）]")
_TITLE_LINE = re.compile(r"^(?:附件\d*[:：]?)?(?P<title>\S{0,30}?自评表)(?:[(（][^)）]*[)）])?$")
_UNIT = re.compile(r"[(（](亿元|万元|千元|元)[)）]")
_CODE_IN_NAME = re.compile(r"^(?P<code>[0-9A-Za-z]{6,})[-－—–](?P<name>.+)$")


def _printed_labels(rows: list[Row]) -> set[str]:
    """Every cell label of a form, each line of a cell's text also on its own (merged cells)."""
    out: set[str] = set()
    for row in rows:
        for cell in row.cells:
            if cell.text.strip():
                out.add(label(cell.text))
                out.add(header_label(label(cell.text)))
                out.update(label(line) for line in cell.text.splitlines())
    return out


def _template_of(info: PdfInfo, rows: list[Row]) -> Template:
    try:
        found = templates.choose(_printed_labels(rows))
    except TemplateError as err:
        raise ExtractionFault(str(info.path), str(err), rows[0].page) from None
    if found is None:
        known = "; ".join(f"{t.name}: {' + '.join(t.identify)}" for t in templates.templates())
        raise IncompleteForm(str(info.path), f"a form header is printed, but no template fits its labels "
                             f"(each template needs all of its labels: {known})", rows[0].page)
    return found


def read_forms(info: PdfInfo, grids: list[Grid], starting_on: range | None = None) -> list[Form]:
    """All forms of one report, in printed order, each read through the template its printed labels
    name (pipeline/forms/templates/). Raises `NoFormFound` / `IncompleteForm`.

    With `starting_on`, the grids are part of a report: only the forms whose first page is in that
    range are read (the others belong to the parts before and after), and finding none is no fault."""
    forms, starting = [], Counter()
    for rows in by_form(rows_of(stitch_overflow(grids))):
        nth = starting[rows[0].page]  # the forms starting on one page have its titles in turn
        starting[rows[0].page] += 1
        if starting_on is None or rows[0].page in starting_on:
            forms.append(_FormReader(info, rows, _template_of(info, rows), nth).read())
    if not forms and starting_on is None:
        raise no_form_found(str(info.path), info.pages)
    return forms


def no_form_found(file: str, pages: int) -> NoFormFound:
    return NoFormFound(
        file, f"no {TITLE} found: no table with a 项目编码 or 项目名称 label on any of its {pages} pages")


# ----------------------------------------------------------------------------------------------
# 4. one form


class _FormReader:
    def __init__(self, info: PdfInfo, rows: list[Row], template: Template, nth: int = 0) -> None:
        self.info = info
        self.nth = nth  # this form's place among the forms starting on its first page
        self.rows = rows
        self.t = template
        self.file = str(info.path)
        self.header: dict[str, str] = {}
        self.fund_rows: list[FundRow] = []
        self.funds_total: dict[str, str] = {}
        self.fund_note: list[str] = []
        self.money_unit: str | None = None
        self.goals: dict[str, list[str]] = {"goal_expected": [], "goal_actual": []}
        self.indicators: list[IndicatorRow] = []
        self.indicators_weight: str | None = None
        self.narrative: dict[str, list[str]] = {}
        self._narrative_open: tuple[str, float] | None = None  # field, x where its text starts
        self.total: dict[str, str] | None = None
        self.pages: set[int] = set()

    def fail(self, reason: str, page: int | None = None) -> IncompleteForm:
        return IncompleteForm(self.file, reason, page if page is not None else self.rows[0].page)

    def read(self) -> Form:
        t = self.t
        section = "header"
        columns = Columns()
        for row in self.rows:
            labels = row.labels()
            if not labels:
                continue
            if section != "done":
                self.pages.update(row.pages)
            if section == "header":
                self._read_header(row)
            if self._read_narrative(row):
                self.pages.update(row.pages)
                continue
            self._narrative_open = None
            if section == "done":
                continue
            heading = self._heading(labels, section)
            if heading == "funds":
                section, columns = "funds", self._columns(row, t.fund_columns)
                self._money_unit(labels)
                continue
            if heading == "goals":
                section, columns = "goals", self._columns(row, t.goal_columns)
                continue
            if heading == "indicators":
                section, columns = "indicators", self._columns(row, t.indicator_columns)
                self._section_weight(labels)
                continue
            names = {"funds": t.fund_columns, "goals": t.goal_columns,
                     "indicators": t.indicator_columns}.get(section)
            if names and _is_subheader(labels, names):
                columns = columns.merged(self._columns(row, names))  # a header printed on two rows
                continue
            if section == "funds":
                if _is_title(row):
                    continue  # 项目目标完成情况, 年度总体目标, ...
                self._fits(row, columns, tuple(t.fund_columns.values()))
                if not self._read_fund_row(row, columns):
                    names = "/".join(n for s in t.sources for n in s.names)
                    raise self.unread(row, "is not one of the funding sources " + names)
            elif section == "goals":
                if t.indicators_title and t.indicators_title in labels:
                    section = "between"
                    continue
                self._fits(row, columns, tuple(t.goal_columns.values()))
                for name, text in columns.assign(row).items():
                    if name in self.goals:
                        self.goals[name].append(text)
            elif section == "indicators":
                if t.indicators_title and labels == [t.indicators_title]:
                    continue  # the section title repeated at the top of a continuation page
                if any(lab in t.total_labels for lab in labels):
                    self._fits(row, columns, ("weight", "score"))
                    self.total = columns.assign(row)
                    self._one_line(row, self.total, ("weight", "score"))
                    self._scored(row, number(self.total.get("weight")), number(self.total.get("score")))
                    section = "done"
                else:
                    self._fits(row, columns, tuple(t.indicator_columns.values()))
                    read = self._read_indicator_row(row, columns)
                    if not read:
                        raise self.unread(row, "has no 指标值, 完成值, 分值 or 得分")
                    if read != "placeholder":
                        self._scored(row, self.indicators[-1].weight, self.indicators[-1].score)
        return self._build()

    def _heading(self, labels: list[str], section: str) -> str | None:
        """The table whose column labels this row prints (funds, goals, indicators), or None. Tables
        share labels (得分, 权重 …): the one with the most of its labels printed wins."""
        t = self.t
        tables = {"funds": (t.fund_columns, t.fund_columns_needed, ("header", "goals", "funds")),
                  "goals": (t.goal_columns, t.goal_columns_needed, ("header", "funds", "goals")),
                  "indicators": (t.indicator_columns, t.indicator_columns_needed, None)}
        best, most = None, 0
        for name, (columns, needed, after) in tables.items():
            found = _header_fields(labels, columns)
            if found >= needed and found > most and (after is None or section in after):
                best, most = name, found
        return best

    # -- cross-checks: a misread is a fault, not a form with wrong numbers ---------------------------

    def _columns(self, row: Row, names: dict[str, str]) -> Columns:
        try:
            return Columns.from_row(row, names)
        except RunTogether as err:
            text = label(err.cell.text)
            what = (f"the labels of {len(matches(text, names))} columns" if len(matches(text, names)) > 1
                    else "a column label and a number")
            raise ExtractionFault(
                self.file, f"{self._which()}: header cell {flat(err.cell.text)!r} holds {what} (two "
                "cells run together: a border not seen, or a value drawn out of its cell)", row.page) from None

    def _one_line(self, row: Row, values: dict[str, str], fields: tuple[str, ...]) -> None:
        """A printed number is one line: a number cell holding two is two cells run together (a
        border not seen), "10" over "0" read as 分值 "100"."""
        for name in fields:
            lines = [ln for ln in (values.get(name) or "").splitlines() if ln.strip()]
            if len(lines) > 1:
                raise ExtractionFault(
                    self.file, f"{self._which()}: row {_texts(row)!r}: the {name} cell holds "
                    f"{len(lines)} lines {lines!r}; a number is printed on one (two cells run "
                    "together: a border not seen)", row.page)

    def _fits(self, row: Row, columns: Columns, fields: tuple[str, ...]) -> None:
        misfit = columns.misfit(row, fields)
        if misfit:
            cell, name = misfit
            raise ExtractionFault(
                self.file, f"{self._which()}: cell {flat(cell.text)!r} is read as {name} but printed "
                f"at x {cell.span[0]:.0f}–{cell.span[1]:.0f}, outside that column "
                "(a cell shifted a column, or two cells run together)", row.page)

    def _scored(self, row: Row, weight: str | None, score: str | None) -> None:
        """Every scored row prints 分值 and 得分; an empty one is a digit the reader lost."""
        missing = [name for name, value in (("分值", weight), ("得分", score)) if value is None]
        if missing:
            raise ExtractionFault(
                self.file, f"{self._which()}: row {_texts(row)!r} has no {' or '.join(missing)}; "
                "every scored row prints both (不适用 rows a 0), so a number was lost in reading",
                row.page)

    def unread(self, row: Row, why: str) -> ExtractionFault:
        return ExtractionFault(self.file, f"{self._which()}: row {_texts(row)!r} {why}; it would be "
                               "lost (a row split or shifted by a misread)", row.page)

    def _which(self) -> str:
        code = flat(self.header.get("project_code"))
        if code:
            return f"form {code}"
        name = flat(self.header.get("project_name"))
        return f"form {name!r} (no 项目编码)" if name else "form (no 项目编码)"

    # -- sections -------------------------------------------------------------------------------

    def _read_header(self, row: Row) -> None:
        fields = self.t.header
        cells = [c for c in row.cells if c.text.strip()]
        for i, cell in enumerate(cells):
            name = fields.get(header_label(label(cell.text)))
            if name is None or name in self.header:
                continue
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is not None and header_label(label(nxt.text)) not in fields:
                self.header[name] = nxt.text

    def _read_narrative(self, row: Row) -> bool:
        """A closing text row of the template (评价结论 …, or "项目负责人：…" cells); False when the
        row is none. Every cell of such a row is a label or the text of the label before it."""
        keys = self.t.narrative
        cells = [c for c in row.cells if c.text.strip()]
        if not keys or not cells:
            return False
        if _narrative_label(cells[0].text, keys, first=True) is None:
            # the text of the row above run on (a page break inside it): every cell in its column
            if self._narrative_open and all(c.x0 >= self._narrative_open[1] - ROW_TOLERANCE for c in cells):
                self.narrative[self._narrative_open[0]].extend(c.text for c in cells)
                return True
            return False
        current = None
        for i, cell in enumerate(cells):
            found = _narrative_label(cell.text, keys, first=i == 0)
            if found:
                current, rest = found
                self.narrative.setdefault(current, [])
                if rest:
                    self.narrative[current].append(rest)
                self._narrative_open = (current, cell.x1 if not rest else cell.x0)
            else:
                self.narrative[current].append(cell.text)
                self._narrative_open = (current, min(self._narrative_open[1], cell.x0))
        return True

    def _money_unit(self, labels: list[str]) -> None:
        for lab in labels:
            m = _UNIT.search(lab)
            if m and self.money_unit is None:
                self.money_unit = m.group(1)

    def _section_weight(self, labels: list[str]) -> None:
        """The "（90分）" of the indicators' section label, where the template prints weights there."""
        if self.t.weights != "section" or self.indicators_weight is not None:
            return
        for lab in labels:
            m = _SECTION.match(lab)
            if m and m.group("name") == self.t.section_label:
                self.indicators_weight = m.group("weight")

    def _read_fund_row(self, row: Row, columns: Columns) -> bool:
        """Read one funding-source row; False when the row is not one."""
        values = columns.assign(row)
        left = label(values.get("_left"))
        self._money_unit([label(line) for line in (values.get("_left") or "").splitlines()] + [left])
        printed, source = None, None
        for s in self.t.sources:
            for name in s.names:
                if any(side.endswith(name) for side in (left, header_label(left))) and (
                        printed is None or len(name) > len(printed)):
                    printed, source = name, s
        if source is None:
            return False
        self._one_line(row, values, _FUND_NUMBERS)
        if values.get("note"):
            self.fund_note.append(values["note"])
        self.fund_rows.append(
            FundRow(
                source=printed,
                initial_budget=number(values.get("initial_budget")),
                annual_budget=number(values.get("annual_budget")),
                executed=number(values.get("executed")),
                page=row.page,
                execution_rate=percent(values.get("execution_rate")) if self.t.row_rates else None,
                role=source.role,
            )
        )
        if source.role == "total":
            self.funds_total = values
            self._scored(row, number(values.get("weight")), number(values.get("score")))
            if not (values.get("execution_rate") or "").strip():
                raise ExtractionFault(
                    self.file, f"{self._which()}: the funds row {_texts(row)!r} has no 执行率; every "
                    "form prints it beside 分值 and 得分, so a number was lost in reading", row.page)
        return True

    def _read_indicator_row(self, row: Row, columns: Columns) -> bool | str:
        """Read one indicator row; False when the row has none of an indicator's values, "placeholder"
        for a row printing only its 一级/二级 labels where the template allows such rows."""
        values = columns.assign(row)
        placeholder = False
        if not any(values.get(k) for k in ("target", "actual", "weight", "score", "nature", "unit")):
            placeholder = (self.t.placeholder_rows and not values.get("level3")
                           and not values.get("deviation_note") and not values.get("_left")
                           and bool(values.get("level1") or values.get("level2")))
            if not placeholder:
                return False
        if not placeholder:
            self._one_line(row, values, ("weight", "score"))
        level1_text = flat(values.get("level1"))
        previous = self.indicators[-1] if self.indicators else None
        if level1_text:
            level1, level1_weight = _split_level1(level1_text)
        elif previous:
            level1, level1_weight = previous.level1, previous.level1_weight
        else:
            level1, level1_weight = None, None
        level2 = flat(values.get("level2")) or (previous.level2 if previous and not level1_text else None)
        self.indicators.append(
            IndicatorRow(
                level1=level1,
                level1_weight=level1_weight,
                level2=level2,
                level3=flat(values.get("level3")),
                target=flat(values.get("target")),
                actual=flat(values.get("actual")),
                weight=number(values.get("weight")),
                score=number(values.get("score")),
                deviation_note=flat(values.get("deviation_note")),
                page=row.page,
                nature=flat(values.get("nature")),
                unit=flat(values.get("unit")),
            )
        )
        return "placeholder" if placeholder else True

    # -- assembly -------------------------------------------------------------------------------

    def _code_and_name(self) -> tuple[str | None, str | None]:
        h = self.header
        name = flat(h.get("project_name"))
        if self.t.project_code == "header":
            code = flat(h.get("project_code"))
            if not code:
                raise self.fail("the 项目编码 label has no value next to it")
            return code, name
        if self.t.project_code == "name" and name:
            m = _CODE_IN_NAME.match(name)
            if m:
                return m.group("code"), m.group("name")
        return None, name

    def _year(self, first_page: int) -> int:
        """The year of the header cell, or where the template (or a form lacking that cell) prints it
        only by its title, the title's "（2022年度）"."""
        text = flat(self.header.get("year")) if self.t.year == "header" else None
        if text is None:
            text = _title_year(self.info.page_texts[first_page - 1], self.nth)
        year_match = _YEAR.search(text or "")
        if not year_match:
            where = "绩效自评年度 (year) in its header" if self.t.year == "header" else \
                "year printed by its title, as （2022年度）"
            raise self.fail(f"{self._which()}: no {where} found")
        return int(year_match.group(0))

    def _build(self) -> Form:
        t = self.t
        first_page = self.rows[0].page
        code, name = self._code_and_name()
        year = self._year(first_page)
        which = self._which()
        roles = [r.role for r in self.fund_rows]
        expected = [s.role for s in t.sources]
        if sorted(roles, key=expected.index) != expected:
            found = ", ".join(r.source for r in self.fund_rows) or "no rows"
            raise self.fail(
                f"{which}: funds table incomplete (found {found}; expected "
                f"{', '.join(s.name for s in t.sources)})"
            )
        if not self.indicators:
            raise self.fail(f"{which}: no 绩效指标 rows found")
        if self.total is None:
            last = max(self.pages)
            raise self.fail(f"{which}: the indicator table ends without its "
                            f"{'/'.join(t.total_labels)} row", last)
        if t.weights == "section" and self.indicators_weight is None:
            raise self.fail(f"{which}: the {t.section_label} section prints no weight (\"（90分）\")")
        narrative = {
            key: (paragraph("\n".join(self.narrative[key])) if key in self.narrative else None)
            for key in t.narrative.values()
        }
        return Form(
            title=_title(self.info.page_texts[first_page - 1], self.nth),
            project_code=code,
            project_name=name,
            year=year,
            implementing_unit=flat(self.header.get("implementing_unit")),
            budget_unit=flat(self.header.get("budget_unit")),
            funds=Funds(
                weight=number(self.funds_total.get("weight")),
                execution_rate=percent(self.funds_total.get("execution_rate")),
                score=number(self.funds_total.get("score")),
                rows=tuple(self.fund_rows),
                note=flat("\n".join(self.fund_note)),
            ),
            goal_expected=paragraph("\n".join(self.goals["goal_expected"])),
            goal_actual=paragraph("\n".join(self.goals["goal_actual"])),
            indicators=tuple(self.indicators),
            total_weight=number(self.total.get("weight")),
            total_score=number(self.total.get("score")),
            source=Source(
                file=shown(Path(self.file).name),  # printed as JSON, stored: no surrogates
                sha256=self.info.sha256,
                first_page=first_page,
                last_page=max(self.pages),
            ),
            template=t.name,
            money_unit=self.money_unit or t.money_unit,
            indicators_weight=self.indicators_weight,
            narrative=narrative,
            optional=t.optional_keys,
        )


def _texts(row: Row) -> str:
    return " | ".join(flat(c.text) or "" for c in row.cells if c.text.strip())


def _is_subheader(labels: list[str], names: dict[str, str]) -> bool:
    """A second header row: two or more cells, every one exactly a column label of the table."""
    return len(labels) >= 2 and all(match_label(lab, names, exact=True) for lab in labels)


def _header_fields(labels: list[str], names: dict[str, str]) -> int:
    """How many distinct fields of a table the row's labels name."""
    return len({match_label(lab, names) for lab in labels} - {None})


def _is_title(row: Row) -> bool:
    """A title between the funds and goals tables (项目目标完成情况, 年度总体目标, ...): one cell, no
    digits. A funding-source row that lost its numbers looks alike, but then the funds table is
    incomplete, which `_build` refuses."""
    texts = [c.text for c in row.cells if c.text.strip()]
    return len(texts) == 1 and not any(ch.isdigit() for ch in texts[0])


def _split_level1(text: str) -> tuple[str, str | None]:
    m = _LEVEL1.match(text.replace(" ", ""))
    if m:
        return m.group("name"), m.group("weight")
    return text, None


def _nth(found: list[str], nth: int) -> str | None:
    """The nth of a page's titles (forms printed one after another on it), else its first."""
    return found[nth] if nth < len(found) else (found[0] if found else None)


def _title(page_text: str, nth: int = 0) -> str | None:
    """The title line ("项目支出绩效自评表", "部门预算项目支出绩效自评表（2023年度）" → without the year)."""
    lines = ["".join(line.split()) for line in page_text.splitlines()]
    return _nth([m.group("title") for m in map(_TITLE_LINE.match, lines) if m], nth)


def _title_year(page_text: str, nth: int = 0) -> str | None:
    """The year printed by the title: on the title line, else a line "（2022年度）" of its own."""
    lines = ["".join(line.split()) for line in page_text.splitlines()]
    in_title = [_YEAR_IN_TITLE.search(line).group(1) for line in lines
                if _TITLE_LINE.match(line) and _YEAR_IN_TITLE.search(line)]
    alone = [m.group(1) for m in map(_YEAR_LINE.match, lines) if m]
    return _nth(in_title, nth) or _nth(alone, nth)


def _narrative_label(text: str, keys: dict[str, str], first: bool) -> tuple[str, str] | None:
    """(field, text after the label) when a cell starts with a narrative label: "评价结论", or
    "项目负责人：邱春梅". A later cell of the row counts as a label only when it is one exactly or
    prints "：" after it (a value may start with the words of a label)."""
    joined = NUMBERING.sub("", flat(text) or "")
    for key, name in keys.items():
        if joined.startswith(key):
            rest = joined[len(key):]
            if not first and rest and rest[0] not in ":：":
                continue
            return name, rest.lstrip(":： ")
    return None
