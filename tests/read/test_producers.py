"""Any producer of the PDF: the same 罗湖区 form rewritten by cairo (`pdftocairo -pdf`) or Ghostscript
reads the same fields, and so does any order in which a producer writes the characters.

Cairo writes several cells of a line in one text object, gives its fonts boxes ~3 em tall, and leaves
a gap where the original printed a space glyph; Ghostscript rewrites the content streams. Text is
placed by its position on the page only (pipeline/read/grids.py), so none of this changes a field.
The rewrites of central and 四川 forms belong to those templates and are not collected here.
"""

from __future__ import annotations

import dataclasses
import random

import pypdfium2 as pdfium
import pytest

from conftest import HERE, PDF, TRUTH, code_of, differences, extracted, truth
from pipeline.extract import extract
from pipeline.read.grids import read_grids

PRODUCERS = ("cairo", "ghostscript")
OTHER_TEMPLATES = ("central", "sichuan")  # their own truth and reader: issue 11, another part


def _layout(pdf) -> str:
    return pdf.name.split(".")[1]  # <code>.<layout>.<producer>.pdf


def _rewrites():
    for producer in PRODUCERS:
        for pdf in sorted((PDF / producer).glob("*.pdf")):
            if (TRUTH / f"{code_of(pdf)}.json").exists() and not _layout(pdf).startswith(OTHER_TEMPLATES):
                yield pytest.param(pdf, id=f"{producer}/{code_of(pdf)}.{_layout(pdf)}")


REWRITES = list(_rewrites())
SPILLS = sorted((HERE / "fixtures" / "producers").glob("*.pdf"))  # see the README there


def test_every_rewrite_of_a_luohu_form_is_collected():
    ids = {p.id.split("/")[0] + "/" + p.id.rsplit(".", 1)[1] for p in REWRITES}
    assert {"cairo/xlsx", "cairo/reportlab", "ghostscript/xlsx"} <= ids
    luohu = [pdf for producer in PRODUCERS for pdf in (PDF / producer).glob("*.pdf")
             if not _layout(pdf).startswith(OTHER_TEMPLATES)]
    assert len(REWRITES) == len(luohu)  # each has its truth file


@pytest.mark.slow
@pytest.mark.parametrize("pdf", REWRITES)
def test_rewritten_form_equals_truth(pdf):
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert differences(forms[0], truth(code_of(pdf))) == []


@pytest.mark.parametrize("pdf", SPILLS, ids=lambda p: p.name)
def test_text_cut_at_the_page_edge_is_read_from_both_pages(pdf):
    """cairo and Ghostscript keep of a clipped cell only what shows: the rest is on the spill page,
    drawn from left of its table, and is read back into the cell it continues."""
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert differences(forms[0], truth(code_of(pdf))) == []


CAIRO_OVER_CALC = sorted((HERE / "fixtures" / "producers" / "cairo-over-calc").glob("*.pdf"))


@pytest.mark.parametrize("pdf", CAIRO_OVER_CALC, ids=lambda p: p.name)
def test_a_cut_text_passed_on_by_a_producer_naming_no_spreadsheet_is_flagged(pdf):
    """A Calc print whose row cut a 预期目标 short, rewritten by cairo: the document info no longer
    says Calc, and the goal loaded short, unflagged. A PDF naming no program known to print a text
    whole may be a spreadsheet's print: the field differs from the truth and is flagged, and only it."""
    [form] = extracted(str(pdf))
    wrong = differences(form, truth(code_of(pdf)))
    assert wrong and all(w.startswith("goals.goal_expected") for w in wrong)
    assert "goal_expected" in form["may_be_cut"]


# -- the order of the characters --------------------------------------------------------------------

# pdfium's per-character calls (text page, index, ...): permuting the index in all of them at once is a
# producer that wrote the same glyphs, at the same places, in another order
_PER_CHAR = [name for name in (
    "FPDFText_IsGenerated", "FPDFText_IsHyphen", "FPDFText_HasUnicodeMapError", "FPDFText_GetUnicode",
    "FPDFText_GetTextObject", "FPDFText_GetFontSize", "FPDFText_GetFontInfo", "FPDFText_GetFontWeight",
    "FPDFText_GetFillColor", "FPDFText_GetStrokeColor", "FPDFText_GetCharAngle", "FPDFText_GetCharBox",
    "FPDFText_GetLooseCharBox", "FPDFText_GetMatrix", "FPDFText_GetCharOrigin",
) if hasattr(pdfium.raw, name)]

ORDERS = {
    "reversed": lambda n: list(reversed(range(n))),
    "shuffled": lambda n: random.Random(n).sample(range(n), n),
}

CASES = [
    PDF / "xlsx" / "440303210301500004143.xlsx.pdf",  # two pages
    PDF / "xlsx-overflow" / "441302221551500092553.xlsx-overflow.pdf",  # clipped tails, spill pages 3, 4
    PDF / "reportlab" / "440311250301000037906.reportlab.pdf",  # a 、 hung past its cell's border
    PDF / "cairo" / "440304240300200076018.xlsx.cairo.pdf",  # several cells in one text object
    PDF / "cairo" / "440306230301000026512.reportlab.cairo.pdf",  # a space printed as a gap
    PDF / "ghostscript" / "440303210301500004502.xlsx.gs.pdf",
    HERE / "fixtures" / "producers" / "440105221551500060313.xlsx-overflow.cairo.pdf",  # cut text
]


