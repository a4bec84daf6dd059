"""The picture of a finding: the page region its numbers come from, rendered from the kept copy of the
report with pdfium, the printed numbers outlined.

Where a number sits on a text-layer page is found again in the page's text by pdfium (the same text
layer the reader read), as a whole number: "90.39" matches "90.39" and "90.39%", never "190.39" or
"90.391". On an OCR'd page the boxes are the warehouse's own (`ocr_cell`). The crop keeps the full
width of the page and the rows between the first and the last box, with some rows around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Sequence

import pypdfium2 as pdfium
from PIL import ImageDraw

SCALE = 2.0  # 144 dpi: small print (7 pt) stays legible
MARGIN = 48.0  # PDF points kept above and below the outlined boxes
ROW = 7.0  # PDF points: a row's numbers are centred within this of its label's first line
MIN_HEIGHT = 220.0  # PDF points: a crop at least this tall, so the rows are seen with their headers
RED = (200, 30, 30)
BLUE = (30, 90, 200)

Box = tuple[float, float, float, float]  # left, bottom, right, top: PDF points, y up


@dataclass(frozen=True)
class Picture:
    page: int  # 1-based page of the report (of a workbook, Word document or web page: its table)
    found: int  # boxes outlined (0: the value was not found on the page; the page is shown whole)
    width: int
    height: int
    suffix: str = "png"  # the picture file's: png (a page rendered), svg (a table's cells drawn: grid.py)
    place: str = ""  # the cells drawn, where the picture is a table's ("'Sheet1'!A5:H12")


def spellings(value: Decimal) -> list[str]:
    """How a number may be printed: 43778.47, 43,778.47, 100, 100.00, 90.4, 90.40."""
    fixed = f"{value:.2f}"
    short = fixed.rstrip("0").rstrip(".") if "." in fixed else fixed
    return list(dict.fromkeys([fixed, f"{value:,.2f}", short, f"{Decimal(short):,}"]))


def find_text(page: pdfium.PdfPage, texts: Iterable[str]) -> list[Box]:
    """Boxes of each whole-number occurrence of any of `texts` on a text-layer page."""
    textpage = page.get_textpage()
    boxes: list[Box] = []
    try:
        total = textpage.count_chars()
        for text in texts:
            searcher = textpage.search(text, match_case=True)
            while (hit := searcher.get_next()) is not None:
                index, count = hit
                before = textpage.get_text_range(index - 1, 1) if index > 0 else ""
                after = textpage.get_text_range(index + count, 1) if index + count < total else ""
                if (before and (before.isdigit() or before in ".,")) or (
                        after and (after.isdigit() or after == "." and index + count + 1 < total
                                   and textpage.get_text_range(index + count + 1, 1).isdigit())):
                    continue  # part of a longer number
                for i in range(textpage.count_rects(index, count)):
                    boxes.append(tuple(textpage.get_rect(i)))
            searcher.close()
    finally:
        textpage.close()
    return list(dict.fromkeys(boxes))


def render(pdf: Path, pages: Sequence[int], printed: Sequence[Decimal], related: Sequence[Decimal],
           out: Path, ocr: dict[int, list[tuple[str, Box]]] | None = None,
           forms: Sequence[str] = ("{}",), anchor: str = "") -> Picture:
    """Render the page of `pages` (1-based) where a `printed` number is found, cropped to the rows of
    the outlined numbers (red: the printed number the finding is about; blue: the printed numbers the
    rule computes from), into the PNG `out`. `ocr`: per page, the cells' text and box from ocr_cell,
    used instead of the text layer. `forms`: how a printed number is printed
    around ("({}分)" for a 一级指标's weight), so that a bare 5 elsewhere is not taken for it.
    `anchor`: the start of the row's label (an indicator's 三级指标): where found, only the printed
    numbers in its row are outlined. The first page whole, when no number is found."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        best: tuple[int, list[Box], list[Box]] | None = None
        for number in pages:
            if not 1 <= number <= len(doc):
                continue
            page = doc[number - 1]
            if ocr is not None:
                red, blue = _ocr_boxes(ocr.get(number, []), printed), _ocr_boxes(ocr.get(number, []), related)
            else:
                red = find_text(page, [f.format(s) for v in printed for s in spellings(v) for f in forms])
                rows = find_text(page, [anchor]) if anchor and red else []
                if rows:
                    red = [b for b in red if any(r[1] - ROW < (b[1] + b[3]) / 2 < r[3] + ROW for r in rows)]
                blue = find_text(page, [s for v in related for s in spellings(v)]) if related else []
            page.close()
            red, blue = outlined(red, blue, set(printed) & set(related))
            if red and (best is None or not best[1]):
                best = (number, red, blue)
                break
            if best is None:
                best = (number, red, blue)
        if best is None:
            raise ValueError(f"{pdf.name}: none of pages {list(pages)} is in the file")
        number, red, blue = best
        page = doc[number - 1]
        width, height = page.get_size()
        image = page.render(scale=SCALE).to_pil().convert("RGB")
        page.close()
    finally:
        doc.close()
    draw = ImageDraw.Draw(image)
    for colour, boxes in ((BLUE, blue), (RED, red)):
        for left, bottom, right, top in boxes:
            draw.rectangle([(left - 3) * SCALE, (height - top - 3) * SCALE,
                            (right + 3) * SCALE, (height - bottom + 3) * SCALE],
                           outline=colour, width=int(SCALE * 1.5))
    shown = red + blue
    if shown:
        low = max(0.0, min(b[1] for b in shown) - MARGIN)
        high = min(height, max(b[3] for b in shown) + MARGIN)
        if high - low < MIN_HEIGHT:
            middle = (high + low) / 2
            low, high = max(0.0, middle - MIN_HEIGHT / 2), min(height, middle + MIN_HEIGHT / 2)
        image = image.crop((0, int((height - high) * SCALE), image.width, int((height - low) * SCALE)))
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)
    return Picture(number, len(red), image.width, image.height)


def outlined(red: list[Box], blue: list[Box], shared: set) -> tuple[list[Box], list[Box]]:
    """The boxes to outline. A number the rule computes from is outlined only in the row or the column
    of a printed number (a 100 elsewhere on the page is another number). A number both printed and
    computed from (a total equal to one of its parts) is the printed one at its topmost place: a
    total is printed above its parts."""
    if shared:
        both = sorted((b for b in red if b in blue), key=lambda b: -b[3])
        if both:
            red = [b for b in red if b not in both[1:]]
    blue = [b for b in blue if b not in red and any(
        _overlap(b[0], b[2], r[0], r[2]) or _overlap(b[1], b[3], r[1], r[3]) for r in red)]
    return red, blue


def _overlap(a0: float, a1: float, b0: float, b1: float) -> bool:
    return min(a1, b1) - max(a0, b0) > 0.5 * min(a1 - a0, b1 - b0)


def _ocr_boxes(cells: list[tuple[str, Box]], values: Sequence[Decimal]) -> list[Box]:
    wanted = set(values)
    found = []
    for text, box in cells:
        try:
            number = Decimal(text.replace(",", "").replace("%", "").strip())
        except ArithmeticError:
            continue
        if number in wanted:
            found.append(box)
    return found
