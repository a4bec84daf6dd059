"""Recognised lines + a table's ruling → an `OcrGrid`: each line placed in the cell where it starts.

The fourth step of reading a scan (`page.read_page`): a table's rows, columns and drawn borders
(from `ruling`) and the page's recognised lines (from `recognise`) make a `Grid` as
`pipeline.read.grids` makes one from text. A line that crosses a drawn border is read again part by
part; a cell the detector found nothing in but that holds ink is read on its own; a seal's marks
beside real text are dropped, a "。" wrapped alone is given back, and each cell's text gets the
corrections the domain allows (`corrections`), every one recorded with the cell, as is each character
the word list changed as it was recognised (`words`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..grids import Grid, _regions
from . import edge_marks, signs
from .corrections import correct, snap_row
from .recognise import (FULL_STOP, SHAPE_CONFIDENCE, Line, checkboxes, dot_row, full_stop, reread, second_crop,
                        split_read)
from .ruling import CellBorders, Edges

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points (y up)


@dataclass(frozen=True)
class OcrGrid(Grid):
    """A Grid read from an image: beside each cell's text, the confidence of its weakest recognised
    line (None for an empty cell), its box, and the text as recognised before any correction."""

    confidence: tuple[tuple[float | None, ...], ...] = ()
    boxes: tuple[tuple[Box | None, ...], ...] = ()
    raw: tuple[tuple[str, ...], ...] = ()  # the text as recognised
    corrections: tuple[tuple[str | None, ...], ...] = ()  # the confusion corrected in a cell, if any
    # each one-line value's crop for a second read, by (row, column): read only where no check covers
    # the value (`page.attach`, `recognise.second_reads`)
    again: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, compare=False, repr=False)


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
        for part in split_read(line, borders, clean, lines):
            c = _index(cols, part.x0 + min(part.height, part.x1 - part.x0) / 2)
            if c is None:
                c = _index(cols, (part.x0 + part.x1) / 2)
            if c is None:
                continue
            placed.setdefault(anchor[(r, c)], []).append(part)
            taken.add(n)
    return placed, taken, _extents(anchor, len(rows), len(cols))


def _extents(anchor: dict[tuple[int, int], tuple[int, int]], n: int, m: int) -> dict[tuple[int, int], list[int]]:
    """Each merged region's extent, by its anchor: first row, first column, last row, last column."""
    extent: dict[tuple[int, int], list[int]] = {}
    for r in range(n):
        for c in range(m):
            e = extent.setdefault(anchor[(r, c)], [r, c, r, c])
            e[2], e[3] = max(e[2], r), max(e[3], c)
    return extent


def regions(rows: Edges, cols: Edges, cells: list[list[CellBorders]]) -> list[tuple[float, float, float, float]]:
    """Each cell region of a table (merged cells as one) as (top, bottom, left, right) in pixels:
    where `recognise.read_regions` looks for lines of text when a page is read by its ruling."""
    extent = _extents(_regions(cells), len(rows), len(cols))
    return [(rows[r0][0], rows[r1][1], cols[c0][0], cols[c1][1]) for r0, c0, r1, c1 in extent.values()]


