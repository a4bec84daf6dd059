"""A table that is not a self-evaluation form never costs a form (issue 20, item 1): a disclosure holding
a 项目支出绩效自评结果汇总表, a 项目支出绩效目标表 and a 部门整体 table beside real forms loads the real
forms, and lists each other table with its page and why; a report is refused only for a form itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from _tables import joined, tables_pdf, text_pages
from conftest import CORPUS, PDF, differences, truth
from pipeline.errors import NoFormFound
from pipeline.extract import _passed, extract
from pipeline.read.pdf import PdfInfo

CENTRAL = PDF / "central" / "440303210301500004143.central.pdf"
LUOHU = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"

SUMMARY = (["2023年度项目支出绩效自评结果汇总表"], [
    ["序号", "项目编码", "项目名称", "主管部门", "年度预算数", "自评得分"],
    ["1", "440303210301500004143", "其他管理事务", "某局", "1210000.00", "97.53"],
    ["2", "440303210301500004536", "大数据建设管理工作", "某局", "4900000.00", "97.57"],
])
TARGETS = (["项目支出绩效目标表", "（2024年度）"], [
    ["项目名称", "某某系统运维", None, None],
    ["主管部门", "某局", "实施单位", "某中心"],
    ["资金情况（万元）", "年度资金总额", "120", None],
    ["", "其中：财政拨款", "120", None],
    ["一级指标", "二级指标", "三级指标", "指标值"],
    ["产出指标", "数量指标", "运维系统数量", "≥5个"],
])
DEPARTMENT = (["2023年度部门整体支出绩效自评表"], [
    ["部门（单位）名称", "某局", "部门预算编码", "101"],
    ["年度主要任务", "任务名称", "主要内容", "完成情况"],
    ["存在问题", "无", None, None],
])


@pytest.fixture(scope="module")
def disclosure(tmp_path_factory):
    """summary (p1), targets (p2), a central form, a 部门整体 table, a luohu form."""
    d = tmp_path_factory.mktemp("disclosure")
    parts = [tables_pdf(d / "summary.pdf", [SUMMARY]), tables_pdf(d / "targets.pdf", [TARGETS]), CENTRAL,
             tables_pdf(d / "department.pdf", [DEPARTMENT]), LUOHU]
    return joined(d / "disclosure.pdf", parts)


def _pages(pdf) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def test_the_real_forms_of_a_disclosure_load_and_the_other_tables_are_listed(disclosure):
    skipped: list[tuple[int, str]] = []
    forms = [f.to_dict() for f in extract(disclosure, skipped=skipped)[1]]
    central = json.loads((CORPUS / "truth-central" / "440303210301500004143.json").read_text(encoding="utf-8"))
    assert [f["template"] for f in forms] == ["central", "luohu"]
    assert differences(forms[0], central) == []
    assert differences(forms[1], truth("440303210301500004143")) == []
    department_page = 3 + _pages(CENTRAL)
    pages = {page: why for page, why in skipped}
    assert sorted(pages) == [1, 2, department_page]
    assert "summary" in pages[1] and "targets" in pages[2] and "部门整体" in pages[department_page]
    # the form after the 部门整体 table starts after it; the one before it ends before it
    assert forms[0]["source"]["last_page"] < department_page < forms[1]["source"]["first_page"]


def test_a_document_of_only_other_tables_says_what_it_passed_over(tmp_path):
    pdf = tables_pdf(tmp_path / "only.pdf", [SUMMARY, TARGETS])
    with pytest.raises(NoFormFound) as refused:
        extract(pdf)
    assert "page 1: a summary" in str(refused.value) and "page 2: a targets table" in str(refused.value)


def test_a_targets_table_without_its_title_is_known_by_what_it_lacks(tmp_path):
    """No title on its page: no 完成值 and no 执行数 — nothing evaluated, so not a self-evaluation."""
    skipped: list[tuple[int, str]] = []
    pdf = joined(tmp_path / "t.pdf", [tables_pdf(tmp_path / "a.pdf", [([], TARGETS[1])]), LUOHU])
    forms = extract(pdf, skipped=skipped)[1]
    assert [f.project_code for f in forms] == ["440303210301500004143"]
    assert [page for page, _ in skipped] == [1] and "no 完成值" in skipped[0][1]


@pytest.mark.processes
def test_extract_verbose_lists_the_skipped_tables(disclosure):
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "extract", "--verbose", str(disclosure)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)) == 2
    assert "page 1: skipped, a summary" in run.stderr and "page 2: skipped, a targets table" in run.stderr


def test_a_form_that_lost_its_headers_is_refused_not_passed_over():
    """Only a table whose indicator header was read, and prints no results, is a targets table: a real
    form whose header rows were lost in reading is refused as half-read, never skipped."""
    import dataclasses

    from pipeline.errors import ReportError
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    grids, _ = read_grids(CENTRAL)
    headers = ("全年执行数", "实际完成值", "实际完成情况")
    keep = [[not any(h in c for h in headers for c in r) for r in g.rows] for g in grids]
    cut = [dataclasses.replace(g, rows=tuple(r for r, k in zip(g.rows, ks) if k),
                               spans=tuple(x for x, k in zip(g.spans, ks) if k)) for g, ks in zip(grids, keep)]
    skipped: list[tuple[int, str]] = []
    with pytest.raises(ReportError):
        read_forms(inspect(CENTRAL), cut, skipped=skipped)
    assert skipped == []


@pytest.mark.processes  # the CLI in a process of its own
def test_ingest_loads_the_forms_of_a_disclosure_and_logs_the_skipped_tables(disclosure, tmp_path):
    """The ingest log names each table passed over, with its page and why; the forms load, the run
    exits 0 (a look-alike table is never a refusal)."""
    run = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", str(disclosure),
                          "--warehouse", str(tmp_path / "w.duckdb"), "--quarantine", str(tmp_path / "q")],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "loaded 2 form(s)" in run.stderr
    department_page = 3 + _pages(CENTRAL)
    for page, kind in ((1, "summary"), (2, "targets table"), (department_page, "部门整体")):
        line = next(l for l in run.stderr.splitlines() if l.strip().startswith(f"page {page}: not a form"))
        assert kind in line


PUBLIC = (["公开01表", "收入支出决算表", "单位：万元"], [
    ["项目", "年初预算数", "调整预算数", "决算数"],
    ["1.科目11", "101.00", "111.00", "106.50"],
    ["2.科目12", "102.00", "112.00", "107.50"],
])


def test_pages_that_cannot_be_forms_are_read_no_further_than_their_text(tmp_path, monkeypatch):
    """Issue 25 item 3: the cover and narrative pages (no ruling) and a 公开 table before any form
    (ruled, no character of 项目名称 or 项目编码) list no glyph and seek no table, nor does a narrative
    page after the form; the form reads as alone."""
    import pipeline.extract as stage

    layers = []

    def spied(*args, **kwargs):
        layers.append(stage_scan(*args, **kwargs))
        return layers[-1]

    stage_scan = stage.scan
    monkeypatch.setattr(stage, "scan", spied)
    front = text_pages(tmp_path / "front.pdf", ["2023年度部门决算", "第一部分 部门概况"])
    public = tables_pdf(tmp_path / "public.pdf", [PUBLIC])
    after = text_pages(tmp_path / "after.pdf", ["第三部分 名词解释"])
    pdf = joined(tmp_path / "disclosure.pdf", [front, public, CENTRAL, after])
    forms = [f.to_dict() for f in extract(pdf)[1]]
    central = json.loads((CORPUS / "truth-central" / "440303210301500004143.json").read_text(encoding="utf-8"))
    assert len(forms) == 1 and differences(forms[0], central) == []
    rulings = {p: r for layer in layers for p, r in layer.rulings.items()}
    n = _pages(CENTRAL)
    assert sorted(rulings) == list(range(1, 5 + n))  # every page was looked at ...
    assert [p for p, r in sorted(rulings.items()) if r.chars] == list(range(4, 4 + n))  # ... the form's read
    assert rulings[3].horizontal and rulings[3].vertical  # the 公开 table's ruling seen, its glyphs not


def _info(*texts: str, scanned: tuple[int, ...] = ()) -> PdfInfo:
    return PdfInfo(path=CENTRAL, sha256="0" * 64, pages=len(texts), page_texts=texts, scanned=scanned)


def test_a_page_is_passed_only_while_no_form_can_be_open():
    table = "项目 年初预算数 决算数 合计"  # 项目 and 合计, but not every character of 项目名称 / 项目编码
    # before any form: passed; the page printing 项目名称's characters (in any order) opens a form, and
    # every page after it may be its continuation or spill page (no label of its own): never passed
    assert _passed(_info(table, table, "名称 | 某系统 | 项目", table), range(1, 5), False) == ({1, 2}, True)
    # a part starting after page 1 may start inside a form
    assert _passed(_info(table, table), range(1, 3), True) == (set(), True)
    # a page read from its image may start one
    assert _passed(_info(table, "", table), range(1, 4), False) == ({1, 3}, False)
    assert _passed(_info(table, "", table, scanned=(2,)), range(1, 4), False) == ({1}, True)
    # text holding none of the words a form's page prints may be an unreadable text layer: left for
    # extract._unlabelled to judge (read from its image), never passed
    assert _passed(_info("ĀāĂă ĄąĆć", table), range(1, 3), False) == ({2}, False)
