"""The picture of a finding on a workbook, Word document or web page: the table region its numbers come
from, drawn as a grid (SVG) from the cells the reader read, the printed numbers outlined as on a PDF's
page (`pictures.render`).

Such a file has no page image to render, but it says exactly which cell holds which text: the form's
table (its "page") and rows are `dim_form.source_place` ("'Sheet1'!A2:H44", "table 2, rows 1–43"), the
cells are read again from the kept copy (`pipeline.extract.tables_of`). A number is found in a cell
whose whole text is that number (43778.47 matches "43,778.47" and "43778.470", never "143778.47"), or
printed around it as the rule prints it ("(40分)"). Columns and rows are named as the file names them
(Excel's A, B, … and sheet rows; a document's table rows from 1). The SVG's text is drawn with the
reader's own fonts, so it holds no font and fetches nothing.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from html import escape
from pathlib import Path
from typing import Sequence

from ..query import width_of
from ..read.tables import Table, column_name
from .pictures import BLUE, RED, Picture, outlined, spellings

CONTEXT = 3  # table rows shown above and below the outlined cells
MOST_ROWS = 40  # rows drawn when no number was found (the form's first rows)
ROW_H, HEAD_H, GUTTER = 24, 22, 44  # pixels: a row, the column letters, the row numbers
CHAR_W = 7.2  # pixels per half-width character at 12 px; a CJK character counts two
MIN_CHARS, MAX_CHARS = 4, 30  # a column's width, in half-width characters
FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"

_SHEET = re.compile(r"!\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)$")
_TABLE = re.compile(r"rows (\d+)[–-](\d+)$")
_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+\s*[%％]?")


def form_rows(place: str | None, tables: Sequence[Table], first: int, last: int) -> dict[int, range]:
    """Per page (table, from 1) of the form, the table rows it was read from, by its `source_place`;
    every row of its tables where the place says nothing."""
    pages = {p: range(tables[p - 1].rows) for p in range(first, last + 1) if 1 <= p <= len(tables)}
    parts = (place or "").split(" to ")
    ends = [(first, parts[0])] + ([(last, parts[-1])] if len(parts) > 1 else [])
    for n, (page, text) in enumerate(ends):
        if page not in pages:
            continue
        table = tables[page - 1]
        if found := _SHEET.search(text):
            a, b = table.row_at(int(found.group(2))), table.row_at(int(found.group(4)))
        elif found := _TABLE.search(text):
            a, b = int(found.group(1)) - 1, int(found.group(2)) - 1
        else:
            continue
        a, b = max(a, 0), min(b, table.rows - 1)
        if a <= b:
            pages[page] = range(a, b + 1) if len(ends) == 1 else \
                range(a, table.rows) if n == 0 else range(0, b + 1)
    return pages


def matches(text: str, values: Sequence[Decimal], forms: Sequence[str] = ("{}",)) -> bool:
    """The cell prints one of `values`: as its whole text, or as one of `forms` ("({}分)") inside it."""
    bare = re.sub(r"[,，\s%％]", "", text)
    try:
        if bare and Decimal(bare) in set(values):
            return True
    except InvalidOperation:
        pass
    return any(f.format(s) in text for f in forms if f != "{}" for v in values for s in spellings(v))


def draw(tables: Sequence[Table], place: str | None, first: int, last: int, printed: Sequence[Decimal],
         related: Sequence[Decimal], out: Path, forms: Sequence[str] = ("{}",), anchor: str = "") -> Picture:
    """Draw the form's table region into the SVG `out`: the rows of the outlined cells with `CONTEXT`
    rows around them (red: the printed number of the finding; blue: the printed numbers the rule
    computes from, in the row or column of a red one), every column. `anchor`: the start of the
    row's label (an indicator's), whose row alone is searched where found. The form's first rows,
    when no number is found. `Picture.page` is the table, `place` the cells shown."""
    rows = form_rows(place, tables, first, last)
    if not rows:
        raise ValueError(f"none of tables {first}–{last} is in the file")
    best: tuple[int, list, list] | None = None
    for page, span in rows.items():
        table = tables[page - 1]
        regions = _regions(table)
        texts = {rc: table.cells.get(rc, "") for rc in regions if rc in table.cells}
        red = [_box(regions[rc]) for rc, t in texts.items() if rc[0] in span and matches(t, printed, forms)]
        if anchor and red:
            labelled = {r for (r, _), t in texts.items() if r in span and anchor in t}
            if labelled:
                red = [b for b in red if int(-b[3]) in labelled]
        blue = [_box(regions[rc]) for rc, t in texts.items() if rc[0] in span and matches(t, related)] \
            if related else []
        red, blue = outlined(red, blue, set(printed) & set(related))
        if red:
            best = (page, red, blue)
            break
        best = best or (page, red, blue)
    assert best is not None
    page, red, blue = best
    table, span = tables[page - 1], rows[page]
    shown = red + blue
    if shown:
        top = max(span.start, min(int(-b[3]) for b in shown) - CONTEXT)
        bottom = min(span.stop - 1, max(int(-b[1]) - 1 for b in shown) + CONTEXT)
    else:
        top, bottom = span.start, min(span.stop - 1, span.start + MOST_ROWS - 1)
    svg, width, height = _svg(table, range(top, bottom + 1), red, blue)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg, encoding="utf-8")
    return Picture(page, len(red), width, height, suffix="svg", place=table.place(top, bottom))


Box = tuple[float, float, float, float]  # left, bottom, right, top in table cells, y up (as a PDF's)


def _regions(table: Table) -> dict[tuple[int, int], tuple[int, int, int, int]]:
    """Each region's top-left cell → the region (row0, col0, row1, col1): the cells under it print
    nothing."""
    return {rc: region for rc, region in table.regions().items() if rc == region[:2]}


def _box(region: tuple[int, int, int, int]) -> Box:
    r0, c0, r1, c1 = region
    return (float(c0), float(-(r1 + 1)), float(c1 + 1), float(-r0))


def _cut(text: str, chars: int) -> str:
    """`text` on one line, cut to `chars` half-width characters with an ellipsis."""
    line = " ".join(text.split())
    if width_of(line) <= chars:
        return line
    out, used = "", 0
    for ch in line:
        used += width_of(ch)
        if used > chars - 1:
            return out + "…"
        out += ch
    return out


def _svg(table: Table, shown: range, red: list[Box], blue: list[Box]) -> tuple[str, int, int]:
    regions = {rc: reg for rc, reg in _regions(table).items() if reg[2] >= shown.start and reg[0] <= shown.stop - 1}
    chars = [MIN_CHARS] * table.cols
    for (r, c), (_, c0, _, c1) in regions.items():
        if c0 == c1 and (text := table.cells.get((r, c), "")):
            chars[c] = min(MAX_CHARS, max(chars[c], max(width_of(x) for x in text.split("\n")) + 1))
    xs = [GUTTER]
    for n in chars:
        xs.append(xs[-1] + round(n * CHAR_W + 10))
    def y(r: int) -> int:
        return HEAD_H + (r - shown.start) * ROW_H
    width, height = xs[-1] + 1, y(shown.stop) + 1
    sheet = table.sheet is not None
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>',
             f'<rect width="{width}" height="{HEAD_H}" fill="#eef1f5"/>',
             f'<rect y="{HEAD_H}" width="{GUTTER}" height="{height - HEAD_H}" fill="#eef1f5"/>']
    for c in range(table.cols):
        name = column_name(table.sheet_col(c)) if sheet else str(c + 1)
        parts.append(f'<text x="{(xs[c] + xs[c + 1]) / 2}" y="{HEAD_H - 7}" text-anchor="middle" '
                     f'fill="#5b6573">{name}</text>')
    for r in shown:
        name = table.sheet_row(r) if sheet else r + 1
        parts.append(f'<text x="{GUTTER - 6}" y="{y(r) + ROW_H - 8}" text-anchor="end" fill="#5b6573">{name}</text>')
    for (r, c), (r0, c0, r1, c1) in sorted(regions.items()):
        top, bottom = max(r0, shown.start), min(r1, shown.stop - 1)
        x0, x1, y0, y1 = xs[c0], xs[c1 + 1], y(top), y(bottom + 1)
        parts.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" stroke="#c9ced6"/>')
        text = table.cells.get((r, c), "")
        if not text or r0 < shown.start:
            continue
        number = _NUMBER.fullmatch(text.strip()) is not None
        room = int((x1 - x0 - 8) / CHAR_W)
        tx = x1 - 5 if number else x0 + 5
        title = f"<title>{escape(text)}</title>" if _cut(text, room) != " ".join(text.split()) else ""
        end = ' text-anchor="end"' if number else ""
        parts.append(f'<text x="{tx}" y="{y0 + ROW_H - 8}"{end}>'
                     f'{title}{escape(_cut(text, room))}</text>')
    for colour, boxes in ((BLUE, blue), (RED, red)):
        for c0, low, c1, high in boxes:
            x0, x1 = xs[int(c0)], xs[int(c1)]
            y0, y1 = y(max(int(-high), shown.start)), y(min(int(-low), shown.stop))
            parts.append(f'<rect x="{x0 + 1.5}" y="{y0 + 1.5}" width="{x1 - x0 - 3}" height="{y1 - y0 - 3}" '
                         f'fill="rgb{colour}" fill-opacity="0.08" stroke="rgb{colour}" stroke-width="3"/>')
    parts.append("</svg>")
    return "\n".join(parts), width, height
