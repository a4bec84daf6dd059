"""`--prefer-ocr`: a user who distrusts a PDF's text layer has jixiao read its pages from their image,
and the warehouse says so (dim_form.ocr_reason = ocr_asked_for). One text page: OCR is slow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import PDF

JIXIAO = [sys.executable, "-m", "pipeline.cli"]
TEXT_FORM = PDF / "xlsx" / "440305210300200065020.xlsx.pdf"  # one page, with a good text layer


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*JIXIAO, *args], capture_output=True, text=True, timeout=600, env=os.environ)


def test_prefer_ocr_reads_a_text_page_from_its_image_and_says_it_was_asked_for(tmp_path: Path):
    extracted = run("extract", "--prefer-ocr", str(TEXT_FORM))
    assert extracted.returncode == 0, extracted.stderr
    [form] = json.loads(extracted.stdout)
    ocr = form["source"]["ocr"]
    assert ocr["reason"] == "ocr_asked_for" and ocr["pages"] == [1] and form["source"]["read"] == "ocr"
    assert len(ocr["cells"]) > 50  # every cell of the page came from the image
    plain = json.loads(run("extract", str(TEXT_FORM)).stdout)[0]
    assert "ocr" not in plain["source"] and plain["source"]["read"] != "ocr"  # without the flag: the text layer
    for field in ("project_code", "year", "funds", "total_weight", "total_score"):  # every number read right
        assert form[field] == plain[field], field
    assert [(i["weight"], i["score"]) for i in form["indicators"]] == \
        [(i["weight"], i["score"]) for i in plain["indicators"]]

    wh = tmp_path / "w.duckdb"
    loaded = run("ingest", "--prefer-ocr", "--warehouse", str(wh), "--quarantine", str(tmp_path / "q"),
                 str(TEXT_FORM))
    assert loaded.returncode == 0, loaded.stderr
    query = run("query", "--warehouse", str(wh), "--format", "json",
                "SELECT project_code, ocr_reason, read_method FROM dim_form")
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout) == [{"project_code": "440305210300200065020",
                                         "ocr_reason": "ocr_asked_for", "read_method": "ocr"}]

    # a rebuild asks again for what the user asked: the report is read from its image, not its text
    rebuilt = run("rebuild", "--warehouse", str(wh))
    assert rebuilt.returncode == 0, rebuilt.stderr
    again = run("query", "--warehouse", str(wh), "--format", "json",
                "SELECT project_code, ocr_reason, read_method FROM dim_form")
    assert json.loads(again.stdout) == json.loads(query.stdout)
