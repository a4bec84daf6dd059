"""Cell grids → Form records.

Departments' templates differ, so nothing here relies on fixed rows or columns: sections and columns
are found by their printed labels, and a cell belongs to the column whose printed header sits above it
(by x position: `columns.py`). The steps, in order:

1. `rows.stitch_overflow`: a page holding only spilled right-hand columns is glued to the rows it
   belongs to (same y positions on an earlier page), as if the page had been wide enough.
2. `rows.rows_of`: all grids become one stream of rows; each row knows its pages and each cell its x
   range.
3. `rows.by_form`: a new form starts at the header block holding the label 项目编码 or 项目名称.
4. `not_a_form`: a table with a form's anchor labels that is another kind (a summary of projects, a
   targets table, a 部门整体 table) is passed over and listed, never read or refused.
5. `_template_of`: the variant (pipeline/forms/templates/*.toml, `template.py`) whose identifying
   labels the form prints, over the one vocabulary of the form (vocabulary.toml): every label, source,
   unit and rule below comes from them, none is coded here. No variant fits: refused, naming the
   labels the vocabulary does not know (`unknown_labels`).
6. `_FormReader`: walks one form's rows: header fields and checkboxes, funds table, goals, indicators
   (placeholder rows kept), 总分 (or 合计) and a grade after it, closing rows; then what is printed
   outside the ruled table (部门, 填报日期, 总分, signatures) and the title's year.

Two cross-checks turn a misread into an `ExtractionFault` instead of a form with wrong numbers:
every value cell's printed text must lie inside the column it is read into (a cell shifted a column,
or two cells run together by a missed border, straddle or leave it), and every row of the funds and
indicator tables must be read into fields (a row the reader could not place is not skipped). Only
section titles are passed over. Every field of a row is read from one cell (a column whose header
was not recognised falls into the one on its left, its text glued on: `_one_cell`). And every scored
row (indicator, funds, 总分) must have both 分值 and 得分: every form prints both (不适用 rows print 0),
so an empty one is a number lost, not a blank.
`read.held.check_held` is the last: no printed text lost by the ruling.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from ..errors import ExtractionFault, IncompleteForm, ReportError, shown
from ..model import Form, FundRow, Funds, IndicatorRow, Source
from ..read.pdf import PdfInfo
from ..read.glyphs import NUMBER
from ..read.grids import TABLE_CUT, Grid
from .columns import (LEVEL1, NUMBERING, ROW_TOLERANCE, Columns, RunTogether, is_subheader,  # noqa: F401
                      match_label, matches, narrative_label, split_level1)
from .rows import Cell, Row, forms_of, is_title, rows_of, stitch_overflow, texts
from .template import Template, header_label
from .text import WEIGHT, flat, label, number, paragraph, percent, set_on
from .vocabulary import vocabulary
from .identify import WEIGHT_NOTE, header_fields, no_form_found, not_a_form, template_of, titled_not_a_form, titles_of, unanchored, unknown_labels  # noqa: F401
from .outside import checkbox, lines_of, nth_of, only_outside, outside, title, title_year  # noqa: F401


_FUND_NUMBERS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score")
_SECTION = re.compile(rf"^(?P<name>.*?){WEIGHT}$")
_YEAR = re.compile(r"(19|20)\d{2}")
_VALUE_FIELDS = ("target", "actual", "weight", "score", "nature", "unit")
_UNIT = re.compile(r"[(（](亿元|万元|千元|元)[)）]")
_CODE_IN_NAME = re.compile(r"^(?P<code>[0-9A-Za-z]{6,})[-－—–](?P<name>.+)$")


def read_forms(info: PdfInfo, grids: list[Grid], starting_on: range | None = None,
               skipped: list[tuple[int, str]] | None = None, rows_by_form: list[list[Row]] | None = None
               ) -> list[Form]:
    """All forms of one report, in printed order, each read through the variant its printed labels
    name (pipeline/forms/templates/, over pipeline/forms/vocabulary.toml). Raises `NoFormFound` /
    `IncompleteForm`.

    A table that carries a form's labels but is not a self-evaluation form (a summary of projects, a
    targets table, a 部门整体 table) costs no form: it is passed over, and (page, why) appended to
    `skipped` where given.

    With `starting_on`, the grids are part of a report: only the forms whose first page is in that
    range are read (the others belong to the parts before and after), and finding none is no fault.
    `rows_by_form`: `rows.forms_of(grids)`, where the caller has it already."""
    forms, starting = [], Counter()
    for rows in forms_of(grids) if rows_by_form is None else rows_by_form:
        nth = starting[rows[0].page]  # the forms starting on one page have its titles in turn
        starting[rows[0].page] += 1
        if starting_on is None or rows[0].page in starting_on:
            cut = next((c.cut for row in rows for c in row.cells if c.cut.startswith(TABLE_CUT)), None)
            if cut:  # what the table lacks past the page's edge is the reason, not what it then seems
                raise ExtractionFault(str(info.path), cut, rows[0].page)
            why = not_a_form(info, rows, nth)
            if why:
                if skipped is not None:
                    skipped.append((rows[0].page, why))
                continue
            try:
                forms.append(_FormReader(info, rows, template_of(info, rows), nth).read())
            except ReportError as err:
                raise naming_unknown(err, rows) from None
    if skipped is not None:  # a titled table with none of a form's anchors (a 部门整体 table): said too
        held = {p for f in forms for p in range(f.source.first_page, f.source.last_page + 1)}
        said = {page for page, _ in skipped}
        for page in sorted({g.page for g in grids} - held - said):
            if starting_on is None or page in starting_on:
                why = titled_not_a_form(info.page_texts[page - 1]) or _unanchored(info, grids, page)
                if why:
                    skipped.append((page, why))
        skipped.sort()
    if not forms and starting_on is None:
        raise no_form_found(str(info.path), info.pages, skipped)
    return forms


def _unanchored(info: PdfInfo, grids: list[Grid], page: int) -> str | None:
    """Why a page titled as a self-evaluation form ("…项目支出绩效自评表") read no form: its table prints
    no 项目编码 or 项目名称 label, and the labels the vocabulary does not know (项目全称 …), the fix."""
    if not any("自评表" in t for t in titles_of(info.page_texts[page - 1])):
        return None
    rows = [r for r in rows_of(stitch_overflow([g for g in grids if g.page == page])) if r.page == page]
    return unanchored(info.page_texts[page - 1], unknown_labels(rows) if rows else None)


# ----------------------------------------------------------------------------------------------
# 4. one form


def naming_unknown(err: ReportError, rows: list[Row]) -> ReportError:
    """`err` saying the labels the form prints that the vocabulary does not know, where it does not
    yet: whatever the reader stumbled on (a row it cannot place, a cell holding two numbers), an
    unknown label is the likeliest cause, and adding it to the vocabulary the fix."""
    unknown = unknown_labels(rows)
    if not unknown or UNKNOWN in err.reason:
        return err
    return type(err)(err.file, f"{err.reason}; {UNKNOWN}: {', '.join(unknown)}", err.page)


UNKNOWN = "labels not in the vocabulary"


def _parted(row: Row, template: Template) -> Row:
    """The row with each label set on across its cell's border into an empty neighbour parted
    there: a label of the vocabulary filling its cell, the next cell's text printed from the border
    on with no gap, is one run of text (`read.grids` keeps text set on across a border whole, as a
    cell's text overflowing into an empty neighbour is printed). Where the longest known label the
    text starts with ends at the border, the rest is the next cell's ("项目实施单位" | "深圳市…",
    "服务对象满意度指标" | "辅助性人员的满意情况"); any other text runs on as printed."""
    cells = row.cells
    out = None
    for i, cell in enumerate(cells[:-1]):
        if cell.span is None or cell.border is None or cell.span[1] <= cell.border or not cell.text:
            continue
        j = next((j for j in range(i + 1, len(cells)) if cells[j].x0 >= cell.border - _SAME), None)
        if j is None or cells[j].text.strip() or any(c.text.strip() for c in cells[i + 1:j]):
            continue
        text = cell.text.strip()
        # the longest only: a label starting a longer one ends inside it ("主管部门及代码" run on
        # past a border drawn after 主管部门 is that label, not 主管部门 and the value "及代码")
        known = next((k for k in _labels(template) if text.startswith(k)), None)
        # a note in brackets after a label is the label's ("数量指标（20分）" run on past its border)
        spans = known and not _LEADING_NOTE.match(text[len(known):].lstrip()) and \
            set_on(cell.span, cell.border, known, text[len(known):])
        if spans:
            out = out or list(cells)
            out[i] = dataclasses.replace(cell, text=known, span=spans[0])
            out[j] = dataclasses.replace(cells[j], text=text[len(known):], span=spans[1])
    return row if out is None else dataclasses.replace(row, cells=out)


_SAME = 0.5  # pt: a column starting this close to a border starts at it
HEADER_FIELDS = ("budget_unit", "implementing_unit")  # printed in the header by every variant
_LEADING_NOTE = re.compile(r"^[(（][^()（）]*[)）]")  # a note in brackets after a label: "实施单位（盖章）：…"


@lru_cache(maxsize=None)  # a template is loaded once
def _labels(template: Template) -> tuple[str, ...]:
    """Every label a form of the template may print in a cell of its own, longest first."""
    v = vocabulary()
    known = {*v.labels, *v.level2, *template.header, *template.fund_columns, *template.goal_columns,
             *template.indicator_columns}
    return tuple(sorted((k for k in known if len(k) > 1), key=lambda k: (-len(k), k)))


@lru_cache(maxsize=None)  # a template is loaded once
def _header_prefixes(template: Template) -> tuple[tuple[str, str], ...]:
    """The template's header labels and their fields, longest first (a label starting another is
    tried after it)."""
    return tuple(sorted(template.header.items(), key=lambda item: -len(item[0])))


def _bare_numbers(text: str | None) -> bool:
    """Two lines or more, each a number and nothing else."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return len(lines) > 1 and all(NUMBER.fullmatch(ln) for ln in lines)


