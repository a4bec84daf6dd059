"""`jixiao extract` reproduces every field of every truth file, on every text layout."""

from __future__ import annotations

import pytest

from conftest import LUOHU_BUNDLES, PDF, code_of, differences, extracted, real_codes, truth

def _cases(layout: str):
    for pdf in sorted((PDF / layout).glob("*.pdf")):
        yield pytest.param(pdf, id=f"{layout}/{code_of(pdf)}")


@pytest.mark.parametrize("pdf", list(_cases("xlsx")))
def test_xlsx_form_equals_truth(pdf):
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert differences(forms[0], truth(code_of(pdf))) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    "pdf", [c for layout in ("xlsx-noise", "xlsx-overflow", "reportlab") for c in _cases(layout)]
)
def test_other_layouts_equal_truth(pdf):
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert differences(forms[0], truth(code_of(pdf))) == []


@pytest.mark.parametrize("bundle", LUOHU_BUNDLES, ids=lambda p: p.name)
def test_bundle_holds_every_real_form_in_order_with_page_ranges(bundle):
    forms = extracted(str(bundle))
    assert [f["project_code"] for f in forms] == real_codes()
    for form in forms:
        assert differences(form, truth(form["project_code"])) == []
    ranges = [(f["source"]["first_page"], f["source"]["last_page"]) for f in forms]
    assert ranges[0][0] == 1
    for (_, last), (first, _) in zip(ranges, ranges[1:]):
        assert first == last + 1  # each form starts on the page after the previous one ends
    for form in forms:
        pages = {r["page"] for r in form["funds"]["rows"]} | {r["page"] for r in form["indicators"]}
        assert pages <= set(range(form["source"]["first_page"], form["source"]["last_page"] + 1))


def test_provenance_names_file_hash_and_pages():
    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"  # runs onto a second page
    form = extracted(str(pdf))[0]
    assert form["source"]["file"] == pdf.name
    assert len(form["source"]["sha256"]) == 64
    assert (form["source"]["first_page"], form["source"]["last_page"]) == (1, 2)
    assert form["indicators"][0]["page"] == 1 and form["indicators"][-1]["page"] == 2


def test_reading_silences_the_pdf_libraries_warnings_only_while_camelot_reads(monkeypatch, capfd):
    """Their warnings would land mid progress line while the ruling is read; afterwards the loggers
    are as they were, so pdf.inspect still hears playa's repairs of a damaged file (refused as
    `broken`)."""
    import logging

    from pipeline.read import glyphs, grids

    real = glyphs.ruled_lines
    during = {}

    def ruled_lines(*args, **kwargs):
        for name in ("playa.pdftypes", "pdfminer.pdftypes", "camelot"):
            during[name] = logging.getLogger(name).isEnabledFor(logging.WARNING)
        logging.getLogger("playa.pdftypes").warning("a repaired stream")
        return real(*args, **kwargs)

    before = {n: logging.getLogger(n).level for n in ("playa", "pdfminer", "camelot")}
    monkeypatch.setattr(glyphs, "ruled_lines", ruled_lines)
    grids.read_grids(PDF / "xlsx" / "440303210301500004143.xlsx.pdf")
    assert during == {"playa.pdftypes": False, "pdfminer.pdftypes": False, "camelot": False}
    assert "a repaired stream" not in capfd.readouterr().err
    assert {n: logging.getLogger(n).level for n in before} == before