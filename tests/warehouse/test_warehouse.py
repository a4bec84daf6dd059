"""After ingest the warehouse holds exactly what the forms print: counts, sums, types, comments."""

from __future__ import annotations

import shutil
from decimal import Decimal

import duckdb
import pytest

from conftest import SAMPLES, extracted, truth
from pipeline import warehouse
from pipeline.ingest import find_reports, ingest_file


def _sample_truths() -> list[dict]:
    return [truth(f["project_code"]) for p in find_reports([SAMPLES]) for f in extracted(str(p))]


@pytest.fixture()
def con(sample_warehouse):
    c = duckdb.connect(str(sample_warehouse), read_only=True)
    yield c
    c.close()


def test_row_counts_equal_truth(con):
    truths = _sample_truths()
    assert con.execute("SELECT count(*) FROM dim_form").fetchall()[0][0] == len(truths) == 22
    assert con.execute("SELECT count(*) FROM fact_fund_execution").fetchall()[0][0] == 4 * len(truths)
    assert con.execute("SELECT count(*) FROM fact_indicator_result").fetchall()[0][0] == sum(
        len(t["indicators"]) for t in truths)
    assert con.execute("SELECT count(*) FROM dim_report WHERE status = 'loaded'").fetchall()[0][0] == 11


def test_sums_equal_truth(con):
    truths = _sample_truths()
    for column in ("initial_budget", "annual_budget", "executed"):
        for order, source in enumerate(("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金"), 1):
            want = sum(Decimal(t["funds"]["rows"][order - 1][column]) for t in truths)
            got = con.execute(f"SELECT sum({column}) FROM fact_fund_execution WHERE source = '{source}'"
                          ).fetchall()[0][0]
            assert got == want, (column, source)
    want_scores = sum(Decimal(i["score"]) for t in truths for i in t["indicators"])
    assert con.execute("SELECT sum(score) FROM fact_indicator_result").fetchall()[0][0] == want_scores
    want_total = sum(Decimal(t["total_score"]) for t in truths)
    assert con.execute("SELECT sum(total_score) FROM dim_form").fetchall()[0][0] == want_total


def test_one_form_row_by_row(con):
    t = truth("440303210301500004143")
    rows = con.execute("""SELECT level1, level2, level3, target, actual, weight, score, deviation_note
                      FROM fact_indicator_result WHERE form_id = '440303210301500004143-2023'
                      ORDER BY row_no""").fetchall()
    assert rows == [(i["level1"], i["level2"], i["level3"], i["target"], i["actual"],
                     Decimal(i["weight"]), Decimal(i["score"]), i["deviation_note"])
                    for i in t["indicators"]]


def test_money_is_decimal_never_float(con):
    types = dict(con.execute("""SELECT table_name || '.' || column_name, data_type
                            FROM information_schema.columns""").fetchall())
    for col in ("initial_budget", "annual_budget", "executed"):
        assert types[f"fact_fund_execution.{col}"] == "DECIMAL(18,2)"
    for col in ("execution_rate", "funds_score", "total_score"):
        assert types[f"dim_form.{col}"] == "DECIMAL(9,2)"
    assert not [c for c, t in types.items() if t in ("DOUBLE", "FLOAT", "REAL")]


def test_every_table_and_column_has_a_comment(con):
    tables = con.execute("SELECT table_name, comment FROM duckdb_tables()").fetchall()
    assert {t for t, _ in tables} >= set(warehouse.TABLES)
    assert all(c for _, c in tables)
    missing = con.execute("SELECT table_name, column_name FROM duckdb_columns() "
                      "WHERE comment IS NULL AND NOT internal").fetchall()
    assert missing == []


def test_ingest_is_idempotent_under_any_name(tmp_path):
    path = tmp_path / "w.duckdb"
    con = warehouse.connect(path)
    src = SAMPLES / "440305210300200065020.xlsx.pdf"
    assert ingest_file(con, src).status == "loaded"
    before = con.execute("SELECT count(*) FROM fact_indicator_result").fetchall()
    copy = tmp_path / "renamed.pdf"
    copy.write_bytes(src.read_bytes())
    assert ingest_file(con, copy).status == "skipped"
    assert ingest_file(con, src, force=True).status == "loaded"  # re-read replaces, never doubles
    assert con.execute("SELECT count(*) FROM fact_indicator_result").fetchall() == before
    assert con.execute("SELECT count(*) FROM dim_report").fetchall()[0][0] == 1


