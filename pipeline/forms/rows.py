"""Grids → one stream of rows, cut into forms: spill pages glued onto the rows they continue
(`stitch_overflow`, by the one spill rule `read.grids.spill_pairs`), every grid's rows in reading
order (`rows_of`), and a new form at each header block holding 项目编码 or 项目名称 (`by_form`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import template as templates
from ..read.grids import SPILL_TOLERANCE, Grid, spill_pairs
from .template import header_label
from .text import flat, label
from .vocabulary import vocabulary

@dataclass(frozen=True)
class Cell:
    text: str
    x0: float
    x1: float
    span: tuple[float, float] | None = None  # where its text is printed (x range), from the text layer
    full: bool = False  # its text fills it to within one line of its bottom border (`Grid.full`)
    cut: str = ""  # why its border certainly cuts its text (`Grid.cut`): read as far as printed
    border: float | None = None  # x of its region's right border, drawn (None: not known)

    @property
    def center(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Row:
    pages: tuple[int, ...]
    cells: list[Cell]
    table: int = 0  # which of the document's ruled tables (`rows_of`: grids in reading order) prints it

    @property
    def page(self) -> int:
        return self.pages[0]

    def labels(self) -> list[str]:
        return [label(c.text) for c in self.cells if c.text.strip()]


def stitch_overflow(grids: list[Grid]) -> list[tuple[Grid, tuple[int, ...]]]:
    """Glue each page of spilled right-hand columns onto the grid whose rows it continues (the one
    rule: `grids.spill_pairs`, within the form being printed).

    Returns each remaining grid with the pages it was read from.
    """
    pairs = spill_pairs(grids, _starts_form)
    glued: dict[int, tuple[Grid, tuple[int, ...]]] = {}
    for i, grid in enumerate(grids):
        if i in pairs:
            host, pages = glued[pairs[i][0]]
            glued[pairs[i][0]] = (_glue(host, grid), pages + (grid.page,))
        else:
            glued[i] = (grid, (grid.page,))
    return list(glued.values())


def _starts_form(grid: Grid) -> bool:
    anchors = templates.anchors()
    return any(header_label(label(c)) in anchors for row in grid.rows for c in row)


def _glue(host: Grid, spill: Grid) -> Grid:
    shift = host.right - spill.left
    return Grid(
        page=host.page,
        rows=tuple(h + s for h, s in zip(host.rows, spill.rows)),
        row_y=host.row_y,
        col_x=host.col_x + tuple((a + shift, b + shift) for a, b in spill.col_x),
        spans=tuple(h + tuple(None if x is None else (x[0] + shift, x[1] + shift) for x in s)
                    for h, s in zip(host.spans, spill.spans)),
        full=host.full | {(r, c + len(host.col_x)) for r, c in spill.full},
        cut=host.cut + tuple(((r, c + len(host.col_x)), why) for (r, c), why in spill.cut),
    )


# ----------------------------------------------------------------------------------------------
# 2.–3. rows and forms


def rows_of(stitched: list[tuple[Grid, tuple[int, ...]]]) -> list[Row]:
    rows: list[Row] = []
    for table, (grid, pages) in enumerate(join_page_breaks(stitched)):
        cut = dict(grid.cut)
        for r, (texts, spans) in enumerate(zip(grid.rows, grid.spans)):
            cells = [Cell(t, x0, x1, sp, (r, c) in grid.full, cut.get((r, c), ""), _border(grid, r, c))
                     for c, (t, (x0, x1), sp) in enumerate(zip(texts, grid.col_x, spans))]
            rows.append(Row(pages=pages, cells=cells, table=table))
    return rows


def _border(grid: Grid, r: int, c: int) -> float | None:
    """The x of the right border of the region holding cell (r, c): its last column's right edge."""
    if len(grid.anchors) != len(grid.rows):  # not known (a grid made by hand, or glued: `_glue`)
        return None
    row, anchor = grid.anchors[r], grid.anchors[r][c]
    k = c
    while k + 1 < len(row) and row[k + 1] == anchor:
        k += 1
    return grid.col_x[k][1]


