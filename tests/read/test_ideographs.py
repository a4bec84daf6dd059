"""Ideographs a text layer names by a radical's code point are read as the ideographs they are drawn
as (pipeline/read/ideographs.py), in every reader."""

from __future__ import annotations

import json

from conftest import CORPUS, HERE, differences, extracted
from pipeline.read.ideographs import unified
from pipeline.read.tables import clean

CAIRO = HERE / "fixtures" / "producers" / "radicals" / "440303221550216305000.luohu.cairo-chromium.pdf"


def test_radicals_and_compatibility_ideographs_are_the_ideographs_they_draw():
    assert unified("项\u2f6c名称") == "项目名称"  # KANGXI RADICAL EYE
    assert unified("\u2fb8\u2eda") == "首页"  # KANGXI RADICAL HEAD, CJK RADICAL C-SIMPLIFIED LEAF (the supplement)
    assert unified("\u2ed3期") == "长期"  # CJK RADICAL C-SIMPLIFIED LONG: not decomposed by NFKC
    assert unified("\uf9a9") == "囹"  # a CJK compatibility ideograph
    printed = "（本级）：≥90％，１２３ ABC ⅰ"  # full-width forms, signs and digits are printed so: kept
    assert unified(printed) == printed


def test_a_pdf_naming_ideographs_by_radicals_reads_field_for_field():
    """A browser's print rewritten by cairo: 项⽬名称, ⼀级预算单位 … in its text layer. Refused before
    as holding no form (no label matched); read as printed now."""
    [form] = extracted(str(CAIRO))
    truth = json.loads((CORPUS / "truth" / "440303221550216305000.json").read_text(encoding="utf-8"))
    assert differences(form, truth) == []


def test_cells_of_workbooks_documents_and_web_pages_are_unified_too():
    """Text copied from such a PDF into a workbook keeps the radicals: the readers of workbooks,
    documents and web pages clean every cell with the same table."""
    assert clean("项\u2f6c名称 \n \u2f00级指标") == "项目名称\n一级指标"
