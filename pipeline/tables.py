"""Ruled tables → cell grids that keep their page and geometry. The only module importing camelot.

Camelot's lattice parser finds the ruling (rows, columns, which borders are drawn); the text of each
cell is then placed here, character by character from the PDF text layer (pdfium), because printed
spreadsheets defeat line-based text assignment in two ways:

- text that fills a cell to its border runs on into the next cell on the same baseline; per-character
  placement splits it exactly at the ruling;
- text clipped at the right edge of a page (a spreadsheet too wide for the paper) is still in the text
  layer past the edge: a run of text that starts in the table's last column keeps its clipped tail,
  and the copy of that tail re-drawn at the left of the spill page (starting off the table) is dropped.

Merged cells (no border drawn between grid cells) are one region; its text is placed in the region's
top-left grid cell, the others stay empty, as in a spreadsheet.

Camelot drops ruled grids whose cells are mostly empty (its guard against page borders taken for
tables). A page of spilled right-hand columns is exactly that: a column of ruled cells, one of which
holds a deviation note. Every ruled grid is kept here; `forms` decides which grids mean something.

`check_held` is the cross-check against the text layer: every character printed between ruled lines
must be held by a grid. A table or row that the ruling reader missed is then an `ExtractionFault`
naming the page and the text, never a silently shorter form.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pypdfium2 as pdfium

from .errors import ExtractionFault

ENGINE = "vector"  # see bench/README.md: same accuracy as "combined", several times faster
_GAP = 0.6  # a gap wider than this many character heights ends a run of text
_SPACE_GAP = 0.1  # a gap this many character heights wide, where pdfium infers a space, is one
_LINE_TOL = 1.0  # points: a ruled line this close to a point's x (or y) still reaches it

Segment = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points


@dataclass(frozen=True)
class Grid:
    """One ruled table on one page. Coordinates are PDF points, y growing upwards."""

    page: int
    rows: tuple[tuple[str, ...], ...]
    row_y: tuple[tuple[float, float], ...]  # (top, bottom) of each row
    col_x: tuple[tuple[float, float], ...]  # (left, right) of each column
    spans: tuple[tuple[tuple[float, float] | None, ...], ...]  # x range of each cell's characters

    @property
    def top(self) -> float:
        return self.row_y[0][0]

    @property
    def bottom(self) -> float:
        return self.row_y[-1][1]

    @property
    def left(self) -> float:
        return self.col_x[0][0]

    @property
    def right(self) -> float:
        return self.col_x[-1][1]


@dataclass(frozen=True)
class Ruling:
    """The ruled lines Camelot saw on one page, whether or not it made a table of them."""

    page: int
    horizontal: tuple[Segment, ...]
    vertical: tuple[Segment, ...]

    def encloses(self, x: float, y: float) -> bool:
        """A ruled line runs above, below, left and right of the point: it is inside a cell."""
        above = below = left = right = False
        for x0, y0, x1, y1 in self.horizontal:
            if min(x0, x1) - _LINE_TOL <= x <= max(x0, x1) + _LINE_TOL:
                above, below = above or y0 > y, below or y0 < y
        for x0, y0, x1, y1 in self.vertical:
            if min(y0, y1) - _LINE_TOL <= y <= max(y0, y1) + _LINE_TOL:
                left, right = left or x0 < x, right or x0 > x
        return above and below and left and right


@dataclass(frozen=True)
class _Char:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    gap_space: bool = False  # pdfium infers a space before it (a gap the producer left, no glyph)

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return max(self.y1 - self.y0, 1.0)


def read_grids(path: str | Path, engine: str = ENGINE) -> tuple[list[Grid], dict[int, Ruling]]:
    """Every ruled table of every page, in reading order (page, then top to bottom), and the ruled
    lines seen on each page (for `check_held`)."""
    import camelot  # deferred: importing camelot costs ~1 s and `--help` should not pay it
    from camelot.handlers import PARSERS
    from camelot.parsers import Lattice

    rulings: dict[int, Ruling] = {}

    class KeepEveryGrid(Lattice):
        def _reject_table(self, table) -> bool:  # Camelot's hook for its near-empty-grid filter
            return False

        def _generate_table_bbox(self) -> None:
            super()._generate_table_bbox()
            rulings[self.page] = Ruling(self.page, tuple(map(tuple, self.horizontal_segments)),
                                        tuple(map(tuple, self.vertical_segments)))

    # their warnings would break the progress line; damage they repair was refused by pdf.inspect
    with _quiet("camelot", "pdfminer", "playa"), warnings.catch_warnings(), \
            mock.patch.dict(PARSERS, lattice=KeepEveryGrid):
        warnings.simplefilter("ignore")  # "no tables found on page N" is normal for blank pages
        tables = camelot.read_pdf(str(path), pages="all", flavor="lattice", engine=engine)
    by_page: dict[int, list] = {}
    for t in tables:
        if t.cells:  # Camelot makes an empty table of ruling it finds no cell in: nothing to place
            by_page.setdefault(int(t.page), []).append(t)
    grids: list[Grid] = []
    doc = pdfium.PdfDocument(str(path))
    try:
        for page_no, page_tables in by_page.items():
            runs = _chars(doc[page_no - 1])
            grids.extend(_grid(page_no, t, runs) for t in page_tables)
    finally:
        doc.close()
    grids.sort(key=lambda g: (g.page, -g.top, g.left))
    return grids, rulings


def check_held(path: str | Path, grids: list[Grid], rulings: dict[int, Ruling]) -> None:
    """Raise `ExtractionFault` when text printed inside ruled cells is missing from the grids.

    Text layer vs. grids, character by character: a character between ruled lines but outside every
    grid (a table or an edge row the ruling reader missed), or inside a grid's area but in none of its
    cells (a row lost), is text the form printed and the extraction would drop.
    """
    doc = pdfium.PdfDocument(str(path))
    try:
        for page_no, ruling in sorted(rulings.items()):
            on_page = [g for g in grids if g.page == page_no]
            pieces = _chars(doc[page_no - 1])
            printed: dict[int, list[_Char]] = {id(g): [] for g in on_page}
            covered: set[int] = set()  # characters inside some grid's area, kept or dropped by design
            for g in on_page:
                for line in _lines(p for p in pieces if g.bottom <= p[0].cy <= g.top):
                    for piece, kept in _kept(line, g.left, g.right):
                        for ch in piece:
                            if g.left <= ch.cx <= g.right and g.bottom <= ch.cy <= g.top:
                                covered.add(id(ch))
                                if kept and not ch.text.isspace():
                                    printed[id(g)].append(ch)
            stray = [ch for piece in pieces for ch in piece if id(ch) not in covered
                     and not ch.text.isspace() and ruling.encloses(ch.cx, ch.cy)]
            if stray:
                raise ExtractionFault(str(path), "text printed inside ruled cells is in no table read "
                                      f"from the page: {_text(stray)!r}", page_no)
            for grid in on_page:
                held = Counter(c for row in grid.rows for cell in row for c in cell)
                lost = []
                for ch in printed[id(grid)]:
                    if held[ch.text] > 0:
                        held[ch.text] -= 1
                    else:
                        lost.append(ch)
                if lost:
                    raise ExtractionFault(str(path), "text printed inside a table is in none of its "
                                          f"cells: {_text(lost)!r}", page_no)
    finally:
        doc.close()


def _chars(page: pdfium.PdfPage) -> list[list[_Char]]:
    """The page's text as pieces: runs of characters drawn by one PDF text object, without wide gaps.

    A producer draws each cell's text with its own text objects, so a piece never spans two cells,
    even where glyphs touch or overhang the ruling.
    """
    textpage = page.get_textpage()
    raw = textpage.raw
    pieces: list[list[_Char]] = []
    owner = None
    gap = False
    for i in range(textpage.count_chars()):
        if pdfium.raw.FPDFText_IsGenerated(raw, i) == 1:
            # spaces and line breaks pdfium invents between text objects; a space remembers the gap
            gap = textpage.get_text_range(i, 1) == " "
            continue
        text = textpage.get_text_range(i, 1)
        if not text or text in "\r\n":
            gap = False
            continue
        x0, y0, x1, y1 = textpage.get_charbox(i, loose=True)  # font box: punctuation shares its line
        ch = _Char(text, x0, x1, y0, y1, gap)
        gap = False
        obj = pdfium.raw.FPDFText_GetTextObject(raw, i)
        obj_id = pdfium.raw.cast(obj, pdfium.raw.c_void_p).value if obj else None
        prev = pieces[-1][-1] if pieces else None
        if (
            prev is None
            or obj_id != owner
            or abs(ch.cy - prev.cy) > 0.5 * ch.height
            or ch.x0 - prev.x1 > _GAP * ch.height
        ):
            pieces.append([])
        owner = obj_id
        pieces[-1].append(ch)
    return pieces


def _grid(page_no: int, table, pieces: list[list[_Char]]) -> Grid:
    rows = [(float(a), float(b)) for a, b in table.rows]
    cols = [(float(a), float(b)) for a, b in table.cols]
    anchor = _regions(table.cells)
    left, right, top, bottom = cols[0][0], cols[-1][1], rows[0][0], rows[-1][1]
    placed: dict[tuple[int, int], list[_Char]] = {}
    for line in _lines(p for p in pieces if bottom <= p[0].cy <= top):
        cell: tuple[int, int] | None = None
        prev: list[_Char] | None = None
        for piece, kept in _kept(line, left, right):
            first = piece[0]
            if kept and left <= first.cx <= right and not _hangs(piece, prev, cell, cols):
                cell = anchor[(_index(rows, first.cy, descending=True), _index(cols, first.cx))]
            prev = piece
            if kept and cell is not None:  # else: the piece continues the previous cell's text
                placed.setdefault(cell, []).extend(piece)
    data = [["" for _ in cols] for _ in rows]
    spans: list[list[tuple[float, float] | None]] = [[None for _ in cols] for _ in rows]
    for (r, c), chars in placed.items():
        data[r][c] = _text(chars)
        # by character centres: glyphs overhang a border they are printed against; a clipped tail
        # runs on past the table's edge, and its column is the last one all the same
        spans[r][c] = (min(ch.cx for ch in chars), min(max(ch.cx for ch in chars), right))
    return Grid(
        page=page_no,
        rows=tuple(tuple(row) for row in data),
        row_y=tuple(rows),
        col_x=tuple(cols),
        spans=tuple(tuple(row) for row in spans),
    )


_CLOSING = set("、，。；：！？）》」』】〕,.;:!?)")


def _hangs(piece: list[_Char], prev: list[_Char] | None, cell, cols) -> bool:
    """Closing punctuation drawn alone right after the text before it (its own text object, e.g.
    another font) ends that text: a line may hang it past the border, and its em box, wider than its ink,
    centres it beyond ("…（可视化）、" ending a cell is not "、" starting the next one)."""
    return (cell is not None and prev is not None and all(c.text in _CLOSING for c in piece)
            and abs(piece[0].cy - prev[-1].cy) <= 0.5 * piece[0].height
            and 0 <= piece[0].x0 - prev[-1].x1 <= _GAP * piece[0].height
            and _index(cols, piece[0].x0) == _index(cols, prev[-1].cx))  # it starts in that column


def _kept(line: list[list[_Char]], left: float, right: float):
    """Each piece of a line, read left to right, with whether it belongs to the table.

    Dropped: text beside the table, and the re-drawn tail of a clipped line (it starts off the table)
    with what continues it; kept: a clipped tail running on past the right edge from inside.
    """
    kept, prev = False, None
    for piece in line:
        first = piece[0]
        joined = prev is not None and first.x0 - prev[-1].x1 <= _GAP * first.height
        if left <= first.cx <= right and not (joined and not kept):
            kept = True
        elif not (joined and first.cx > right):
            kept = False
        yield piece, kept
        prev = piece


def _lines(pieces) -> list[list[list[_Char]]]:
    """Pieces on the same baseline, each line read left to right."""
    return [sorted(line, key=lambda p: p[0].x0) for line in _bands(pieces, lambda p: p[0])]


def _bands(items, box):
    """Group items into lines: an item joins the current line when its glyph box overlaps the line's
    vertical band. Fonts differ in their boxes (a CJK comma's box is a sliver at the baseline), so
    overlap, not equal centres, is what puts glyphs on one line."""
    lines: list[list] = []
    band = (0.0, 0.0)
    for item in sorted(items, key=lambda it: -box(it).cy):
        ch = box(item)
        if lines and ch.y0 < band[1] and ch.y1 > band[0]:
            lines[-1].append(item)
            band = (min(band[0], ch.y0), max(band[1], ch.y1))
        else:
            lines.append([item])
            band = (ch.y0, ch.y1)
    return lines


def _regions(cells) -> dict[tuple[int, int], tuple[int, int]]:
    """Each grid cell → the top-left cell of its merged region (no border drawn between them)."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(k: tuple[int, int]) -> tuple[int, int]:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    n, m = len(cells), len(cells[0])
    for r in range(n):
        for c in range(m):
            if c + 1 < m and not (cells[r][c].right or cells[r][c + 1].left):
                union((r, c), (r, c + 1))
            if r + 1 < n and not (cells[r][c].bottom or cells[r + 1][c].top):
                union((r, c), (r + 1, c))
    return {(r, c): find((r, c)) for r in range(n) for c in range(m)}


def _index(spans: list[tuple[float, float]], v: float, descending: bool = False) -> int:
    for i, (a, b) in enumerate(spans):
        lo, hi = (b, a) if descending else (a, b)
        if lo <= v <= hi:
            return i
    # between two spans by rounding: take the nearest
    return min(range(len(spans)), key=lambda i: abs(sum(spans[i]) / 2 - v))


def _text(chars: list[_Char]) -> str:
    """A cell's characters as lines, top to bottom, each read left to right. Where the producer left a
    gap for a space without drawing one (pdfium infers it), inside a line of the cell, it is a space."""
    lines = []
    for line in _bands(chars, lambda c: c):
        out, prev = [], None
        for c in sorted(line, key=lambda c: c.x0):
            if c.gap_space and prev is not None and c.x0 - prev.x1 >= _SPACE_GAP * c.height \
                    and not prev.text.isspace() and not c.text.isspace():
                out.append(" ")
            out.append(c.text)
            prev = c
        lines.append("".join(out))
    return "\n".join(lines)


@contextmanager
def _quiet(*names: str) -> Iterator[None]:
    """Loggers at ERROR while Camelot reads, restored after, so pdf.inspect still hears playa's
    repair warnings on the next file."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