def join_page_breaks(stitched: list[tuple[Grid, tuple[int, ...]]]) -> list[tuple[Grid, tuple[int, ...]]]:
    """A merged cell cut by a page break is one cell: where a page's table ends with no border drawn
    under a column and the next page's table starts with none above it, in the same columns
    (LibreOffice Calc prints a merged 一级指标 or 绩效指标 that way, its name once, where the
    region's middle falls: on either page), the text of the cell's part on the next page is read
    after that of its part above the break, and the part below is left empty, so its rows read on
    from the rows above as any merged cell's do. A line the break cuts in two, printed on both
    pages (the text above filling its part to the border), is read once."""
    out = list(stitched)
    for i in range(len(out) - 1):
        (a, pa), (b, pb) = out[i], out[i + 1]
        if not (a.open_bottom and b.open_top and a.anchors and b.anchors and b.page == a.page + 1):
            continue
        rows_a, rows_b = [list(r) for r in a.rows], [list(r) for r in b.rows]
        spans_a, spans_b = [list(r) for r in a.spans], [list(r) for r in b.spans]
        cut = []  # (column above, column below, region above) of each cell the break may cut
        for c, (left, right) in enumerate(a.col_x):
            # the same column on the next page: the same left and right edges (a page may draw fewer)
            d = next((d for d, (l2, r2) in enumerate(b.col_x)
                      if abs(l2 - left) <= SPILL_TOLERANCE and abs(r2 - right) <= SPILL_TOLERANCE), None)
            if d is None or not b.open_top[d]:
                continue
            (ra, ca), (rb, cb) = a.anchors[-1][c], b.anchors[0][d]
            if a.under and a.under[c] and ca == c and rb == 0 and cb == d and a.rows[ra][ca] \
                    and not "".join(b.rows[rb][cb].split()).startswith("".join(a.under[c].split())):
                # the cell goes on over the next page, and the rest of its text was printed under
                # this page's table (a browser centres a cut cell's text on the whole cell; Calc
                # draws it again on the next page, read there)
                rows_a[ra][ca] = f"{rows_a[ra][ca]}\n{a.under[c]}"
            if not a.open_bottom[c]:
                continue
            if rb != 0 or ca != c or cb != d:
                continue  # a region of other columns on either side: not the same cell
            cut.append((c, d, ra))
        full_a, full_b = set(a.full), set(b.full)
        cut_a, cut_b = dict(a.cut), dict(b.cut)
        last = len(rows_a) - 1
        # a number on both sides of the break in a cell of the last row: two rows, each whole (a
        # browser draws no border at a page break), whose cells are not glued; merged cells still are
        two_rows = any(ra == last and rows_a[ra][c][-1:].isdigit() and rows_b[0][d][:1].isdigit()
                       for c, d, ra in cut)
        for c, d, ra in cut:
            ca, rb, cb = c, 0, d
            above, below = rows_a[ra][ca], rows_b[rb][cb]
            if not below or (two_rows and ra == last):
                continue
            if above and vocabulary().whole_level(label(above)) and vocabulary().whole_level(label(below)):
                continue  # "质量指标" over "时效指标": two 二级 cells meeting at the break, each whole
            if above and (ra, ca) in full_a and above.splitlines()[-1].strip() == below.splitlines()[0].strip():
                # a line drawn across the break: its top half printed above it, its bottom half on
                # the next page (Calc draws a cut cell's text on each page), one line read twice
                below = "\n".join(below.splitlines()[1:])
            rows_a[ra][ca] = f"{above}\n{below}" if above and below else above or below
            spans_a[ra][ca] = spans_b[rb][cb] if spans_a[ra][ca] is None else (
                min(spans_a[ra][ca][0], spans_b[rb][cb][0]), max(spans_a[ra][ca][1], spans_b[rb][cb][1]))
            rows_b[rb][cb], spans_b[rb][cb] = "", None
            if (rb, cb) in full_b:  # the cell's text ends on the next page: whether it fills is said there
                full_b.discard((rb, cb))
                full_a.add((ra, ca))
            else:
                full_a.discard((ra, ca))
            if (rb, cb) in cut_b:  # the text the break goes on with is cut: the joined cell is
                cut_a.setdefault((ra, ca), cut_b.pop((rb, cb)))
        out[i] = (dataclasses.replace(a, rows=tuple(map(tuple, rows_a)), spans=tuple(map(tuple, spans_a)),
                                      full=frozenset(full_a), cut=tuple(cut_a.items())), pa)
        out[i + 1] = (dataclasses.replace(b, rows=tuple(map(tuple, rows_b)), spans=tuple(map(tuple, spans_b)),
                                          full=frozenset(full_b), cut=tuple(cut_b.items())), pb)
    return out


def by_form(rows: list[Row]) -> list[list[Row]]:
    """Forms by their header blocks: a form starts at the first of the consecutive rows carrying
    header labels around its 项目编码 or 项目名称 (templates order the header rows differently)."""
    anchors = templates.anchors()
    starts: list[int] = []
    for i, row in enumerate(rows):
        if anchors & {header_label(lab) for lab in row.labels()}:
            if starts and all(_has_header_label(r) or not r.labels() for r in rows[starts[-1]:i]):
                continue  # another anchor of the same header block
            start = i
            while start > (starts[-1] + 1 if starts else 0) and _has_header_label(rows[start - 1]):
                start -= 1
            starts.append(start)
    return [rows[a:b] for a, b in zip(starts, starts[1:] + [len(rows)])]


def _has_header_label(row: Row) -> bool:
    """A row of the header block: a header label, or a checkbox question (项目类别 …, which a form may
    print above its 项目名称 as well as under it)."""
    known = templates.header_labels()
    return any(header_label(lab) in known or header_label(lab) in vocabulary().questions for lab in row.labels())


def forms_of(grids: list[Grid]) -> list[list[Row]]:
    """The rows of each form printed in `grids`, in order (spill pages glued, page breaks joined):
    what `read_forms` reads, and where a report read in parts is cut (`pipeline.extract`)."""
    return by_form(rows_of(stitch_overflow(grids)))


def texts(row: Row) -> str:
    return " | ".join(flat(c.text) or "" for c in row.cells if c.text.strip())


def is_title(row: Row) -> bool:
    """A title between the funds and goals tables (项目目标完成情况, 年度总体目标, ...): one cell, no
    digits. A funding-source row that lost its numbers looks alike, but then the funds table is
    incomplete, which `_build` refuses."""
    texts = [c.text for c in row.cells if c.text.strip()]
    return len(texts) == 1 and not any(ch.isdigit() for ch in texts[0])
