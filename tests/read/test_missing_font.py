"""A PDF that does not embed its CJK font is read with the machine's; on a machine with none, pdfium
knows no outline for its glyphs and leaves out every text object of one glyph (a unit "个", a sign
"≧" alone in its cell) while the rest reads: such a page is refused naming the font and the fix,
never loaded with those cells empty (`glyphs.MissingFont`). On a machine with a CJK font, a character
that font lacks, alone in its text object, is left out the same way: the page is refused naming the
font and the character (`glyphs.Drawn`, `pdf.unshown`).

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


def _variations():
    import importlib.util

    spec = importlib.util.spec_from_file_location("variations_make", HERE / "fixtures" / "variations" / "make.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _form_with(tmp_path, actual: str):
    """The thousands variation (reportlab's STSong-Light, not embedded) with its first qualitative
    实际完成值 printed as `actual`, alone in its cell: the PDF and what it prints."""
    make = _variations()
    code, opts = make.VARIATIONS["thousands"]
    truth = json.loads((make.TRUTH / f"{code}.json").read_text(encoding="utf-8"))
    k = next(i for i, ind in enumerate(truth["indicators"]) if not any(ch.isdigit() for ch in ind["actual"] or "0"))
    truth["indicators"][k]["actual"] = actual
    path = tmp_path / f"actual-{ord(actual[0]):04X}.pdf"
    make.Sheet(truth, opts).draw(path)
    return path, make.truth_of("thousands", truth, opts)


def test_a_glyph_alone_that_the_found_font_lacks_is_never_loaded_missing(tmp_path):
    """pdfium leaves out of its text page a text object none of whose glyphs has an outline: a cell
    printing only a character the machine's font for STSong-Light lacks (U+9FEF: Noto Serif CJK has
    none, and reportlab's UniGB-UCS2-H maps it to no CID) would load empty. The form is refused
    naming the font and the code; a machine whose font draws it reads it. The same form with a
    character the font has alone in that cell (个) reads as printed."""
    from conftest import needs_cjk_font
    from pipeline.errors import ReportError
    from pipeline.extract import extract

    needs_cjk_font()
    rare, rare_truth = _form_with(tmp_path, "\u9fef")
    try:
        forms = extract(rare)[1]
    except ReportError as refusal:
        said = refusal.to_dict()
        assert said["kind"] == "text_layer_unreadable" and said["page"] == 2, said  # where the indicators are
        assert "STSong-Light" in said["reason"] and "9FEF" in said["reason"], said
    else:  # this machine's font draws it: nothing was left out
        assert differences(forms[0].to_dict(), rare_truth) == []

    common, common_truth = _form_with(tmp_path, "个")
    forms = extract(common)[1]
    assert len(forms) == 1 and differences(forms[0].to_dict(), common_truth) == []


LATIN_ONLY = r"""
import ctypes, json, sys
from pathlib import Path
import pypdfium2.raw as raw
import reportlab
FONT = (Path(reportlab.__file__).parent / "fonts" / "Vera.ttf").read_bytes()  # Latin letters and digits only

def copied(data, buffer, size):
    if buffer and size >= len(data):
        ctypes.memmove(buffer, data, len(data))
    return len(data)

fields = dict(raw.FPDF_SYSFONTINFO._fields_)
info = raw.FPDF_SYSFONTINFO(version=1)
calls = {"Release": lambda *a: None, "EnumFonts": lambda *a: None, "MapFont": lambda *a: 1, "GetFont": lambda *a: 1,
         "GetFontData": lambda this, font, table, buffer, size: 0 if table else copied(FONT, buffer, size),
         "GetFaceName": lambda this, font, buffer, size: copied(b"Bitstream Vera Sans\0", buffer, size),
         "GetFontCharset": lambda *a: 0, "DeleteFont": lambda *a: None}
kept = {name: fields[name](call) for name, call in calls.items()}
for name, call in kept.items():
    setattr(info, name, call)
raw.FPDF_SetSystemFontInfo(ctypes.byref(info))  # every font the PDF does not embed is read in Vera

import pypdfium2 as pdfium
from pipeline.read import glyphs, pdf
path = sys.argv[1]
doc = pdfium.PdfDocument(path)
page = doc[0]
turn, _ = glyphs.display(page)
drawn = glyphs.Drawn()
glyphs.ruled_lines(page, turn, drawn)
read = "".join(ch.text for ch in glyphs.chars(page.get_textpage(), turn, drawn))
lost = pdf.unshown(path, 1, drawn.unshown, turn) if drawn.unshown else []
print(json.dumps({"read": read, "lost": lost, "reason": glyphs.unshown_reason(lost) if lost else None},
                 ensure_ascii=False))
"""


def _latin_only(path, *texts, ops: str = ""):
    """A page of `texts` in reportlab's STSong-Light (not embedded), side by side, and `ops` (raw
    text operators in that font at (200, 650)), read in a process whose pdfium reads every font a
    PDF does not embed in Vera (`LATIN_ONLY`): what it read, and what was lost."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    for k, text in enumerate(texts):
        c.drawString(72 + 40 * k, 700, text)
    if ops:
        c._code.append(f"BT {c._doc.getInternalFontName('STSong-Light')} 12 Tf 200 650 Td {ops} ET")
    c.save()
    run = subprocess.run([sys.executable, "-c", LATIN_ONLY, str(path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_a_sign_alone_that_the_machines_font_lacks_is_found_whatever_fonts_the_machine_has(tmp_path):
    """The same on every machine: pdfium is given one font for every font a PDF does not embed,
    reportlab's Vera (digits, no '≧'), in a process of its own. A '≧' alone in its text object is
    left out of pdfium's text; `Drawn` finds the object and the content stream says what it
    printed, by font and code point. A '≧' beside a digit, a digit alone and a space alone are read
    or are nothing lost."""
    lone = _latin_only(tmp_path / "lone.pdf", "2023", "≧", "5", "≧90%", " ")
    assert lone["read"] == "20235≧90%"  # the lone '≧' is not in pdfium's text
    assert lone["lost"] == [["STSong-Light", "'≧' (U+2267)"]]
    assert "STSong-Light: '≧' (U+2267)" in lone["reason"]

    control = _latin_only(tmp_path / "control.pdf", "2023", "5", "≧90%", " ")
    assert control == {"read": "20235≧90%", "lost": [], "reason": None}


def test_a_text_object_opening_with_a_kerning_is_found_where_pdfium_puts_it(tmp_path):
    """pdfium places a text object left out at its first glyph's origin, which a kerning opening its
    TJ array moves ("[-500 <2267>] TJ": 6 points right at 12 points). Found there, a lone '≧' is
    named as printed, and a lone space is nothing lost; before, neither was found, and the page was
    refused for "a text object ... that is not in its content stream", the space's page too."""
    kerned = _latin_only(tmp_path / "kerned.pdf", "2023", ops="[-500 <2267>] TJ")
    assert kerned["lost"] == [["STSong-Light", "'≧' (U+2267)"]]
    space = _latin_only(tmp_path / "space.pdf", "2023", ops="[-800 <0020>] TJ")
    assert space == {"read": "2023", "lost": [], "reason": None}
