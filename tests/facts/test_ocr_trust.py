"""What keeps an OCR'd form out of the verified views (pipeline.facts.ocr_trust), on a form read from
its text layer and given an OCR reading: cheap, no OCR run."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import PDF
from pipeline.extract import extract
from pipeline.facts import frames as facts
from pipeline.model import OcrCell, OcrReading

TEXT_FORM = PDF / "xlsx" / "440305210300200065020.xlsx.pdf"


@pytest.fixture(scope="module")
def form():
    _, forms = extract(TEXT_FORM)
    return forms[0]


def _as_ocr(form, cells=()):
    """The form as if read by OCR, with these cells."""
    return dataclasses.replace(form, ocr=OcrReading("rapidocr", "3.10.0", (1,), tuple(cells)))


def _judged(form):
    frames = facts.frames([form], file_path=str(TEXT_FORM), pages=1)
    return frames.dim_form.row(0, named=True), frames.ocr_cell


def test_an_amount_read_as_no_number_keeps_the_form_unverified(form):
    """"1497500.00" read "i497500.00" (seen with PP-OCRv6 under a seal): the amount is stored as null,
    no sum can judge it, so the form is unverified for it (it was verified before: the list of such
    cells was lost on its way to the judge)."""
    row0 = form.funds.rows[0]
    misread = "i" + row0.annual_budget[1:]
    bad = dataclasses.replace(form, funds=dataclasses.replace(
        form.funds, rows=(dataclasses.replace(row0, annual_budget=misread), *form.funds.rows[1:])))
    cell = OcrCell(row0.page, 4, 3, misread, misread, 0.96, (0.0, 0.0, 1.0, 1.0))
    before, _ = _judged(_as_ocr(form, [dataclasses.replace(cell, text=row0.annual_budget)]))
    assert "not_a_number" not in (before["ocr_failed_rules"] or "")
    row, cells = _judged(_as_ocr(bad, [cell]))
    assert row["status"] == "ocr_unverified" and "not_a_number" in row["ocr_failed_rules"]
    assert cells.filter(cells["text"] == misread)["unverified"].to_list() == [True]
