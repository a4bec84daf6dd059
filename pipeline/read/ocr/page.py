"""The entry of OCR: a scanned page → its grids, ruling and text; a report's scanned pages → grids.

`pipeline.extract` calls here (`read_scanned`, then `attach`), and `read_page` runs the steps of one
page in the order they happen: `image` (rasterise, seal, deskew, flatten) → `ruling` (the table's lines,
erased) → `recognise` (the text) → `cells` (placed in the cells, corrected by `corrections`). Around
them: each page within its own time limit, and the pages of a report aligned to its first.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ... import bounded
from ..grids import Grid, Ruling
from . import cells, image, ruling
from .cells import OcrGrid
from .corrections import correct
from .recognise import ENGINE, by_cells, engine_version, read_lines, read_regions

if TYPE_CHECKING:
    from ..pdf import PdfInfo


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
    """Read one scanned page (1-based) into grids, ruling and text. A page scanned on its side (its
    ruling running up and down it, `_sideways`) is read turned a quarter each way, one read with
    little confidence (`UPSIDE_DOWN`) turned over too, and the way the recogniser reads with more
    confidence is kept; its cells' boxes are given back where the page shows them (the evidence
    outlined on its image)."""
    import time

    started = time.monotonic()
    rgb, height_pt, scale = image.render(path, page_no)
    grey, angle = image.deskew(image.ink(rgb))
    grey, _ = image.flatten(grey)  # a phone photo's perspective
    width_pt = grey.shape[1] / scale
    found = _ruling(grey)
    if _sideways(*found[2:4]):
        grids, ruled, lines = max((_turned(grey, k, page_no, scale, width_pt, height_pt) for k in (1, 3)),
                                  key=lambda read: _score(read[2]))
    else:
        grids, ruled, lines = _read(grey, found, page_no, scale)
        if lines and _median([ln.conf for ln in lines]) < UPSIDE_DOWN:  # a sheet fed upside down?
            grids, ruled, lines = max(((grids, ruled, lines), _turned(grey, 2, page_no, scale, width_pt, height_pt)),
                                      key=lambda read: _score(read[2]))
    text = "\n".join(cells.reading_order(lines))
    return OcrPage(page_no, tuple(grids), ruled, text, angle, time.monotonic() - started)


def _turned(grey, k: int, page_no: int, scale: float, width_pt: float, height_pt: float
            ) -> tuple[list[OcrGrid], Ruling, list]:
    """The page read turned by `k` quarter turns counter-clockwise, its boxes given back (`_shown`)."""
    import numpy as np

    turned = np.ascontiguousarray(np.rot90(grey, k))
    grids, ruled, lines = _read(turned, _ruling(turned), page_no, scale)
    return [_shown(g, k, width_pt, height_pt) for g in grids], ruled, lines


def _ruling(grey) -> tuple:
    """The page's ruled strokes (horizontal, vertical), the lines they make (`ruling`), and its ink
    (`image.binary`) they were found in."""
    ink = image.binary(grey)
    horizontal, vertical = ruling.strokes(ink)
    return horizontal, vertical, ruling.lines_of(horizontal, axis=0), ruling.lines_of(vertical, axis=1), ink


def _read(grey, found: tuple, page_no: int, scale: float) -> tuple[list[OcrGrid], Ruling, list]:
    """The steps after the image: the ruling (`found`, `_ruling`) erased, the text recognised, the
    cells placed. Points are the image's own at `scale`, y up."""
    horizontal, vertical, hlines, vlines, ink = found
    to_pt = 1.0 / scale
    height_pt = grey.shape[0] * to_pt

    def px(x: float, y: float) -> tuple[float, float]:
        return x * to_pt, height_pt - y * to_pt

    ruled = Ruling(
        page_no,
        tuple((*px(a, y), *px(b, y)) for y, a, b in hlines),
        tuple((*px(x, b), *px(x, a)) for x, a, b in vlines),
    )
    clean = ruling.erase(grey, horizontal, vertical, hlines, vlines)
    tables = ruling.ruled_tables(hlines, vlines, horizontal, vertical, ink)
    lines = read_regions(clean, _regions(tables, clean.shape)) if by_cells() else read_lines(clean)
    grids = [cells.grid(page_no, rows, cols, drawn, lines, px, to_pt, clean)[0] for rows, cols, drawn in tables]
    return grids, ruled, lines


