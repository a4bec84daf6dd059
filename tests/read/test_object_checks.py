"""The object checks (`pdf._check_objects`) parse every object a page draws with in playa, on every page:
not only where pdfium reports a problem, because pdfium reports none of this damage. It inflates a
stream whose checksum fails and reads on with what came out, its xref valid, every page loading,
every character mapped; the font's lost glyphs are then lost characters ("产出指标" read as "出指标").
Over 600 mutants of bench/fuzz.py's sources, 156 refused by the checks gave no pdfium signal at all,
16 of them read wrong without the checks (bench/README, issue 25 round 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

import mutants
from conftest import differences, truth
from pipeline.errors import BrokenPdf, TextLayerUnreadable
from pipeline.extract import extract
from pipeline.read import glyphs, pdf

# two bits flipped in a ReportLab report's embedded font (stream object 10)
SILENT = "bitflip_stream/440303231550216305001.reportlab.pdf/3277045126"


@pytest.fixture
def silent(tmp_path: Path) -> Path:
    mutant = mutants.Mutant.parse(SILENT)
    path = tmp_path / mutant.source.name
    path.write_bytes(mutant.build()[0])
    return path


def test_damage_pdfium_reads_on_silently_is_refused_by_the_object_checks(silent):
    assert mutants.pdfium_signals(silent) == []
    with pytest.raises(BrokenPdf, match=r"stream object 10 does not decode .*incorrect data check") as refusal:
        extract(silent)
    assert refusal.value.page == 1 and str(silent) in str(refusal.value)


def test_without_the_object_checks_that_damage_loses_characters(silent, monkeypatch):
    """Why the checks cannot wait for a signal from pdfium: it reads this file to the end, a form
    with characters missing. (Its glyphs then have no outline, which the reading refuses on its own
    too, `glyphs.MissingFont`, and so are the text objects pdfium leaves out for it, `glyphs.Drawn`:
    those are left out here to show pdfium alone.)"""
    monkeypatch.setattr(pdf, "_check_objects", lambda path, pages=None: None)
    monkeypatch.setattr(glyphs, "_check_fonts", lambda *found: None)
    monkeypatch.setattr(glyphs, "_unshown", lambda objects: [])
    info, forms = extract(silent)
    assert info.unreadable == () and len(forms) == 1
    lost = differences(forms[0].to_dict(), truth(silent.name.split(".")[0]))
    assert any("'出指标' != '产出指标'" in d for d in lost), lost


def test_without_the_object_checks_the_glyphs_without_outlines_refuse_that_damage(silent, monkeypatch):
    """The damaged font program leaves its ideographs without an outline: the reading refuses the
    page naming the font, a second line of defence behind the object checks."""
    monkeypatch.setattr(pdf, "_check_objects", lambda path, pages=None: None)
    with pytest.raises(TextLayerUnreadable, match="WenQuanYiZenHei") as refusal:
        extract(silent)
    assert refusal.value.page == 1
