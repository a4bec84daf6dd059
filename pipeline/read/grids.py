"""Ruled tables → cell grids that keep their page and geometry. The only module importing camelot;
the glyphs and ruled lines it places come from `glyphs` (pdfium).

Camelot's lattice parser finds the ruling (rows, columns, which borders are drawn); the text of each
cell is then placed here, character by character from the PDF text layer (pdfium), because printed
spreadsheets defeat line-based text assignment in two ways:

- text that fills a cell to its border runs on into the next cell on the same baseline; per-character
  placement splits it exactly at the ruling;
- text clipped at the right edge of a page (a spreadsheet too wide for the paper) is still in the text
  layer past the edge: a run of text that starts in the table's last column keeps its clipped tail,
  and the copy of that tail re-drawn at the left of the spill page (starting off the table) is dropped
  there. Producers that keep only what shows (cairo, Ghostscript) cut the tail on the first page and
  the copy on the spill page, so the copy is carried back onto the first page, shifted by the offset
  between the two tables, and a glyph printed on both pages counts once (`page_runs`).

Characters are placed by where they are printed, never by the order or the text objects the producer
wrote them in (LibreOffice draws each cell with text objects of its own, cairo several cells of a line
with one): a line is the glyphs on one baseline, read left to right; a run is a stretch of a line
without a gap wider than `glyphs.GAP` em, placed in the cell where it starts; it is split where a drawn
border falls between the ink of two glyphs that are not set one after the other (the text of two
cells), and kept whole where the text is set on across the border or its ink crosses it (punctuation
hung past the border). Word spaces are read from the gaps as well, since a producer may print a space
as a glyph or leave a gap, so whatever the producer, the same form gives the same cells.

Merged cells (no border drawn between grid cells) are one region; its text is placed in the region's
top-left grid cell, the others stay empty, as in a spreadsheet.

Camelot drops ruled grids whose cells are mostly empty (its guard against page borders taken for
tables). A page of spilled right-hand columns is exactly that: a column of ruled cells, one of which
holds a deviation note. Every ruled grid is kept here; `forms` decides which grids mean something.

Pages are read as they display: a page stored turned (/Rotate) through its display matrix
(`glyphs.display`), a 2-up sheet (two pages side by side) as its left page with its right page below
(`_two_up`), and the text of an electronic seal set aside before placement (`glyphs.seals`).

`check_held` is the cross-check against the text layer: every character printed between ruled lines
must be held by a grid. A table or row that the ruling reader missed is then an `ExtractionFault`
naming the page and the text, never a silently shorter form.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import warnings
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path


from ..errors import BrokenPdf, IncompleteForm, ReportError, TextLayerUnreadable
from . import glyphs
from ..model import Seal
from .glyphs import Segment
from .pdf import DAMAGED, OpenPdf, blended_fills, optional_forms, unshown


ENGINE = "vector"  # see bench/README.md: same accuracy as "combined", several times faster
# lengths in em (the character's font size on the page), so that they hold for any size of print
LINE_TOL = 1.0  # points: a ruled line this close to a point's x (or y) still reaches it
SPILL_TOLERANCE = 2.0  # points: rows of a spill page sit where its host's rows sit (`rows_align`)


@dataclass(frozen=True)
class Grid:
    """One ruled table on one page. Coordinates are PDF points, y growing upwards."""

    page: int
    rows: tuple[tuple[str, ...], ...]
    row_y: tuple[tuple[float, float], ...]  # (top, bottom) of each row
    col_x: tuple[tuple[float, float], ...]  # (left, right) of each column
    spans: tuple[tuple[tuple[float, float] | None, ...], ...]  # x range of each cell's characters
    # each cell's merged region, by its top-left cell (where its text is placed); and per column,
    # whether the table's first row has no border drawn above it / its last row none below it: a
    # merged cell a page break cuts (LibreOffice Calc draws none there), read on with the next page's
    anchors: tuple[tuple[tuple[int, int], ...], ...] = ()
    open_top: tuple[bool, ...] = ()
    open_bottom: tuple[bool, ...] = ()
    # per column, text printed just under the table's bottom edge within that column alone: the rest
    # of a merged cell a page break cuts, where a browser centres its text on the whole cell
    # (`_under`); read into the cell only where the next page's table goes on in that column
    under: tuple[str, ...] = ()
    # the cells of this table (each its region's top-left) whose border cuts their text
    # (`_cut_cells`), each with what it shows and what is cut away: read as far as the text layer
    # holds, and flagged where the field is free text, else the form is refused (`forms.reader`)
    cut: tuple[tuple[tuple[int, int], str], ...] = ()
    # the cells (each its region's top-left) whose text fills them to within one line of the bottom
    # border (`_fills`): where the producer clips text to the row, more may have been written
    full: frozenset[tuple[int, int]] = frozenset()

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
    """The ruled lines Camelot saw on one page, whether or not it made a table of them, and the glyphs
    printed on it."""

    page: int
    horizontal: tuple[Segment, ...]
    vertical: tuple[Segment, ...]
    # the page's printed glyphs, placed once and reused by the cross-checks (not part of its identity)
    chars: tuple["glyphs.Char", ...] = dataclasses.field(default=(), compare=False, repr=False)
    runs: tuple[tuple["glyphs.Char", ...], ...] = dataclasses.field(default=(), compare=False, repr=False)
    box: tuple[float, float, float, float] = dataclasses.field(default=(0.0, 0.0, 0.0, 0.0), compare=False)
    seals: tuple["Seal", ...] = dataclasses.field(default=(), compare=False)  # set aside (`glyphs.seals`)
    # cells whose border cuts their text (`_cut_cells`): a point inside each, and what is cut
    cuts: tuple[tuple[float, float, str], ...] = dataclasses.field(default=(), compare=False)
    # text drawn as no printed form has it (`glyphs.misdrawn`) on a page `scan` was told to be lenient
    # with: the caller refuses the page, or reads it from its image
    damaged: str | None = dataclasses.field(default=None, compare=False)

    def encloses(self, x: float, y: float) -> bool:
        """A ruled line runs above, below, left and right of the point: it is inside a cell."""
        above = below = left = right = False
        for x0, y0, x1, y1 in self.horizontal:
            if min(x0, x1) - LINE_TOL <= x <= max(x0, x1) + LINE_TOL:
                above, below = above or y0 > y, below or y0 < y
        for x0, y0, x1, y1 in self.vertical:
            if min(y0, y1) - LINE_TOL <= y <= max(y0, y1) + LINE_TOL:
                left, right = left or x0 < x, right or x0 > x
        return above and below and left and right


def read_grids(path: str | Path, engine: str = ENGINE,
               pages: range | None = None) -> tuple[list[Grid], dict[int, Ruling]]:
    """Every ruled table of the pages (all, or the range given), in reading order (page, then top to
    bottom), and each page's ruled lines and printed glyphs (for `check_held` and `check_edges`)."""
    layer = scan(path, engine, pages)
    return layer.grids(), layer.rulings