# the median confidence of a page's lines: 0.99 or more on every upright scanned page measured (37
# pages: fixtures, made scans of every variant), 0.81 upside down: under this, the page is read turned
# over too, and the reading with more confidence kept
UPSIDE_DOWN = 0.9


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _score(lines: list) -> float:
    """How much of a page the recogniser read, and how surely: its characters weighed by confidence."""
    return sum(ln.conf * len(ln.text) for ln in lines)


_ROWS = 5  # and at least this many vertical lines: a table's rows (a page edge's shadow or a fold is one or two)
SIDEWAYS = 1.5  # vertical ruling this many times the horizontal, by length: the page lies on its side


def _sideways(hlines: list, vlines: list) -> bool:
    """The page was scanned on its side: its ruled lines run mostly up and down it. A form's table
    is ruled by long borders between its many rows and few between its columns (vertical ruling
    0.18 to 0.54 of the horizontal, by length, on every scanned page measured upright; 3.8 to 4.3
    turned a quarter)."""
    across = sum(b - a for _, a, b in hlines)
    down = sum(b - a for _, a, b in vlines)
    return len(vlines) >= _ROWS and down > SIDEWAYS * across


def _shown(grid: OcrGrid, k: int, width_pt: float, height_pt: float) -> OcrGrid:
    """A grid read from the page turned by `k` quarter turns counter-clockwise (numpy's `rot90`), its
    cells' boxes taken back to the page as it shows (`width_pt` x `height_pt`); its rows and columns
    stay the turned page's, whose text is level."""
    import dataclasses

    def back(x: float, y: float) -> tuple[float, float]:
        if k == 2:
            return width_pt - x, height_pt - y
        return (y, height_pt - x) if k == 1 else (width_pt - y, x)

    def box(b):
        if b is None:
            return None
        (xa, ya), (xb, yb) = back(b[0], b[1]), back(b[2], b[3])
        return (round(min(xa, xb), 1), round(min(ya, yb), 1), round(max(xa, xb), 1), round(max(ya, yb), 1))

    return dataclasses.replace(grid, boxes=tuple(tuple(box(b) for b in row) for row in grid.boxes))


def _regions(tables: list[ruling.Table], shape: tuple[int, ...]) -> list[tuple[float, float, float, float]]:
    """Where a page read by its ruling has text: every cell region of its tables, and the bands of
    the page above, between and below them (the title, the year, a unit's line), as (top, bottom,
    left, right) in pixels."""
    out, above = [], 0.0
    for rows, cols, drawn in sorted(tables, key=lambda t: t[0][0][0]):
        out.append((above, rows[0][0], 0.0, float(shape[1])))
        out.extend(cells.regions(rows, cols, drawn))
        above = rows[-1][1]
    out.append((above, float(shape[0]), 0.0, float(shape[1])))
    return out


# -- a report's scanned pages -----------------------------------------------------------------------

PAGE_SECONDS = 120  # default per-page limit of CPU time ($JIXIAO_OCR_PAGE_SECONDS): a page is ~6-20 s
PAGE_MB = 800  # memory one page read at once may take: its engine and images (~550 MB measured)


