"""A page's image → its ruling: the ruled lines, the tables they make, and the page with them erased.

The second step of reading a scan (`page.read_page`), on the grey image `image` prepares:
horizontal and vertical strokes are kept by a morphological opening (OpenCV) and grouped into ruled
lines; the rows and columns of each table are where they fall, and a cell border is drawn where a
line covers it (merged cells are one region, as in `pipeline.read.grids`), which `cells` places the
recognised text into. Only the ruling is erased before the text is recognised: a tall glyph's
stroke runs from no ruled line to another and stays ink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


_LINE = 0.04  # of the page width: a stroke this long is a ruled line, not a glyph
_MERGE_PX = 6  # strokes whose positions differ by this many pixels are one line
_COVER = 0.6  # a border is drawn where a line covers this share of it
_INKED = 0.9  # or where ink runs along this share of it, within a pixel of the line's position

RuledLine = tuple[float, float, float]  # position, start, end in pixels (y, x0, x1 or x, y0, y1)
Edges = list[tuple[float, float]]  # each row's (top, bottom) or each column's (left, right), pixels


def strokes(bw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the horizontal and of the vertical ruled strokes of a page's ink (`image.binary`), text
    and specks opened away."""
    import cv2

    h, w = bw.shape
    length = max(15, int(w * _LINE))
    horizontal = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vertical = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, length // 2))))
    # close the small breaks noise and a faint print leave in a line
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 1)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 9)))
    return horizontal, vertical


def lines_of(mask: np.ndarray, axis: int) -> list[RuledLine]:
    """Ruled lines of a stroke mask: (position, start, end) in pixels; axis 0 = horizontal lines
    (position y, x from start to end), 1 = vertical (position x, y from start to end)."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    pieces = []
    for k in range(1, count):
        x, y, w, h, _ = stats[k]
        if axis == 0:
            pieces.append((y + h / 2, float(x), float(x + w)))
        else:
            pieces.append((x + w / 2, float(y), float(y + h)))
    pieces.sort()
    merged: list[list[float]] = []
    for pos, a, b in pieces:  # pieces at one position, overlapping or close, are one line
        for line in merged:
            if abs(line[0] - pos) <= _MERGE_PX and a <= line[2] + 3 * _MERGE_PX and b >= line[1] - 3 * _MERGE_PX:
                line[0] = (line[0] * (line[2] - line[1]) + pos * (b - a)) / (line[2] - line[1] + b - a)
                line[1], line[2] = min(line[1], a), max(line[2], b)
                break
        else:
            merged.append([pos, a, b])
    return [(p, a, b) for p, a, b in merged]


def _positions(values: list[float]) -> list[float]:
    """Positions of lines, those within `_MERGE_PX` of each other taken as one."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= _MERGE_PX:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(g) / len(g) for g in out]


@dataclass
class CellBorders:
    """Which borders of a grid cell are drawn, in the shape `tables._regions` reads."""

    left: bool
    right: bool
    top: bool
    bottom: bool


Table = tuple[Edges, Edges, list[list[CellBorders]]]  # rows, columns, each cell's drawn borders


def borders(hlines: list[RuledLine], vlines: list[RuledLine]) -> list[RuledLine]:
    """The vertical lines that are borders: a border meets two ruled lines or more, at its ends or
    across; a tall glyph's stroke (the title's) meets none. A table the page cuts (a browser splits a
    tall cell over two pages and draws no border under its first part) leaves a border one end in
    the air, and it is still one. So is a line with both ends where a border's are (`_alongside`):
    the left border of a column of cells merged over the whole page meets no ruled line at all."""
    slack = 3 * _MERGE_PX

    def met(x: float, top: float, bottom: float) -> int:
        return sum(1 for p, a, b in hlines if top - slack <= p <= bottom + slack and a - slack <= x <= b + slack)

    found = [(x, a, b) for x, a, b in vlines if met(x, a, b) >= 2]
    return found + [v for v in vlines if v not in found and _alongside(v, found)]


def _alongside(line: RuledLine, others: list[RuledLine]) -> bool:
    """A vertical line that starts and ends where one of `others` does, within `_MERGE_PX`."""
    return any(abs(line[1] - a) <= _MERGE_PX and abs(line[2] - b) <= _MERGE_PX for _, a, b in others)


def on_lines(mask: np.ndarray, vlines: list[RuledLine]) -> np.ndarray:
    """The part of a vertical stroke mask that lies on the given lines (position, start, end)."""
    keep = np.zeros_like(mask)
    m = 2 * _MERGE_PX
    for x, a, b in vlines:
        xa, xb, ya, yb = max(0, int(x - m)), int(x + m) + 1, max(0, int(a) - m), int(b) + m + 1
        keep[ya:yb, xa:xb] = mask[ya:yb, xa:xb]
    return keep


