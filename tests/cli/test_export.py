"""`jixiao export`: a view to csv, parquet and xlsx with Chinese and English headers, values exact."""

from __future__ import annotations

import csv
from decimal import Decimal

import duckdb
import openpyxl
import polars as pl
import pytest

from test_cli import run


def _expected(sample_warehouse, view: str) -> tuple[list[str], list[tuple]]:
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        comments = con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? "
                               "ORDER BY column_index", [view]).fetchall()
        rows = con.execute(f"SELECT * FROM {view}").fetchall()
    finally:
        con.close()
    return [f"{comment.split(': ')[0]} {column}" for column, comment in comments], rows


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_every_format(sample_warehouse, tmp_path, fmt):
    out = tmp_path / f"audit.{fmt}"
    result = run("export", "--view", "v_self_score_audit", "--format", fmt, "--out", str(out),
                 "--warehouse", str(sample_warehouse))
    assert result.returncode == 0, result.stderr
    header, rows = _expected(sample_warehouse, "v_self_score_audit")
    assert header[:3] == ["线索代码 reason", "线索 reason_label", "自评表ID form_id"]
    assert "规则得分 rule_score" in header
    rule, score = header.index("规则得分 rule_score"), header.index("得分 score")
    if fmt == "csv":
        with out.open(encoding="utf-8-sig", newline="") as f:
            got = list(csv.reader(f))
        assert got[0] == header
        assert [r[rule] for r in got[1:]] == [
            "" if r[rule] is None else str(r[rule]) for r in rows]
    elif fmt == "parquet":
        frame = pl.read_parquet(out)
        assert frame.columns == header
        assert frame.rows() == rows  # decimals stay Decimal
        assert frame.schema["分值 weight"] == pl.Decimal(9, 2)
    else:
        sheet = openpyxl.load_workbook(out).active
        got = list(sheet.iter_rows(values_only=True))
        assert list(got[0]) == [h.replace(" ", "\n", 1) for h in header]  # 中文 over the column name
        assert len(got) - 1 == len(rows)
        assert [None if r[score] is None else Decimal(str(r[score])) for r in got[1:]] == [
            r[score] for r in rows]


def test_export_suffix_gives_format_and_unknown_view_is_refused(sample_warehouse, tmp_path):
    out = tmp_path / "units.csv"
    assert run("export", "--view", "v_unit_year_summary", "--out", str(out),
               "--warehouse", str(sample_warehouse)).returncode == 0
    assert out.read_text(encoding="utf-8-sig").startswith("一级预算单位 budget_unit,")
    bad = run("export", "--view", "v_nope", "--out", str(tmp_path / "x.csv"),
              "--warehouse", str(sample_warehouse))
    assert bad.returncode == 2 and "v_form_scorecard" in bad.stderr


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_to_an_unwritable_path_is_named_not_traced(sample_warehouse, tmp_path, fmt):
    out = tmp_path / f"taken.{fmt}"
    out.mkdir()  # a folder where the file should go
    result = run("export", "--view", "v_unit_year_summary", "--out", str(out),
                 "--warehouse", str(sample_warehouse))
    assert result.returncode == 2 and str(out) in result.stderr
    assert "Traceback" not in result.stderr


def test_xlsx_has_a_frozen_header_filters_and_sensible_widths(sample_warehouse, tmp_path):
    out = tmp_path / "cards.xlsx"
    assert run("export", "--view", "v_form_scorecard", "--out", str(out),
               "--warehouse", str(sample_warehouse)).returncode == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A2"  # the header stays while scrolling
    (table,) = sheet.tables.values()
    assert table.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    assert table.autoFilter is not None  # a filter on every column
    assert sheet.cell(1, 1).value == "自评表ID\nform_id" and sheet.cell(1, 1).alignment.wrap_text
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert 12 <= widths["A"] <= 40  # the form id, 26 characters: no 255-wide columns
    assert max(widths.values()) <= 70
    names = [c.value for c in sheet[1]]
    code = names.index("项目编码\nproject_code") + 1
    assert widths[sheet.cell(1, code).column_letter] >= len("440106191550216302646")  # a code fits whole


def test_xlsx_shows_decimals_with_their_scale_and_the_year_plain(sample_warehouse, tmp_path):
    out = tmp_path / "cards.xlsx"
    result = run("export", "--view", "v_form_scorecard", "--out", str(out),
                 "--warehouse", str(sample_warehouse))
    assert result.returncode == 0, result.stderr
    header, rows = _expected(sample_warehouse, "v_form_scorecard")
    sheet = openpyxl.load_workbook(out).active
    cells = list(sheet.iter_rows(min_row=2))
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        types = dict(con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                 "WHERE table_name = 'v_form_scorecard'").fetchall())
    finally:
        con.close()
    year = header.index(next(h for h in header if h.endswith(" year")))
    money = [i for i, h in enumerate(header) if types[h.split(" ")[-1]] == "DECIMAL(18,2)"]
    assert money, types
    for row, want in zip(cells, rows):
        assert row[year].number_format == "0" and row[year].value == want[year]
        for i in money:
            assert row[i].number_format == "#,##0.00"  # 264,700.00 and 0.50
            assert (row[i].value is None) == (want[i] is None)
            if want[i] is not None:
                assert Decimal(str(row[i].value)).quantize(Decimal("0.01")) == want[i]


def test_export_without_a_suffix_asks_for_the_format(sample_warehouse, tmp_path):
    result = run("export", "--view", "v_unit_year_summary", "--out", str(tmp_path / "xfile"),
                 "--warehouse", str(sample_warehouse))
    assert result.returncode == 2
    assert "cannot tell the format from" in result.stderr and "--format csv|parquet|xlsx" in result.stderr
