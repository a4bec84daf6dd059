"""Names a scan gives (issue 22 item 2): a unit or project name read by OCR is trusted only where the
warehouse confirms it (a text-layer form printing it, of the same unit for a project;
sql/unit_aliases.csv; another report's scan);
one nothing confirms is listed in v_ocr_unmatched_names (near_miss with the name it is nearest to,
or unmatched), never replaced; a unit name, or a project name near one of the same unit's, keeps its
form ocr_unverified, out of the verified views. Text forms given an OCR reading: cheap, no OCR run."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import PDF
from pipeline import warehouse
from pipeline.extract import extract
from pipeline.facts import frames as facts
from pipeline.facts.ocr_trust import UNVERIFIED, UNVERIFIED_NAME, VERIFIED
from pipeline.model import OcrCell, OcrReading

# 信息化基础设施管理工作 of 深圳市南山区社会福利中心: the project name the scan prints, another unit's
SAME_PROJECT = PDF / "reportlab" / "440305210300200065020.reportlab.pdf"
# 大数据建设管理工作 of 深圳市罗湖区智慧城市建设中心, 深圳市罗湖区政务服务数据管理局（本级）: its units
SAME_UNITS = PDF / "reportlab" / "440303210301500004536.reportlab.pdf"
# 信息化基础设施管理工作 of 深圳市罗湖区智慧城市建设中心, 深圳市罗湖区政务服务和数据管理局（本级）: "scanned"
SCANNED = PDF / "reportlab" / "440303210301500004502.reportlab.pdf"


@pytest.fixture(scope="module")
def read() -> dict:
    return {pdf: extract(pdf)[1][0] for pdf in (SAME_PROJECT, SAME_UNITS, SCANNED)}


def _frames(form):
    return facts.frames([form], file_path=form.source.file, pages=1)


def _last_year(form):
    """The scanned form's project a year before, printed in a text layer (another report)."""
    return dataclasses.replace(form, year=form.year - 1, source=dataclasses.replace(form.source, sha256="1" * 64))


def _scan(form, sha: str, **names):
    """`form` as a scan (report `sha`) that read `names` (project_name, implementing_unit, …): each
    name in a cell of its own, as OCR stores it."""
    form = dataclasses.replace(form, source=dataclasses.replace(form.source, sha256=sha), **names)
    cells = [OcrCell(1, row, 1, text, text, 0.98, (10.0, 10.0, 200.0, 20.0))
             for row, text in enumerate((form.project_name, form.implementing_unit, form.budget_unit))]
    return dataclasses.replace(form, ocr=OcrReading("rapidocr-onnxruntime", "1.4.4", (1,), tuple(cells)))


def _load(con, *forms) -> None:
    for form in forms:
        warehouse.load_report(con, _frames(form))


def _status(con, sha: str) -> tuple[str, str | None]:
    return con.execute("SELECT status, ocr_failed_rules FROM dim_form WHERE report_sha256 = ?", [sha]).fetchone()


def _listed(con, view: str) -> set[str]:
    return {f for (f,) in con.execute(f"SELECT DISTINCT report_sha256 FROM {view}").fetchall()}


