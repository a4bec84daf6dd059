"""Cell grids → Form records.

Departments' templates differ, so nothing here relies on fixed rows or columns: sections and columns
are found by their printed labels, and a cell belongs to the column whose printed header sits above it
(by x position). The steps, in order:

1. `stitch_overflow`: a page holding only spilled right-hand columns is glued to the rows it belongs
   to (same y positions on an earlier page), as if the page had been wide enough.
2. `_rows`: all grids become one stream of rows; each row knows its pages and each cell its x range.
3. `_split`: a new form starts at the header block holding the label 项目编码.
4. `_FormReader`: walks one form's rows: header fields, funds table, goals, indicators, 总分.

Two cross-checks turn a misread into an `ExtractionFault` instead of a form with wrong numbers:
every value cell's printed text must lie inside the column it is read into (a cell shifted a column,
or two cells run together by a missed border, straddle or leave it), and every row of the funds and
indicator tables must be read into fields (a row the reader could not place is not skipped). Only
section titles are passed over. And every scored row (indicator, funds, 总分) must have both 分值 and
得分: every form prints both (不适用 rows print 0), so an empty one is a number lost, not a blank.
`tables.check_held` is the last: no printed text lost by the ruling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ExtractionFault, IncompleteForm, NoFormFound
from .model import FUND_SOURCES, TITLE, Form, FundRow, Funds, IndicatorRow, Source
from .pdf import PdfInfo
from .tables import Grid
from .text import flat, label, number, paragraph

ROW_TOLERANCE = 2.0  # points: rows of a spilled page sit exactly where the main page's rows sit

HEADER_FIELDS = {
    "项目编码": "project_code",
    "项目名称": "project_name",
    "绩效自评年度": "year",
    "自评年度": "year",
    "实施单位": "implementing_unit",
    "一级预算单位": "budget_unit",
    "预算单位": "budget_unit",
}
FUND_COLUMNS = {
    "年初预算数": "initial_budget",
    "全年预算数": "annual_budget",
    "全年执行数": "executed",
    "分值": "weight",
    "执行率": "execution_rate",
    "得分": "score",
}
INDICATOR_COLUMNS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "level3",
    "年度指标值": "target",
    "指标值": "target",
    "实际完成值": "actual",
    "分值": "weight",
    "得分": "score",
    "偏差原因": "deviation_note",
}
_FUND_NUMBERS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
GOAL_COLUMNS = {"预期目标": "goal_expected", "实际完成情况": "goal_actual"}
INDICATORS_TITLE = "年度绩效指标"
TOTAL_LABEL = "总分"
_LEVEL1 = re.compile(r"^(?P<name>.*?指标)[(（](?P<weight>\d+(?:\.\d+)?)分[)）]$")
_YEAR = re.compile(r"(19|20)\d{2}")


@dataclass(frozen=True)
class Cell:
    text: str
    x0: float
    x1: float
    span: tuple[float, float] | None = None  # where its text is printed (x range), from the text layer

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Row:
    pages: tuple[int, ...]
    cells: list[Cell]

    @property
    def page(self) -> int:
        return self.pages[0]

    def labels(self) -> list[str]:
        return [label(c.text) for c in self.cells if c.text.strip()]


@dataclass
class _Columns:
    """Printed header labels → field names with the x range each one governs."""

    starts: list[tuple[float, str]] = field(default_factory=list)

    @classmethod
    def from_row(cls, row: Row, names: dict[str, str]) -> "_Columns":
        starts: list[tuple[float, str]] = []
        for cell in row.cells:
            name = _match(label(cell.text), names)
            if name and (len(_matches(label(cell.text), names)) > 1
                         or any(ch.isdigit() for ch in label(cell.text))):
                raise _RunTogether(cell)
            if name and name not in {n for _, n in starts}:
                starts.append((cell.x0, name))
        starts.sort()
        return cls(starts)

    def assign(self, row: Row) -> dict[str, str]:
        """Field → text for the non-empty cells of `row`; cells left of the first header are `_left`."""
        out: dict[str, list[str]] = {}
        for cell in row.cells:
            if cell.text.strip():
                out.setdefault(self.column(cell)[0], []).append(cell.text)
        return {k: "\n".join(v) for k, v in out.items()}

    def column(self, cell: Cell) -> tuple[str, float, float]:
        """The field a cell is read into, and the x range that field's header governs."""
        name, lo, hi = "_left", float("-inf"), float("inf")
        for i, (x0, n) in enumerate(self.starts):
            if cell.center >= x0 - ROW_TOLERANCE:
                name, lo = n, x0
                hi = self.starts[i + 1][0] if i + 1 < len(self.starts) else float("inf")
        return name, lo, hi

    def misfit(self, row: Row, fields: tuple[str, ...]) -> tuple[Cell, str] | None:
        """A cell read into one of `fields` whose printed text is not inside that field's column."""
        for cell in row.cells:
            name, lo, hi = self.column(cell)
            if name in fields and cell.text.strip() and cell.span is not None:
                if cell.span[0] < lo - ROW_TOLERANCE or cell.span[1] > hi + ROW_TOLERANCE:
                    return cell, name
        return None