def test_warehouse_never_holds_half_a_report(tmp_path, monkeypatch):
    con = warehouse.connect(tmp_path / "w.duckdb")
    real_insert = warehouse._insert

    def failing_insert(c, table, frame):
        if table == "fact_indicator_result":
            raise RuntimeError("disk full")
        real_insert(c, table, frame)

    monkeypatch.setattr(warehouse, "_insert", failing_insert)
    with pytest.raises(RuntimeError):
        ingest_file(con, SAMPLES / "440305210300200065020.xlsx.pdf")
    for table in warehouse.TABLES:
        assert con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] == 0, table


def test_a_warehouse_from_an_older_jixiao_is_refused_with_the_fix(tmp_path):
    """Old tables lacking today's columns: a clear refusal naming them, not a binder error mid-DDL."""
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("CREATE TABLE fact_indicator_result (form_id VARCHAR, target VARCHAR)")
    with pytest.raises(warehouse.WarehouseOutdated, match=r"fact_indicator_result\.actual_comparator.*delete it") as err:
        warehouse.connect(old)
    # not the default file: `make demo` would not rebuild it
    work = tmp_path / "old.work.duckdb"
    assert f"`rm -f {old} {work} && jixiao ingest <your reports> --warehouse {old}`" in str(err.value)
    assert f"`jixiao rebuild --warehouse {old}`" in str(err.value)  # versions and refusals kept
    work.write_bytes(old.read_bytes())  # what a writer opens: the message names the file users know
    with pytest.raises(warehouse.WarehouseOutdated) as err:
        with warehouse.writing(old):
            pass
    assert f"{old} was built by an older jixiao" in str(err.value) and f"rm -f {old} {work}" in str(err.value)
    fresh = warehouse.connect(tmp_path / "new.duckdb")  # a new file is simply created
    assert "v_form_scorecard" in warehouse.views(fresh)


def test_file_name_and_path_are_of_the_file_last_read(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    first, second = tmp_path / "first.pdf", tmp_path / "second.pdf"
    for f in (first, second):
        f.write_bytes((SAMPLES / "440305210300200065020.xlsx.pdf").read_bytes())
    ingest_file(con, first)
    assert ingest_file(con, second).status == "skipped"
    named = lambda: con.execute("SELECT file_name, file_path FROM dim_report").fetchall()  # noqa: E731
    assert named() == [("first.pdf", str(first))]
    ingest_file(con, second, force=True)
    assert named() == [("second.pdf", str(second))]


def test_the_schema_is_applied_again_only_when_sql_changed(tmp_path, monkeypatch):
    """A warehouse this jixiao made current opens without its DDL and views run again (its stored
    digest matches); a changed view file, or a warehouse that lost its digest, is applied in full.
    The unit aliases are reloaded either way."""
    applied = []
    real = warehouse.refresh_views
    monkeypatch.setattr(warehouse, "refresh_views", lambda c: (applied.append(1), real(c)))
    path = tmp_path / "w.duckdb"
    for _ in range(2):
        warehouse.connect(path).close()
    assert len(applied) == 1

    sql = tmp_path / "sql"
    shutil.copytree(warehouse.SQL_DIR, sql)
    (sql / "views" / "v_probe.sql").write_text("CREATE OR REPLACE VIEW v_probe AS SELECT 1 AS one;\n")
    monkeypatch.setattr(warehouse, "SQL_DIR", sql)
    (sql / "unit_aliases.csv").write_text("alias,unit\n甲局,乙局\n", encoding="utf-8")
    monkeypatch.setenv("JIXIAO_UNIT_ALIASES", str(sql / "unit_aliases.csv"))
    con = warehouse.connect(path)
    assert len(applied) == 2
    assert "v_probe" in warehouse.views(con)
    assert con.execute("SELECT alias, unit FROM unit_alias").fetchall() == [("甲局", "乙局")]
    con.execute(f"DROP MACRO {warehouse.SCHEMA_DIGEST}")
    con.close()
    warehouse.connect(path).close()
    assert len(applied) == 3
