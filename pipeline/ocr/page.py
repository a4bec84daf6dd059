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

import dataclasses
import importlib.metadata
import os
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..tables import Grid, Ruling, _regions
from . import image, ruling
from .corrections import DASH, correct, snap_row

ENGINE = "rapidocr-onnxruntime"

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points (y up)


def engine_version() -> str:
    """The installed OCR engine's version, recorded with every form it read (dim_form)."""
    return importlib.metadata.version(ENGINE)


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


@dataclass(frozen=True)
class _Line:
    text: str
    conf: float
    x0: float  # pixels of the deskewed image
    y0: float
    x1: float
    y1: float

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@lru_cache(maxsize=1)
def _engine():
    """One engine per process, one thread per engine: pages are read in parallel by the worker
    pool, not by onnxruntime's threads."""
    from rapidocr_onnxruntime import RapidOCR

    threads = int(os.environ.get("JIXIAO_OCR_THREADS", "1"))
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, use_cls=False,
                    print_verbose=False)


def models_in_wheel() -> list[Path]:
    """The model files the engine loads: inside the installed package, so nothing is downloaded."""
    import rapidocr_onnxruntime

    return sorted((Path(rapidocr_onnxruntime.__file__).parent / "models").glob("*.onnx"))


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
    lines = _recognise(clean)
    tables = ruling.ruled_tables(hlines, vlines, horizontal, vertical)
    grids = [_grid(page_no, rows, cols, cells, lines, px, to_pt, clean)[0] for rows, cols, cells in tables]
    text = "\n".join(_reading_order(lines))
    return OcrPage(page_no, tuple(grids), ruled, text, angle, time.monotonic() - started)


_UNCLIP = 1.6  # how far a detected text box is grown around its core (rapidocr's default)


def _recognise(grey: np.ndarray) -> list[_Line]:
    """Every recognised line of text with its confidence and box (pixels)."""
    result, _ = _engine()(grey, unclip_ratio=float(os.environ.get("JIXIAO_OCR_UNCLIP", _UNCLIP)))
    lines = []
    for box, text, conf in result or []:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        text = text.strip()
        if text:
            line = _Line(text, float(conf), min(xs), min(ys), max(xs), max(ys))
            lines.append(_quotes(_colons(_spaced(line, grey), grey), grey))
    return lines


def _measure(line: _Line, grey: np.ndarray) -> tuple[list[float], float, np.ndarray, float]:
    """What the glyph measurements of a line start from: its characters' advances, its em in pixels
    (the box's width over the advances), its rows of the page, and their paper (the median grey
    over the line's box)."""
    adv = _advances(line.text)
    em = (line.x1 - line.x0) / sum(adv)
    rows = grey[max(0, int(line.y0)):int(round(line.y1)) + 1]
    return adv, em, rows, float(np.median(rows[:, int(line.x0):int(line.x1) + 1]))


_SEMICOLON = 1.45  # ink below the gap between the two marks over the ink above it: a colon's dots
# weigh alike (0.58–1.30 on the corpus scans), a semicolon's comma about twice its dot (1.57–2.27)


def _colons(line: _Line, grey: np.ndarray) -> _Line:
    """The line with each "：" and "；" told apart by its shape: the recogniser confuses the two in
    long paragraphs (at 150 dpi its marks are a few pixels), and the semicolon's lower mark, a comma,
    carries about twice the ink of its dot where a colon's two dots carry the same. A mark whose two
    parts are not found keeps its reading."""
    if "：" not in line.text and "；" not in line.text:
        return line
    adv, em, rows, paper = _measure(line, grey)
    chars = list(line.text)
    for i, ch in enumerate(chars):
        if ch in "：；":
            ratio = _lower_ink(rows, paper, line.x0 + em * (sum(adv[:i]) + 0.5), em)
            if ratio is not None:
                chars[i] = "；" if ratio >= _SEMICOLON else "："
    return dataclasses.replace(line, text="".join(chars))