def test_a_scan_whose_names_the_warehouse_holds_is_verified(read, tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    scan = _scan(read[SCANNED], "a" * 64)
    _load(con, _last_year(read[SCANNED]), scan)
    assert _status(con, "a" * 64) == (VERIFIED, None)
    assert con.execute("SELECT count(*) FROM v_ocr_unmatched_names").fetchone() == (0,)
    assert "a" * 64 in _listed(con, "v_form_scorecard")


def test_a_misread_project_name_is_flagged_with_the_unit_project_it_is_nearest_to(read, tmp_path):
    """"大数据建设管理工作" (a project of the same unit) read "大数据建没管理工作": a near miss, listed
    with the name held, loaded as read, the form unverified and out of the verified views, its cell
    listed."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    scan = _scan(read[SCANNED], "b" * 64, project_name="大数据建没管理工作")
    _load(con, read[SAME_PROJECT], read[SAME_UNITS], scan)
    rows = con.execute("SELECT field, name, verdict, suggestion, similarity, keeps_unverified "
                       "FROM v_ocr_unmatched_names").fetchall()
    assert [r[:4] for r in rows] == [("project_name", "大数据建没管理工作", "near_miss", "大数据建设管理工作")]
    assert float(rows[0][4]) == pytest.approx(1 - 1 / 9, abs=0.01) and rows[0][5] is True
    assert _status(con, "b" * 64) == (UNVERIFIED, UNVERIFIED_NAME)
    assert con.execute("SELECT project_name FROM dim_form WHERE report_sha256 = ?", ["b" * 64]).fetchone() \
        == ("大数据建没管理工作",)  # never replaced
    for view in ("v_form_scorecard", "v_indicator_results", "v_self_score_audit"):
        assert "b" * 64 not in _listed(con, view), view
    cells = con.execute("SELECT text, reason FROM v_ocr_unverified_cells").fetchall()
    assert cells == [("大数据建没管理工作", "unverified_name:project_name→大数据建设管理工作")]
    assert con.execute("SELECT status, ocr_failed_rules FROM v_ocr_forms").fetchone() == (UNVERIFIED, UNVERIFIED_NAME)


def test_a_new_project_name_near_another_units_is_listed_only(read, tmp_path):
    """A project name held nowhere, near another unit's project ("信息化基础没施管理上作" against 南山区
    社会福利中心's "信息化基础设施管理工作"; 海珠区… against 罗湖区… on the fixture scans) is most
    often a project of its own: listed as unmatched (a project is compared with its own units'
    projects only), the form stays verified."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    for name in ("信息化基础没施管理上作", "信息化基础设施管理工作"):  # the other unit's name does not confirm it either
        scan = _scan(read[SCANNED], "g" * 64, project_name=name)
        _load(con, read[SAME_PROJECT], read[SAME_UNITS], scan)
        rows = con.execute("SELECT field, verdict, suggestion, keeps_unverified FROM v_ocr_unmatched_names").fetchall()
        assert rows == [("project_name", "unmatched", None, False)], name
        assert _status(con, "g" * 64) == (VERIFIED, None)
        assert "g" * 64 in _listed(con, "v_form_scorecard")
        assert con.execute("SELECT count(*) FROM v_ocr_unverified_cells").fetchone() == (0,)


def test_a_unit_name_that_matches_nothing_is_flagged_without_a_suggestion(read, tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    scan = _scan(read[SCANNED], "c" * 64, implementing_unit="广西壮族自治区桂林市气象台")
    _load(con, _last_year(read[SCANNED]), scan)
    rows = con.execute("SELECT field, verdict, suggestion, keeps_unverified FROM v_ocr_unmatched_names").fetchall()
    assert rows == [("implementing_unit", "unmatched", None, True)]
    assert _status(con, "c" * 64) == (UNVERIFIED, UNVERIFIED_NAME)


def test_the_flag_follows_what_the_warehouse_holds_in_either_order(read, tmp_path):
    """A scan loaded before the text-layer forms that print its names is flagged, then trusted once
    they come; its failed checks, if any, stay (only the name rule is taken back)."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    scan = _scan(read[SCANNED], "d" * 64)
    _load(con, scan)
    assert _status(con, "d" * 64) == (UNVERIFIED, UNVERIFIED_NAME)
    assert {f for (f,) in con.execute("SELECT field FROM v_ocr_unmatched_names").fetchall()} == \
        {"project_name", "implementing_unit"}  # its budget unit: named in sql/unit_aliases.csv
    _load(con, read[SAME_UNITS])  # its units: the project name, new, is listed only
    assert [f for (f,) in con.execute("SELECT field FROM v_ocr_unmatched_names").fetchall()] == ["project_name"]
    assert _status(con, "d" * 64) == (VERIFIED, None)
    _load(con, _last_year(read[SCANNED]))
    assert con.execute("SELECT count(*) FROM v_ocr_unmatched_names").fetchone() == (0,)
    con.execute("UPDATE dim_form SET ocr_failed_rules = 'fund_total', status = ? WHERE report_sha256 = ?",
                [UNVERIFIED, "d" * 64])  # as a failed check leaves it
    warehouse.check_ocr_names(con)
    assert _status(con, "d" * 64) == (UNVERIFIED, "fund_total")


def test_an_alias_or_another_reports_scan_confirms_a_name(read, tmp_path, monkeypatch):
    """Units named in the aliases file are known; a name read the same on another report's scan (the
    unit's other forms) is confirmed by it; the same report twice is not a second source."""
    aliases = tmp_path / "aliases.csv"
    aliases.write_text("alias,unit\n深圳市罗湖区智慧城市建设中心,深圳市罗湖区智慧城市建设中心\n"
                       "深圳市罗湖区政务服务数据管理局,深圳市罗湖区政务服务和数据管理局\n", encoding="utf-8")
    monkeypatch.setenv("JIXIAO_UNIT_ALIASES", str(aliases))
    con = warehouse.connect(tmp_path / "w.duckdb")
    first = _scan(read[SCANNED], "e" * 64)
    twice = _scan(dataclasses.replace(read[SCANNED], year=read[SCANNED].year - 1), "e" * 64)
    warehouse.load_report(con, facts.frames([first, twice], file_path="bundle.pdf", pages=2))
    assert [f for (f,) in con.execute("SELECT field FROM v_ocr_unmatched_names").fetchall()] == ["project_name"] * 2
    other_year = dataclasses.replace(read[SCANNED], year=read[SCANNED].year + 1)
    _load(con, _scan(other_year, "f" * 64))  # the same project's next year, another scan
    assert con.execute("SELECT count(*) FROM v_ocr_unmatched_names").fetchone() == (0,)
    assert {_status(con, s)[0] for s in ("e" * 64, "f" * 64)} == {VERIFIED}


def test_another_copy_of_the_same_scan_confirms_nothing(read, tmp_path):
    """Two files of one form (a bundle and the form cut from it, a re-saved copy) hold the same page
    images, so OCR misreads them the same way: the second copy is no second source."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    _load(con, read[SAME_UNITS])
    misread = "深圳市罗湖区智慧城市建设中必"
    _load(con, _scan(read[SCANNED], "c" * 64, implementing_unit=misread))
    assert _status(con, "c" * 64) == (UNVERIFIED, UNVERIFIED_NAME)
    _load(con, _scan(read[SCANNED], "d" * 64, implementing_unit=misread))  # the same form, another file
    assert _status(con, "d" * 64) == (UNVERIFIED, UNVERIFIED_NAME)
    assert con.execute("SELECT name FROM v_ocr_unmatched_names WHERE keeps_unverified").fetchall() == [(misread,)]
