"""Every recognised cell of a scanned form is kept (ocr_cell), whichever ruled table of its page it
is in: a page can hold several (a web page's banner above the form, the end of one form and the
start of the next), each numbering its rows and columns from 0. Keyed by page, row and column
alone, the second table's first cell collided with the first's and the whole ingest failed
("the warehouse failed: … duplicate key"). Text forms given an OCR reading: cheap, no OCR run."""

from __future__ import annotations

import dataclasses

from conftest import PDF
from pipeline import warehouse
from pipeline.extract import extract
from pipeline.facts import frames as facts
from pipeline.model import OcrCell, OcrReading


def test_cells_at_the_same_place_of_two_tables_of_a_page_are_both_kept(tmp_path):
    _, [form] = extract(PDF / "reportlab" / "440303210301500004536.reportlab.pdf")
    banner = OcrCell(1, 0, 0, "首页 政务公开 政策文件", "首页 政务公开 政策文件", 0.93, (67.2, 697.9, 519.4, 713.3))
    label = OcrCell(1, 0, 0, "项目名称", "项目名称", 1.0, (63.8, 493.9, 93.1, 519.4), grid=1)
    scan = dataclasses.replace(form, ocr=OcrReading("rapidocr-onnxruntime", "1.4.4", (1,), (banner, label)))
    assert [c["grid"] for c in scan.to_dict()["source"]["ocr"]["cells"]] == [0, 1]

    con = warehouse.connect(tmp_path / "w.duckdb")
    warehouse.load_report(con, facts.frames([scan], file_path=form.source.file, pages=1))
    assert con.execute("SELECT grid_no, row_no, col_no, text FROM ocr_cell ORDER BY grid_no").fetchall() == [
        (0, 0, 0, "首页 政务公开 政策文件"), (1, 0, 0, "项目名称")]