def _lower_ink(rows: np.ndarray, paper: float, cx: float, em: float) -> float | None:
    """Of the two small marks one above the other nearest x = cx (within 0.8 em), the ink of the
    lower over that of the upper; None where there are no such marks."""
    import cv2

    xa, xb = max(0, int(cx - 0.8 * em)), min(rows.shape[1], int(cx + 0.8 * em))
    crop = rows[:, xa:xb]
    if crop.size == 0:
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats((crop < paper - 40).astype(np.uint8))
    small = [stats[k] for k in range(1, count)
             if stats[k][2] <= 0.45 * em and stats[k][3] <= 0.6 * em and stats[k][4] >= 2]
    pairs = [(abs(xa + a[0] + a[2] / 2 - cx), k, a, b) for k, a in enumerate(small) for b in small
             if b[1] >= a[1] + a[3] and min(a[0] + a[2], b[0] + b[2]) >= max(a[0], b[0])]
    if not pairs:
        return None
    _, _, a, b = min(pairs, key=lambda t: t[:2])
    x0, x1 = max(0, min(a[0], b[0]) - 1), max(a[0] + a[2], b[0] + b[2]) + 1
    dark = np.clip(paper - crop[:, x0:x1].astype(np.float32), 0, None)
    split = a[1] + a[3] + (b[1] - a[1] - a[3]) // 2
    upper, lower = dark[max(0, a[1] - 2):split].sum(), dark[split:b[1] + b[3] + 3].sum()
    return float(lower / upper) if upper > 0 else None


_QUOTE_PAPER = 0.4  # ems of paper after a closing quote's ticks: a full-width "”" leaves the right
# half of its em blank, 0.60–0.62 (4 on the corpus scans, 150 dpi); a straight '"' is half-width,
# 0.00–0.21 (2: `“紧日子"要求`, which the recogniser reads as "”")
_TICK_WIDTH = 0.5  # ems: at most this wide, a quote's tick (0.29–0.36, the 3 found apart on the scans)


def _quotes(line: _Line, grey: np.ndarray) -> _Line:
    """The line with each "”" that is printed as a straight, half-width '"' given back: the
    recogniser reads both as "”", but a full-width closing quote's ticks sit in the left half of its
    em, with paper after them, and a straight quote's do not. Only a quote inside the line, after an
    opening "“" and before an ideograph (before a "，" or "。" a full-width quote may itself be set
    half-width), whose ticks are found apart (each narrower than half an em, not a speck) within an em
    of where the quote should be. Any other keeps its reading; a quote ending the line is never
    rewritten."""
    import cv2

    if "”" not in line.text[:-1]:
        return line
    adv, em, rows, paper = _measure(line, grey)
    chars = list(line.text)
    for i, ch in enumerate(chars[:-1]):
        if ch != "”" or "“" not in line.text[:i] or not "\u4e00" <= chars[i + 1] <= "\u9fff":
            continue
        at = line.x0 + em * (sum(adv[:i]) + adv[i] / 2)
        xa, xb = max(0, int(at - em)), min(rows.shape[1], int(at + 1.5 * em))
        bw = (rows[:, xa:xb] < paper - 50).astype(np.uint8)
        inked = np.flatnonzero(bw.any(axis=1))
        if len(inked) == 0:
            continue
        mid = (inked[0] + inked[-1]) / 2
        count, _, stats, _ = cv2.connectedComponentsWithStats(bw)
        ticks = [s for s in stats[1:] if s[4] >= 4 and s[3] <= 0.45 * em and s[1] + s[3] <= mid + 1
                 and s[2] <= _TICK_WIDTH * em and abs(xa + s[0] + s[2] / 2 - at) <= em]
        if not ticks:
            continue  # two ticks run together into one blot (or none found): not measurable
        right = max(s[0] + s[2] for s in ticks)  # the right tick's edge (the left may touch a glyph)
        after = np.flatnonzero(bw[:, right:].any(axis=0))
        if len(after) and after[0] / em < _QUOTE_PAPER:
            chars[i] = '"'
    return dataclasses.replace(line, text="".join(chars))


_BRACKET_GAP = 0.87  # ems of paper before a "（": an ideograph and the bracket's blank left half
# leave 0.71–0.84 (11 lines of the corpus scans, 150 dpi), with a printed space 0.98–1.04 (2)


