"""What `glyphs.chars` takes from pdfium once per text object, and each glyph's middle kept as it is
made, hold glyph by glyph (issue 25: the per-glyph loop asks pdfium 4 things, not 7)."""

from __future__ import annotations

import ctypes
import dataclasses
import math

import pypdfium2 as pdfium
import pytest

from conftest import CORPUS, HERE
from pipeline.read import glyphs

# upright, turned (/Rotate), scaled, and a seal's ring of glyphs each at its own slant
PDFS = [CORPUS / "pdf" / "xlsx" / "440303210301500004143.xlsx.pdf",
        CORPUS / "pdf" / "reportlab" / "440303210301500004143.reportlab.pdf",
        *(HERE / "fixtures" / "pages" / f"440303210301500004143.{shape}.pdf"
          for shape in ("xlsx.rotate90", "reportlab.scaled", "xlsx.seal-unit", "reportlab.seal-unit"))]


@pytest.mark.parametrize("pdf", PDFS, ids=lambda p: p.name)
def test_each_glyph_has_the_size_and_slant_pdfium_gives_it_alone(pdf):
    """The matrix and font size read once per text object are those pdfium gives each of its glyphs."""
    raw = pdfium.raw
    doc = pdfium.PdfDocument(pdf)
    tilted = False
    try:
        for page in doc:
            turn, _ = glyphs.display(page)
            textpage = page.get_textpage()
            chars = glyphs.chars(textpage, turn)
            seen = []
            matrix = raw.FS_MATRIX()
            for i in range(textpage.count_chars()):
                text = chr(raw.FPDFText_GetUnicode(textpage.raw, i))
                if text == "\0" or text.isspace():
                    continue
                assert raw.FPDFText_IsGenerated(textpage.raw, i) != 1, "pdfium generated a printed glyph"
                assert raw.FPDFText_GetMatrix(textpage.raw, i, matrix)
                size = max(raw.FPDFText_GetFontSize(textpage.raw, i) * math.hypot(matrix.c, matrix.d), 1.0)
                ta, tb, tc, td, _, _ = turn
                angle = math.degrees(math.atan2(tb * matrix.a + td * matrix.b, ta * matrix.a + tc * matrix.b)) \
                    if matrix.b or turn != glyphs.IDENTITY else 0.0
                seen.append((text, size, angle))
            assert [(c.text, c.size, c.angle) for c in chars] == seen
            tilted = tilted or any(c.tilted for c in chars)
    finally:
        doc.close()
    assert tilted == ("seal" in pdf.name)


def test_a_glyphs_middle_is_its_own_however_it_was_made():
    """`cx`/`cy` set by `chars`, worked out for a glyph made by hand, and for one moved by
    `dataclasses.replace` (a spill page's text carried back): never the glyph it was made from."""
    doc = pdfium.PdfDocument(PDFS[0])
    try:
        chars = glyphs.chars(doc[0].get_textpage())
    finally:
        doc.close()
    assert chars
    for ch in chars[:50]:
        assert (ch.cx, ch.cy) == ((ch.x0 + ch.x1) / 2, ch.base + 0.35 * ch.size)
        moved = dataclasses.replace(ch, x0=ch.x0 + 100, x1=ch.x1 + 100, base=ch.base - 7)
        assert (moved.cx, moved.cy) == ((ch.x0 + 100 + ch.x1 + 100) / 2, ch.base - 7 + 0.35 * ch.size)
        assert moved == dataclasses.replace(moved) and moved != ch
    made = glyphs.Char("表", 10.0, 20.0, 11.0, 19.0, 100.0, 10.0)
    assert (made.cx, made.cy) == (15.0, 103.5)
