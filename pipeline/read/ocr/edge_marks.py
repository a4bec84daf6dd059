"""A punctuation mark at either end of a wrapped line, which the text detector leaves out or cuts.

A spreadsheet wraps a cell's text where the cell ends, with no rule that a line may not start with
"、" or "，" nor end with "（" (Chinese typesetting keeps them off those ends; Excel does not). Such a
mark stands alone at the line's end, a small blot half an em or more from the next character: the
detector's box often leaves it out ("、市对信息化…" read "市对信息化…", "平台（" read "平台"), or
cuts through it at the box's edge, where the recogniser, without the glyph's surroundings, reads a
"、" as "，". PP-OCRv4 gives such a mark no probability at all where its box leaves it out (the
CTC output of those lines, bench/README.md), so no decoding rule can give it back: the line is read
again by the same recogniser from a crop that takes in the ink beside its box, in its cell, with a
margin. The second read is kept only where it is the first with full-width marks added or changed
at its ends, its characters otherwise the same; each change is the cell's correction
(`ocr_cell.correction`). Figures: bench/README.md "Marks at the ends of wrapped lines".
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ...errors import choice
from .recognise import Line, _decoded, ink_mask, measured, run

MARKS = "，。、；：（）"  # the marks Chinese text prints (full width); no ASCII mark is put in
_NEAR = 1.5  # a mark outside the box is looked for this many box heights from it
_MARK_WIDE = 0.6  # box heights: ink wider than this beside the box is a character, not a mark
_ALONE = 0.5  # box heights of paper beyond the mark's ink (else it belongs to other text)
_MARGIN = 0.3  # box heights of margin around the crop read again (as `recognise._read_strip`)
_PAD = 4  # pixels inside a cell's border where ink is looked for (an erased border's remains)


def on() -> bool:
    """Whether the ends of wrapped lines are read again ($JIXIAO_OCR_EDGE_MARKS=on, the default; `off`
    to measure without)."""
    return choice("JIXIAO_OCR_EDGE_MARKS", ("on", "off")) == "on"


def _ink(clean: np.ndarray, y0: int, y1: int, a: int, b: int) -> np.ndarray:
    """Which columns of `clean[y0:y1, a:b]` (a line's band across its cell) hold ink, against the
    band's own paper (its median: a line's ink is well under half its band)."""
    band = clean[y0:y1, a:b]
    if band.size == 0:
        return np.zeros(max(0, b - a), dtype=bool)
    return ink_mask(band).sum(axis=0) >= 2


def _beside(ink: np.ndarray, near: int, mark: int, alone: int) -> int | None:
    """The outer edge of a mark's ink beside a box, in `ink`'s columns (ordered outwards from the
    box), or None: ink within `near` columns of the box, no wider than `mark`, with `alone` columns
    of paper beyond it (or the cell's edge)."""
    cols = np.nonzero(ink[:near])[0]
    if len(cols) == 0:
        return None
    first = int(cols[0])
    run_end = first
    while run_end + 1 < len(ink) and (ink[run_end + 1] or ink[run_end + 1:run_end + 3].any()):
        run_end += 1
    if run_end - first + 1 > mark:
        return None
    if ink[run_end + 1:run_end + 1 + alone].any():
        return None
    return run_end


def _ends(text: str) -> tuple[str, str, str]:
    """`text` as the marks it starts with, its core, and the marks it ends with."""
    core = text.strip(MARKS)
    at = text.index(core) if core else len(text)
    return text[:at], core, text[at + len(core):]


def _ends_only(first: str, again: str, left: bool, right: bool) -> bool:
    """Whether the second read `again` is the first with marks added or changed at its ends only: the
    same characters between, no end mark of the first lost, and a mark new at an end only where ink
    lay beside the box there (`left`, `right`) or the first read a mark there already (a mark the box
    cut)."""
    if again == first:
        return False
    (h1, core1, t1), (h2, core2, t2) = _ends(first), _ends(again)
    if not core1 or core1 != core2 or len(h2) < len(h1) or len(t2) < len(t1):
        return False
    return (h1 == h2 or left or bool(h1)) and (t1 == t2 or right or bool(t1))


def restore(line: Line, left: float, right: float, clean: np.ndarray, others: list[Line] = ()) -> Line:
    """`line` with the marks at its ends as read again from a crop that takes in a lone mark beside
    its box in its cell (`left`, `right`: the cell's borders, pixels), or where its text starts with
    a mark its box may cut; the line unchanged where there is nothing to read again or the second
    read differs in more than its end marks. `others`: the cell's other lines (their ink is theirs)."""
    h = line.height
    if h <= 4 or not line.text:
        return line
    ya, yb = max(0, int(line.y0)), min(clean.shape[0], int(round(line.y1)) + 1)
    lo, hi = max(0, int(left) + _PAD), min(clean.shape[1], int(right) - _PAD)
    x0, x1 = int(line.x0), int(round(line.x1))
    if hi - lo < 4 or yb - ya < 4 or not (x0 < hi and x1 > lo):  # a line placed in the cell lies in it
        return line
    ink = _ink(clean, ya, yb, lo, hi)
    for o in others:  # another line of the same band in the cell: its ink is not a lone mark
        if o is not line and o.y0 < line.cy < o.y1:
            ink[max(0, int(o.x0) - lo):max(0, int(round(o.x1)) - lo + 1)] = False
    near, mark, alone = int(_NEAR * h), int(_MARK_WIDE * h), int(_ALONE * h)
    start, end = x0, x1
    if x0 > lo:
        at = _beside(ink[:max(0, x0 - lo)][::-1], near, mark, alone)
        if at is not None:
            start = x0 - 1 - at
    if x1 < hi:
        at = _beside(ink[x1 - lo + 1:], near, mark, alone)  # x1 > lo: checked above
        if at is not None:
            end = x1 + 1 + at
    if start == x0 and end == x1 and line.text[0] not in MARKS:
        return line
    m = max(2, int(h * _MARGIN))
    ca, cb = max(lo - _PAD // 2, start - m), min(hi + _PAD // 2, end + m)
    result = run(clean[ya:yb, ca:cb], detect=False)
    if not result:
        return line
    # measured on the page as every detected line is (`recognise.measured`: "：" from "；", a space before "（")
    again = measured(_decoded(result[0][1], result[0][2], float(min(start, x0)), line.y0, float(max(end, x1)), line.y1),
                     clean)
    text = again.text
    if not _ends_only(line.text, text, start < x0, end > x1):
        return line
    note = f"marks at the ends {line.text!r}→{text!r} (read again with the ink beside its box)"
    return dataclasses.replace(line, text=text, x0=again.x0, x1=again.x1,
                               fix=", ".join(f for f in (line.fix, note) if f))