def _spaced(line: _Line, grey: np.ndarray) -> _Line:
    """The line with the space printed before its first full-width "（" given back ("局 （本级）"): the
    recogniser reads no spaces, so the paper between the bracket and the glyph before it is measured
    (the widest gap of ink from an em before where the bracket's box should start to two after)."""
    i = line.text.find("（")
    if i < 1 or line.text[i - 1] == " " or not "\u4e00" <= line.text[i - 1] <= "\u9fff":
        return line
    adv, em, rows, paper = _measure(line, grey)
    at = line.x0 + em * sum(adv[:i])
    xa, xb = max(0, int(at - em)), min(grey.shape[1], int(at + 2 * em))
    crop = rows[:, xa:xb]
    if crop.size == 0:
        return line
    ink = np.flatnonzero((crop < paper - 50).any(axis=0))
    widest = int(np.diff(ink).max()) - 1 if len(ink) > 1 else 0
    if widest <= _BRACKET_GAP * em:
        return line
    return dataclasses.replace(line, text=f"{line.text[:i]} {line.text[i:]}")


def _advances(text: str) -> list[float]:
    """Relative widths of the characters of a recognised line: a CJK character is a full em, Latin,
    digits and most punctuation about half."""
    return [1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text]


def _split(line: _Line, borders: list[float]) -> list[_Line]:
    """A recognised line cut at each drawn border it crosses (pixels): the text of two cells the
    recogniser read as one. Characters are shared out by their estimated widths."""
    inside = [b for b in borders if line.x0 + 2 < b < line.x1 - 2]
    if not inside:
        return [line]
    adv = _advances(line.text)
    total = sum(adv)
    scale = (line.x1 - line.x0) / total
    parts: list[_Line] = []
    x = line.x0
    cuts = iter(sorted(inside) + [float("inf")])
    cut = next(cuts)
    chars: list[str] = []
    part_x0 = line.x0
    for ch, a in zip(line.text, adv):
        mid = x + a * scale / 2
        while mid > cut:  # each part lies on its own side of the border it was cut at
            if chars:
                parts.append(_Line("".join(chars).strip(), line.conf, part_x0, line.y0,
                                   min(x, cut - 1), line.y1))
            chars, part_x0 = [], max(x, cut + 1)
            cut = next(cuts)
        chars.append(ch)
        x += a * scale
    if chars:
        parts.append(_Line("".join(chars).strip(), line.conf, part_x0, line.y0, line.x1, line.y1))
    return [p for p in parts if p.text]


def _split_read(line: _Line, borders: list[float], clean: np.ndarray) -> list[_Line]:
    """A recognised line that crosses drawn borders, each part recognised again from its own crop
    (the text of two cells the detector took as one line): the recogniser, reading across the gap
    an erased border leaves, may put a mark there ("提高工，本年度") and the share of characters by
    estimated widths can be a character off. A part without ink, or that reads as nothing, keeps the
    share `_split` gives it."""
    shared = _split(line, borders)
    inside = sorted(b for b in borders if line.x0 + 2 < b < line.x1 - 2)
    if not inside:
        return shared
    edges = [line.x0] + inside + [line.x1]
    out = []
    for a, b in zip(edges, edges[1:]):
        part = _read_strip(clean, line, a, b)
        if part is None:
            out.extend(p for p in shared if a - 2 <= (p.x0 + p.x1) / 2 <= b + 2)
        else:
            out.append(part)
    return out


def _read_strip(clean: np.ndarray, line: _Line, a: float, b: float) -> _Line | None:
    """The text of `line` between x = a and b (a drawn border at either end), read on its own."""
    h = line.height
    ya, yb = max(0, int(line.y0)), min(clean.shape[0], int(round(line.y1)) + 1)
    xa, xb = max(0, int(a) + 3), min(clean.shape[1], int(round(b)) - 2)
    if xb - xa < 4 or yb - ya < 4:
        return None
    crop = clean[ya:yb, xa:xb]
    ink = (crop < np.median(crop) - 50).any(axis=0)
    if ink.sum() < 2:
        return None
    cols = np.nonzero(ink)[0]
    gx0, gx1 = xa + int(cols[0]), xa + int(cols[-1]) + 1
    m = max(2, int(h * 0.3))
    result, _ = _engine()(np.ascontiguousarray(clean[ya:yb, max(0, gx0 - m):min(clean.shape[1], gx1 + m)]),
                          use_det=False)
    if not result or not result[0][0].strip():
        return None
    part = _Line(result[0][0].strip(), float(result[0][1]), float(gx0), line.y0, float(gx1), line.y1)
    return _quotes(_colons(part, clean), clean)