def ruled_tables(hlines: list[RuledLine], vlines: list[RuledLine], horizontal: np.ndarray,
                 vertical: np.ndarray, ink: np.ndarray | None = None) -> list[Table]:
    """The ruled tables of a page: groups of lines that cross, each as (row edges, column edges,
    cells with their drawn borders), top to bottom. `ink`, the page's `binary` mask, tells a border
    whose stroke is broken (`_drawn`)."""
    slack = 3 * _MERGE_PX
    vlines = borders(hlines, vlines)
    lines = [("h", *l) for l in hlines] + [("v", *l) for l in vlines]
    parent = list(range(len(lines)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    crossed: set[int] = set()
    for i, (ki, pi, ai, bi) in enumerate(lines):
        if ki != "h":
            continue
        for j, (kj, pj, aj, bj) in enumerate(lines):
            if kj == "v" and ai - slack <= pj <= bi + slack and aj - slack <= pi <= bj + slack:
                parent[find(i)] = find(j)
                crossed.add(j)
    for i, line in enumerate(lines):  # a border alongside another, crossing no line: its table's
        if line[0] == "v" and i not in crossed:
            j = next((j for j in crossed if _alongside(line[1:], [lines[j][1:]])), None)
            if j is not None:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(lines)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in groups.values():
        hs = [lines[i] for i in members if lines[i][0] == "h"]
        vs = [lines[i] for i in members if lines[i][0] == "v"]
        if len(hs) < 2 or len(vs) < 2:
            continue
        ys = _open_edges(_positions([p for _, p, _, _ in hs]), vs, slack)
        xs = _positions([p for _, p, _, _ in vs])
        if len(ys) < 2 or len(xs) < 2:
            continue
        rows = list(zip(ys, ys[1:]))
        cols = list(zip(xs, xs[1:]))
        cells = [[CellBorders(_drawn(vertical, x0, y0, y1, True, ink),
                              _drawn(vertical, x1, y0, y1, True, ink),
                              _drawn(horizontal, y0, x0, x1, False, ink),
                              _drawn(horizontal, y1, x0, x1, False, ink))
                  for x0, x1 in cols] for y0, y1 in rows]
        out.append((rows, cols, cells))
    out.sort(key=lambda t: t[0][0][0])
    return out


def _open_edges(ys: list[float], vs: list, slack: float) -> list[float]:
    """Row edges with the table's open ends: where the page cuts a table (a browser's print of a
    long one), its borders run on past the first ruled line above it or the last below, and the row
    there (the first part of a cell the next page goes on with, or its last part) has no line on
    that side. Two borders or more ending together past the line make the edge; without it that
    row's text was outside every row, and the rows around it took its labels."""
    tops = sorted(a for _, _, a, _ in vs if a < ys[0] - slack)
    bottoms = sorted(b for _, _, _, b in vs if b > ys[-1] + slack)
    if len(tops) >= 2 and tops[1] - tops[0] <= _MERGE_PX:
        ys = [sum(tops[:2]) / 2, *ys]
    if len(bottoms) >= 2 and bottoms[-1] - bottoms[-2] <= _MERGE_PX:
        ys = [*ys, sum(bottoms[-2:]) / 2]
    return ys


def _drawn(mask: np.ndarray, pos: float, a: float, b: float, vertical: bool, ink: np.ndarray | None = None) -> bool:
    """Whether a ruled stroke covers most of the border at `pos` from `a` to `b` (pixels), or, where
    `ink` (the page's binary mask) is given, ink runs along nearly all of it on the line's position:
    a seal's line across a border lightens a few pixels of it, and the opening that finds strokes
    (`strokes`) drops what is left of it in a row shorter than its length (a fund row's 分值 | 执行率
    border under a seal: 0.15 stroke, 1.0 ink; the text of a merged cell crossing a border's position
    leaves paper between its lines and above and below them)."""
    lo, hi = int(round(a)) + 2, int(round(b)) - 2
    if hi <= lo:
        return True
    if _cover(mask, pos, lo, hi, vertical, 3) >= _COVER:
        return True
    return ink is not None and _cover(ink, pos, lo, hi, vertical, 1) >= _INKED


def _cover(mask: np.ndarray, pos: float, lo: int, hi: int, vertical: bool, half: int) -> float:
    """The share of the border from `lo` to `hi` along which `mask` holds a pixel within `half` of `pos`."""
    p = int(round(pos))
    band = mask[lo:hi, max(0, p - half):p + half + 1] if vertical else mask[max(0, p - half):p + half + 1, lo:hi]
    return float((band.max(axis=1 if vertical else 0) > 0).mean())


def erase(grey: np.ndarray, horizontal: np.ndarray, vertical: np.ndarray, hlines: list[RuledLine],
          vlines: list[RuledLine]) -> np.ndarray:
    """The page with its ruling made paper, for the recogniser. Only the ruling is erased: the tall
    strokes of a large glyph (the title's 目, 评) are in `vertical` too, but run from no ruled line
    to another."""
    import cv2

    clean = grey.copy()
    ink = cv2.dilate(horizontal | on_lines(vertical, borders(hlines, vlines)), np.ones((3, 3), np.uint8))
    clean[ink > 0] = 255
    return clean
