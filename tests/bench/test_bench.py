"""bench/accuracy.py runs on the corpus and scores what the extraction tests assert field by field."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import CORPUS, LUOHU_BUNDLES, PDF, ROOT, TRUTH


def _bench():
    spec = importlib.util.spec_from_file_location("accuracy", ROOT / "bench" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_accuracy_is_total_on_xlsx_and_bundles():
    pdfs = sorted((PDF / "xlsx").glob("*.pdf")) + LUOHU_BUNDLES
    result = _bench().measure(TRUTH, pdfs)
    assert result["wrong"] == [] and result["refused"] == []
    assert result["overall"] == 1.0
    assert set(result["groups"]) == {"header", "goals", "totals", "funds", "fund_rows", "indicators"}
    assert result["fields"] > 16_000 and result["pages"] > 90


def test_accuracy_counts_a_refused_pdf_as_refused_not_scored(tmp_path):
    bad = tmp_path / "440303210301500001278.scan.pdf"  # scans are read and scored now (tests/read/test_ocr.py)
    bad.write_bytes(b"%PDF-1.4\n" + b"0" * 100)
    result = _bench().measure(TRUTH, [bad])
    assert result["fields"] == 0
    assert "cannot be read" in result["refused"][0]


def test_accuracy_names_a_rewritten_pdf_by_producer_and_layout():
    layout_of = _bench().layout_of
    assert layout_of(PDF / "xlsx" / "440303210301500004143.xlsx.pdf") == "xlsx"
    assert layout_of(PDF / "bundle" / "luohu-2023-dev.xlsx.pdf") == "bundle"
    assert layout_of(PDF / "cairo" / "440303210301500004143.xlsx.cairo.pdf") == "cairo/xlsx"
    assert layout_of(PDF / "cairo" / "440303210301500004143.reportlab.cairo.pdf") == "cairo/reportlab"
    assert layout_of(PDF / "ghostscript" / "440303210300200001884.xlsx.gs.pdf") == "ghostscript/xlsx"


def test_accuracy_reports_each_template_and_layout():
    """Truth folders of several templates at once; a one-form PDF meets the truth of its template."""
    pdfs = [PDF / "central" / "weituoyewu.central.pdf", PDF / "sichuan-rl" / "440105221551500060313.sichuan-rl.pdf",
            PDF / "xlsx" / "440105221551500060313.xlsx.pdf"]
    result = _bench().measure([TRUTH, CORPUS / "truth-central", CORPUS / "truth-sichuan"], pdfs)
    assert result["wrong"] == [] and result["refused"] == []
    assert result["templates"] == {"central": 1.0, "luohu": 1.0, "sichuan": 1.0}
    assert result["layouts"] == {"central": 1.0, "sichuan-rl": 1.0, "xlsx": 1.0}
