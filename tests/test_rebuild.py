"""The store of sources, a copy of each report loaded, and the order reports were loaded in
(dim_report.load_seq), which ranks the versions of a form."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import PDF, SAMPLES
from pipeline import sources, warehouse
from pipeline.ingest import ingest_file, read_report, store
from pipeline.pdf import sha256_of

# Two versions of one form (project 440305210300200065020, 2023), printed in two layouts.
XLSX = SAMPLES / "440305210300200065020.xlsx.pdf"
REPORTLAB = PDF / "reportlab" / "440305210300200065020.reportlab.pdf"


def store_files(store: Path) -> dict[str, tuple[int, int]]:
    """Each file of the store → (inode, mtime_ns): what changes if a copy is written again."""
    return {str(p.relative_to(store)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(store.rglob("*")) if p.is_file()}


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


def test_the_store_keeps_each_content_once_atomically(tmp_path):
    store = tmp_path / "sources"
    sha = sha256_of(XLSX)
    target = sources.keep(store, XLSX, sha)
    assert target == store / sha[:2] / f"{sha}.pdf" and target.read_bytes() == XLSX.read_bytes()
    kept = store_files(store)
    renamed = tmp_path / "renamed.pdf"
    shutil.copyfile(XLSX, renamed)
    assert sources.keep(store, renamed, sha) == target  # the same content under another name
    assert store_files(store) == kept and sources.usage(store) == (1, XLSX.stat().st_size)
    with pytest.raises(sources.NotKept, match="the file changed while it was read"):
        sources.keep(store, REPORTLAB, "0" * 64)  # not the content it was read as
    assert store_files(store) == kept  # nothing half-written left


def test_a_copy_that_cannot_be_kept_refuses_its_report_cleanly(tmp_path, monkeypatch):
    """A report the store lacks could not be rebuilt: refused (a rerun loads it), never a crash."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    blocked = tmp_path / "sources"
    blocked.write_text("a file where the store's folder should be")  # as a full disk, an OSError
    monkeypatch.setenv("JIXIAO_SOURCES", str(blocked))
    outcome = ingest_file(con, XLSX)
    assert outcome.status == "quarantined" and outcome.error.kind == "not_kept"
    assert f"cannot keep its copy in the store of sources {blocked}" in str(outcome.error)
    assert con.execute("SELECT count(*) FROM dim_form").fetchone()[0] == 0
    # the Dagster step's store: the same refusal, raised so that the step fails naming it
    with pytest.raises(sources.NotKept):
        store(con, REPORTLAB, sha256_of(REPORTLAB), read_report(REPORTLAB))
    assert con.execute("SELECT status, error_kind FROM dim_report ORDER BY load_seq").fetchall() == [
        ("quarantined", "not_kept"), ("quarantined", "not_kept")]

    monkeypatch.setenv("JIXIAO_SOURCES", str(tmp_path / "room"))  # space again: a rerun loads it
    assert ingest_file(con, XLSX).status == "loaded"
    assert con.execute("SELECT load_seq, source_path FROM dim_report WHERE status = 'loaded'").fetchall() == [
        (1, str(sources.kept_path(tmp_path / "room", outcome.sha256)))]  # its first load_seq kept