def _index(edges: list[tuple[float, float]], v: float) -> int | None:
    for i, (a, b) in enumerate(edges):
        if a <= v <= b:
            return i
    return None


def _place(rows, cols, cells, lines: list[_Line], clean: np.ndarray):
    """Each recognised line (or its parts, where it crosses a drawn border) in the cell region where
    it starts: (parts by region anchor, the indices of the lines placed, each region's extent as
    first row, first column, last row, last column)."""
    anchor = _regions(cells)
    placed: dict[tuple[int, int], list[_Line]] = {}
    taken: set[int] = set()
    top, bottom, left, right = rows[0][0], rows[-1][1], cols[0][0], cols[-1][1]
    for n, line in enumerate(lines):
        if not (top <= line.cy <= bottom and left - 4 <= line.x0 + line.height / 3 <= right):
            continue
        r = _index(rows, line.cy)
        if r is None:
            continue
        borders = [cols[c][1] for c in range(len(cols) - 1) if anchor[(r, c)] != anchor[(r, c + 1)]]
        for part in _split_read(line, borders, clean):
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


def _grid(page_no: int, rows, cols, cells, lines: list[_Line], px, to_pt: float, clean: np.ndarray):
    """An OcrGrid from a table's ruling and the recognised lines that start inside it. A cell the
    page's text detector found nothing in but that holds ink (a lone "—", a digit the detector
    passed over) is recognised again on its own."""
    placed, taken, extent = _place(rows, cols, cells, lines, clean)
    for key, (r0, c0, r1, c1) in extent.items():
        if key not in placed:
            line = _reread(clean, rows[r0][0], rows[r1][1], cols[c0][0], cols[c1][1])
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
        stop = _full_stop(clean, parts, cols[c1][1] - 4, rows[r1][1] - 4)
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


def _marks(parts: list[_Line]) -> list[_Line]:
    """The lines of a cell that are marks, not text: a character or two, recognised with a low
    confidence, smaller than the text lines the cell also holds ("75" and "C" read in the outline a
    seal leaves over "项目名称：" and its value). A cell of one line keeps it (a number under the
    seal is checked by the rules, not guessed at here)."""
    text = [p for p in parts if len(p.text) > 2 and p.conf >= 0.85]
    if not text:
        return []
    tall = max(p.height for p in text)
    return [p for p in parts if len(p.text) <= 2 and p.conf < _MARK_CONFIDENCE and p.height < _MARK_HEIGHT * tall]


_INK_AREA = 8  # pixels: a blot smaller than this is noise, not a glyph
_GLYPH_PX = 12  # pixels: as tall as a digit at 150 dpi (a speck is a few)
_SHAPE_CONFIDENCE = 0.5  # a dash read from its shape, not by the recogniser


def _reread(clean: np.ndarray, y0: float, y1: float, x0: float, x1: float) -> _Line | None:
    """The text of one cell region recognised on its own, where it holds ink (specks aside)."""
    import cv2

    pad = 4
    ya, yb, xa, xb = int(y0) + pad, int(y1) - pad, int(x0) + pad, int(x1) - pad
    if yb - ya < 8 or xb - xa < 8:
        return None
    crop = clean[ya:yb, xa:xb]
    bw = (crop < np.median(crop) - 50).astype(np.uint8)  # ink against this cell's own paper
    count, _, stats, _ = cv2.connectedComponentsWithStats(bw)
    keep = [stats[k] for k in range(1, count)
            if stats[k][4] >= _INK_AREA and (stats[k][2] >= 8 or stats[k][3] >= 10)]
    if not keep:
        # a faint glyph the threshold breaks into pieces (a "5" in a light print): its pieces,
        # grown by a pixel, join into one blob a glyph tall; specks stay apart and small
        count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(bw, np.ones((3, 3), np.uint8)))
        keep = [stats[k] for k in range(1, count) if stats[k][4] >= 4 * _INK_AREA and stats[k][3] >= _GLYPH_PX]
    if not keep:
        return None
    if len(keep) == 1 and keep[0][3] <= 4 and keep[0][2] >= 3 * keep[0][3]:
        # one thin level stroke and nothing else: the dash a form prints for "not applicable", too
        # faint for the recogniser alone; read by its shape, with a low confidence that says so
        x, y, w, h, _ = keep[0]
        return _Line(DASH, _SHAPE_CONFIDENCE, float(xa + x), float(ya + y), float(xa + x + w), float(ya + y + h))
    bx0 = min(s[0] for s in keep)
    by0 = min(s[1] for s in keep)
    bx1 = max(s[0] + s[2] for s in keep)
    by1 = max(s[1] + s[3] for s in keep)
    m = 6
    gx0, gy0 = max(0, xa + bx0 - m), max(0, ya + by0 - m)
    gx1, gy1 = min(clean.shape[1], xa + bx1 + m), min(clean.shape[0], ya + by1 + m)
    result, _ = _engine()(np.ascontiguousarray(clean[gy0:gy1, gx0:gx1]), use_det=False)
    if not result:
        return None
    text, conf = result[0][0].strip(), float(result[0][1])
    if not text:
        return None
    return _Line(text, conf, float(xa + bx0), float(ya + by0), float(xa + bx1), float(ya + by1))


