"""A page with no text layer (a scan) → the same `Grid` and `Ruling` objects `tables` reads from text.

Only pages without a text layer come here (`pdf.inspect` lists them), so a mixed PDF keeps its real
text. Per page:

1. rasterise at the scan's own resolution (pypdfium2), grey;
2. deskew: the angle of the long ruled lines (a sheet lies a little crooked on the scanner);
3. the ruling: horizontal and vertical strokes kept by a morphological opening (OpenCV), grouped into
   ruled lines; rows and columns are where they fall, and a cell border is drawn where a line covers
   it (merged cells are one region, as in `tables`);
4. the ruling erased, the text recognised (rapidocr-onnxruntime, its models inside the wheel: it
   reads offline) and each recognised line placed in the cell where it starts (a line that crosses
   a drawn border is recognised again, part by part, each part from its own crop).

The grid that comes out is an `OcrGrid`: a `Grid` whose every cell also carries the confidence of its
weakest recognised line and its box, so the one form reader (`forms`) reads scans as it reads text,
and `pipeline.verify` can say which cells a failed check rests on. Coordinates are PDF points of the
deskewed page, y growing upwards, like every other Grid's.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..tables import Grid, Ruling, _regions
from . import image, ruling
from .corrections import correct, snap_row
from .recognise import ENGINE, FULL_STOP, Line, engine_version, full_stop, read_lines, reread, split_read


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points (y up)


@dataclass(frozen=True)
class OcrGrid(Grid):
    """A Grid read from an image: beside each cell's text, the confidence of its weakest recognised
    line (None for an empty cell), its box, and the text as recognised before any correction."""

    confidence: tuple[tuple[float | None, ...], ...] = ()
    boxes: tuple[tuple[Box | None, ...], ...] = ()
    raw: tuple[tuple[str, ...], ...] = ()  # the text as recognised
    corrections: tuple[tuple[str | None, ...], ...] = ()  # the confusion corrected in a cell, if any


@dataclass(frozen=True)
class OcrPage:
    """What one scanned page gives: its grids, its ruling (for `check_held`-like use) and its text
    in reading order (for the labels printed outside the tables: the title, the year)."""

    page: int
    grids: tuple[OcrGrid, ...]
    ruling: Ruling
    text: str
    angle: float  # degrees the scan was turned back by
    seconds: float


def read_page(path: str | Path, page_no: int) -> OcrPage:
    """Read one scanned page (1-based) into grids, ruling and text."""
    import time

    started = time.monotonic()
    rgb, height_pt, scale = image.render(path, page_no)
    grey, angle = image.deskew(image.ink(rgb))
    horizontal, vertical = ruling.strokes(grey)
    hlines = ruling.lines_of(horizontal, axis=0)
    vlines = ruling.lines_of(vertical, axis=1)
    to_pt = 1.0 / scale

    def px(x: float, y: float) -> tuple[float, float]:
        return x * to_pt, height_pt - y * to_pt

    ruled = Ruling(
        page_no,
        tuple((*px(a, y), *px(b, y)) for y, a, b in hlines),
        tuple((*px(x, b), *px(x, a)) for x, a, b in vlines),
    )
    clean = ruling.erase(grey, horizontal, vertical, hlines, vlines)
    lines = read_lines(clean)
    tables = ruling.ruled_tables(hlines, vlines, horizontal, vertical)
    grids = [_grid(page_no, rows, cols, cells, lines, px, to_pt, clean)[0] for rows, cols, cells in tables]
    text = "\n".join(_reading_order(lines))
    return OcrPage(page_no, tuple(grids), ruled, text, angle, time.monotonic() - started)


def _index(edges: list[tuple[float, float]], v: float) -> int | None:
    for i, (a, b) in enumerate(edges):
        if a <= v <= b:
            return i
    return None


def _place(rows, cols, cells, lines: list[Line], clean: np.ndarray):
    """Each recognised line (or its parts, where it crosses a drawn border) in the cell region where
    it starts: (parts by region anchor, the indices of the lines placed, each region's extent as
    first row, first column, last row, last column)."""
    anchor = _regions(cells)
    placed: dict[tuple[int, int], list[Line]] = {}
    taken: set[int] = set()
    top, bottom, left, right = rows[0][0], rows[-1][1], cols[0][0], cols[-1][1]
    for n, line in enumerate(lines):
        if not (top <= line.cy <= bottom and left - 4 <= line.x0 + line.height / 3 <= right):
            continue
        r = _index(rows, line.cy)
        if r is None:
            continue
        borders = [cols[c][1] for c in range(len(cols) - 1) if anchor[(r, c)] != anchor[(r, c + 1)]]
        for part in split_read(line, borders, clean):
            c = _index(cols, part.x0 + min(part.height, part.x1 - part.x0) / 2)
            if c is None:
                c = _index(cols, (part.x0 + part.x1) / 2)
            if c is None:
                continue
            placed.setdefault(anchor[(r, c)], []).append(part)
            taken.add(n)
    extent: dict[tuple[int, int], list[int]] = {}
    for r in range(len(rows)):
        for c in range(len(cols)):
            e = extent.setdefault(anchor[(r, c)], [r, c, r, c])
            e[2], e[3] = max(e[2], r), max(e[3], c)
    return placed, taken, extent


def _grid(page_no: int, rows, cols, cells, lines: list[Line], px, to_pt: float, clean: np.ndarray):
    """An OcrGrid from a table's ruling and the recognised lines that start inside it. A cell the
    page's text detector found nothing in but that holds ink (a lone "—", a digit the detector
    passed over) is recognised again on its own."""
    placed, taken, extent = _place(rows, cols, cells, lines, clean)
    for key, (r0, c0, r1, c1) in extent.items():
        if key not in placed:
            line = reread(clean, rows[r0][0], rows[r1][1], cols[c0][0], cols[c1][1])
            if line is not None:
                placed[key] = [line]
    data = [["" for _ in cols] for _ in rows]
    spans: list[list[tuple[float, float] | None]] = [[None for _ in cols] for _ in rows]
    conf: list[list[float | None]] = [[None for _ in cols] for _ in rows]
    boxes: list[list[Box | None]] = [[None for _ in cols] for _ in rows]
    raw: list[list[str]] = [["" for _ in cols] for _ in rows]
    fixes: list[list[str | None]] = [[None for _ in cols] for _ in rows]
    for (r, c), parts in placed.items():
        raw[r][c] = "\n".join(_reading_order(parts))
        marks = _marks(parts)
        parts = [p for p in parts if p not in marks]
        _, _, r1, c1 = extent[(r, c)]
        stop = full_stop(clean, parts, cols[c1][1] - 4, rows[r1][1] - 4)
        if stop is not None:
            parts = parts + [stop]
        data[r][c], fixes[r][c] = correct("\n".join(_reading_order(parts)))
        notes = [f"mark {' '.join(repr(m.text) for m in marks)} dropped"] if marks else []
        notes += [f"wrapped {FULL_STOP!r} read from its shape"] if stop is not None else []
        if notes:
            fixes[r][c] = ", ".join(notes + ([fixes[r][c]] if fixes[r][c] else []))
        conf[r][c] = min(p.conf for p in parts)
        x0, x1 = min(p.x0 for p in parts), max(p.x1 for p in parts)
        y0, y1 = min(p.y0 for p in parts), max(p.y1 for p in parts)
        em = min(p.height for p in parts if p is not stop) * 0.3  # glyph centres, not the padded box
        spans[r][c] = ((x0 + em) * to_pt, max(x0 + em, x1 - em) * to_pt)
        (bx0, by1), (bx1, by0) = px(x0, y0), px(x1, y1)
        boxes[r][c] = (round(bx0, 1), round(by0, 1), round(bx1, 1), round(by1, 1))
    for r, row in enumerate(data):  # a label near several: not one its row already prints
        data[r], fixes[r] = snap_row(row, fixes[r])
    grid = OcrGrid(
        page=page_no,
        rows=tuple(tuple(row) for row in data),
        row_y=tuple((px(0, a)[1], px(0, b)[1]) for a, b in rows),
        col_x=tuple((a * to_pt, b * to_pt) for a, b in cols),
        spans=tuple(tuple(row) for row in spans),
        confidence=tuple(tuple(row) for row in conf),
        boxes=tuple(tuple(row) for row in boxes),
        raw=tuple(tuple(row) for row in raw),
        corrections=tuple(tuple(row) for row in fixes),
    )
    return grid, taken


_MARK_CONFIDENCE = 0.7  # a line of a character or two read below this, and smaller than the
_MARK_HEIGHT = 0.8  # text beside it by this much, is a mark (a seal's faint outline), not text


def _marks(parts: list[Line]) -> list[Line]:
    """The lines of a cell that are marks, not text: a character or two, recognised with a low
    confidence, smaller than the text lines the cell also holds ("75" and "C" read in the outline a
    seal leaves over "项目名称：" and its value). A cell of one line keeps it (a number under the
    seal is checked by the rules, not guessed at here)."""
    text = [p for p in parts if len(p.text) > 2 and p.conf >= 0.85]
    if not text:
        return []
    tall = max(p.height for p in text)
    return [p for p in parts if len(p.text) <= 2 and p.conf < _MARK_CONFIDENCE and p.height < _MARK_HEIGHT * tall]


def _reading_order(lines: list[Line]) -> list[str]:
    """Recognised lines grouped into printed lines (top to bottom), each read left to right."""
    out: list[list[Line]] = []
    for line in sorted(lines, key=lambda l: (l.cy, l.x0)):
        if out and abs(line.cy - out[-1][0].cy) <= 0.5 * min(line.height, out[-1][0].height):
            out[-1].append(line)
        else:
            out.append([line])
    texts = []
    for group in out:
        group.sort(key=lambda l: l.x0)
        text = group[0].text
        for a, b in zip(group, group[1:]):
            text += (" " if b.x0 - a.x1 > 0.5 * min(a.height, b.height) else "") + b.text
        texts.append(text)
    return texts


# -- a report's scanned pages -----------------------------------------------------------------------

PAGE_SECONDS = 120  # default per-page limit ($JIXIAO_OCR_PAGE_SECONDS): a page is ~6-20 s on one core


def page_seconds() -> int:
    return int(os.environ.get("JIXIAO_OCR_PAGE_SECONDS", PAGE_SECONDS))


def read_scanned(info, grids: list[Grid], rulings: dict[int, Ruling], cache: dict[int, "OcrPage"] | None = None):
    """The hook `extract` calls for a report with scanned pages: every page in `info.scanned` read by
    OCR (each within its own time limit), its grids in place of whatever the text reader saw there,
    and its recognised text as the page text. The rulings of scanned pages are left out: `check_held`
    compares grids with the text layer, which a scan has none of (each OcrPage keeps its own ruling).
    Returns (grids, rulings, info, pages). `cache` keeps the pages read, for a caller that asks again
    with more pages (`pipeline.extract.read_part` reading on to the next form)."""
    import dataclasses

    from ..errors import OverLimit

    scanned = set(info.scanned)
    grids = [g for g in grids if g.page not in scanned]
    rulings = {p: r for p, r in rulings.items() if p not in scanned}
    texts = list(info.page_texts)
    pages: dict[int, OcrPage] = {}
    cache = {} if cache is None else cache
    for page_no in info.scanned:
        if page_no in cache:
            pages[page_no] = cache[page_no]
            texts[page_no - 1] = cache[page_no].text
            continue
        limit = _Limit()
        try:
            with _time_limit(page_seconds(), limit):
                page = read_page(info.path, page_no)
        except Exception:  # the alarm may come inside onnxruntime, which wraps what it raises
            if not limit.expired:
                raise
            raise OverLimit(str(info.path), f"page {page_no} took more than {page_seconds()} s to "
                            "read by OCR ($JIXIAO_OCR_PAGE_SECONDS)", page_no) from None
        pages[page_no] = cache[page_no] = page
        texts[page_no - 1] = page.text
    pages = _aligned(pages)
    for page in pages.values():
        grids.extend(page.grids)
    grids.sort(key=lambda g: (g.page, -g.top, g.left))
    return grids, rulings, dataclasses.replace(info, page_texts=tuple(texts)), pages


def _aligned(pages: dict[int, OcrPage]) -> dict[int, OcrPage]:
    """Every scanned page's tables shifted across to where the first page's table stands: each sheet
    lies on the scanner a little elsewhere, and the reader places a cell by the x of its column's
    header, which a form prints once, on its first page."""
    import dataclasses

    out: dict[int, OcrPage] = {}
    anchor: tuple[float, float] | None = None
    for no in sorted(pages):
        page = pages[no]
        if not page.grids:
            out[no] = page
            continue
        left = min(g.left for g in page.grids)
        right = max(g.right for g in page.grids)
        if anchor is None:
            anchor = (left, right)
            out[no] = page
            continue
        if abs((right - left) - (anchor[1] - anchor[0])) > 0.02 * (anchor[1] - anchor[0]):
            out[no] = page  # another table, not the same ruling moved
            continue
        dx = anchor[0] - left
        out[no] = dataclasses.replace(page, grids=tuple(_shifted(g, dx) for g in page.grids))
    return out


def _shifted(grid: OcrGrid, dx: float) -> OcrGrid:
    import dataclasses

    return dataclasses.replace(
        grid,
        col_x=tuple((a + dx, b + dx) for a, b in grid.col_x),
        spans=tuple(tuple(None if s is None else (s[0] + dx, s[1] + dx) for s in row) for row in grid.spans),
        boxes=tuple(tuple(None if b is None else (round(b[0] + dx, 1), b[1], round(b[2] + dx, 1), b[3])
                          for b in row) for row in grid.boxes),
    )


def attach(forms: list, pages: dict[int, OcrPage]) -> list:
    """Each form printed on a scanned page, with its `OcrReading`: engine, version and every
    non-empty cell of its scanned pages, with confidence, box and correction."""
    import dataclasses

    from ..model import OcrCell, OcrReading

    out = []
    for form in forms:
        on = [p for p in range(form.source.first_page, form.source.last_page + 1) if p in pages]
        if not on:
            out.append(form)
            continue
        cells = []
        for p in on:
            for grid in pages[p].grids:
                for r, row in enumerate(grid.rows):
                    for c, text in enumerate(row):
                        if text:
                            cells.append(OcrCell(p, r, c, text, grid.raw[r][c], grid.confidence[r][c],
                                                 grid.boxes[r][c], grid.corrections[r][c]))
        reading = OcrReading(ENGINE, engine_version(), tuple(on), tuple(cells))
        out.append(dataclasses.replace(form, ocr=reading))
    return out


class _PageTimeout(Exception):
    pass


@dataclass
class _Limit:
    expired: bool = False


@contextmanager
def _time_limit(seconds: int, state: _Limit):
    """SIGALRM after `seconds` where it can be set (the main thread of a worker process); elsewhere
    the report's own limit (`pipeline.bounded`) still holds. `state.expired` says it rang."""
    import signal
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "SIGALRM"):
        yield
        return

    def alarm(signum, frame):
        state.expired = True
        raise _PageTimeout()

    previous = signal.signal(signal.SIGALRM, alarm)
    left = signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if left:
            signal.alarm(left)
