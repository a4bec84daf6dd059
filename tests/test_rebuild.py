"""The order reports were loaded in (dim_report.load_seq) ranks the versions of a form."""

from __future__ import annotations

from conftest import PDF, SAMPLES
from pipeline import warehouse
from pipeline.ingest import ingest_file

# Two versions of one form (project 440305210300200065020, 2023), printed in two layouts.
XLSX = SAMPLES / "440305210300200065020.xlsx.pdf"
REPORTLAB = PDF / "reportlab" / "440305210300200065020.reportlab.pdf"


def test_versions_rank_by_the_order_loaded_not_by_the_clock(tmp_path):
    """ingested_at is read where a report is read, by parallel workers: within a batch it can tie or
    come in either order. The order loaded decides."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    older, newer = ingest_file(con, XLSX), ingest_file(con, REPORTLAB)
    con.execute("UPDATE dim_report SET ingested_at = TIMESTAMP '2020-01-01' WHERE report_sha256 = ?",
                [newer.sha256])  # the clock says the newer one came first
    warehouse.rank_all_versions(con)
    assert con.execute("SELECT report_sha256, is_current, superseded_by FROM dim_form ORDER BY 2").fetchall() == [
        (older.sha256, False, newer.sha256), (newer.sha256, True, None)]
    assert ingest_file(con, XLSX, force=True).status == "loaded"  # re-read: keeps its first load_seq
    assert con.execute("SELECT report_sha256 FROM dim_form WHERE is_current").fetchall() == [(newer.sha256,)]