def grid(page_no: int, rows: Edges, cols: Edges, cells: list[list[CellBorders]], lines: list[Line],
         px: Callable[[float, float], tuple[float, float]], to_pt: float,
         clean: np.ndarray) -> tuple[OcrGrid, set[int]]:
    """An OcrGrid from a table's ruling and the recognised lines that start inside it. A cell the
    page's text detector found nothing in but that holds ink (a lone "—", a digit the detector
    passed over) is recognised again on its own."""
    placed, taken, extent = _place(rows, cols, cells, lines, clean)
    for key, (r0, c0, r1, c1) in extent.items():
        if key not in placed:
            line = reread(clean, rows[r0][0], rows[r1][1], cols[c0][0], cols[c1][1]) \
                or signs.unread(clean, rows[r0][0], rows[r1][1], cols[c0][0], cols[c1][1])
            if line is not None:
                placed[key] = [line]
    data = [["" for _ in cols] for _ in rows]
    spans: list[list[tuple[float, float] | None]] = [[None for _ in cols] for _ in rows]
    conf: list[list[float | None]] = [[None for _ in cols] for _ in rows]
    boxes: list[list[Box | None]] = [[None for _ in cols] for _ in rows]
    raw: list[list[str]] = [["" for _ in cols] for _ in rows]
    fixes: list[list[str | None]] = [[None for _ in cols] for _ in rows]
    again: dict[tuple[int, int], np.ndarray] = {}  # each value on one line: its crop to read again
    asked = _questions(placed)
    told: dict[tuple[int, int], str] = {}  # a comparison sign alone in its cell, read from its shape
    for (r, c), parts in placed.items():
        if r in asked and c > asked[r]:  # a checkbox question's options: each box ticked or not
            parts = [checkboxes(p, clean, cols[extent[(r, c)][3]][1]) for p in parts]
        # as recognised: a line the word list changed as it was decoded (`Line.raw`)
        raw[r][c] = "\n".join(reading_order([replace(p, text=p.raw) if p.raw is not None else p for p in parts]))
        dropped = marks(parts)
        parts = [p for p in parts if p not in dropped]
        r0, c0, r1, c1 = extent[(r, c)]
        if edge_marks.on():  # a lone mark a wrapped line starts or ends with, left out of its box
            parts = [edge_marks.restore(p, cols[c0][0], cols[c1][1], clean, parts) for p in parts]
        stop = full_stop(clean, parts, cols[c1][1] - 4, rows[r1][1] - 4)
        if stop is not None:
            parts = parts + [stop]
        data[r][c], fixes[r][c] = correct("\n".join(reading_order(parts)))
        if data[r][c] and not any(ch.isalnum() for ch in data[r][c]) \
                and (dots := dot_row(clean, rows[r0][0], rows[r1][1], cols[c0][0], cols[c1][1])) is not None \
                and dots.text != data[r][c]:  # read as marks, not as the dots the ink holds: "·...", "+++*."
            fixes[r][c] = f"dots counted from the ink: {data[r][c]!r}→{dots.text!r}"
            data[r][c], parts = dots.text, [dots]
        if (sign := signs.read(clean[int(rows[r0][0]):int(rows[r1][1]), int(cols[c0][0]):int(cols[c1][1])],
                               data[r][c])) is not None:
            told[(r, c)] = sign
        notes = [f"mark {' '.join(repr(m.text) for m in dropped)} dropped"] if dropped else []
        notes += [f"wrapped {FULL_STOP!r} read from its shape"] if stop is not None else []
        notes += [p.fix for p in parts if p.fix]  # an unsure character the word list gave another
        if notes:
            fixes[r][c] = ", ".join(notes + ([fixes[r][c]] if fixes[r][c] else []))
        conf[r][c] = min(p.conf for p in parts)
        # a value on one line, read as a number or not: a "1" under a seal read "人" is no number, and
        # only a second read that finds digits says so (`ocr_trust.disagreements`)
        if len(parts) == 1 and (crop := second_crop(clean, parts[0])) is not None:
            again[(r, c)] = crop
        x0, x1 = min(p.x0 for p in parts), max(p.x1 for p in parts)
        y0, y1 = min(p.y0 for p in parts), max(p.y1 for p in parts)
        em = min(p.height for p in parts if p is not stop) * 0.3  # glyph centres, not the padded box
        spans[r][c] = ((x0 + em) * to_pt, max(x0 + em, x1 - em) * to_pt)
        (bx0, by1), (bx1, by0) = px(x0, y0), px(x1, y1)
        boxes[r][c] = (round(bx0, 1), round(by0, 1), round(bx1, 1), round(by1, 1))
    def region(r: int, c: int) -> tuple[int, int, np.ndarray]:  # a cell's top, left and pixels
        r0, c0, r1, c1 = extent[(r, c)]
        top, left = int(rows[r0][0]), int(cols[c0][0])
        return top, left, clean[top:int(rows[r1][1]), left:int(cols[c1][1])]

    for c in {c for _, c in told}:  # a sign the shape alone did not tell, told by its column's others
        column = [(region(*k)[2], told[k]) for k in told if k[1] == c]
        for (r, c0), (_, _, _, c1) in extent.items():
            if c0 != c or c1 != c or (r, c) in told:
                continue
            top, left, pixels = region(r, c)
            if (sign := signs.like(pixels, data[r][c], column)) is None:
                continue
            told[(r, c)] = sign
            if spans[r][c] is None:  # nothing was read there: the sign's box is its ink's
                x0, y0, x1, y1 = signs.ink_box(pixels)
                x0, y0, x1, y1 = left + x0, top + y0, left + x1, top + y1
                conf[r][c] = SHAPE_CONFIDENCE
                spans[r][c] = (x0 * to_pt, x1 * to_pt)
                (bx0, by1), (bx1, by0) = px(x0, y0), px(x1, y1)
                boxes[r][c] = (round(bx0, 1), round(by0, 1), round(bx1, 1), round(by1, 1))
    for c in {c for _, c in told}:  # a column's signs are printed from one set (≥ ≤ = or ≧ ≦ ═)
        keys = sorted(k for k in told if k[1] == c)
        for (r, _), sign in zip(keys, signs.family([told[k] for k in keys])):
            note = signs.NOTE + (f" (recognised {data[r][c]!r})" if sign != data[r][c] else "")
            data[r][c], fixes[r][c] = sign, note  # the notes on the text read before are of a text gone
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
        again=again,
    )
    return grid, taken


def _questions(placed: dict[tuple[int, int], list[Line]]) -> dict[int, int]:
    """The rows whose first cell is a checkbox question of the vocabulary (项目类别 …), with that
    cell's column: their other cells hold the options and boxes."""
    from ...forms.text import label
    from ...forms.vocabulary import vocabulary

    questions = set(vocabulary().questions)
    first: dict[int, int] = {}
    for r, c in placed:
        first[r] = min(first.get(r, c), c)
    return {r: c for r, c in first.items()
            if label("".join(p.text for p in placed[(r, c)])) in questions}


_MARK_CONFIDENCE = 0.7  # a line of a character or two read below this, and smaller than the
_MARK_HEIGHT = 0.8  # text beside it by this much, is a mark (a seal's faint outline), not text


def marks(parts: list[Line]) -> list[Line]:
    """The lines of a cell that are marks, not text: a character or two, recognised with a low
    confidence, smaller than the text lines the cell also holds ("75" and "C" read in the outline a
    seal leaves over "项目名称：" and its value). A cell of one line keeps it (a number under the
    seal is checked by the rules, not guessed at here)."""
    text = [p for p in parts if len(p.text) > 2 and p.conf >= 0.85]
    if not text:
        return []
    tall = max(p.height for p in text)
    return [p for p in parts if len(p.text) <= 2 and p.conf < _MARK_CONFIDENCE and p.height < _MARK_HEIGHT * tall]


def reading_order(lines: list[Line]) -> list[str]:
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
        texts.append(text.strip())  # a recognised line's edges are no printed spaces
    return texts
