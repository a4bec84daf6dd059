"""A table that is not a self-evaluation form never costs a form (issue 20, item 1): a disclosure holding
a 项目支出绩效自评结果汇总表, a 项目支出绩效目标表 and a 部门整体 table beside real forms loads the real
forms, and lists each other table with its page and why; a report is refused only for a form itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from _tables import joined, tables_pdf
from conftest import CORPUS, PDF, differences, truth
from pipeline.errors import NoFormFound
from pipeline.extract import extract

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