class _FormReader:
    def __init__(self, info: PdfInfo, rows: list[Row], template: Template, nth: int = 0) -> None:
        self.info = info
        self.nth = nth  # this form's place among the forms starting on its first page
        self.t = template
        self.rows = [_parted(row, template) for row in rows]
        self.file = str(info.path)
        self.header: dict[str, str] = {}
        self.fund_rows: list[FundRow] = []
        self.funds_total: dict[str, str] = {}
        self.fund_note: list[str] = []
        self.money_unit: str | None = None
        self.goals: dict[str, list[str]] = {"goal_expected": [], "goal_actual": []}
        self.indicators: list[IndicatorRow] = []
        # per level: the label last printed, its page, and the first row carrying it (`_across_pages`)
        self._printed_level: dict[str, tuple[str, int, int]] = {}
        self.indicators_weight: str | None = None
        self._heading_row: Row | None = None  # the indicator table's header row (`_heading_goes_on`)
        self._table_columns: Columns | None = None  # its columns, where a block follows it (`read`)
        self._total_table: int | None = None  # the ruled table printing the 总分 row (`_goes_on`)
        self.narrative: dict[str, list[str]] = {}
        self._narrative_open: tuple[str, float] | None = None  # field, x where its text starts
        self.total: dict[str, str] | None = None
        self.grade: str | None = None
        self.checkboxes: dict[str, str | None] = {}
        self.funds_title_weight: str | None = None  # "预算执行情况（万元）（10分）": no 分值 column
        self.printed: dict[str, set[str]] = {}  # table → the fields its header prints
        self._header_rows: list[Row] = []  # the rows read as the header block (`_header_read`)
        self.pages: set[int] = set()
        # the program that printed the PDF clips a cell's text to its row (a spreadsheet program):
        # the free-text fields printed filling their cell may be cut (`_note_cut`)
        self.clips = vocabulary().clips(info.producer)
        self.cut: set[str] = set()  # the form's fields that may be cut
        self._flagged: set[int] = set()  # the cells (by id) read into a field flagged may_be_cut

    def fail(self, reason: str, page: int | None = None,
             kind: type[IncompleteForm] | type[ExtractionFault] = IncompleteForm) -> ReportError:
        """A form refused as incomplete (or `kind`), naming the labels it prints that the vocabulary
        does not know (a block under a label not known is a block not found)."""
        unknown = unknown_labels(self.rows)
        if unknown:
            reason += f"; {UNKNOWN}: {', '.join(unknown)}"
        return kind(self.file, reason, page if page is not None else self.rows[0].page)

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
            if section == "done" and not self._after_total(row):
                self._nothing_unknown_after(row)
                continue  # what follows the form's last row: another table, not this form's
            if section == "header":
                self._header_rows.append(row)
                self._read_header(row)
            if section in ("header", "funds", "goals") and self._read_checkboxes(row):
                continue  # checkbox rows, under the header or between its blocks
            if self._read_narrative(row):
                self.pages.update(row.pages)
                continue
            self._narrative_open = None
            heading = self._heading(labels, section)
            if section == "done" and heading not in ("funds", "goals"):
                continue
            if section == "indicators" and heading in ("funds", "goals"):
                self._table_columns = columns  # a block after the indicator table: its total may follow
            if heading == "funds":
                section, columns = "funds", self._columns(row, t.fund_columns)
                self._money_unit(labels)
                self._funds_weight(labels)
                self.printed[section] = columns.fields
                continue
            if heading == "goals":
                section, columns = "goals", self._columns(row, t.goal_columns)
                self.printed[section] = columns.fields
                continue
            if heading == "indicators":
                section, columns = "indicators", self._columns(row, t.indicator_columns)
                self._heading_row = row
                self.printed[section] = columns.fields
                self._section_weight(labels)
                continue
            names = {"funds": t.fund_columns, "goals": t.goal_columns,
                     "indicators": t.indicator_columns}.get(section)
            if names and is_subheader(labels, names):
                columns = columns.merged(self._columns(row, names))  # a header printed on two rows
                self.printed[section] = columns.fields
                continue
            if section in ("funds", "goals") and self._table_columns is not None and self.total is None \
                    and any(lab in t.total_labels for lab in labels):
                self._read_total(row, self._table_columns)  # the total after a block printed after the table
                section = "done"
                continue
            if section == "funds":
                if is_title(row) and not self._source_of(row.labels()[0])[1]:
                    continue  # 项目目标完成情况, 年度总体目标, ... (a source printing no amounts is read)
                self._fits(row, columns, tuple(t.fund_columns.values()))
                if not self._read_fund_row(row, columns):
                    names = "/".join(n for s in t.sources for n in s.names)
                    raise self.unread(row, "is not one of the funding sources " + names)
            elif section == "goals":
                if t.indicators_title and t.indicators_title in labels:
                    section = "between"
                    continue
                self._fits(row, columns, tuple(t.goal_columns.values()))
                self._one_cell(row, columns)
                for name, cells in columns.cells(row).items():
                    if name in self.goals:
                        self.goals[name].append("\n".join(c.text for c in cells))
                        self._note_cut(name, cells)
            elif section == "indicators":
                if t.indicators_title and labels == [t.indicators_title]:
                    continue  # the section title repeated at the top of a continuation page
                if any(lab in t.total_labels for lab in labels):
                    self._read_total(row, columns)
                    section = "done"
                else:
                    whole = self._heading_goes_on(row)
                    if whole is not None:
                        columns = whole
                        self.printed[section] = columns.fields
                        continue
                    self._fits(row, columns, tuple(t.indicator_columns.values()))
                    if self._row_goes_on(row, columns):
                        continue
                    read = self._read_indicator_row(row, columns)
                    if not read:
                        raise self.unread(row, "has no 指标值, 完成值, 分值 or 得分")
                    if read != "placeholder":
                        self._scored(row, "indicators", self.indicators[-1].weight, self.indicators[-1].score)
        self._cut_only_where_flagged()
        return self._build()

    def _read_total(self, row: Row, columns: Columns) -> None:
        """The 总分 (合计) row, in the indicator table's columns, and a grade after its score."""
        self._fits(row, columns, ("weight", "score"))
        self._total_table = row.table
        self.total = columns.assign(row)
        self._read_grade(row)
        self._one_line(row, self.total, ("weight", "score"))
        self._scored(row, "indicators", number(self.total.get("weight")), number(self.total.get("score")))

    def _cut_only_where_flagged(self) -> None:
        """A cell its border cuts (`Cell.cut`: the producer printed part of its text) is read as far
        as printed only into a free-text field, flagged `may_be_cut`; read into any other field (a
        number, a label, a target), or into none, the form is refused naming the cell."""
        for row in self.rows:
            cell = next((c for c in row.cells if c.cut and id(c) not in self._flagged), None)
            if cell is not None:
                raise IncompleteForm(self.file, cell.cut, row.page)

    def _after_total(self, row: Row) -> bool:
        """A row after the total that is still this form's: a closing row its variant prints there
        (评价结论 …, 项目负责人), or the text of one run on."""
        cells = [c for c in row.cells if c.text.strip()]
        found = cells and narrative_label(cells[0].text, self.t.narrative, first=True)
        if found and found[0] in self.t.prints:
            return True
        # a closing row its variant does not usually print (其他需要说明事项 on a national form), or a
        # block printed after the total (年度总体目标 last): in the total's own table, never another one
        # after it (a 部门整体 table, titled or continued on a page without its title)
        if (found or self._heading(row.labels(), "done") in ("funds", "goals")) and self._goes_on(row):
            self.pages.update(row.pages)
            return True
        return self._narrative_open is not None

    def _nothing_unknown_after(self, row: Row) -> None:
        """A row after the total, where it may still be the form's (`_goes_on`), that is not read and
        prints a label the vocabulary does not know (评价等级, a goals block under 计划目标): refused naming
        it, never passed over with its text lost. A table of its own after the form (a 决算 disclosure's
        next table, continued on a page without its title) is another table, passed over as before."""
        if self._goes_on(row) and unknown_labels([row]):
            raise self.fail(f"{self._which()}: row {texts(row)!r} follows the {'/'.join(self.t.total_labels)} "
                            "row and is no part of the form the vocabulary knows; it would be lost", row.page)

    def _goes_on(self, row: Row) -> bool:
        """`row`, after the total, is printed in the total's own ruled table."""
        return row.table == self._total_table

    def _heading(self, labels: list[str], section: str) -> str | None:
        """The table whose column labels this row prints (funds, goals, indicators), or None. Tables
        share labels (得分, 权重 …): the one with the most of its labels printed wins."""
        t = self.t
        tables = {"funds": (t.fund_columns, t.fund_columns_needed, ("header", "goals", "funds")),
                  "goals": (t.goal_columns, t.goal_columns_needed, ("header", "funds", "goals")),
                  "indicators": (t.indicator_columns, t.indicator_columns_needed, None)}
        # the funds or goals block printed after the indicator table: its labels exactly, never an
        # indicator row's texts that hold them ("实现预期目标")
        late = section in ("indicators", "done")
        best, most = None, 0
        for name, (columns, needed, after) in tables.items():
            found = len({match_label(lab, columns, exact=True) for lab in labels} - {None}) \
                if late and after is not None else header_fields(labels, columns)
            if found >= needed and found > most and (after is None or section in after or late):
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
        border not seen), "10" over "0" read as 分值 "100". A "%" alone on the last line is the
        number's own sign wrapped in a narrow cell ("91.88" over "%"), not a second number."""
        for name in fields:
            lines = [ln for ln in (values.get(name) or "").splitlines() if ln.strip()]
            if len(lines) > 1 and lines[-1].strip() in ("%", "％") and lines[-2].strip()[-1:].isdigit():
                lines.pop()
            if len(lines) > 1:
                raise ExtractionFault(
                    self.file, f"{self._which()}: row {texts(row)!r}: the {name} cell holds "
                    f"{len(lines)} lines {lines!r}; a number is printed on one (two cells run "
                    "together: a border not seen)", row.page)

    def _one_cell(self, row: Row, columns: Columns) -> None:
        """A field is printed in one cell: two cells read into one ("维修（护）办公电脑的数量" and
        "≥100人次" into 三级指标, "16" and "16" into 年度指标值) are a column whose header was not
        recognised (misread, or a label the vocabulary lacks) folded into the one on its left; refused,
        naming them and the header cells over them that took no column, never loaded glued. Only what
        is printed left of the table's first column label (`_left`: a block's title, a source's label)
        may take several cells."""
        for name, cells in columns.cells(row).items():
            if name != "_left" and len(cells) > 1:
                unlabelled = columns.unlabelled_over(cells[1:])
                why = (f"the header cell{'s' if len(unlabelled) > 1 else ''} {unlabelled!r} over them took "
                       "no column: a label misread, or one the vocabulary lacks" if unlabelled else
                       "no header label over them: a header cell read empty, or a border not seen")
                raise self.fail(
                    f"{self._which()}: row {texts(row)!r}: {len(cells)} cells "
                    f"{[flat(c.text) for c in cells]!r} are read into the {name} column; a field is "
                    f"printed in one ({why})", row.page, ExtractionFault)

    def _fits(self, row: Row, columns: Columns, fields: tuple[str, ...]) -> None:
        misfit = columns.misfit(row, fields)
        if misfit:
            cell, name = misfit
            raise ExtractionFault(
                self.file, f"{self._which()}: cell {flat(cell.text)!r} is read as {name} but printed "
                f"at x {cell.span[0]:.0f}–{cell.span[1]:.0f}, outside that column "
                "(a cell shifted a column, or two cells run together)", row.page)

    def _scored(self, row: Row, table: str, weight: str | None, score: str | None) -> None:
        """Every scored row prints 分值 and 得分 where its table has those columns (a variant without a
        分值 column prints none); an empty one is a digit the reader lost."""
        printed = self.printed.get(table, set())
        missing = [name for name, field, value in (("分值", "weight", weight), ("得分", "score", score))
                   if value is None and (field in printed or (table == "funds" and field == "weight"))]
        if missing:
            raise ExtractionFault(
                self.file, f"{self._which()}: row {texts(row)!r} has no {' or '.join(missing)}; "
                "every scored row prints both (不适用 rows a 0), so a number was lost in reading",
                row.page)

    def unread(self, row: Row, why: str) -> ExtractionFault:
        return ExtractionFault(self.file, f"{self._which()}: row {texts(row)!r} {why}; it would be "
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
        value_of = -1  # the cell read as the value of the label before it
        for i, cell in enumerate(cells):
            name = fields.get(header_label(label(cell.text)))
            if name is None:
                parted = None if i == value_of else self._label_and_value(row, cell)
                if parted is not None and parted[0] not in self.header:
                    self.header[parted[0]] = parted[1]
                continue
            if name in self.header:
                continue
            nxt = cells[i + 1] if i + 1 < len(cells) else None
            if nxt is not None and header_label(label(nxt.text)) not in fields:
                self.header[name] = nxt.text
                value_of = i + 1

    def _label_and_value(self, row: Row, cell: Cell) -> tuple[str, str] | None:
        """A header cell printing a label of the header and its value together, parted by a colon
        ("项目名称：…"; one set on across the cell's border is parted before, `_parted`). None for a
        cell that starts with no header label; a label run on otherwise is refused, since its field
        would load empty, unflagged. Labels of two characters ("年度") start many texts."""
        text = cell.text.strip()
        if label(text) in vocabulary().labels:
            return None
        for lab, name in _header_prefixes(self.t):
            if not text.startswith(lab):
                continue
            rest = text[len(lab):]
            value = _LEADING_NOTE.sub("", rest.lstrip(" \u3000")).lstrip(" \u3000")  # "（盖章）：…"
            if value[:1] in (":", "："):
                return (name, value[1:].strip()) if value[1:].strip() else None
            if value and len(lab) > 2:
                raise self.fail(f"the header cell {text!r} starts with the label {lab} and runs on: its"
                                " value is not parted from it by a colon or by the cell's border", row.page,
                                kind=ExtractionFault)
        return None

    def _read_narrative(self, row: Row) -> bool:
        """A closing text row of the template (评价结论 …, or "项目负责人：…" cells); False when the
        row is none. Every cell of such a row is a label or the text of the label before it."""
        keys = self.t.narrative
        cells = [c for c in row.cells if c.text.strip()]
        if not keys or not cells:
            return False
        if narrative_label(cells[0].text, keys, first=True) is None:
            labels = row.labels()
            if len(labels) >= 2 and any(match_label(lab, names, exact=True) for lab in labels
                                        for names in (self.t.indicator_columns, self.t.fund_columns)):
                return False  # a table's header (repeated atop a page) never continues a text
            # the text of the row above run on (a page break inside it): every cell in its column
            if self._narrative_open and all(c.x0 >= self._narrative_open[1] - ROW_TOLERANCE for c in cells):
                self.narrative[self._narrative_open[0]].extend(c.text for c in cells)
                self._note_cut(self._narrative_open[0], cells)
                return True
            return False
        current = None
        for i, cell in enumerate(cells):
            found = narrative_label(cell.text, keys, first=i == 0)
            if found:
                current, rest = found
                self.narrative.setdefault(current, [])
                if rest:
                    self.narrative[current].append(rest)
                    self._note_cut(current, [cell])
                self._narrative_open = (current, cell.x1 if not rest else cell.x0)
            else:
                self.narrative[current].append(cell.text)
                self._note_cut(current, [cell])
                self._narrative_open = (current, min(self._narrative_open[1], cell.x0))
        return True

    def _money_unit(self, labels: list[str]) -> None:
        for lab in labels:
            m = _UNIT.search(lab)
            if m and self.money_unit is None:
                self.money_unit = m.group(1)

    def _funds_weight(self, labels: list[str]) -> None:
        """The "（10分）" of the funds block's title ("预算执行情况（万元）（10分）"): its 分值 where the
        block prints no 分值 column."""
        for lab in labels:
            m = WEIGHT_NOTE.search(lab)
            if m and any(lab.startswith(title) for title in vocabulary().fund_titles):
                self.funds_title_weight = self.funds_title_weight or m.group(1)

    def _read_checkboxes(self, row: Row) -> bool:
        """A checkbox row of the header (项目类别 | 、部门预算项目☑、省直专项□ …): its label and the ticked
        option; False when the row is none. A question of the vocabulary whose options show no box
        (read from an image: the recogniser has no ☑, and reads □ as 口) is kept with no answer, so
        the answer is missed in plain sight (`facts.ocr_trust.unreadable_signs`), never dropped."""
        cells = [c for c in row.cells if c.text.strip()]
        found = False
        for cell, nxt in zip(cells, cells[1:]):
            answer = checkbox(nxt.text)
            question = header_label(label(cell.text))
            if answer is not None and checkbox(cell.text) is None:
                self.checkboxes[question] = answer[0]
                found = True
            elif answer is None and question in vocabulary().questions:
                self.checkboxes[question] = None
                found = True
        return found

    def _read_grade(self, row: Row) -> None:
        """A grade printed on the total row after its score ("总分 | 100 | 96 | 优")."""
        grades = vocabulary().grades
        for name, text in list((self.total or {}).items()):
            if name not in ("weight", "score") and flat(text) in grades:
                self.grade = flat(text)
                del self.total[name]

    def _section_weight(self, labels: list[str]) -> None:
        """The "（90分）" of the indicators' section label, where the template prints weights there."""
        if self.t.weights != "section" or self.indicators_weight is not None:
            return
        for lab in labels:
            m = _SECTION.match(lab)
            if m and m.group("name") == self.t.section_label:
                self.indicators_weight = m.group("weight")

    def _source_of(self, left: str):
        """(the name printed, the source) of a funds row's label, the longest name it ends with."""
        printed, source = None, None
        for s in self.t.sources:
            for name in s.names:
                if any(side.endswith(name) for side in (left, header_label(left))) and (
                        printed is None or len(name) > len(printed)):
                    printed, source = name, s
        return printed, source

    def _read_fund_row(self, row: Row, columns: Columns) -> bool:
        """Read one funding-source row; False when the row is not one."""
        values = columns.assign(row)
        left = label(values.get("_left"))
        self._money_unit([label(line) for line in (values.get("_left") or "").splitlines()] + [left])
        printed, source = self._source_of(left)
        if source is None:
            return False
        self._one_line(row, values, _FUND_NUMBERS)
        self._one_cell(row, columns)
        if values.get("note"):
            self.fund_note.append(values["note"])
            self._note_cut("funds.note", columns.cells(row)["note"])
        self.fund_rows.append(
            FundRow(
                source=printed,
                initial_budget=number(values.get("initial_budget")),
                annual_budget=number(values.get("annual_budget")),
                executed=number(values.get("executed")),
                page=row.page,
                execution_rate=percent(values.get("execution_rate")),  # kept where printed (`_row_rates`)
                role=source.role,
            )
        )
        if source.role == "total":
            if not values.get("weight") and "weight" not in self.printed.get("funds", set()):
                values = {**values, "weight": self.funds_title_weight}  # no 分值 column: the title's
            self.funds_total = values
            self._scored(row, "funds", number(values.get("weight")), number(values.get("score")))
            if not (values.get("execution_rate") or "").strip():
                raise ExtractionFault(
                    self.file, f"{self._which()}: the funds row {texts(row)!r} has no 执行率; every "
                    "form prints it beside 分值 and 得分, so a number was lost in reading", row.page)
        return True

    def _row_rates(self) -> None:
        """Each source row's own 执行率 where the variant prints one (四川), or where a part row prints a
        number there (a form printing every row's rate, as 四川 does): kept on every row. Elsewhere the
        total's rate is the block's (`funds.execution_rate`) and the parts print "—" or nothing."""
        if self.t.row_rates or any(r.role != "total" and NUMBER.fullmatch(r.execution_rate or "")
                                   for r in self.fund_rows):
            return
        self.fund_rows = [dataclasses.replace(r, execution_rate=None) for r in self.fund_rows]

    def _read_indicator_row(self, row: Row, columns: Columns) -> bool | str:
        """Read one indicator row; False when the row has none of an indicator's values, "placeholder"
        for a row printing only its 一级/二级 labels where the template allows such rows."""
        values = columns.assign(row)
        placeholder = False
        if not any(values.get(k) for k in _VALUE_FIELDS):
            level3 = flat(values.get("level3"))
            # the block's title in its merged left column is printed on whichever row its middle falls
            left = label(values.get("_left"))
            bare = not values.get("deviation_note") and (
                not left or left in vocabulary().indicator_titles or left == self.t.indicators_title)
            # "指标2", "……": a template row left empty, in any variant; a row of only its 一级/二级
            # labels where the variant allows it (else it is a row whose numbers were lost)
            placeholder = bare and (vocabulary().placeholder(level3) or (
                self.t.placeholder_rows and not level3 and bool(values.get("level1") or values.get("level2"))))
            if not placeholder:
                return False
        if not placeholder:
            self._one_line(row, values, ("weight", "score"))
            # a target or actual of bare numbers on two lines ("10" over "0"): two rows run together,
            # as for 分值; a value with a unit or words wraps as text does
            self._one_line(row, values, tuple(k for k in ("target", "actual") if _bare_numbers(values.get(k))))
        self._one_cell(row, columns)
        level1_text = self._across_pages("level1", row, flat(values.get("level1")))
        previous = self.indicators[-1] if self.indicators else None
        if level1_text:
            level1, level1_weight = split_level1(level1_text)
        elif previous:
            level1, level1_weight = previous.level1, previous.level1_weight
        else:
            level1, level1_weight = None, None
        # the 一级指标 printed again mid-block ("效益指标" at the top of a page) keeps its 二级指标
        same_block = previous is not None and (not level1_text or level1 == previous.level1)
        level2 = self._across_pages("level2", row, flat(values.get("level2"))) or (
            previous.level2 if same_block else None)
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
                placeholder=placeholder,
                may_be_cut=self._row_cut(columns.cells(row)),
            )
        )
        return "placeholder" if placeholder else True

    def _heading_goes_on(self, row: Row) -> Columns | None:
        """The indicator table's header row a page break cuts (Writer lets any row break): the first
        row of the next page, before any indicator row, each of whose texts completes the label above
        it in its column into a column label ("偏差原因分析及改进措" / "施", "年度指" / "标值"), is the
        rest of the header. The columns, read again from the whole labels; None for any other row."""
        head, names = self._heading_row, self.t.indicator_columns
        if head is None or self.indicators or row.page == head.page:
            return None
        rest = [c for c in row.cells if c.text.strip()]
        if not rest:
            return None
        cells = list(head.cells)
        for cell in rest:
            above = [k for k, h in enumerate(cells) if h.text.strip() and h.x0 - ROW_TOLERANCE <= cell.center
                     <= max(h.x1, (h.span or (0, 0))[1]) + ROW_TOLERANCE]
            if len(above) != 1 or match_label(label(cells[above[0]].text + cell.text), names, exact=True) is None:
                return None
            cells[above[0]] = dataclasses.replace(cells[above[0]], text=cells[above[0]].text + cell.text)
        return self._columns(Row(pages=head.pages, cells=cells), names)

    def _row_goes_on(self, row: Row, columns: Columns) -> bool:
        """An indicator row a page break cuts (Writer and Word let a table row break across pages):
        the first row of a page, printing no 分值 or 得分 and no placeholder, and no 一级/二级 label but
        the rest of one cut there (`_cut_label`), is the rest of the row above it: read on into it.
        Texts go on only into a scored row of the page before; a label's rest alone, under any row."""
        previous = self.indicators[-1] if self.indicators else None
        if previous is None or previous.page == row.page or any(r.page == row.page for r in self.indicators):
            return False
        values = columns.assign(row)
        if any(values.get(k) for k in ("weight", "score", "_left")) \
                or vocabulary().placeholder(flat(values.get("level3"))):
            return False
        labels = {k: flat(values.get(k)) for k in ("level1", "level2") if flat(values.get(k))}
        if not all(self._cut_label(k, row, text) for k, text in labels.items()):
            return False
        more = {k: flat(v) for k, v in values.items() if flat(v) and k not in labels}
        if not set(more) <= set(IndicatorRow.__dataclass_fields__) or not (more or labels):
            return False
        if more and (previous.placeholder or previous.score is None):
            return False
        if any((getattr(previous, k) or " ")[-1].isdigit() and v[0].isdigit() for k, v in more.items()):
            return False  # digits on both sides ("100" / "98"): two rows' values, never one number glued
        self._one_cell(row, columns)
        for k, text in labels.items():
            self._across_pages(k, row, text)
        went_on = self._row_cut(columns.cells(row))  # a field read on ends here: said by its last part
        voc = vocabulary()  # a text filling its cell is judged by its last part; a certain cut stays
        cut = tuple(k for k in voc.clipped_fields + voc.cut_fields if k in went_on
                    or (k in previous.may_be_cut and (k not in more or k in voc.cut_fields)))
        last = self.indicators[-1]  # as `_across_pages` left it (a label set right)
        self.indicators[-1] = dataclasses.replace(
            last, **{k: (getattr(last, k) or "") + v for k, v in more.items()}, may_be_cut=cut)
        return True

    def _cut_label(self, field: str, row: Row, text: str) -> bool:
        """`text`, printed at the top of a page, is the rest of the 一级/二级 label printed last before
        the break: neither part is a whole label alone, or one is not, and together they are one; and
        it is the page's first indicator row (a cut cell goes on at the top of the next page, not under
        rows of its own there)."""
        voc = vocabulary()
        last, whole = self._printed_level.get(field), voc.whole_level
        named = header_label(text.strip()) in (voc.level1 if field == "level1" else voc.level2)
        return bool(last and last[1] != row.page and not any(r.page == row.page for r in self.indicators)
                    and not named and not (whole(last[0]) and whole(text)) and whole(last[0] + text))

    def _across_pages(self, field: str, row: Row, text: str | None) -> str | None:
        """A 一级/二级指标 label cut by a page break: a merged cell whose text goes on at the top of the
        next page ("服务对象满意" / "度指标", "效益指标(30" / "分)", "满意度指标" / "（10分）", as Writer
        prints a table). Joined, and the rows that carried the part before the break set right, only
        where the two parts are not each a whole label and together they are one (a name ending as
        every level's does, "指标", with its weight in brackets or not)."""
        last = self._printed_level.get(field)
        if text and last and self._cut_label(field, row, text):
            text = last[0] + text
            level1, weight = split_level1(text)
            for k in range(last[2], len(self.indicators)):
                self.indicators[k] = dataclasses.replace(
                    self.indicators[k], **({"level1": level1, "level1_weight": weight} if field == "level1"
                                           else {"level2": text}))
            self._printed_level[field] = (text, row.page, last[2])
        elif text:
            self._printed_level[field] = (text, row.page, len(self.indicators))
        return text

    def _note_cut(self, key: str, cells: list[Cell]) -> None:
        """`key` may be cut: a free-text field (vocabulary [clipping] fields) read from a cell its
        border cuts, or printed by a program that clips a cell's text to its row, in a cell its text
        fills to within one line of its bottom border (`read.grids._fills`): flagged, never refused
        nor guessed (`_clipped`)."""
        if key in vocabulary().clipped_fields and self._clipped(cells):
            self.cut.add(key)

    def _row_cut(self, cells: dict[str, list[Cell]]) -> tuple[str, ...]:
        """The fields of an indicator row that may be cut (`_note_cut`, and the `cut_fields` its
        border cuts), in the vocabulary's order."""
        v = vocabulary()
        return tuple(k for k in v.clipped_fields + v.cut_fields
                     if self._clipped(cells.get(k, []), filled=k in v.clipped_fields))

    def _clipped(self, cells: list[Cell], filled: bool = True) -> bool:
        """One of `cells` is cut by its border (`Cell.cut`), or (`filled`) the producer clips text to
        the row and one is filled by its text. The cells are noted as flagged
        (`_cut_only_where_flagged`)."""
        clipped = any(c.cut for c in cells) or (filled and self.clips and any(c.full for c in cells))
        if clipped:
            self._flagged.update(map(id, cells))
        return clipped

    def _header_read(self, which: str) -> None:
        """A header printing a label the vocabulary does not know ("主管机关", "执行单位") while a field
        every variant prints (主管部门, 实施单位) is not read: that label is likely the field's, and its
        value would be lost unflagged. Refused, naming it; not where the field's label is printed and its
        cell left empty (the unknown label is another field's)."""
        labelled = {name for row in self._header_rows for cell in row.cells for lab, name in _header_prefixes(self.t)
                    if name in HEADER_FIELDS and cell.text.strip().startswith(lab)}
        missing = [f for f in HEADER_FIELDS if not flat(self.header.get(f)) and f not in labelled]
        unknown = unknown_labels(self._header_rows) if missing else []
        if unknown:
            said = ", ".join("/".join(lab for lab, f in self.t.header.items() if f == field) or field for field in missing)
            raise self.fail(f"{which}: its header prints no {said} but labels the vocabulary does not know "
                            "(the field's value would be lost)", self._header_rows[0].page)

    def _every_row_has_its_level1(self) -> None:
        """A row without a 一级指标, printed neither on it nor above it, is a misread (a column not
        found, text drawn over its label): refused, never loaded without its level."""
        rows = self.indicators
        lost = next((r for r in rows if r.level1 is None), None)
        if lost is not None:
            raise ExtractionFault(
                self.file, f"{self._which()}: indicator row {lost.level3 or lost.level2 or ''!r} has no "
                "一级指标, printed neither on its row nor above it (a column not found, or text drawn "
                "over its label)", lost.page)

    def _no_level_cut_short(self) -> None:
        """A 一级/二级 label whose end was printed outside the table (a browser centres a merged cell's
        text on the whole cell, across a page break: "标" of "效益指标" falls below the last border) is
        refused, never loaded cut: one starting a known name and shorter than its stem ("产" of
        产出指标, "服务对象满意"; the stem alone, "产出", is a name of its own), or ending in part of the
        suffix every level's name ends with ("时效指"); or a 一级 weight printed on some 一级 labels of
        a variant that weighs them and lost from another ("产出指标" without its "(50分)")."""
        voc = vocabulary()
        for r in self.indicators:
            for which, text, names in (("一级指标", r.level1, voc.level1), ("二级指标", r.level2, voc.level2)):
                name = cut_short(text, names)
                if name:
                    raise ExtractionFault(
                        self.file, f"{self._which()}: indicator row {r.level3 or r.level2 or ''!r} has the "
                        f"{which} {text!r}, cut short of {name!r} (text lost at a border or page break)", r.page)
        weighed = {r.level1 for r in self.indicators if r.level1_weight is not None}
        bare = next((r for r in self.indicators if r.level1 not in weighed and not r.placeholder), None)
        if weighed and bare is not None and self.t.weights == "level1":
            raise ExtractionFault(
                self.file, f"{self._which()}: the 一级指标 {bare.level1!r} prints no weight while "
                f"{sorted(weighed)[0]!r} does (its \"(N分)\" lost at a border or page break)", bare.page)

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
        text = flat(self.header.get("year"))  # a 年度 cell, in any variant
        if text is None:
            text = title_year(self.info.page_texts[first_page - 1], self.nth)
        year_match = _YEAR.search(text or "")
        if not year_match:
            where = "绩效自评年度 (year) in its header" if self.t.year == "header" else \
                "year printed by its title, as （2022年度）"
            raise self.fail(f"{self._which()}: no {where} found")
        return int(year_match.group(0))

    def _outside_texts(self, first_page: int) -> dict[str, str | None]:
        """What the form prints outside its ruled table: above it on its first page (部门, 填报日期,
        总分, 公开14表), below it on its last (项目负责人, 财务负责人)."""
        above = outside(self.info.page_texts[first_page - 1])
        out = {k: nth_of(v, self.nth) for k, v in above.items()}
        last = max(self.pages)
        if last != first_page:
            below = outside(self.info.page_texts[last - 1])
            out.update({k: v[-1] for k, v in below.items() if k not in out})
        if last < len(self.info.page_texts) and only_outside(self.info.page_texts[last]):
            after = outside(self.info.page_texts[last])  # the signatures on a page of their own
            out.update({k: v[0] for k, v in after.items() if k not in out})
        return out

    def _build(self) -> Form:
        t = self.t
        first_page = self.rows[0].page
        code, name = self._code_and_name()
        year = self._year(first_page)
        which = self._which()
        # the total row and each part at most once, in any order; a part the form does not print (no
        # 其他资金 row) is not read, not lost: every row of the block is read or refused (`unread`)
        roles = [r.role for r in self.fund_rows]
        if "total" not in roles or len(set(roles)) != len(roles):
            found = ", ".join(r.source for r in self.fund_rows) or "no rows"
            raise self.fail(
                f"{which}: funds table incomplete (found {found}; expected its {t.total_source.name} row "
                f"and each of {', '.join(s.name for s in t.sources if s.role != 'total')} at most once)"
            )
        self._row_rates()
        if not self.indicators:
            raise self.fail(f"{which}: no 绩效指标 rows found")
        self._header_read(which)
        self._every_row_has_its_level1()
        outside = self._outside_texts(first_page)
        if self.total is None and outside.get("total_score"):  # "总分：95.5分" above the table
            self.total = {"score": re.sub(r"分$", "", outside["total_score"])}
        if self.total is None:
            last = max(self.pages)
            raise self.fail(f"{which}: the indicator table ends without its "
                            f"{'/'.join(t.total_labels)} row", last)
        self._no_level_cut_short()
        if t.weights == "section" and self.indicators_weight is None:
            raise self.fail(f"{which}: the {t.section_label} section prints no weight (\"（90分）\")")
        narrative = {
            key: (paragraph("\n".join(self.narrative[key])) if key in self.narrative else None)
            for key in t.narrative.values()
        }
        for key in ("department", "table_no", "report_date", "project_lead", "finance_lead"):
            if narrative.get(key) is None and key not in self.narrative:
                narrative[key] = outside.get(key)  # printed outside the ruled table
        narrative["grade"] = self.grade
        return Form(
            title=title(self.info.page_texts[first_page - 1], self.nth, t, name),
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
            absent=t.absent,
            checkboxes=dict(self.checkboxes),
            may_be_cut=tuple(k for k in vocabulary().clipped_fields if k in self.cut),
        )


def cut_short(text: str | None, names: tuple[str, ...]) -> str | None:
    """The level name `text` is cut short of (`_FormReader._no_level_cut_short`), or None: a known
    name it starts while shorter than that name's stem ("产" of 产出指标; "产出" is a name of its own),
    or the name it makes with the rest of the suffix it ends in part of ("时效指" → 时效指标)."""
    suffix = vocabulary().level_suffix
    text = header_label((text or "").rstrip())  # without its weight in brackets
    if not text:
        return None
    name = next((n for n in names if n.startswith(text) and len(text) < len(n) - len(suffix)), None)
    part = next((suffix[:k] for k in range(len(suffix) - 1, 0, -1) if text.endswith(suffix[:k])), None)
    return name or (text + suffix[len(part):] if part else None)