def _emit(monkeypatch, order: str) -> None:
    """From here on, pdfium reports every page's characters in another order."""
    count, make = pdfium.raw.FPDFText_CountChars, ORDERS[order]
    perms: dict[int, list[int]] = {}

    def permuted(real):
        def call(textpage, index, *args):
            n = count(textpage)
            perm = perms.setdefault(n, make(n))
            return real(textpage, perm[index] if 0 <= index < n else index, *args)
        return call

    for name in _PER_CHAR:
        monkeypatch.setattr(pdfium.raw, name, permuted(getattr(pdfium.raw, name)))


# every order in the whole suite; the shuffled one (a Python call per glyph and pdfium call) only there
ORDER_PARAMS = [pytest.param(o, marks=[pytest.mark.slow] if o == "shuffled" else []) for o in sorted(ORDERS)]


def _id(pdf) -> str:
    return f"{pdf.parent.name}/{code_of(pdf)}"


@pytest.mark.parametrize("order", ORDER_PARAMS)
@pytest.mark.parametrize("pdf", CASES, ids=_id)
def test_grids_do_not_depend_on_the_order_characters_are_written_in(pdf, order, monkeypatch):
    as_written = read_grids(pdf)
    _emit(monkeypatch, order)
    assert read_grids(pdf) == as_written


@pytest.mark.parametrize("order", ORDER_PARAMS)
@pytest.mark.parametrize("pdf", [CASES[1], CASES[3]], ids=_id)
def test_fields_do_not_depend_on_the_order_characters_are_written_in(pdf, order, monkeypatch):
    _emit(monkeypatch, order)
    forms = [f.to_dict() for f in extract(pdf)[1]]  # check_held reads the permuted characters too
    assert len(forms) == 1
    assert differences(forms[0], truth(code_of(pdf))) == []


def test_the_permutation_reaches_pdfium(monkeypatch):
    """The test above is no test if tables reads characters some other way."""
    doc = pdfium.PdfDocument(CASES[0])
    textpage = doc[0].get_textpage()
    first = [pdfium.raw.FPDFText_GetUnicode(textpage.raw, i) for i in range(textpage.count_chars())]
    _emit(monkeypatch, "reversed")
    assert [pdfium.raw.FPDFText_GetUnicode(textpage.raw, i) for i in range(len(first))] == first[::-1]
    doc.close()


def test_a_glyph_starting_inside_the_advance_before_it_is_not_set_on_across_a_border():
    """A cell's last "。" hangs its blank half over the border, and the next cell's text may start
    under that half (langfang/440106191550216302646: 0.5 pt inside the "。"'s advance): not set one
    after the other, so the border between their inks parts the two cells' texts. Text set on across
    a border (each glyph where the advance before it ends) stays one run: a line drawn through a
    value is no border between two of its characters."""
    from pipeline.read.glyphs import Char
    from pipeline.read.grids import _cut_at_borders

    stop = Char("。", 506.28, 515.28, 507.17, 509.17, 302.0, 9.0)
    six = Char("6", 514.76, 520.15, 515.16, 519.75, 302.0, 9.0)
    assert [[c.text for c in p] for p in _cut_at_borders([stop, six], [511.76])] == [["。"], ["6"]]
    assert len(_cut_at_borders([stop, six], [530.0])) == 1  # no border between them
    ju = Char("局", 92.0, 101.0, 92.5, 100.5, 0.0, 9.0)
    bracket = Char("（", 101.0, 110.0, 105.5, 109.0, 0.0, 9.0)  # set on: starts where 局's advance ends
    assert len(_cut_at_borders([ju, bracket], [103.0])) == 1
    apart = dataclasses.replace(bracket, x0=104.0, x1=113.0, ink0=108.5, ink1=112.0)
    assert len(_cut_at_borders([ju, apart], [103.0])) == 2  # not set on: a border between the inks cuts


def test_a_glyph_hung_past_its_cell_s_edge_ends_its_cell_s_text_whatever_follows():
    """Chromium prints "（万元）" in a narrow merged cell with the "）"'s blank half past the border, and
    the next cell's second line ("款" of 其中：本年财政拨款) starts exactly where that advance ends
    (0.06 pt after: a landscape restyle of langfang/440306230301000026512). The border lies in the
    blank end of the "）"'s advance: it was hung past its cell, so the run is cut there though the
    next glyph looks set on. A border past a glyph's advance (set on across it) still cuts nothing."""
    from pipeline.read.glyphs import Char
    from pipeline.read.grids import _cut_at_borders

    close = Char("）", 94.03, 105.03, 94.54, 97.38, 157.7, 11.0)
    kuan = Char("款", 105.09, 116.09, 105.45, 115.77, 157.7, 11.0)
    assert [[c.text for c in p] for p in _cut_at_borders([close, kuan], [102.375])] == [["）"], ["款"]]
    assert len(_cut_at_borders([close, kuan], [105.06])) == 1  # at the advance's end: set on across


def test_two_texts_interleaved_in_one_column_are_drawn_over_each_other():
    """Chromium at A5 drew the rest of a cut cell ("指", "标") between the lines of the next cell's
    text ("服", "务"), each glyph a third of its height into the one above it: lines of one text never
    overlap, so this is text drawn over text (refused as damaged, never read "指服标务…"). One text
    set a line a glyph in a narrow cell, its lines apart, is not."""
    from pipeline.read.glyphs import Char, misdrawn

    def glyph(text: str, bottom: float) -> Char:
        return Char(text, 98.0, 107.0, 98.2, 106.6, bottom + 1.0, 9.0, inky0=bottom, inky1=bottom + 8.2)

    interleaved = [glyph("指", 561.2), glyph("服", 553.7), glyph("标", 548.5), glyph("务", 541.0)]
    assert "is drawn over" in misdrawn(interleaved, 0.0, 842.0)
    one_text = [glyph(t, 561.2 - 12.7 * k) for k, t in enumerate("服务对象")]
    assert misdrawn(one_text, 0.0, 842.0) is None
