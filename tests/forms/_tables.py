"""Ruled tables drawn as a spreadsheet prints them (reportlab, CID font STSong-Light): the tables a
disclosure holds beside its forms, and forms of no known family, for tests/forms.

Each page: title lines above the table, then rows of cells on a column grid, every border drawn; a
cell holding None is merged into the cell on its left (no border drawn between them).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from conftest import needs_cjk_font

FONT, SIZE, ROW_H, MARGIN = "STSong-Light", 8.0, 18.0, 40.0
Page = tuple[list[str], list[list[str | None]]]


def tables_pdf(path: Path, pages: list[Page], widths: list[float] | None = None, fit: bool = False) -> Path:
    """One ruled table per page under its title lines; `widths` in points (else equal columns).
    `fit`: each text set small enough to stay in its cell (and each title on the page), a row
    shorter than the table its last cell spanning the rest, as printed forms do."""
    needs_cjk_font()  # the font is not embedded: pdfium reads it with the machine's
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    page_w, page_h = landscape(A4)
    c = canvas.Canvas(str(path), pagesize=(page_w, page_h))
    for titles, rows in pages:
        y = page_h - MARGIN
        for title in titles:
            c.setFont(FONT, _fitted(title, page_w - 2 * MARGIN, 14 if title is titles[0] else SIZE) if fit
                      else 14 if title is titles[0] else SIZE)
            c.drawCentredString(page_w / 2, y, title)
            y -= 22
        n = max(len(r) for r in rows)
        cols = widths or [(page_w - 2 * MARGIN) / n] * n
        xs = [MARGIN + sum(cols[:i]) for i in range(n + 1)]
        c.setFont(FONT, SIZE)
        for row in rows:
            if fit and len(row) < n:
                row = row + [None] * (n - len(row))
            top, bottom = y, y - ROW_H
            c.line(xs[0], top, xs[-1], top)
            c.line(xs[0], bottom, xs[-1], bottom)
            c.line(xs[0], top, xs[0], bottom)
            for i, text in enumerate(row + [""] * (n - len(row))):
                nxt = (row + [""] * (n - len(row)))[i + 1] if i + 1 < n else ""
                if nxt is not None:  # a border unless the next cell is merged into this one
                    c.line(xs[i + 1], top, xs[i + 1], bottom)
                if text:
                    if fit:
                        end = next((k for k in range(i + 1, n) if row[k] is not None), n)
                        c.setFont(FONT, _fitted(text, xs[end] - xs[i] - 6, SIZE))
                    c.drawString(xs[i] + 3, bottom + 6, text)
            y = bottom
        c.showPage()
    c.save()
    return path


def _fitted(text: str, room: float, size: float) -> float:
    """The font size, at most `size`, at which `text` fits in `room` points."""
    width = pdfmetrics.stringWidth(text, FONT, size)
    return size if width <= room else size * room / width


def text_pages(path: Path, titles: list[str]) -> Path:
    """Pages of narrative text, no ruling, one per title: a disclosure's cover, 目录 and chapters."""
    needs_cjk_font()  # the font is not embedded: pdfium reads it with the machine's
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    c = canvas.Canvas(str(path), pagesize=landscape(A4))
    for title in titles:
        c.setFont(FONT, 16)
        c.drawCentredString(421, 540, title)
        c.setFont(FONT, 10)
        for k in range(30):
            c.drawString(60, 500 - 15 * k, "本部门认真贯彻落实预算法，严格执行年度预算，加强预算绩效管理。" * 2)
        c.showPage()
    c.save()
    return path


def joined(path: Path, parts: list[Path]) -> Path:
    """The pages of `parts`, in order, as one PDF (a disclosure made of tables and forms)."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for part in parts:
        src = pdfium.PdfDocument(str(part))
        out.import_pages(src)
        src.close()
    out.save(str(path))
    out.close()
    return path