@dataclass
class Layer:
    """What reading pages gives, before text is placed in cells: each page's ruling and glyphs, and
    the tables Camelot found on it. Layers of consecutive pages add up (`+`), so a reader can go on
    to the next pages and still place text carried between them (spill pages)."""

    rulings: dict[int, Ruling]
    outlines: dict[int, list["_Outline"]]

    def __add__(self, other: "Layer") -> "Layer":
        return Layer({**self.rulings, **other.rulings}, {**self.outlines, **other.outlines})

    def grids(self) -> list[Grid]:
        flat = [Grid(p, (), o.rows, o.cols, ()) for p, found in self.outlines.items() for o in found]
        runs = page_runs(self.rulings, flat)
        starts = {p: _starts(runs[p]) for p, found in self.outlines.items() if found}
        grids = [_cut_of(_open_edges(_under(_grid(p, o, runs[p], starts[p], self.rulings[p].cuts), runs[p], found),
                                     self.rulings[p]), self.rulings[p])
                 for p, found in self.outlines.items() for o in found]
        grids.sort(key=lambda g: (g.page, -g.top, g.left))
        return grids


def scan(path: str | Path, engine: str = ENGINE, pages: range | None = None,
         opened: OpenPdf | None = None, passed: Collection[int] = (), keep: Collection[int] = (),
         lenient: Collection[int] = ()) -> Layer:
    """The `Layer` of the pages (all, or the range given).

    One pass over the file: each page is opened once, in pdfium, for its glyphs (placed into cells and
    kept for the cross-checks) and its ruled lines (`glyphs.ruled_lines`), which Camelot's lattice parser
    makes tables of. Camelot's own driver (`read_pdf`) would interpret every page again in playa and
    group every glyph into text lines, for a text assignment this module replaces: four fifths of
    its time here. The raster engines render the page (Camelot's own way) and read playa's layout.

    Pages that cannot hold a form cost nearly nothing (a disclosure is mostly such pages): those in
    `passed` (known from their text alone, `pipeline.extract`), and with the vector engine every page
    without both horizontal and vertical rules (no table can be found there: Camelot's tables are
    made from their crossings), except those in `keep` (read from their image), get a `Ruling` of
    their lines only: no glyph is listed, no table sought, and so no cross-check judges them.

    Text drawn as no form has it (`glyphs.misdrawn`) refuses the report as damaged, but on the pages
    in `lenient` (their text says nothing a form says: its layer may be unreadable, to be read from the
    image) it is recorded on the page's `Ruling.damaged` for the caller to judge."""
    import playa.miner  # deferred with camelot: `--help` should not pay for them
    from camelot.image_processing import find_joints_from_lines
    from camelot.parsers import Lattice

    class KeepEveryGrid(Lattice):
        def _reject_table(self, table) -> bool:  # Camelot's hook for its near-empty-grid filter
            return False

    name = str(path)
    parser = KeepEveryGrid(engine=engine)
    rulings: dict[int, Ruling] = {}
    outlines: dict[int, list[_Outline]] = {}
    # their warnings would break the progress line; damage they repair was refused by pdf.inspect
    with _quiet("camelot", "pdfminer", "playa"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        doc = opened if opened is not None else OpenPdf(name)
        try:
            vector = engine == "vector"
            with _camelot_fault(name), nullcontext() if vector else playa.open(name, space="page") as pdf:
                count = len(doc)
                layers = doc.layers  # what is drawn in them is not read
                numbers = range(1, count + 1) if pages is None else \
                    range(max(pages.start, 1), min(pages.stop, count + 1))
                for n in numbers:
                    page, textpage = doc.page(n)
                    turn, box = glyphs.upright(textpage, *glyphs.display(page))  # as it shows, text upright
                    objects = glyphs.Drawn()  # (the raster engines find lines of their own: its text objects)
                    objects.layers = layers
                    objects.blended = functools.partial(blended_fills, name, n)  # asked only where a fill covers
                    lines = glyphs.ruled_lines(page, turn, objects)
                    crop = glyphs.cropped(page)  # what lies outside the CropBox is not shown: left out
                    if crop:
                        lines = glyphs.within([], lines, box)[1]
                    if n in passed or (vector and n not in keep and not all(lines)):
                        rulings[n] = Ruling(n, *(tuple(map(tuple, side)) for side in lines), box=box)
                        doc.release(n)
                        continue
                    unjudged = (objects.unjudged or [f"a form XObject with its own /OC, {form}"
                                                     for form in optional_forms(name, n)]) if layers else []
                    if unjudged:
                        raise TextLayerUnreadable(name, f"page {n} draws text in optional content whose "
                                                  f"visibility is not read ({unjudged[0]}), in a document that turns "
                                                  "layers off: a viewer may not show it", n)
                    covers, annotated = glyphs.annotations(page, turn)
                    objects.covers += covers
                    try:
                        chars = glyphs.chars(textpage, turn, objects)
                        chars, sealed = glyphs.seals(glyphs.within(chars, ([], []), box)[0] if crop else chars,
                                                     n)  # seals set aside
                    except glyphs.MissingFont as missing:
                        raise TextLayerUnreadable(name, str(missing), n) from None
                    lost = unshown(name, n, objects.unshown, turn) if objects.unshown else None
                    if lost:
                        raise TextLayerUnreadable(name, glyphs.unshown_reason(lost), n)
                    off = glyphs.off_page(chars, box[1], box[3])  # judged once the ruling is known
                    chars = [ch for ch in chars if ch not in off] if off else chars
                    damaged = glyphs.misdrawn([ch for ch in chars if ch.clip is None], box[1], box[3])  # shown
                    if damaged and n not in lenient:
                        raise BrokenPdf(name, f"page {n} {DAMAGED}: {damaged}", n)
                    if vector:  # Camelot's _generate_table_bbox_vector, on pdfium's lines
                        size = page.get_size() if turn == glyphs.IDENTITY else (box[2], box[3])
                        parser.prepare_page_parse(name, None, size, n, [], [], [], None, {})
                        horizontal, vertical = lines
                        parser.horizontal_segments, parser.vertical_segments = horizontal, vertical
                        parser.table_bbox_parses = {bbox: {"joints": joints} for bbox, joints
                                                    in find_joints_from_lines(horizontal, vertical).items()}
                        parser._compute_table_anchors()
                    else:
                        layout = playa.miner.extract_page(pdf.pages[n - 1], None)  # no text grouping
                        parser.prepare_page_parse(name, layout, (layout.bbox[2], layout.bbox[3]), n,
                                                  [], [], [], None, {})
                        parser._generate_table_bbox()
                    horizontal = tuple(map(tuple, parser.horizontal_segments))
                    vertical = tuple(map(tuple, parser.vertical_segments))
                    # Camelot makes no table of a page without text
                    found = [o for o in map(_outline, _tables(parser)) if o is not None] if chars else []
                    found = [_with_page_high_cell(o, vertical, horizontal) for o in found]
                    damaged = damaged or (glyphs.misdrawn([ch for ch in off if not ch.hidden
                                                           and not _cut_region(ch, found, horizontal, box)],
                                                          box[1], box[3]) if off else None)
                    if damaged and n not in lenient:
                        raise BrokenPdf(name, f"page {n} {DAMAGED}: {damaged}", n)
                    cuts = _cut_cells(chars, found, horizontal) + _past_the_page(found, box) + \
                        _annotated(annotated, found)
                    runs = glyphs.runs(chars)
                    fold = _two_up(found, runs, box)
                    if fold is not None:  # two pages on one sheet: the right one read after the left
                        chars, horizontal, vertical, found, box = _folded(fold, chars, horizontal, vertical,
                                                                          found, box)
                        runs = glyphs.runs(chars)
                    rulings[n] = Ruling(n, horizontal, vertical, tuple(chars), tuple(map(tuple, runs)), box,
                                        tuple(sealed), cuts, damaged)
                    if chars:
                        outlines[n] = found
                    doc.release(n)
        finally:
            if opened is None:
                doc.close()
    return Layer(rulings, outlines)


def page_runs(rulings: dict[int, Ruling], outlines: list[Grid]) -> dict[int, list[list[glyphs.Char]]]:
    """The runs of each page, with the text a spill page re-draws left of its table carried back to
    the page printed left of it, where it continues past the right edge (`spill_pairs`).

    A spreadsheet too wide for the paper clips the text of a cell at the page edge, and the spill
    page draws the rest of it from the left, starting off its table. Some producers keep the whole
    text on both pages (LibreOffice), others only what shows (cairo and Ghostscript cut what lies
    off the page or the cell): carried back by the offset between the two tables, the glyphs of
    both pages give the whole text, each glyph once."""
    carried: dict[int, list[glyphs.Char]] = {}
    for i, (_, left) in spill_pairs(outlines).items():
        host, spill = outlines[left], outlines[i]  # the text continues from the piece left of it
        if host.page not in rulings or spill.page not in rulings:
            continue
        shift = host.right - spill.left
        for run in rulings[spill.page].runs:
            first = run[0]
            if spill.bottom <= first.cy <= spill.top and first.x0 < spill.left - glyphs.TOUCH * first.size:
                carried.setdefault(host.page, []).extend(dataclasses.replace(
                    ch, x0=ch.x0 + shift, x1=ch.x1 + shift, ink0=ch.ink0 + shift, ink1=ch.ink1 + shift)
                    for ch in run)
    return {p: glyphs.runs([*r.chars, *carried[p]]) if p in carried else list(r.runs) for p, r in rulings.items()}


def rows_align(host: Grid, spill: Grid) -> bool:
    """`spill` can hold `host`'s spilled right-hand columns: its rows sit where the host's rows sit
    (within SPILL_TOLERANCE), and it is no wider."""
    if len(host.row_y) != len(spill.row_y) or len(spill.col_x) > len(host.col_x):
        return False
    return all(abs(a - c) <= SPILL_TOLERANCE and abs(b - d) <= SPILL_TOLERANCE
               for (a, b), (c, d) in zip(host.row_y, spill.row_y))


def spill_pairs(grids: list[Grid], starts_form: Callable[[Grid], bool] = lambda grid: False
                ) -> dict[int, tuple[int, int]]:
    """The one rule for spill pages: index of each spill grid → (index of its host, index of the
    piece it continues, i.e. the one printed left of it: the host, or the host's previous spill).

    A spreadsheet too wide for the paper prints each band of rows on a page and its right-hand
    columns on another, in the producer's page order: "over, then down" (host, spill, host, spill)
    or "down, then over" (host, host, spill, spill), a band wider still on more spill pages. So a
    grid joins, among the earlier grids of its form (from the last one that `starts_form`) that are
    not spills and whose rows it continues (`rows_align`), the one with the fewest spills so far,
    the earliest of those: the n-th spill of a run goes with the n-th host, in either order, and a
    host's further spills follow it. (Pinned by tests/read/test_spills.py.)"""
    hosts: list[int] = []
    spills: dict[int, list[int]] = {}
    pairs: dict[int, tuple[int, int]] = {}
    for i, grid in enumerate(grids):
        if starts_form(grid):
            hosts = []
        fits = [h for h in hosts if grids[h].page < grid.page and rows_align(grids[h], grid)]
        if not fits:
            hosts.append(i)
            continue
        host = min(fits, key=lambda h: (len(spills.get(h, [])), h))
        pairs[i] = (host, spills.get(host, [host])[-1])
        spills.setdefault(host, []).append(i)
    return pairs


_TWO_UP_MIDDLE = 0.1  # of the sheet's width: the gap between two pages printed 2-up is this near its middle
_TWO_UP_HALF = 0.3  # of the sheet's width: the least each of the two pages' tables spans


@dataclass(frozen=True)
class _Fold:
    """A 2-up sheet: what lies right of `split` is the second page, moved by (-dx, -dy) to below
    the first, where its table's columns stand under the first page's."""

    split: float
    dx: float
    dy: float


def _two_up(found: list["_Outline"], runs: list[list[glyphs.Char]],
            box: tuple[float, float, float, float]) -> _Fold | None:
    """Whether a landscape sheet holds two pages side by side (printed 2-up): its tables fall into a
    left and a right group with a gap between them near the middle of the sheet, each group spanning
    a good part of the sheet, and no line of text runs across the gap (a form's own tables side by
    side sit under one title)."""
    left, bottom, right, top = box
    width = right - left
    if len(found) < 2 or width <= top - bottom:
        return None
    spans = sorted((o.cols[0][0], o.cols[-1][1]) for o in found)
    reach, split = spans[0][1], None
    for a, b in spans[1:]:
        if a > reach and abs((reach + a) / 2 - (left + width / 2)) <= _TWO_UP_MIDDLE * width:
            split = (reach + a) / 2
        reach = max(reach, b)
    if split is None:
        return None
    first = [s for s in spans if s[1] < split]
    second = [s for s in spans if s[0] > split]
    l0, l1 = min(a for a, _ in first), max(b for _, b in first)
    r0, r1 = min(a for a, _ in second), max(b for _, b in second)
    if min(l1 - l0, r1 - r0) < _TWO_UP_HALF * width:
        return None
    if any(run[0].x0 < split < run[-1].x1 for run in runs):
        return None
    # the second page's table under the first's: by their left edges where they are as wide (the
    # same columns), else by half the sheet, where a 2-up layout puts the second page
    dx = r0 - l0 if abs((r1 - r0) - (l1 - l0)) <= 0.02 * (l1 - l0) else width / 2
    return _Fold(split, dx, top - bottom)


def _folded(fold: _Fold, chars: list[glyphs.Char], horizontal: tuple[Segment, ...],
            vertical: tuple[Segment, ...], found: list["_Outline"], box: tuple[float, float, float, float]):
    """The sheet as one tall page: its right half moved below its left (`_Fold`)."""
    dx, dy = fold.dx, fold.dy

    def moved(ch: glyphs.Char) -> glyphs.Char:
        return dataclasses.replace(ch, x0=ch.x0 - dx, x1=ch.x1 - dx, ink0=ch.ink0 - dx, ink1=ch.ink1 - dx,
                                   base=ch.base - dy, inky0=ch.inky0 - dy, inky1=ch.inky1 - dy)

    def segment(s: Segment) -> Segment:
        x0, y0, x1, y1 = s
        return (x0 - dx, y0 - dy, x1 - dx, y1 - dy) if min(x0, x1) > fold.split else s

    outlines = [o if o.cols[0][0] < fold.split else dataclasses.replace(
        o, rows=tuple((a - dy, b - dy) for a, b in o.rows), cols=tuple((a - dx, b - dx) for a, b in o.cols))
        for o in found]
    return ([moved(ch) if ch.cx > fold.split else ch for ch in chars], tuple(map(segment, horizontal)),
            tuple(map(segment, vertical)), outlines,
            (box[0], box[1] - dy, max(fold.split, box[2] - dx), box[3]))


@dataclass(frozen=True)
class _Outline:
    """What a Camelot table gives this module: its rows, columns and merged regions. Kept instead of
    the table, whose cell objects weigh far more than the page's text."""

    rows: tuple[tuple[float, float], ...]
    cols: tuple[tuple[float, float], ...]
    anchor: dict[tuple[int, int], tuple[int, int]]


def _with_page_high_cell(outline: _Outline, vertical, horizontal) -> _Outline:
    """The table with the column of each merged cell that fills it from top to bottom on its left: a
    ruled line runs down its left at exactly its height, and no ruling lies between the two. A
    merged 一级指标 that spans a whole page and more (LibreOffice Calc prints its name once, on the
    page its middle falls on) has no border drawn across it on that page: Camelot, which makes
    columns of crossings, leaves it out of the table, and its name would be text beside the table.
    The column is one region, open at its top and bottom (`_open_edges`), so the cell reads on
    across the pages as any merged cell a page break cuts (`forms.rows.join_page_breaks`)."""
    left, top, bottom = outline.cols[0][0], outline.rows[0][0], outline.rows[-1][1]
    sides = [x0 for x0, y0, x1, y1 in vertical
             if x0 < left - 2 * SPILL_TOLERANCE and abs(max(y0, y1) - top) <= SPILL_TOLERANCE
             and abs(min(y0, y1) - bottom) <= SPILL_TOLERANCE]
    if not sides:
        return outline
    side = max(sides)  # the nearest such line: nothing may be ruled between it and the table

    def crosses(x0: float, y0: float, x1: float, y1: float) -> bool:
        return min(x0, x1) < left - LINE_TOL and max(x0, x1) > side + LINE_TOL and \
            min(y0, y1) < top - LINE_TOL and max(y0, y1) > bottom + LINE_TOL
    if any(crosses(*s) for s in (*vertical, *horizontal)):
        return outline
    anchor = {(r, c + 1): (ar, ac + 1) for (r, c), (ar, ac) in outline.anchor.items()}
    anchor.update({(r, 0): (0, 0) for r in range(len(outline.rows))})
    # and another such cell on its left (一级指标 beside 绩效指标, both spanning the page)
    return _with_page_high_cell(_Outline(outline.rows, ((side, left), *outline.cols), anchor), vertical, horizontal)


def _tables(parser) -> Iterator:
    """The tables of the page `parser` has prepared: the part of Camelot's `extract_tables` after its
    ruling, without its text (`_generate_table_bbox` has run). Its `Lattice._generate_table` less
    `record_parse_metadata`, which fills a pandas DataFrame, accuracy and whitespace figures this
    module never reads: a table is its rows, columns and drawn edges (`_outline`)."""
    for idx, bbox in enumerate(parser.table_bboxes()):
        cols, rows, v_s, h_s = parser._generate_columns_and_rows(bbox, None)
        if v_s is None or h_s is None:  # as Camelot's _generate_table says it
            raise ValueError(f"No segments found on {parser.rootname}")
        table = parser._initialize_new_table(idx, bbox, cols, rows)
        yield table.set_edges(v_s, h_s, joint_tol=parser.joint_tol).set_border()


def _outline(table) -> _Outline | None:
    if not table.cells:  # Camelot makes an empty table of ruling it finds no cell in: nothing to place
        return None
    return _Outline(tuple((float(a), float(b)) for a, b in table.rows),
                    tuple((float(a), float(b)) for a, b in table.cols), _regions(table.cells))


@contextmanager
def _camelot_fault(name: str) -> Iterator[None]:
    """What pdf.inspect let through and Camelot or playa still choke on is a `BrokenPdf`."""
    try:
        yield
    except (MemoryError, RecursionError, ReportError):  # the run stops / too deep / said already
        raise
    except Exception as exc:  # noqa: BLE001 - a PDF library on a damaged file
        raise BrokenPdf(name, "the ruling cannot be read: damaged or truncated (Camelot: "
                        f"{type(exc).__name__}: {str(exc)[:200]})") from exc


def _grid(page_no: int, outline: _Outline, runs: list[list[glyphs.Char]], starts=None,
          cuts: tuple[tuple[float, float, str], ...] = ()) -> Grid:
    """The table's grid with its text placed (`starts`: the page's `_starts`, made once a page;
    `cuts`: the page's cut cells, `Ruling.cuts`, whose clipped-away lines under the table are theirs)."""
    rows, cols, anchor = list(outline.rows), list(outline.cols), outline.anchor
    left, right, top, bottom = cols[0][0], cols[-1][1], rows[0][0], rows[-1][1]
    row_of, col_of = _Spans(rows, descending=True), _Spans(cols)
    borders_of: dict[int, list[float]] = {}  # a row's drawn borders between columns
    placed: dict[tuple[int, int], list[glyphs.Char]] = {}
    inside = _inside(_starts(runs) if starts is None else starts, left, right, top, bottom)
    # this table's cut cells, by their clip's middle: a line each cut is placed by its clip, in the
    # cell it was clipped to, whether drawn in the table or under its last row
    cut_at = {(x, y) for x, y, _ in cuts if _within(x, y, (left, bottom, right, top))}
    if cut_at:
        taken = set(inside)
        inside += [k for k, run in enumerate(runs) if k not in taken and run[0].hidden
                   and _clip_middle(run[0].clip) in cut_at]
    for k in inside:
        run = runs[k]
        r = row_of.index(run[0].cy)
        borders = borders_of.get(r)
        if borders is None:
            borders = borders_of[r] = sorted(cols[c][1] for c in range(len(cols) - 1)
                                             if anchor[(r, c)] != anchor[(r, c + 1)])
        for part in _cut_at_borders(run, borders) if borders else (run,):
            first = part[0]  # inside the table: the run starts there, and borders are inside
            clipped = _clip_middle(first.clip) if first.clip is not None else None  # `hidden`
            x, y = clipped if clipped in cut_at else (first.cx, first.cy)
            cell = anchor[(row_of.index(y), col_of.index(x))]
            placed.setdefault(cell, []).extend(part)
    data = [[""] * len(cols) for _ in rows]
    spans: list[list[tuple[float, float] | None]] = [[None] * len(cols) for _ in rows]
    # each region's extent across, on its top row: from its own column to the last column of that
    # row it holds (found from the row's right end back to its own column, by `list.index`)
    backwards: dict[int, list[tuple[int, int]]] = {}
    for r, _ in placed:
        if r not in backwards:
            backwards[r] = [anchor[(r, k)] for k in range(len(cols) - 1, -1, -1)]
    across = {(r, c): (cols[c][0], cols[len(cols) - 1 - backwards[r].index((r, c), 0, len(cols) - c)][1])
              for r, c in placed}
    margins = glyphs.margins((across[cell], chars) for cell, chars in placed.items())
    bottom_of: dict[tuple[int, int], float] = {}  # each region's bottom border
    for (r, c), top_left in anchor.items():
        bottom_of[top_left] = min(bottom_of.get(top_left, rows[r][1]), rows[r][1])
    full = []
    for (r, c), chars in placed.items():
        placed_lines = glyphs.lines(chars)
        data[r][c] = glyphs.text(chars, across[(r, c)], margins, placed_lines)
        if _fills(placed_lines, bottom_of[(r, c)]):
            full.append((r, c))
        # by character centres: glyphs overhang a border they are printed against; a clipped tail
        # runs on past the table's edge, and its column is the last one all the same
        middles = list(map(glyphs._CX, chars))
        spans[r][c] = (min(middles), min(max(middles), right))
    return Grid(
        page=page_no,
        rows=tuple(tuple(row) for row in data),
        row_y=tuple(rows),
        col_x=tuple(cols),
        spans=tuple(tuple(row) for row in spans),
        anchors=tuple(tuple(anchor[(r, c)] for c in range(len(cols))) for r in range(len(rows))),
        full=frozenset(full),
    )


LINE = 1.5  # em: the height of a line, where a cell prints only one (a CJK font's spacing is 1.3–1.5 em)
_DESCENT = 0.15  # em: below the baseline (as `glyphs.Char.cy` takes it)


def _fills(lines: list[list[glyphs.Char]], bottom: float) -> bool:
    """The cell's text (its `glyphs.lines`) fills it to within one line of its bottom border: the foot
    of its last line (baseline less descent) is less than a line above the border, so no further line
    would have fitted under it. A line is the spacing of the cell's lines where it prints two or more, else
    `LINE` em. A producer that clips text to the row prints such a cell the same whether its text
    ends there or goes on (`forms.reader`: `may_be_cut`)."""
    last = lines[-1]
    size = max(map(glyphs._SIZE, last))
    if len(lines) < 2:  # one line: no spacing to measure
        pitch = LINE * size
    else:
        bases = [max(map(glyphs._BASE, line)) for line in lines]
        steps = sorted(a - b for a, b in zip(bases, bases[1:]))
        pitch = steps[len(steps) // 2]  # the median: a blank line is two
    return min(map(glyphs._BASE, last)) - _DESCENT * size - bottom < pitch


UNDER = 1.0  # em: text this close under a table's bottom edge (or under such text) may be a cut cell's


def _under(grid: Grid, runs: list[list[glyphs.Char]], found: list["_Outline"]) -> Grid:
    """The grid with, per column, the text printed just under its bottom edge (within `UNDER` em,
    line after line) and wholly within that column's borders, outside every table of the page: a
    note under a table spans columns, or starts at the table's left; a cut cell's rest does not."""
    def outside_tables(run: list[glyphs.Char]) -> bool:
        ch = run[0]
        return not any(o.rows[-1][1] <= ch.cy <= o.rows[0][0] and o.cols[0][0] <= ch.cx <= o.cols[-1][1]
                       for o in found)

    below = sorted((r for r in runs if r[0].cy < grid.bottom and outside_tables(r)
                    and not any(ch.hidden for ch in r)  # what no viewer shows is no cell's rest
                    and r[0].ink0 > grid.left + glyphs.TOUCH * r[0].size),  # a note starts at the edge
                   key=lambda r: -max(ch.inky1 for ch in r))
    texts = []
    for left, right in grid.col_x:
        edge, taken = grid.bottom, []
        for run in below:
            top, em = max(ch.inky1 for ch in run), max(ch.size for ch in run)
            if run[0].cy >= edge:  # its middle under the edge: a glyph may straddle the border
                continue
            if edge - top > UNDER * em:
                break
            tol = glyphs.TOUCH * em
            if all(left - tol <= ch.ink0 and ch.ink1 <= right + tol for ch in run):
                taken.extend(run)
                edge = min(ch.inky0 for ch in run)
        texts.append(glyphs.text(taken) if taken else "")
    return dataclasses.replace(grid, under=tuple(texts)) if any(texts) else grid


def _ruled_along(horizontal, y: float, a: float, b: float) -> bool:
    """A horizontal ruled line runs at height y from a to b."""
    return any(abs(y0 - y) <= LINE_TOL and abs(y1 - y) <= LINE_TOL and min(x0, x1) <= a + LINE_TOL
               and max(x0, x1) >= b - LINE_TOL for x0, y0, x1, y1 in horizontal)


def _open_edges(grid: Grid, ruling: Ruling) -> Grid:
    """The grid with, per column, whether a ruled line is drawn along its top and its bottom edge
    (Camelot closes every table's outline whether or not its border is drawn)."""
    return dataclasses.replace(
        grid, open_top=tuple(not _ruled_along(ruling.horizontal, grid.top, a, b) for a, b in grid.col_x),
        open_bottom=tuple(not _ruled_along(ruling.horizontal, grid.bottom, a, b) for a, b in grid.col_x))


def _cut_region(ch: glyphs.Char, found: list[_Outline], horizontal, box) -> bool:
    """A glyph off the page, straight below (or above) a column of a table that has no border drawn
    along that edge: the text of a merged cell a page break cuts, which LibreOffice Calc draws on every
    page the cell spans, where the cell's middle falls (on the page where it shows, it is read there;
    here it prints nothing). Any other glyph off the page is a damaged drawing (`glyphs.misdrawn`)."""
    below = (ch.inky0 + ch.inky1) / 2 < box[1]
    for o in found:
        edge = o.rows[-1][1] if below else o.rows[0][0]
        for a, b in o.cols:
            if a <= ch.cx <= b and not _ruled_along(horizontal, edge, a, b):
                return True
    return False


def _under_its_cell(ch: glyphs.Char, tables: list[tuple[float, float, float, float]], horizontal) -> bool:
    """A hidden glyph drawn under the cell it is clipped to, within its width, where that cell is in
    a table and its bottom border is drawn: a line the border cut, under a table's last row (in the
    table, `_cut_cells` sees it by its ink). A merged label's copy Calc draws at a page break lies
    under a part whose bottom no border closes, or above it (`_cut_region`), and is not this."""
    x0, y0, x1, _ = ch.clip
    mx, my = _clip_middle(ch.clip)
    return (ch.inky0 + ch.inky1) / 2 < y0 and x0 <= (ch.ink0 + ch.ink1) / 2 <= x1 \
        and any(a <= mx <= c and b <= my <= d for a, b, c, d in tables) and _ruled_along(horizontal, y0, x0, x1)


TABLE_CUT = "the table is cut by the edge of what the page prints"  # how `Grid.cut` names a table, not a cell, cut


def _cut_cells(chars: list[glyphs.Char], found: list[_Outline],
               horizontal=()) -> tuple[tuple[float, float, str], ...]:
    """The cells of the page's tables whose border cuts their text: a glyph a viewer does not see,
    clipped to its cell (`glyphs.Char.hidden`), in a table. LibreOffice Calc prints a cell's text
    clipped to a row whose fixed height is too low for it, and writes the line the border cuts into
    the text layer all the same, but not the lines after it: read as placed, that line goes into the
    cell below (or, where it is the cell's own, the cell reads on as far as that line only), and the
    value loaded is part of the value. Each is a point inside the cell (its clip's middle) and a
    reason naming what it shows and what is cut away (`Grid.cut`). The cut line is read into the
    cell it was clipped to (`_grid`), so the cell reads as far as the text layer goes; a free-text
    field read from it is flagged `may_be_cut`, any other refuses its form (`forms.reader`); a
    table that is no form (a summary, an attachment) costs nothing.
    (A line the border cuts may be the cell's last: the text layer then holds all of it, but nothing
    printed says so.)

    Hidden glyphs outside every table are left to the rules that place them: the copies of a
    merged cell's label Calc draws on every page the cell spans (`_cut_region`), and the text a
    too-wide sheet continues on its spill page (`page_runs`)."""
    hidden = [ch for ch in chars if ch.clip is not None]  # `hidden`, without a property call a glyph
    if not hidden:
        return ()
    tables = [(o.cols[0][0], o.rows[-1][1], o.cols[-1][1], o.rows[0][0]) for o in found]
    # in a table by the middle of its ink (its blank advance may reach past the table's edge), or
    # under the table's last row, cut by its border (`_under_its_cell`)
    cut = [ch for ch in hidden if any(x0 <= (ch.ink0 + ch.ink1) / 2 <= x1
                                      and y0 <= (ch.inky0 + ch.inky1) / 2 <= y1 for x0, y0, x1, y1 in tables)
           or _under_its_cell(ch, tables, horizontal)]
    out = []
    for clip in dict.fromkeys(ch.clip for ch in cut):
        shown_part = glyphs.text([ch for ch in chars if not ch.hidden and _within(ch.cx, ch.cy, clip)])
        lost = glyphs.text([ch for ch in cut if ch.clip == clip]).replace("\n", "")
        # a cell's clip lies in its table; one reaching past the table is the page's (a browser
        # clips what runs past its printable area): the table is cut, not a cell
        cell = any(x0 - 1 <= clip[0] and clip[2] <= x1 + 1 and y0 - 1 <= clip[1] and clip[3] <= y1 + 1
                   for x0, y0, x1, y1 in tables)
        where = f"(x {clip[0]:.0f}–{clip[2]:.0f}, y {clip[1]:.0f}–{clip[3]:.0f})"
        shows = _short(shown_part.replace(chr(10), ''))
        cover = next((ch.covered for ch in cut if ch.clip == clip and ch.covered), "")
        if cover:
            out.append((*_clip_middle(clip), f"text in a cell is covered by {cover} {where}: "
                        f"{_short(lost)!r} is under it, where no viewer shows it"))
            continue
        what, why = (("the text of a cell is cut by its border", "part of the value only (a row too low for its text)")
                     if cell else (TABLE_CUT,
                                   "part of the table only (a table wider or longer than its page)"))
        out.append((*_clip_middle(clip),
                    f"{what} {where}: it shows {shows!r}, and {_short(lost)!r} is drawn outside it, "
                    f"where no viewer shows it; the producer printed {why}"))
    return tuple(out)


def _past_the_page(found: list[_Outline], box: tuple[float, float, float, float]
                   ) -> tuple[tuple[float, float, str], ...]:
    """The page's tables ruled past its edge (a browser prints a web page's too-wide table so, its
    columns past the edge not printed at all), each named at its first cell as a table cut (`TABLE_CUT`)."""
    out = []
    for o in found:
        left, right = o.cols[0][0], o.cols[-1][1]
        if left < box[0] - _EDGE or right > box[2] + _EDGE:
            out.append(((o.cols[0][0] + o.cols[0][1]) / 2, (o.rows[0][0] + o.rows[0][1]) / 2,
                        f"{TABLE_CUT}: ruled from x {left:.0f} to {right:.0f}, the page from {box[0]:.0f} to "
                        f"{box[2]:.0f}; what lies past its edge is not printed"))
    return tuple(out)


_EDGE = 2.0  # pt: a table's border drawn this far past the page's edge is still the table's edge


def _annotated(annotated: list[tuple[tuple[float, float, float, float], str]], found: list[_Outline]
               ) -> tuple[tuple[float, float, str], ...]:
    """The cells of the page's tables that an annotation printing text lies over (`glyphs.annotations`:
    a value typed over a cell with a PDF editor), each as a cut cell (`Grid.cut`): what the page shows
    there is not in its text layer, so the cell's text is not what it shows."""
    out = []
    for (a0, b0, a1, b1), what in annotated:
        for o in found:
            for r, (top, bottom) in enumerate(o.rows):
                for c, (left, right) in enumerate(o.cols):
                    x0, x1, y0, y1 = max(a0, left), min(a1, right), max(b0, bottom), min(b1, top)
                    if x1 - x0 > LINE_TOL and y1 - y0 > LINE_TOL:
                        out.append(((x0 + x1) / 2, (y0 + y1) / 2,
                                    f"{what} is drawn over a cell (x {a0:.0f}–{a1:.0f}, y {b0:.0f}–{b1:.0f}): "
                                    f"the text it shows is not in the page's text, which is read"))
    return tuple(out)


def _cut_of(grid: Grid, ruling: Ruling) -> Grid:
    """The grid with those of its page's cut cells that lie in it (`_cut_cells`), by region, each
    also `full` (its text certainly goes on past its border)."""
    cut = {}
    for x, y, why in ruling.cuts:
        if grid.left <= x <= grid.right and grid.bottom <= y <= grid.top:
            r = _Spans(list(grid.row_y), descending=True).index(y)
            c = _Spans(list(grid.col_x)).index(x)
            cut.setdefault(grid.anchors[r][c] if grid.anchors else (r, c), why)
    return dataclasses.replace(grid, cut=tuple(cut.items()), full=grid.full | set(cut)) if cut else grid


def _clip_middle(clip: tuple[float, float, float, float]) -> tuple[float, float]:
    """The middle of a clip box: a point inside the cell a producer clips a text to."""
    return (clip[0] + clip[2]) / 2, (clip[1] + clip[3]) / 2


def _within(x: float, y: float, box: tuple[float, float, float, float] | None) -> bool:
    """The point lies in the box (within `LINE_TOL`)."""
    return box is not None and box[0] - LINE_TOL <= x <= box[2] + LINE_TOL and \
        box[1] - LINE_TOL <= y <= box[3] + LINE_TOL


def _short(text: str, keep: int = 24) -> str:
    return text if len(text) <= keep else text[:keep] + "…"


def _starts(runs: list[list[glyphs.Char]]):
    """Each run's first glyph's middle up the page, left edge, middle across and size: an array of
    the page's runs (4 × runs), for `_inside`."""
    import numpy as np

    return np.array([(run[0].cy, run[0].x0, run[0].cx, run[0].size) for run in runs], dtype=float).reshape(-1, 4).T


def _inside(starts, left: float, right: float, top: float, bottom: float) -> list[int]:
    """The runs of a page a table holds, by index, in page order: those starting between its top and
    bottom that it keeps (`_kept`), judged for all the page's runs at once (`_starts`)."""
    import numpy as np

    cy, x0, cx, size = starts
    held = (bottom <= cy) & (cy <= top) & (left - glyphs.TOUCH * size <= x0) & (cx <= right)
    return np.flatnonzero(held).tolist()


def _kept(run: list[glyphs.Char], left: float, right: float) -> bool:
    """Whether a run belongs to the table: it starts inside it. Dropped: text beside the table, and
    the re-drawn tail of a clipped line (it starts off the table, or with a glyph cut by its left
    edge) with what continues it; kept: a clipped tail running on past the right edge from inside."""
    first = run[0]
    return left - glyphs.TOUCH * first.size <= first.x0 and first.cx <= right


def _cut_at_borders(run: list[glyphs.Char], borders: list[float]) -> list[list[glyphs.Char]]:
    """A run cut at each drawn border (`borders`: their x, ascending) between the ink of two glyphs
    that are not set one after the other: the text of two cells. Set one after the other, the second
    starts where the first's advance ends, or a little after it (`glyphs.TOUCH`), never inside it: a
    glyph starting inside the advance before it was placed there, not advanced to (a cell's last "。"
    hangs its blank half over the border, and the next cell's text may start under that half). Text
    set on across a border, or ink across it (punctuation hung past it), keeps the run whole; but a
    border inside the blank end of the first glyph's advance is that glyph hung past its cell's edge,
    whatever follows (a "）" whose advance ends where the next cell's text happens to start)."""
    touch, count = glyphs.TOUCH, len(borders)
    part = [run[0]]
    parts = [part]
    for a, b in zip(run, run[1:]):
        em, other = a.size, b.size
        if other > em:  # max(a.size, b.size), inline: a glyph's cost
            em = other
        tol = touch * em
        k = bisect_left(borders, a.ink1 - tol)  # the first border at or right of the first's ink
        if k < count and borders[k] <= b.ink0 + tol and (not -_INSIDE * em <= b.x0 - a.x1 <= tol or any(
                a.ink1 + tol < x < a.x1 - tol for x in borders[k:] if x <= b.ink0 + tol)):  # not set on, or
            part = []  # hung past the border
            parts.append(part)
        part.append(b)
    return parts


_INSIDE = 0.01  # em: a glyph starting further inside the advance before it is not set after it


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
    return {(r, c): find((r, c)) if (r, c) in parent else (r, c) for r in range(n) for c in range(m)}


class _Spans:
    """Where a value falls among a table's rows or columns, as `_index` finds it, by bisection of
    their edges when they follow one another (as Camelot's always do)."""

    def __init__(self, spans: list[tuple[float, float]], descending: bool = False) -> None:
        self.spans, self.descending = spans, descending
        sign = -1.0 if descending else 1.0  # rows run down the page: their edges, negated, ascend
        edges = [sign * spans[0][0]] + [sign * b for _, b in spans]
        follow = all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1)) and \
            all(a <= b for a, b in zip(edges, edges[1:]))
        self.edges, self.sign = (edges if follow else None), sign

    def index(self, v: float) -> int:
        if self.edges is None:
            return _index(self.spans, v, self.descending)
        w = self.sign * v
        k = bisect_left(self.edges, w)  # the first edge at or past w
        if k == 0:
            return 0 if w == self.edges[0] else _index(self.spans, v, self.descending)
        if k == len(self.edges):
            return _index(self.spans, v, self.descending)
        return k - 1


def _index(spans: list[tuple[float, float]], v: float, descending: bool = False) -> int:
    for i, (a, b) in enumerate(spans):
        lo, hi = (b, a) if descending else (a, b)
        if lo <= v <= hi:
            return i
    # between two spans by rounding: take the nearest
    return min(range(len(spans)), key=lambda i: abs(sum(spans[i]) / 2 - v))


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
