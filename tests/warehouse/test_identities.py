"""Identities analysts group by: one unit printed several ways has one unit_key (spaces, brackets,
（本级）, and the aliases of sql/unit_aliases.csv), and a form read both from its text layer and by OCR
keeps the text version current whichever came last, the supersession listed in v_supersessions."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from conftest import PDF
from pipeline import warehouse
from pipeline.ingest import ingest_file

ROOT = Path(__file__).resolve().parents[2]
TEXT = PDF / "cairo" / "440105221551500060313.xlsx.cairo.pdf"
SCAN = PDF / "scan" / "440105221551500060313.scan.pdf"


def test_unit_key_groups_one_unit_printed_several_ways(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    same = ["深圳市罗湖区政务服务和数据管理局（本级）", "深圳市罗湖区政务服务和数据管理局 （本级）",
            "深圳市罗湖区政务服务和数据管理局(本级)", "深圳市罗湖区政务服务和数据管理局\u3000（本级）",
            "深圳市罗湖区政务服务和数据管理局", "深圳市罗湖区政务服务数据管理局 （本级）"]  # the last: an alias
    keys = {k for (k,) in con.execute("SELECT unit_key(n) FROM unnest(?) t(n)", [same]).fetchall()}
    assert keys == {"深圳市罗湖区政务服务和数据管理局"}
    other = con.execute("SELECT unit_key('深圳市罗湖区水务局（本级）')").fetchall()
    assert other == [("深圳市罗湖区水务局",)]  # no alias: its own key, never guessed onto another


def test_the_aliases_are_data_the_user_extends(tmp_path, monkeypatch):
    aliases = tmp_path / "aliases.csv"
    with aliases.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["alias", "unit"], ["深圳市罗湖区水务局 （本级）", "深圳市罗湖区水务署"]])
    monkeypatch.setenv("JIXIAO_UNIT_ALIASES", str(aliases))
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert con.execute("SELECT * FROM unit_alias").fetchall() == [("深圳市罗湖区水务局", "深圳市罗湖区水务署")]
    assert con.execute("SELECT unit_key('深圳市罗湖区水务局')").fetchall() == [("深圳市罗湖区水务署",)]
    shipped = list(csv.DictReader((ROOT / "sql" / "unit_aliases.csv").open(encoding="utf-8")))
    assert {"alias": "深圳市罗湖区政务服务数据管理局", "unit": "深圳市罗湖区政务服务和数据管理局"} in shipped


def test_the_summary_groups_by_unit_key(sample_warehouse):
    con = warehouse.connect(sample_warehouse, read_only=True)
    rows = con.execute("SELECT budget_unit, unit_key FROM v_unit_year_summary").fetchall()
    printed = {k: u for u, k in rows}
    assert "深圳市罗湖区政务服务和数据管理局" in printed  # both spellings of 罗湖's bureau, one key
    keys = con.execute("SELECT DISTINCT unit_key FROM v_form_scorecard WHERE budget_unit LIKE '%罗湖区政务服务%'").fetchall()
    assert keys == [("深圳市罗湖区政务服务和数据管理局",)]
    assert con.execute("SELECT count(*) FROM v_form_scorecard WHERE unit_key LIKE '%（%' OR unit_key LIKE '% %'"
                       ).fetchall() == [(0,)]


@pytest.mark.slow  # reads a scan by OCR
@pytest.mark.parametrize("order", [(TEXT, SCAN), (SCAN, TEXT)])
def test_the_text_layer_stays_current_over_a_scan_of_the_same_form(tmp_path, order):
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = [ingest_file(con, pdf) for pdf in order]
    assert [o.status for o in outcomes] == ["loaded", "loaded"], [str(o.error) for o in outcomes]
    current = con.execute("SELECT read_method FROM dim_form WHERE is_current").fetchall()
    assert current == [("text",)]  # whichever was loaded last
    (row,) = con.execute("SELECT superseded_read_method, current_read_method, reason, superseded_file, "
                         "current_file FROM v_supersessions").fetchall()
    reason = "text_over_ocr" if order[1] == SCAN else "later_load"
    assert row == ("ocr", "text", reason, SCAN.name, TEXT.name)


def test_supersessions_view_is_commented_and_empty_without_versions(sample_warehouse):
    con = warehouse.connect(sample_warehouse, read_only=True)
    comments = warehouse.column_comments(con, "v_supersessions")
    assert "reason" in comments and all(comments.values()), comments
    assert con.execute("SELECT count(*) FROM v_supersessions").fetchall() == [(0,)]  # one version each
