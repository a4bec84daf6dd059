"""A PDF that does not embed its CJK font is read with the machine's; on a machine with none, pdfium
knows no outline for its glyphs and leaves out every text object of one glyph (a unit "个", a sign
"≧" alone in its cell) while the rest reads: such a page is refused naming the font and the fix,
never loaded with those cells empty (`glyphs.MissingFont`).

The machine without fonts is made in a process of its own: pdfium is given a system-font table
that finds nothing (`FPDF_SetSystemFontInfo`) before it opens any file, so these tests mean the
same on every machine, fonts installed or not."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import CORPUS, HERE, PDF, ROOT, differences

FONTLESS = r"""
import ctypes, json, sys
import pypdfium2.raw as raw
fields = dict(raw.FPDF_SYSFONTINFO._fields_)
info = raw.FPDF_SYSFONTINFO(version=1)
for name, result in (("Release", None), ("EnumFonts", None), ("MapFont", None), ("GetFont", None),
                     ("GetFontData", 0), ("GetFaceName", 0), ("GetFontCharset", 0), ("DeleteFont", None)):
    setattr(info, name, fields[name](lambda *args, result=result: result))
raw.FPDF_SetSystemFontInfo(ctypes.byref(info))  # no system font at all, from here on

from pipeline.errors import ReportError
from pipeline.extract import extract
out = {}
for path in sys.argv[1:]:
    try:
        out[path] = {"forms": [f.to_dict() for f in extract(path)[1]]}
    except ReportError as refusal:
        out[path] = {"refused": refusal.to_dict()}
print(json.dumps(out, ensure_ascii=False, default=str))
"""


def _without_fonts(*paths) -> dict:
    run = subprocess.run([sys.executable, "-c", FONTLESS, *map(str, paths)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_a_page_in_a_font_the_machine_lacks_is_refused_naming_it_and_embedded_fonts_still_read():
    lacking = HERE / "fixtures" / "variations" / "thousands.pdf"  # reportlab's STSong-Light, not embedded
    embedded = next(iter(sorted((PDF / "xlsx").glob("*.pdf"))))  # fonts embedded, as producers do
    out = _without_fonts(lacking, embedded)

    refusal = out[str(lacking)]["refused"]
    assert refusal["kind"] == "text_layer_unreadable" and refusal["page"] == 1
    assert "STSong-Light" in refusal["reason"] and "fonts-noto-cjk" in refusal["reason"]
    assert str(lacking) in refusal["file"]

    forms = out[str(embedded)]["forms"]
    truth = json.loads((CORPUS / "truth" / f"{embedded.name.split('.')[0]}.json").read_text(encoding="utf-8"))
    assert len(forms) == 1 and differences(forms[0], truth) == []


def test_a_glyph_the_found_font_draws_blank_or_lacks_is_no_missing_font(tmp_path):
    """On a machine with a CJK font, a blank letter ("ㅤ", U+3164, a Hangul filler some text pastes
    as a space) or an ideograph that font lacks (U+9FEF: not in Noto Serif CJK) has no outline
    either: the font was found, since its other ideographs have theirs, and the page reads."""
    import pypdfium2 as pdfium
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from conftest import needs_cjk_font
    from pipeline.read import glyphs

    needs_cjk_font()
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "blank.pdf"
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    c.drawString(72, 720, "项目支出绩效自评表")
    c.drawString(72, 700, "单位ㅤ名称")
    c.drawString(72, 680, "鿯字")
    c.save()
    doc = pdfium.PdfDocument(path)
    try:
        read = "".join(ch.text for ch in glyphs.chars(doc[0].get_textpage()))
    finally:
        doc.close()
    assert "项目支出绩效自评表" in read and "单位ㅤ名称" in read and "鿯字" in read