_STOP_PEAK = 90  # grey levels below the line's paper: a "。" is a thin ring, its darkest pixel 46–76
# (24 full stops ending a line on the corpus scans, 150 dpi), the three wrapped alone 44–56; most
# specks of noise are solid dots, darker (91–205 for 178 of the 242 of a "。"'s size in the cells)
_STOP_SIZE = (0.15, 0.55)  # ems, width and height: a "。" 0.15–0.42 × 0.15–0.53 (the same 24)
_STOP_LINE = 8  # characters: the last line is a paragraph's, not a short value
FULL_STOP = "。"


def _full_stop(clean: np.ndarray, parts: list[_Line], right: float, bottom: float) -> _Line | None:
    """A "。" that wrapped alone onto the next line of a paragraph, which the recogniser reads
    nothing in (a lone ring of a few pixels): the cell's last line runs to its right edge (`right`,
    pixels: the text wrapped there), ends in an ideograph, and the band of the next line holds one
    mark only, where the cell's lines start, the size of a "。" and as light as one (most specks of
    noise are darker; the lighter ones, mostly a seal's outline, do not sit alone where a line
    starts). The ring's hole is not looked for (a pixel or two at 150 dpi): a light dot of that size
    in that place reads as "。" too, recorded as read from its shape."""
    import cv2

    if not parts:
        return None
    last = max(parts, key=lambda p: p.cy)
    if len(last.text) < _STOP_LINE or not "\u4e00" <= last.text[-1] <= "\u9fff":
        return None
    em = (last.x1 - last.x0) / sum(_advances(last.text))
    if right - last.x1 > 1.5 * em:
        return None  # the line ends short of the edge: nothing wrapped
    h = last.height
    ya, yb = int(round(last.y1)), min(int(bottom), int(round(last.y1 + 1.2 * h)))
    xa, xb = max(0, int(min(p.x0 for p in parts) - em)), int(right)
    if yb - ya < 0.5 * h or xb <= xa:
        return None
    band = clean[ya:yb, xa:xb]
    paper = float(np.median(clean[max(0, int(last.y0)):ya, int(last.x0):int(last.x1) + 1]))
    count, _, stats, _ = cv2.connectedComponentsWithStats((band < paper - 25).astype(np.uint8))
    marks = [stats[k] for k in range(1, count) if stats[k][4] >= 3]
    if len(marks) != 1:
        return None
    x, y, w, ht, _ = marks[0]
    gx, gy = xa + x, ya + y
    peak = float(paper - band[y:y + ht, x:x + w].min())
    lo, hi = _STOP_SIZE
    if abs(gx - min(p.x0 for p in parts)) > 0.5 * em or not (lo <= w / em <= hi and lo <= ht / em <= hi) or peak > _STOP_PEAK:
        return None
    return _Line(FULL_STOP, _SHAPE_CONFIDENCE, float(gx), float(gy), float(gx + w), float(gy + ht))


def _reading_order(lines: list[_Line]) -> list[str]:
    """Recognised lines grouped into printed lines (top to bottom), each read left to right."""
    out: list[list[_Line]] = []
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
