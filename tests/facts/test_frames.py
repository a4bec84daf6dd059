"""The frames one report contributes have exactly the warehouse's declared columns and types
(pipeline.facts.frames): since 0065e75 they are built from their rows with a schema and hstacked,
no longer cast and selected at the end, so a column out of order or of another type would reach
the load unnoticed."""

from __future__ import annotations

import dataclasses

import polars as pl

from conftest import PDF
from pipeline.extract import extract
from pipeline.facts import frames as facts
from pipeline.facts.ocr_trust import OCR_CELL
from pipeline.model import OcrCell, OcrReading


def test_every_frame_has_its_declared_schema_in_order():
    path = PDF / "xlsx" / "440305210300200065020.xlsx.pdf"
    _, forms = extract(path)
    as_ocr = dataclasses.replace(forms[0], ocr=OcrReading("rapidocr", "3.10.0", (1,), (
        OcrCell(1, 0, 0, "1", "1", 0.9, (0.0, 0.0, 10.0, 10.0)),)))
    for read in (forms, [as_ocr]):  # a text form (ocr_cell empty) and one read by OCR
        frames = facts.frames(read, file_path=str(path), pages=1)
        assert frames.dim_form.schema == pl.Schema(facts.DIM_FORM)
        assert frames.fact_fund_execution.schema == pl.Schema(facts.FACT_FUND_EXECUTION)
        assert frames.fact_indicator_result.schema == pl.Schema(facts.FACT_INDICATOR_RESULT)
        assert frames.ocr_cell.schema == pl.Schema(OCR_CELL)
        assert frames.fact_indicator_result.height == len(read[0].indicators) > 0
