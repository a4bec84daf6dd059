"""PDFs shaped as forms are published: electronic seals drawn as text, pages stored turned (/Rotate),
scaled or offset on their sheet, two pages printed 2-up on one sheet, and fonts whose text layer
cannot be read. Each reads exactly equal to its truth, or is refused with its own kind; never a
value changed. The fixtures are made from corpus PDFs by tests/fixtures/pages/make.py.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from conftest import CORPUS, HERE, code_of, differences, extracted
from pipeline import errors
from pipeline.extract import extract
from pipeline.read import glyphs

PAGES = HERE / "fixtures" / "pages"
TRUTHS = {"luohu": "truth", "central": "truth-central", "sichuan": "truth-sichuan", "hubei": "truth-hubei",
          "yunnan": "truth-yunnan", "langfang": "truth-langfang"}


def _truth(pdf: Path, template: str) -> dict:
    return json.loads((CORPUS / TRUTHS[template] / f"{code_of(pdf)}.json").read_text(encoding="utf-8"))


def _shape(pdf: Path) -> str:
    return pdf.name.split(".")[2]  # <code>.<layout>.<shape>.pdf


def _fixtures(*shapes: str) -> list:
    return [pytest.param(p, id=p.name) for p in sorted(PAGES.glob("*.pdf")) if _shape(p).startswith(shapes)]


def _read_exactly(pdf: Path) -> dict:
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert differences(forms[0], _truth(pdf, forms[0]["template"])) == []
    return forms[0]


# -- page geometry --------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", _fixtures("rotate", "scaled", "userunit", "2up"))
def test_a_page_is_read_as_it_displays(pdf):
    """/Rotate 90/180/270 with the content turned back (as Word and WPS write landscape pages), a
    MediaBox offset, content scaled onto the sheet, /UserUnit, and two pages printed 2-up."""
    _read_exactly(pdf)


@pytest.mark.parametrize("pdf", _fixtures("sideways", "turned"))
def test_a_page_displayed_on_its_side_is_read_as_a_reader_turns_it(pdf):
    """A landscape table bound sideways on a portrait sheet (its text running up or down the page as
    displayed), or a page whose /Rotate shows it on its side: read turned until its text runs left
    to right (`glyphs.upright`). Both were refused as holding no form."""
    _read_exactly(pdf)


@pytest.mark.parametrize("pdf", [p for p in _fixtures("watermark") if _shape(p.values[0]) != "watermark-ink"])
def test_a_pale_watermark_across_the_page_is_set_aside(pdf):
    """Words drawn across the page in a pale grey ("内部资料", a unit's name, 40 pt at 30° or level),
    in the page's own fonts: their glyphs, turned alike along one line, large and pale, are a
    watermark and read into no cell (`glyphs._watermarks`). They were, and the form was refused
    ("1210000.00区")."""
    _read_exactly(pdf)


def test_a_watermark_in_the_page_s_ink_is_left_to_the_checks():
    """The same words in the page's own black could be the form's: not set aside, and the glyphs at
    a slant in the cells refuse the form naming the cell, never load into a field."""
    [pdf] = _fixtures("watermark-ink")
    with pytest.raises(errors.ReportError, match="page 1: form 440303210301500004143"):
        extract(pdf.values[0])


def test_every_rotation_and_both_layouts_are_made():
    names = {p.name for p in PAGES.glob("*.pdf")}
    for layout in ("reportlab", "xlsx"):
        for angle in (90, 180, 270):
            assert f"440303210301500004143.{layout}.rotate{angle}.pdf" in names


def test_a_turned_page_gives_the_glyphs_and_ruling_of_the_page_it_shows():
    """The same glyphs, at the same places, from the page as stored upright and stored turned."""
    from pipeline.read.pdf import OpenPdf

    def page_of(pdf: Path):
        with OpenPdf(pdf) as opened:
            page, textpage = opened.page(1)
            turn, box = glyphs.display(page)
            chars = sorted((c.text, round(c.x0), round(c.base)) for c in glyphs.chars(textpage, turn))
            lines = glyphs.ruled_lines(page, turn)
            return chars, sorted((round(a), round(b), round(c), round(d)) for a, b, c, d in lines[0]), box

    upright = page_of(CORPUS / "pdf" / "xlsx" / "440303210301500004143.xlsx.pdf")
    for angle in (90, 180, 270):
        turned = page_of(PAGES / f"440303210301500004143.xlsx.rotate{angle}.pdf")
        assert turned[0] == upright[0] and turned[1] == upright[1]
        assert turned[2][2:] == pytest.approx(upright[2][2:], abs=0.5)


def test_a_two_up_sheet_is_read_left_page_then_right():
    """The form's two pages side by side on one sheet: its indicator rows are read in the order of
    the source's two pages, all on sheet 1."""
    two_up = extracted(str(PAGES / "440303210301500004143.xlsx.2up.pdf"))[0]
    source = extracted(str(CORPUS / "pdf" / "xlsx" / "440303210301500004143.xlsx.pdf"))[0]
    assert [r["level3"] for r in two_up["indicators"]] == [r["level3"] for r in source["indicators"]]
    assert {r["page"] for r in source["indicators"]} == {1, 2}
    assert {r["page"] for r in two_up["indicators"]} == {1}
    assert two_up["source"]["last_page"] == 1


def test_a_bundle_printed_two_up_reads_every_form(tmp_path):
    """16 pages of 8 forms, two to a sheet: 8 sheets, every form equal to its truth."""
    import sys

    sys.path.insert(0, str(PAGES))
    from make import two_up  # noqa: E402

    src = CORPUS / "pdf" / "bundle" / "luohu-2023-dev.xlsx.pdf"
    pdf = tmp_path / "bundle.2up.pdf"
    two_up(src).write(pdf)
    info, forms = extract(pdf)
    assert info.pages == 8
    want = extracted(str(src))
    assert [f.project_code for f in forms] == [f["project_code"] for f in want]
    for form in forms:
        assert differences(form.to_dict(), _truth(Path(f"{form.project_code}.pdf"), "luohu")) == []


def test_two_tables_under_one_title_are_not_a_two_up_sheet():
    """A run of text across the middle (a title over both tables) keeps a sheet one page."""
    from pipeline.read.grids import _Outline, _two_up

    def table(x0: float, x1: float) -> _Outline:
        return _Outline(((500.0, 100.0),), ((x0, x1),), {(0, 0): (0, 0)})

    def glyph(x: float) -> glyphs.Char:
        return glyphs.Char("表", x, x + 10, x, x + 10, 550, 10)

    box = (0.0, 0.0, 842.0, 595.0)
    tables = [table(30, 400), table(440, 810)]
    assert _two_up(tables, [[glyph(100), glyph(110)]], box) is not None
    assert _two_up(tables, [[glyph(400 + 10 * k) for k in range(5)]], box) is None  # a title across
    assert _two_up([table(30, 400), table(440, 520)], [], box) is None  # a small table beside
    assert _two_up(tables, [], (0.0, 0.0, 595.0, 842.0)) is None  # a portrait sheet


# -- seals ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", _fixtures("seal"))
def test_a_seal_drawn_as_text_is_set_aside_and_recorded(pdf):
    """A red seal whose ring text is glyphs turned along a circle, over the unit name, over the
    总分 row, on a national-template form: the form reads exactly, the seal is kept with its page,
    box and text, and none of its characters is in a cell."""
    form = _read_exactly(pdf)
    (seal,) = form["source"]["seals"]
    ring = "广州市海珠区大数据资源管理中心" if "central" in pdf.name else "深圳市罗湖区智慧城市建设中心"
    assert seal["text"] == f"{ring} 财政"
    assert seal["page"] == (2 if _shape(pdf) == "seal-total" else 1)
    x0, y0, x1, y1 = seal["box"]
    assert 80 < x1 - x0 < 100 and 80 < y1 - y0 < 100  # the circle of radius 42 and its ring


def test_the_seal_reaches_the_warehouse_and_no_cell(tmp_path):
    """dim_form.seals keeps the seal (page, box, text); the unit name and project code it was drawn
    over load as printed."""
    from pipeline import warehouse
    from pipeline.ingest import ingest_file

    pdf = PAGES / "440303210301500004143.xlsx.seal-unit.pdf"
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert ingest_file(con, pdf).status == "loaded"
    code, unit, seals, reason = con.execute(
        "SELECT project_code, implementing_unit, seals, ocr_reason FROM dim_form").fetchone()
    truth = _truth(pdf, "luohu")
    assert (code, unit) == (truth["project_code"], truth["implementing_unit"])
    (seal,) = json.loads(seals)
    assert seal["text"] == "深圳市罗湖区智慧城市建设中心 财政" and seal["page"] == 1 and reason is None
    con.close()


def test_a_form_without_a_seal_records_none():
    form = extracted(str(CORPUS / "pdf" / "xlsx" / "440303210301500004143.xlsx.pdf"))[0]
    assert "seals" not in form["source"]


def _ring(cx: float, cy: float, text: str, colour=(219, 20, 31), radius: float = 35.0) -> list[glyphs.Char]:
    import math

    out = []
    for n, ch in enumerate(text):
        phi = 210 - n * 240 / (len(text) - 1)
        x, y = cx + radius * math.cos(math.radians(phi)), cy + radius * math.sin(math.radians(phi))
        out.append(glyphs.Char(ch, x - 5, x + 5, x - 5, x + 5, y - 3.5, 10, y - 5, y + 5, phi - 90, colour))
    return out


def _upright(x: float, y: float, text: str, colour=(0, 0, 0)) -> list[glyphs.Char]:
    return [glyphs.Char(ch, x + 10 * k, x + 10 * k + 10, x + 10 * k, x + 10 * k + 10, y, 10, y - 1, y + 8,
                        0.0, colour) for k, ch in enumerate(text)]


def test_a_seal_takes_its_ring_and_its_inside_and_nothing_else():
    form_text = _upright(260, 498, "实施单位中心")  # black text under the seal
    ring = _ring(300, 500, "深圳市罗湖区智慧城市建设中心")
    inside = _upright(290, 480, "财政", colour=(219, 20, 31))
    kept, (seal,) = glyphs.seals(form_text + ring + inside, 3)
    assert kept == form_text
    assert seal.text == "深圳市罗湖区智慧城市建设中心 财政"
    assert seal.page == 3
    assert seal.box[0] < 265 and seal.box[2] > 335


def test_the_upright_glyph_at_the_top_of_a_ring_is_the_seal_s():
    """An odd number of ring glyphs stands one upright at the top: it goes with the ring, and the
    form's upright glyph of the same size beside it stays."""
    ring = _ring(300, 500, "罗湖区智慧城市建设中心")
    assert [c.tilted for c in ring].count(False) == 1
    beside = _upright(330, 531.5, "中")  # the form's own glyph, level with the top of the ring
    kept, (seal,) = glyphs.seals(_upright(100, 100, "实施单位") + ring + beside, 1)
    assert seal.text == "罗湖区智慧城市建设中心"
    assert kept == _upright(100, 100, "实施单位") + beside


def test_a_seal_in_the_page_s_own_ink_leaves_its_inside_to_the_checks():
    """A black seal: its ring is set aside, but black text inside it could be the form's own."""
    form_text = _upright(280, 480, "中心")
    kept, (seal,) = glyphs.seals(form_text + _ring(300, 500, "深圳市罗湖区智慧城市建设中心", colour=(0, 0, 0)), 1)
    assert kept == form_text
    assert seal.text == "深圳市罗湖区智慧城市建设中心"


def test_slanted_text_that_is_no_ring_is_not_taken():
    """Two glyphs at a slant, or glyphs at one slant along a line (a diagonal watermark), are no seal."""
    pair = _ring(300, 500, "深圳市")[:2]
    assert glyphs.seals(pair, 1) == (pair, [])
    diagonal = [dataclasses.replace(c, angle=30.0) for c in _upright(100, 100, "内部资料请勿外传")]
    diagonal = [dataclasses.replace(c, inky0=c.inky0 + 5 * k, inky1=c.inky1 + 5 * k) for k, c in enumerate(diagonal)]
    assert glyphs.seals(diagonal, 1) == (diagonal, [])


def test_slanted_text_left_in_a_cell_refuses_the_form(tmp_path):
    """A seal the reader does not recognise (here, three glyphs at a slant with no circle) must not
    load its characters into a cell: the form is refused as a misread, naming the page."""
    import sys

    sys.path.insert(0, str(PAGES))
    from make import PORTRAIT, _codes, _where  # noqa: E402
    from pypdf import PdfWriter
    from pypdf.generic import ContentStream

    n, x, y = _where(PORTRAIT, "深圳市罗湖区智慧城市建设中心")
    writer = PdfWriter(clone_from=PORTRAIT)
    page = writer.pages[n]
    codes = _codes(page)
    ops = b"".join(f"q 0.866 0.5 -0.5 0.866 {x + 30 * k - 30:.1f} {y + 14 * k - 20:.1f} cm BT {codes[ch][0]} 10 Tf "
                   f"<{codes[ch][1].hex()}> Tj ET Q\n".encode() for k, ch in enumerate("罗湖区"))
    content = ContentStream(None, writer)
    content.set_data(b"q\n" + page.get_contents().get_data() + b"\nQ\n0.86 0.08 0.12 rg\n" + ops)
    page.replace_contents(content)
    pdf = tmp_path / "stamped.pdf"
    writer.write(pdf)
    with pytest.raises(errors.ExtractionFault) as err:
        extract(pdf)
    assert err.value.page == 1 and "slant" in err.value.reason


# -- what the page shows is not what its content holds ----------------------------------------------
# Each fixture is the corpus xlsx look of 440303210301500004143 as a PDF editor or producer leaves it
# (tests/fixtures/pages/make.py): read as a viewer shows it, or refused naming what was found; never the
# value the page does not show loaded unflagged.

def _refused(pdf: Path, kind: type, *words: str) -> str:
    with pytest.raises(kind) as err:
        extract(pdf)
    assert err.value.page == 1 and all(w in err.value.reason for w in words), err.value.reason
    return err.value.reason


def test_what_lies_outside_the_crop_box_is_not_read():
    """A viewer and a printer show a page's CropBox. Another form drawn beside it on a wider MediaBox,
    outside the crop, made the form incomplete (its rows read into the shown one's); it is not read
    now, and the form reads exactly. A crop that cuts the table (its 得分 column and part of 执行率)
    loaded every cut value as printed; now the table is seen cut by the edge of what the page shows."""
    _read_exactly(PAGES / "440303210301500004143.xlsx.crop-beside.pdf")
    _refused(PAGES / "440303210301500004143.xlsx.crop-cut.pdf", errors.ExtractionFault,
             "the table is cut by the edge of what the page prints", "the page from 0 to 480")


@pytest.mark.parametrize("pdf", _fixtures("layer-off", "layer-other"))
def test_what_is_drawn_in_a_layer_turned_off_is_not_read(pdf):
    """Optional content (a layer) the document's default configuration turns off (/OCProperties /D
    /OFF) is in the content and in pdfium's text, and shown nowhere: "9999" in such a layer after the
    实施单位 loaded as part of it; a whole other form drawn over the page in one refused the report as
    damaged (text over text). Neither is read now, nor is it in the page's text the title, year and the
    labels outside the tables are read from."""
    from pipeline.read.pdf import OpenPdf, inspect

    _read_exactly(pdf)
    with OpenPdf(pdf) as opened:
        text = inspect(pdf, opened=opened).page_texts[0]
    assert "9999" not in text and "440303210301500004502" not in text and "440303210301500004143" in text


def test_a_cropped_page_with_a_layer_turned_off_leaves_both_out_of_its_text(tmp_path):
    """The page's text the title, year and outside labels are read from leaves out a layer turned off and
    what lies outside the crop at once: with a layer in the document, the national form drawn beside the
    page, outside its crop, was in it (the crop was only applied to a document without layers)."""
    from pipeline.read.pdf import OpenPdf, inspect

    pdf = _made(tmp_path, "crop-layer", lambda m: m.layered(PAGES / "440303210301500004143.xlsx.crop-beside.pdf",
                                                            UNIT, "9999"))
    with OpenPdf(pdf) as opened:
        text = inspect(pdf, opened=opened).page_texts[0]
    assert "海珠区" not in text  # the national form beside the crop
    assert "9999" not in text and "440303210301500004143" in text
    _read_exactly(pdf)


@pytest.mark.parametrize("shape, what", [("layer-ocmd", "(/OCMD)"), ("layer-xobject", "its own /OC, Old")])
def test_text_in_optional_content_not_judged_refuses_the_page(shape, what):
    """Where a document turns layers off, text drawn in optional content whose visibility is not read
    here (a membership dictionary, /OCMD, pdfium gives without its groups; a form XObject naming its
    layer in its own /OC, which pdfium does not mark) refuses the page: "9999" through an /OCMD loaded
    after the 实施单位 unflagged."""
    _refused(PAGES / f"440303210301500004143.xlsx.{shape}.pdf", errors.TextLayerUnreadable,
             "optional content whose visibility is not read", what)


def test_an_annotation_that_hides_or_prints_over_a_cell_refuses_the_form():
    """pdfium's text page holds the page's content, not its annotations. A white Square annotation over
    a score with a FreeText "9.00" on it (a PDF editor's "white-out and type") loaded the 8.63 under it;
    a FreeText alone over the execution rate, the rate under it; a Redact annotation not applied (a
    black box), the amount under it. Each now refuses the form, naming the annotation."""
    _refused(PAGES / "440303210301500004143.xlsx.annot-whiteout.pdf", errors.IncompleteForm,
             "covered by a Square annotation", "'8.63'")
    _refused(PAGES / "440303210301500004143.xlsx.annot-typed.pdf", errors.IncompleteForm,
             "a FreeText annotation ('90.00') is drawn over a cell")
    _refused(PAGES / "440303210301500004143.xlsx.annot-redact.pdf", errors.IncompleteForm,
             "covered by a Redact annotation", "'1291532.65'")


@pytest.mark.parametrize("how, kind", [("said", "FreeText"), ("field", "Widget")])
def test_an_annotation_without_an_appearance_is_seen_too(tmp_path, how, kind):
    """A FreeText with no appearance stream, only /Contents, or a text field (Widget) holding a value /V and
    none (a form filled leaving the viewer to draw it, /NeedAppearances): a viewer draws it, pdfium draws
    nothing. Over a number it refuses the form; over a goal (a text field) it flags the field `may_be_cut`
    (a form field's value loaded what lies under it, unflagged, before the review of session 20)."""
    import sys

    sys.path.insert(0, str(PAGES))
    from make import PORTRAIT, annotated  # noqa: E402

    annotated(PORTRAIT, "86.25", how, "90.00").write(tmp_path / "rate.pdf")
    _refused(tmp_path / "rate.pdf", errors.IncompleteForm, f"a {kind} annotation ('90.00') is drawn over a cell")
    annotated(PORTRAIT, "本年度完成", how, "已完成").write(tmp_path / "goal.pdf")
    form = extracted(str(tmp_path / "goal.pdf"))[0]
    assert differences(form, _truth(PORTRAIT, "luohu")) == [] and "goal_actual" in form["may_be_cut"]


@pytest.mark.parametrize("shape", ["annot-stamp", "annot-hidden"])
def test_a_stamp_s_lettering_and_hidden_annotations_are_not_read(shape):
    """A Stamp annotation (an electronic seal: a red frame and lettering over the 得分 cell) is not read
    into the cell it lies over, nor does it refuse the form; a FreeText flagged Hidden, or NoView and
    not Print, shows nowhere."""
    _read_exactly(PAGES / f"440303210301500004143.xlsx.{shape}.pdf")


def test_text_under_a_white_out_drawn_after_it_is_not_read():
    """A white rectangle drawn in the content after the score, and "9.00" drawn on it (a value
    corrected in the content itself): the page shows 9.00. It was refused as damaged (text over text);
    it now reads 9.00, and nothing else changes."""
    form = extracted(str(PAGES / "440303210301500004143.xlsx.cover-whiteout.pdf"))[0]
    assert differences(form, _truth(PAGES / "440303210301500004143.xlsx.cover-whiteout.pdf", "luohu")) == [
        "funds.score: '9.00' != '8.63'"]


@pytest.mark.parametrize("shape, words", [("cover-half", ["box drawn over it", "'32.65'"]),
                                          ("cover-black", ["box drawn over it", "'1291532.65'"])])
def test_text_partly_whited_out_or_blacked_out_refuses_the_form(shape, words):
    """A white rectangle over the last digits of 1291532.65 (the page shows "12915"), or a black one
    over all of it (a redaction drawn over text left in the content): both loaded 1291532.65. The cell
    is now seen cut, and the form refused naming what lies under the box."""
    _refused(PAGES / f"440303210301500004143.xlsx.{shape}.pdf", errors.IncompleteForm, *words)


def _made(tmp_path: Path, shape: str, make) -> Path:
    """A PDF make.py makes, named as a fixture of its corpus code (for its truth)."""
    import sys

    sys.path.insert(0, str(PAGES))
    import make as maker  # noqa: E402

    path = tmp_path / f"440303210301500004143.xlsx.{shape}.pdf"
    make(maker).write(path)
    return path


UNIT = "深圳市罗湖区智慧城市建设中心"


@pytest.mark.parametrize("how", ["seal", "seal-field"])
def test_a_seal_drawn_in_vector_over_the_unit_covers_nothing(tmp_path, how):
    """An electronic seal as a Stamp or a form field whose appearance fills red rings and a star, over
    the 实施单位 (where units stamp): refused as 'covered by a Stamp annotation' before (any opaque fill
    of an annotation made its whole /Rect a cover). Only an opaque rectangle filling most of what the
    annotation draws hides what lies under it."""
    _read_exactly(_made(tmp_path, how, lambda m: m.annotated(m.PORTRAIT, UNIT, how)))


@pytest.mark.parametrize("box", [(10, 10, 10, 10), (595.304, 841.89, 0, 0), (700, 900, 800, 1000)],
                         ids=["no-area", "corners-swapped", "off-the-page"])
def test_a_crop_box_of_no_area_or_off_the_page_shows_the_media_box(tmp_path, box):
    """A CropBox of no area, or written with its corners swapped, shows the MediaBox in pdfium (and every
    viewer); one wholly off the page shows it in pdf.js. Each refused the report as 'no 项目支出绩效自评表
    found' before (nothing lay in the box taken as shown)."""
    _read_exactly(_made(tmp_path, "crop", lambda m: m.crop_box(m.PORTRAIT, box)))


@pytest.mark.parametrize("how, over", [("clipped", UNIT), ("frame", "8.63"), ("frame-wound", "8.63"),
                                       ("highlight", "1291532.65"), ("multiply", UNIT)])
def test_a_fill_clipped_elsewhere_or_a_frame_covers_only_what_it_paints(tmp_path, how, over):
    """A white rectangle filled after the 实施单位 through a clip of the page's corner paints nothing over
    it: the 实施单位 loaded null, unflagged, before. A black frame around the page's content drawn after
    it (two rectangles, even-odd, or the inner wound the other way) paints its rim: the whole table was
    taken as covered, and the report refused. A fill that blends (Multiply) shows what lies under it: a
    highlight flattened into the content over 全年执行数 refused the form ('covered by a box drawn over
    it'); white so blended over the 实施单位 loaded it null, unflagged."""
    _read_exactly(_made(tmp_path, how, lambda m: m.covered(m.PORTRAIT, over, how)))


def test_glyphs_under_a_later_opaque_rectangle_are_not_shown(tmp_path):
    """Drawing order decides: a rectangle filled before the text is its ground (a header cell's fill),
    one filled after it covers it; a see-through fill (alpha under 1) or a thin rule does not."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "order.pdf"), pagesize=(400, 300))
    c.setFillColorRGB(0.8, 0.8, 0.8)
    c.rect(40, 240, 60, 20, stroke=0, fill=1)  # under A
    c.setFillColorRGB(0, 0, 0)
    for x, ch in zip(range(50, 400, 50), "ABCDEF"):
        c.drawString(x, 250, ch)
    c.setFillColorRGB(1, 1, 1)
    c.rect(95, 240, 20, 20, stroke=0, fill=1)  # over B: white-out
    c.setFillColorRGB(0, 0, 0)
    c.rect(145, 240, 20, 20, stroke=0, fill=1)  # over C: a black box
    c.setFillColorRGB(1, 1, 1)
    c.setFillAlpha(0.5)
    c.rect(195, 240, 20, 20, stroke=0, fill=1)  # over D, see-through
    c.setFillAlpha(1)
    c.rect(240, 249, 30, 1, stroke=0, fill=1)  # across E: a rule
    c.saveState()  # G drawn as a clip, then filled through it (text painted with a fill, not covered)
    text = c.beginText(350, 250)
    text.setTextRenderMode(7)
    text.textOut("G")
    c.drawText(text)
    c.setFillColorRGB(0, 0, 0.5)
    c.rect(345, 240, 20, 20, stroke=0, fill=1)
    c.restoreState()
    c.save()
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(tmp_path / "order.pdf"))
    try:
        page = doc[0]
        drawn = glyphs.Drawn()
        glyphs.ruled_lines(page, glyphs.IDENTITY, drawn)
        read = {ch.text: ch for ch in glyphs.chars(page.get_textpage(), glyphs.IDENTITY, drawn)}
    finally:
        doc.close()
    assert sorted(read) == list("ACDEFG")  # B whited out: gone
    assert read["C"].hidden and read["C"].covered and not any(read[k].hidden for k in "ADEFG")


# -- text layers that cannot be read --------------------------------------------------------------

BROKEN = _fixtures("tounicode")


@pytest.mark.parametrize("pdf", BROKEN)
def test_a_text_layer_that_cannot_be_trusted_is_found_page_by_page(pdf):
    """Fonts without /ToUnicode (codes mapped to no character), mapping to private-use code points, or
    to other characters (no label of any form on a ruled page full of glyphs): every page is listed
    with why, and goes to OCR with the scans."""
    from pipeline.extract import _unlabelled
    from pipeline.read.grids import scan
    from pipeline.read.pdf import OpenPdf, inspect

    with OpenPdf(pdf) as opened:
        info = _unlabelled(inspect(pdf, opened=opened), scan(pdf, opened=opened).rulings)
    want = {"missing": "map to no character", "private": "private-use", "wrong": "no label of any form"}
    why = want[_shape(pdf).split("-")[1]]
    assert [p for p, _ in info.unreadable] == list(range(1, info.pages + 1)) == list(info.scanned)
    assert all(why in reason for _, reason in info.unreadable)


def test_a_text_layer_of_overlapping_nonsense_is_read_from_the_image_not_refused_as_damaged():
    """`pdftops` then `ps2pdf` (poppler 22, Ghostscript 10.0) over a yunnan look: its fonts lose their
    /ToUnicode, and pdfium reads the glyphs as one-byte codes ("€•‚", ASCII letters drawn over one
    another). Its pages were found unreadable (codes mapped to no character), to be read from their
    image, but the text over text, looked for in every page's glyphs, refused the report as damaged
    first. Text drawn so on a page read from its image, or on one whose text says nothing a form says
    (no label, none of 项目, 指标, …: `_unlabelled` judges it), is now set aside, not a refusal."""
    from pipeline.extract import _look
    from pipeline.read.grids import ENGINE
    from pipeline.read.pdf import OpenPdf

    pdf = PAGES / "440303210301500004536.yunnan.ps2pdf.pdf"
    with OpenPdf(pdf) as opened:
        info, layer, _, _ = _look(opened, pdf, range(1, 3), ENGINE, None, None, False, False)
    assert info.scanned == (1, 2) and all("map to no character" in why for _, why in info.unreadable)
    assert all(layer.rulings[p].damaged for p in (1, 2))  # text drawn over text: said, set aside


def test_a_text_layer_of_latin_letters_among_ideographs_is_not_trusted():
    """Ghostscript rewriting a browser's print maps some glyphs to one-byte codes: "项目资金ÿ万元Ā" for
    项目资金（万元）, "P年结转资金" for 上年结转资金, "g30个" for ≥30个. Forms print no Latin-1 or Latin
    Extended letters (×, °, · and the like they do): every page is untrusted, read from its image,
    never loaded as its text layer says (it loaded "中控¿备间" and "g30个" before, unflagged). The
    fixture: `gs -sDEVICE=pdfwrite` (10.0) over a page of bench/make_chromium_looks.py."""
    from pipeline.read.pdf import inspect

    info = inspect(PAGES / "440303221550216305000.chromium-gs.mojibake.pdf")
    assert [p for p, _ in info.unreadable] == list(range(1, info.pages + 1)) == list(info.scanned)
    assert all("Latin-1 or Latin Extended letters" in why and "ÿ" in why for _, why in info.unreadable)


def _glyphs_of(pdf: Path) -> list[str]:
    """The text of each glyph `glyphs.chars` reads on the first page of `pdf`."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [ch.text for ch in glyphs.chars(doc[0].get_textpage())]
    finally:
        doc.close()


def test_text_in_a_white_font_is_not_read():
    """A spreadsheet's helper text in a white font is in the text layer but shown nowhere: "9999" in
    white after the 实施单位 loaded as part of it ("…建设中心9999"), unflagged. It is not read."""
    _read_exactly(PAGES / "440303210301500004143.xlsx.white-text.pdf")


def test_white_text_on_a_darker_ground_is_read(tmp_path):
    """White glyphs show over a filled shape of another colour (a dark header cell's white label),
    also inside a form XObject placed through its matrix; on the bare paper they do not."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "white.pdf"), pagesize=(400, 300))
    c.setFont("Helvetica", 12)
    c.setFillColorRGB(0.2, 0.2, 0.4)
    c.rect(10, 200, 100, 30, fill=1, stroke=0)
    c.setFillColorRGB(1, 1, 1)
    c.drawString(20, 210, "AB")  # on the dark box: shown
    c.drawString(150, 210, "CD")  # on the paper: not
    c.setFillColorRGB(0, 0, 0)
    c.drawString(250, 210, "EF")
    c.beginForm("f")
    c.setFillColorRGB(0.1, 0.1, 0.1)
    c.rect(10, 10, 60, 30, fill=1, stroke=0)
    c.setFillColorRGB(1, 1, 1)
    c.drawString(20, 20, "GH")
    c.drawString(150, 20, "IJ")
    c.endForm()
    c.translate(0, 100)  # the form drawn 100 pt up: its dark box under GH there, not where it is defined
    c.doForm("f")
    c.save()
    assert sorted(_glyphs_of(tmp_path / "white.pdf")) == list("ABEFGH")


def test_white_filled_text_stroked_in_a_dark_colour_is_read(tmp_path):
    """Text filled white and stroked (render mode 2: Word's outlined text) shows by its stroke: it was
    dropped as white on the paper. Stroked white too (a white font made bold by stroking), it shows
    nothing and is not read."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(tmp_path / "outlined.pdf"), pagesize=(400, 300))
    for x, stroke, words in ((20, 0, "AB"), (120, 1, "CD")):
        text = c.beginText(x, 200)
        text.setFont("Helvetica", 14)
        text.setTextRenderMode(2)
        text.setFillColorRGB(1, 1, 1)
        text.setStrokeColorRGB(stroke, stroke, stroke)
        text.textOut(words)
        c.drawText(text)
    c.save()
    assert sorted(_glyphs_of(tmp_path / "outlined.pdf")) == list("AB")


def test_a_glyph_its_font_names_no_character_is_kept_as_unknown_never_dropped():
    """A few glyphs a font's /ToUnicode leaves out (under the share that sends a page to OCR): each
    "≥"/"≤" of this page prints, but no character is named for it. It was dropped, and "≥18个"
    loaded as "18个" (target "= 18", unflagged); it now reads U+FFFD, which no target, number or
    label parses as something else. Everything else reads as the truth. The fixture:
    bench/font_looks.py (embedded Droid Sans Fallback, DejaVu Sans, Helvetica), `--unmapped`."""
    pdf = PAGES / "440303230300200079180.hubei.unmapped.pdf"
    [form] = extracted(str(pdf))
    want = _truth(pdf, "hubei")
    signed = [k for k, r in enumerate(want["indicators"]) if r["target"][:1] in "≥≤"]
    assert len(signed) >= 5
    for k in signed:
        assert form["indicators"][k]["target"] == glyphs.UNKNOWN + want["indicators"][k]["target"][1:]
    for k in signed:
        form["indicators"][k]["target"] = want["indicators"][k]["target"]
    assert differences(form, want) == []


def test_a_glyph_left_out_of_the_map_whose_code_is_a_whitespace_control_is_unknown_too(tmp_path):
    """A subset font numbers its glyphs 1, 2, 3 …: a glyph its /ToUnicode leaves out is given by pdfium
    as the control character of its code, and codes 9-13 and 28-31 are whitespace to Python. Those
    glyphs, inked, were dropped as spaces (the '≥' of `test_a_glyph_its_font_names_no_character…` would
    have been, had its code been one of them); they read U+FFFD as the others do."""
    import re

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    words = "".join(chr(0xC0 + k) for k in range(40))  # À Á Â …: codes 1-40 of the subset
    c = canvas.Canvas(str(tmp_path / "mapped.pdf"), pagesize=(600, 200))
    c.setFont("Vera", 12)
    c.drawString(20, 100, words)
    c.save()
    writer = PdfWriter(clone_from=PdfReader(tmp_path / "mapped.pdf"))
    left_out = {9, 10, 13, 28, 31}
    for font in writer.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        if "/ToUnicode" in font:
            lines = font["/ToUnicode"].get_object().get_data().decode("latin-1").splitlines()
            kept = [ln for ln in lines if not ((m := re.match(r"<([0-9A-F]{2})> ", ln)) and int(m[1], 16) in left_out)]
            text = re.sub(r"(\d+) beginbfchar", lambda m: f"{int(m[1]) - len(lines) + len(kept)} beginbfchar",
                          "\n".join(kept))
            stream = StreamObject()
            stream.set_data(text.encode("latin-1"))
            font[NameObject("/ToUnicode")] = writer._add_object(stream)
    writer.write(tmp_path / "unmapped.pdf")
    assert "".join(_glyphs_of(tmp_path / "unmapped.pdf")) == "".join(glyphs.UNKNOWN if k + 1 in left_out else ch for k, ch in enumerate(words))


OUTLINED = PAGES / "440105221551500060313.xlsx.outlines.pdf"  # gs -dNoOutputFonts (10.0) over the corpus xlsx look


def test_a_page_whose_text_is_drawn_as_outlines_is_read_from_its_image():
    """Some producers draw text as paths (Ghostscript's -dNoOutputFonts, "convert text to curves"):
    no text layer and no image. It goes to OCR with the scans; before, it was passed over as a page
    holding no form."""
    from pipeline.read.pdf import inspect

    info = inspect(OUTLINED)
    assert info.page_texts == ("",) and info.scanned == (1,) and info.unreadable == ()


def test_a_page_of_rules_and_a_few_curves_without_text_is_not_taken_for_outlined_text(tmp_path):
    """A ruled table with no text, a logo's curves: not text, not read from the image."""
    from reportlab.pdfgen import canvas

    from pipeline.read.pdf import inspect

    path = tmp_path / "ruled.pdf"
    c = canvas.Canvas(str(path))
    for k in range(40):
        c.line(40, 100 + 15 * k, 550, 100 + 15 * k)
        c.line(40 + 12 * k, 100, 40 + 12 * k, 685)
    for k in range(20):
        c.circle(300, 750, 5 + k, fill=1)  # 4 Bézier segments each
    c.save()
    assert inspect(path).scanned == ()


@pytest.mark.slow
def test_text_drawn_as_outlines_is_read_by_ocr_field_for_field():
    """Read as a scan is, with its checks: at least 99% of fields exact; the form says it was read
    from the image of a page with no text layer."""
    from tools.compare import score

    (form,) = extracted(str(OUTLINED))
    truth = _truth(OUTLINED, form["template"])
    right, total = map(sum, zip(*score(form, truth).values()))
    assert right / total >= 0.99, differences(form, truth)
    assert form["source"]["read"] == "ocr" and form["source"]["ocr"]["reason"] == "no_text_layer"
    assert form["project_code"] == "440105221551500060313"


@pytest.mark.slow
def test_checkboxes_read_from_an_image_are_ticked_by_the_ink_inside_them():
    """湖北's checkbox rows drawn as outlines: the recogniser reads every box "口" (it has no ☑ nor □);
    a box with a stroke across its middle is ticked, an empty one is not. The third row's ticked box
    is lost by the recogniser itself ("、常年性项目、延续性项目口…": no box after 常年性项目): it is found
    in the ink where it stands, after its option, and ticked."""
    pdf = PAGES / "440303230300200079180.hubei.outlines.pdf"
    (form,) = extracted(str(pdf))
    assert _truth(pdf, "hubei")["checkboxes"] == {
        "项目类别": "省直专项", "项目属性": "持续性项目", "项目类型": "常年性项目"}
    assert form["checkboxes"] == {"项目类别": "省直专项", "项目属性": "持续性项目", "项目类型": "常年性项目"}
    told = [c for c in form["source"]["ocr"]["cells"] if c["correction"] and "inside each box" in c["correction"]]
    assert [c["text"] for c in told] == ["部门预算项目□、省直专项☑、省对下转移支付项目□", "持续性项目☑、新增性项目□",
                                         "常年性项目☑、延续性项目□、一次性项目□"]
    assert "not read found in the ink" in told[2]["correction"]


@pytest.mark.slow
def test_lone_signs_outside_the_recogniser_s_alphabet_are_read_from_their_shape():
    """云南's 指标性质 column prints ≧ ≦ ═ alone, which PP-OCRv4 cannot read (it has none of them and
    reads "=", "NI", "—"): each is told from its shape (`read.ocr.signs`) and noted so. (A "═" whose
    two bars run together at 150 dpi is a dash's one stroke: left as read, its form unverified.)"""
    pdf = PAGES / "440303210301500004536.yunnan.outlines.pdf"
    (form,) = extracted(str(pdf))
    truth = _truth(pdf, "yunnan")
    printed = [i["nature"] for i in truth["indicators"]]
    assert {"≧", "≦", "═"} <= set(printed)
    assert [i["nature"] for i in form["indicators"]] == printed
    shaped = [c for c in form["source"]["ocr"]["cells"] if c["correction"] and "sign read from its shape" in c["correction"]]
    assert {c["text"] for c in shaped} == {"≧", "≦", "═"} and len(shaped) == sum(n in ("≧", "≦", "═") for n in printed)


def test_a_readable_text_layer_is_trusted():
    from pipeline.extract import _unlabelled
    from pipeline.read.grids import scan
    from pipeline.read.pdf import OpenPdf, inspect

    for pdf in (CORPUS / "pdf" / "xlsx" / "440303210301500004143.xlsx.pdf",
                CORPUS / "pdf" / "central" / "440105221551500060313.central.pdf", *_fixtures_paths("seal", "2up")):
        with OpenPdf(pdf) as opened:
            info = _unlabelled(inspect(pdf, opened=opened), scan(pdf, opened=opened).rulings)
        assert info.unreadable == () and info.scanned == ()


def test_a_page_of_a_form_s_rows_alone_is_trusted_though_it_prints_no_label():
    """A page holding only indicator rows (its 一级/二级 labels merged over from the page before, so no
    label printed: Chromium at A5) prints none of the words a ruled page prints, as a wrong /ToUnicode's
    text does not; but its ideographs are common ones (GB 2312 level 1: ≥ 0.975 on every corpus look's
    pages), a wrong map's about half rare (0.40–0.52): trusted, not sent to OCR (which lost its rows)."""
    import dataclasses

    from pipeline.extract import _COMMON, _common, _unlabelled
    from pipeline.read.grids import scan
    from pipeline.read.pdf import OpenPdf, inspect

    rows = "人口及法人数据服务整合≥35个39个22人口数据源补充≥16个17个22人口数据属性字段补充≥20个22个22" * 3
    garbled = "颀盵收刁绰敏臱诋衯颀盵缝砈Ａ773636颀盵吔秷Ａ兽仝箨琍互动绰敏臱诋幻庭Ａ5356宥旄卜佔Ａ淸场帉罞湝十暁慮埕帉弁诅"
    assert _common(rows) == 1.0 and _common(garbled) < 0.6 < _COMMON
    pdf = CORPUS / "pdf" / "xlsx" / "440303210301500004143.xlsx.pdf"
    with OpenPdf(pdf) as opened:
        info, rulings = inspect(pdf, opened=opened), scan(pdf, opened=opened).rulings
    for text, unreadable in ((rows, ()), (garbled, (1,))):
        judged = _unlabelled(dataclasses.replace(info, page_texts=(text,) + info.page_texts[1:]), rulings)
        assert tuple(p for p, _ in judged.unreadable) == unreadable


def _fixtures_paths(*shapes: str) -> list[Path]:
    return [p.values[0] for p in _fixtures(*shapes)]


@pytest.mark.parametrize("pdf", BROKEN[:3])
def test_without_ocr_a_broken_text_layer_is_refused_with_its_own_kind(pdf, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pipeline.read.ocr", None)  # OCR not installed: import fails
    with pytest.raises(errors.TextLayerUnreadable) as err:
        extract(pdf)
    assert err.value.kind == "text_layer_unreadable" and err.value.page == 1
    assert err.value.reason.startswith("the text layer cannot be read: ")
    assert "OCR cannot read its image" in err.value.reason


@pytest.mark.slow
@pytest.mark.parametrize("pdf", BROKEN)
def test_a_broken_text_layer_is_read_by_ocr(pdf):
    """Read from the page's image, with the same checks as a scan: at least 99% of fields exact (the
    figure for all of them together is in README "Shapes of PDF"), and the form says how and why."""
    from tools.compare import score

    (form,) = extracted(str(pdf))
    right, total = map(sum, zip(*score(form, _truth(pdf, form["template"])).values()))
    assert right / total >= 0.99, differences(form, _truth(pdf, form["template"]))
    assert form["source"]["read"] == "ocr"
    assert form["source"]["ocr"]["reason"] == "text_layer_unreadable"


@pytest.mark.slow
def test_a_broken_text_layer_with_no_form_on_its_image_is_refused_as_unreadable(tmp_path):
    """No form read from the image of a page whose text layer cannot be trusted: the refusal says the
    text layer, not "no form found"."""
    import sys

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    sys.path.insert(0, str(PAGES))
    from make import broken_fonts  # noqa: E402

    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    src = tmp_path / "letter.pdf"
    c = canvas.Canvas(str(src), pagesize=A4)
    c.setFont("Vera", 14)
    for k in range(12):
        c.drawString(72, 760 - 24 * k, f"Line {k}: a letter with no table in it, and a broken font.")
    c.save()
    pdf = tmp_path / "broken-letter.pdf"
    broken_fonts(src, "private").write(pdf)
    with pytest.raises(errors.TextLayerUnreadable) as err:
        extract(pdf)
    assert err.value.page == 1 and "no form could be read from its image" in err.value.reason