class _RunTogether(Exception):
    """A header cell holding two columns' labels, or a label and a number: a border not seen, or
    a value drawn into the header."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell


def _matches(text: str, names: dict[str, str]) -> set[str]:
    return {name for key, name in names.items() if key in text}


def _match(text: str, names: dict[str, str]) -> str | None:
    for key, name in names.items():
        if key in text:
            return name
    return None


# ----------------------------------------------------------------------------------------------
# 1. overflow pages


def stitch_overflow(grids: list[Grid]) -> list[tuple[Grid, tuple[int, ...]]]:
    """Glue each page of spilled right-hand columns onto the earlier grid whose rows it continues.

    Returns each remaining grid with the pages it was read from.
    """
    out: list[tuple[Grid, tuple[int, ...]]] = []
    form_start = 0  # spill pages belong to the form being printed: hosts are searched from its start
    for grid in grids:
        host_index = None
        if _starts_form(grid):
            form_start = len(out)
        else:
            for i in range(form_start, len(out)):
                host = out[i][0]
                if host.page < grid.page and _rows_align(host, grid):
                    host_index = i
                    break
        if host_index is None:
            out.append((grid, (grid.page,)))
            continue
        host, pages = out[host_index]
        out[host_index] = (_glue(host, grid), pages + (grid.page,))
    return out


def _starts_form(grid: Grid) -> bool:
    return any(label(c) == "项目编码" for row in grid.rows for c in row)


def _rows_align(host: Grid, spill: Grid) -> bool:
    if len(host.row_y) != len(spill.row_y) or len(spill.col_x) > len(host.col_x):
        return False  # spilled columns are the right-hand part of a table, never wider
    return all(
        abs(a[0] - b[0]) <= ROW_TOLERANCE and abs(a[1] - b[1]) <= ROW_TOLERANCE
        for a, b in zip(host.row_y, spill.row_y)
    )


def _glue(host: Grid, spill: Grid) -> Grid:
    shift = host.right - spill.left
    return Grid(
        page=host.page,
        rows=tuple(h + s for h, s in zip(host.rows, spill.rows)),
        row_y=host.row_y,
        col_x=host.col_x + tuple((a + shift, b + shift) for a, b in spill.col_x),
        spans=tuple(h + tuple(None if x is None else (x[0] + shift, x[1] + shift) for x in s)
                    for h, s in zip(host.spans, spill.spans)),
    )


# ----------------------------------------------------------------------------------------------
# 2.–3. rows and forms


def _rows(stitched: list[tuple[Grid, tuple[int, ...]]]) -> list[Row]:
    rows: list[Row] = []
    for grid, pages in stitched:
        for texts, spans in zip(grid.rows, grid.spans):
            cells = [Cell(t, x0, x1, sp) for t, (x0, x1), sp in zip(texts, grid.col_x, spans)]
            rows.append(Row(pages=pages, cells=cells))
    return rows


def _split(rows: list[Row]) -> list[list[Row]]:
    """Forms by their header blocks: a form starts at the first of the consecutive rows carrying
    header labels around its 项目编码 (templates order the header rows differently)."""
    starts: list[int] = []
    for i, row in enumerate(rows):
        if "项目编码" in row.labels():
            start = i
            while start > (starts[-1] + 1 if starts else 0) and _has_header_label(rows[start - 1]):
                start -= 1
            starts.append(start)
    return [rows[a:b] for a, b in zip(starts, starts[1:] + [len(rows)])]


def _has_header_label(row: Row) -> bool:
    return any(lab in HEADER_FIELDS for lab in row.labels())


def read_forms(info: PdfInfo, grids: list[Grid]) -> list[Form]:
    """All forms of one report, in printed order. Raises `NoFormFound` / `IncompleteForm`."""
    forms = [
        _FormReader(info, rows).read() for rows in _split(_rows(stitch_overflow(grids)))
    ]
    if not forms:
        raise NoFormFound(
            str(info.path),
            f"no {TITLE} found: no table with a 项目编码 label on any of its {info.pages} pages",
        )
    return forms


# ----------------------------------------------------------------------------------------------
# 4. one form


class _FormReader:
    def __init__(self, info: PdfInfo, rows: list[Row]) -> None:
        self.info = info
        self.rows = rows
        self.file = str(info.path)
        self.header: dict[str, str] = {}
        self.fund_rows: list[FundRow] = []
        self.funds_total: dict[str, str] = {}
        self.goals: dict[str, list[str]] = {"goal_expected": [], "goal_actual": []}
        self.indicators: list[IndicatorRow] = []
        self.total: dict[str, str] | None = None
        self.pages: set[int] = set()

    def fail(self, reason: str, page: int | None = None) -> IncompleteForm:
        return IncompleteForm(self.file, reason, page if page is not None else self.rows[0].page)

    def read(self) -> Form:
        section = "header"
        columns = _Columns()
        for row in self.rows:
            labels = row.labels()
            if not labels:
                continue
            if section != "done":
                self.pages.update(row.pages)
            if section == "header":
                self._read_header(row)
            if _is_header_row(labels, FUND_COLUMNS, 3) and section in ("header", "funds"):
                section, columns = "funds", self._columns(row, FUND_COLUMNS)
                continue
            if _is_header_row(labels, GOAL_COLUMNS, 2) and section in ("header", "funds", "goals"):
                section, columns = "goals", self._columns(row, GOAL_COLUMNS)
                continue
            if _is_header_row(labels, INDICATOR_COLUMNS, 4) and section != "done":
                section, columns = "indicators", self._columns(row, INDICATOR_COLUMNS)
                continue
            if section == "funds":
                if _is_title(row):
                    continue  # 项目目标完成情况, 年度总体目标, ...
                self._fits(row, columns, tuple(FUND_COLUMNS.values()))
                if not self._read_fund_row(row, columns):
                    raise self.unread(row, "is not one of the funding sources " + "/".join(FUND_SOURCES))
            elif section == "goals":
                if any(INDICATORS_TITLE in lab for lab in labels):
                    section = "between"
                    continue
                self._fits(row, columns, tuple(GOAL_COLUMNS.values()))
                for name, text in columns.assign(row).items():
                    if name in self.goals:
                        self.goals[name].append(text)
            elif section == "indicators":
                if labels == [INDICATORS_TITLE]:
                    continue  # the section title repeated at the top of a continuation page
                if TOTAL_LABEL in labels:
                    self._fits(row, columns, ("weight", "score"))
                    self.total = columns.assign(row)
                    self._one_line(row, self.total, ("weight", "score"))
                    self._scored(row, number(self.total.get("weight")), number(self.total.get("score")))
                    section = "done"
                else:
                    self._fits(row, columns, tuple(INDICATOR_COLUMNS.values()))
                    if not self._read_indicator_row(row, columns):
                        raise self.unread(row, "has no 指标值, 完成值, 分值 or 得分")
                    self._scored(row, self.indicators[-1].weight, self.indicators[-1].score)
        return self._build()

    # -- cross-checks: a misread is a fault, not a form with wrong numbers ---------------------------

    def _columns(self, row: Row, names: dict[str, str]) -> _Columns:
        try:
            return _Columns.from_row(row, names)
        except _RunTogether as err:
            text = label(err.cell.text)
            what = (f"the labels of {len(_matches(text, names))} columns" if len(_matches(text, names)) > 1
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

    def _fits(self, row: Row, columns: _Columns, fields: tuple[str, ...]) -> None:
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
        return f"form {flat(self.header.get('project_code')) or '(no 项目编码)'}"

    # -- sections -------------------------------------------------------------------------------

    def _read_header(self, row: Row) -> None:
        cells = [c for c in row.cells if c.text.strip()]
        for i, cell in enumerate(cells):
            name = HEADER_FIELDS.get(label(cell.text))
            if name is None or name in self.header:
                continue
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is not None and label(nxt.text) not in HEADER_FIELDS:
                self.header[name] = nxt.text

    def _read_fund_row(self, row: Row, columns: _Columns) -> bool:
        """Read one funding-source row; False when the row is not one."""
        values = columns.assign(row)
        source = None
        left = label(values.get("_left"))
        for name in FUND_SOURCES:
            if left.endswith(name):
                source = name
        if source is None:
            return False
        self._one_line(row, values, _FUND_NUMBERS)
        self.fund_rows.append(
            FundRow(
                source=source,
                initial_budget=number(values.get("initial_budget")),
                annual_budget=number(values.get("annual_budget")),
                executed=number(values.get("executed")),
                page=row.page,
            )
        )
        if source == FUND_SOURCES[0]:
            self.funds_total = values
            self._scored(row, number(values.get("weight")), number(values.get("score")))
            if number(values.get("execution_rate")) is None:
                raise ExtractionFault(
                    self.file, f"{self._which()}: the funds row {_texts(row)!r} has no 执行率; every "
                    "form prints it beside 分值 and 得分, so a number was lost in reading", row.page)
        return True

    def _read_indicator_row(self, row: Row, columns: _Columns) -> bool:
        """Read one indicator row; False when the row has none of an indicator's values."""
        values = columns.assign(row)
        if not any(values.get(k) for k in ("target", "actual", "weight", "score")):
            return False
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
            )
        )
        return True

    # -- assembly -------------------------------------------------------------------------------

    def _build(self) -> Form:
        h = self.header
        first_page = self.rows[0].page
        code = flat(h.get("project_code"))
        if not code:
            raise self.fail("the 项目编码 label has no value next to it")
        year_match = _YEAR.search(flat(h.get("year")) or "")
        if not year_match:
            raise self.fail(f"form {code}: no 绩效自评年度 (year) found in its header")
        sources = tuple(r.source for r in self.fund_rows)
        if sources != FUND_SOURCES:
            raise self.fail(
                f"form {code}: funds table incomplete (found {', '.join(sources) or 'no rows'}; "
                f"expected {', '.join(FUND_SOURCES)})"
            )
        if not self.indicators:
            raise self.fail(f"form {code}: no 年度绩效指标 rows found")
        if self.total is None:
            last = max(self.pages)
            raise self.fail(f"form {code}: the indicator table ends without its 总分 row", last)
        return Form(
            title=_title(self.info.page_texts[first_page - 1]),
            project_code=code,
            project_name=flat(h.get("project_name")),
            year=int(year_match.group(0)),
            implementing_unit=flat(h.get("implementing_unit")),
            budget_unit=flat(h.get("budget_unit")),
            funds=Funds(
                weight=number(self.funds_total.get("weight")),
                execution_rate=number(self.funds_total.get("execution_rate")),
                score=number(self.funds_total.get("score")),
                rows=tuple(self.fund_rows),
            ),
            goal_expected=paragraph("\n".join(self.goals["goal_expected"])),
            goal_actual=paragraph("\n".join(self.goals["goal_actual"])),
            indicators=tuple(self.indicators),
            total_weight=number(self.total.get("weight")),
            total_score=number(self.total.get("score")),
            source=Source(
                file=Path(self.file).name,
                sha256=self.info.sha256,
                first_page=first_page,
                last_page=max(self.pages),
            ),
        )


def _texts(row: Row) -> str:
    return " | ".join(flat(c.text) or "" for c in row.cells if c.text.strip())


def _is_header_row(labels: list[str], names: dict[str, str], needed: int) -> bool:
    return len({_match(lab, names) for lab in labels} - {None}) >= needed


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


def _title(page_text: str) -> str | None:
    for line in page_text.splitlines():
        line = "".join(line.split())
        if line.endswith("自评表"):
            return line
    return None