def pages_at_once() -> int:
    """Scanned pages one worker reads at once, each in a thread of its own (onnxruntime and OpenCV
    leave the GIL while they work): $JIXIAO_OCR_PAGES_AT_ONCE, else the cores the worker may use
    (`bounded.task_cores`), so that one large scanned report read alone keeps every core busy, and
    a batch of reports, a worker per core, reads a page at a time in each; never more than the
    worker's memory limit holds (`PAGE_MB` a page), so many cores never make a scan over_limit."""
    if asked := os.environ.get("JIXIAO_OCR_PAGES_AT_ONCE"):
        return max(1, int(asked))
    cores, memory = bounded.task_cores(), bounded.task_memory_mb()
    return max(1, min(cores, memory // PAGE_MB) if memory else cores)


def _read_pages(path: str | Path, todo: list[int]) -> list[OcrPage]:
    """The pages `todo` read by OCR, `pages_at_once()` at a time, each round within its limits: the
    CPU time of as many pages as it reads (every thread counts), the wall time of one."""
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    from ...errors import OverLimit

    at_once = max(1, min(len(todo), pages_at_once()))
    pool = ThreadPoolExecutor(at_once, thread_name_prefix="ocr") if at_once > 1 else None
    out: list[OcrPage] = []
    try:
        for i in range(0, len(todo), at_once):
            round_ = todo[i:i + at_once]
            limit = _Limit()
            try:
                with _time_limit(page_seconds() * len(round_), limit,
                                 wall=bounded.WALL_FACTOR * page_seconds()):
                    out += [read_page(path, round_[0])] if pool is None else \
                        list(pool.map(partial(read_page, path), round_))
            except Exception:  # the alarm may come inside onnxruntime, which wraps what it raises
                if not limit.expired:
                    raise
                which = f"page {round_[0]}" if len(round_) == 1 else \
                    f"pages {', '.join(map(str, round_))} (read at once)"
                raise OverLimit(str(path), f"{which} took more than {limit.what} to read by OCR "
                                "($JIXIAO_OCR_PAGE_SECONDS a page)", round_[0]) from None
    finally:
        if pool is not None:  # a round cut short: its other pages end before the worker goes on
            pool.shutdown(wait=True, cancel_futures=True)
    return out


def page_seconds() -> float:
    """The per-page OCR limit in force, in seconds of the worker's CPU time: $JIXIAO_OCR_PAGE_SECONDS,
    else PAGE_SECONDS. A busy machine makes a page take longer, not more CPU: the limit is the same
    on a quiet machine and a loaded one; only wall time past `bounded.WALL_FACTOR` times it ends a page too."""
    return float(os.environ.get("JIXIAO_OCR_PAGE_SECONDS", PAGE_SECONDS))


def read_scanned(info: PdfInfo, grids: list[Grid], rulings: dict[int, Ruling], cache: dict[int, OcrPage] | None = None
                 ) -> tuple[list[Grid], dict[int, Ruling], PdfInfo, dict[int, OcrPage]]:
    """The hook `extract` calls for a report with scanned pages: every page in `info.scanned` read by
    OCR (each within its own time limit), its grids in place of whatever the text reader saw there,
    and its recognised text as the page text. The rulings of scanned pages are left out: `check_held`
    compares grids with the text layer, which a scan has none of (each OcrPage keeps its own ruling).
    Returns (grids, rulings, info, pages). `cache` keeps the pages read, for a caller that asks again
    with more pages (`pipeline.extract.read_part` reading on to the next form)."""
    import dataclasses

    scanned = set(info.scanned)
    grids = [g for g in grids if g.page not in scanned]
    rulings = {p: r for p, r in rulings.items() if p not in scanned}
    texts = list(info.page_texts)
    cache = {} if cache is None else cache
    for page in _read_pages(info.path, [p for p in info.scanned if p not in cache]):
        cache[page.page] = page
    pages: dict[int, OcrPage] = {}
    for page_no in info.scanned:
        pages[page_no] = cache[page_no]
        texts[page_no - 1] = cache[page_no].text
    pages = _aligned(pages)
    for page in pages.values():
        grids.extend(page.grids)
    grids.sort(key=lambda g: (g.page, -g.top, g.left))
    return grids, rulings, dataclasses.replace(info, page_texts=tuple(texts)), pages


def _aligned(pages: dict[int, OcrPage]) -> dict[int, OcrPage]:
    """Every scanned page's tables shifted across to where the first page's table stands: each sheet
    lies on the scanner a little elsewhere, and the reader places a cell by the x of its column's
    header, which a form prints once, on its first page. Only the columns move: a cell's box stays
    where its page shows it (the evidence outlined on the page, `report.pictures`)."""
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
    )


def attach(forms: list, pages: dict[int, OcrPage]) -> list:
    """Each form printed on a scanned page, with its `OcrReading`: engine, version and every
    non-empty cell of its scanned pages, with confidence, box and correction; and a second read
    (`recognise.second_reads`) of each one-line value no check covers (a target, an actual:
    `facts.ocr_trust.unchecked`), the only ones it is compared for. The numbers the rules cover are
    not read twice (a misread there breaks a rule): 58 of 202 recognitions on a corpus page were
    second reads, most of fund amounts and scores (bench/README.md)."""
    import dataclasses

    from ...facts.ocr_trust import unchecked
    from ...model import OcrCell, OcrReading
    from .recognise import second_reads

    out = []
    read_again: dict[tuple[int, int, int, int], str | None] = {}  # (page, grid, row, col): each read once
    for form in forms:
        on = [p for p in range(form.source.first_page, form.source.last_page + 1) if p in pages]
        if not on:
            out.append(form)
            continue
        read, where = [], []
        for p in on:
            for g, grid in enumerate(pages[p].grids):
                for r, row in enumerate(grid.rows):
                    for c, text in enumerate(row):
                        if text:
                            read.append(OcrCell(p, r, c, text, grid.raw[r][c], grid.confidence[r][c],
                                                 grid.boxes[r][c], grid.corrections[r][c], grid=g))
                            where.append((p, g, r, c))
        form = dataclasses.replace(form, ocr=OcrReading(ENGINE, engine_version(), tuple(on), tuple(read)))
        ask = {id(cell) for cell in unchecked(form)}
        todo = [(n, key) for n, (cell, key) in enumerate(zip(read, where))
                if id(cell) in ask and key not in read_again and key[2:] in pages[key[0]].grids[key[1]].again]
        crops = [pages[p].grids[g].again[(r, c)] for _, (p, g, r, c) in todo]
        for (_, key), again in zip(todo, second_reads(crops)):
            read_again[key] = None if again is None else correct(again)[0]
        cells = [dataclasses.replace(cell, second=read_again[key]) if id(cell) in ask and key in read_again else cell
                 for cell, key in zip(read, where)]
        out.append(dataclasses.replace(form, ocr=dataclasses.replace(form.ocr, cells=tuple(cells))))
    return out


class _PageTimeout(Exception):
    pass


@dataclass
class _Limit:
    expired: bool = False
    what: str = ""  # which limit rang, for the refusal: "N s of CPU time" or "N s of wall time"


@contextmanager
def _time_limit(seconds: float, state: _Limit, wall: float | None = None):
    """`seconds` of this process's CPU time (ITIMER_PROF: every thread, user and system), and `wall`
    (default `bounded.WALL_FACTOR` times `seconds`, as for a worker's task) of wall time as the last
    resort (ITIMER_REAL), where timers can be set (the main thread of a worker process); elsewhere
    the report's own limit (`pipeline.bounded`) still holds. `state.expired` says one rang,
    `state.what` which."""
    import signal
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    wall = bounded.WALL_FACTOR * seconds if wall is None else wall

    def rang(signum, frame):
        state.expired = True
        state.what = f"{seconds:g} s of CPU time" if signum == signal.SIGPROF else f"{wall:g} s of wall time"
        raise _PageTimeout()

    import time

    previous = {sig: signal.signal(sig, rang) for sig in (signal.SIGPROF, signal.SIGALRM)}
    clocks = {signal.ITIMER_PROF: time.process_time, signal.ITIMER_REAL: time.monotonic}
    started = {timer: clock() for timer, clock in clocks.items()}
    outer = {timer: signal.setitimer(timer, limit)
             for timer, limit in ((signal.ITIMER_PROF, seconds), (signal.ITIMER_REAL, wall))}
    try:
        yield
    finally:
        for timer in outer:
            signal.setitimer(timer, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for timer, (left, interval) in outer.items():  # a timer set around this one goes on
            if left:
                signal.setitimer(timer, max(0.001, left - (clocks[timer]() - started[timer])), interval)
