"""The store of sources and `jixiao rebuild`: every loaded report reloaded from its kept copy, in the
order it was first loaded, so each form's versions stay as they were (issue 24, "No rebuild")."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import PDF, ROOT, SAMPLES
from pipeline import sources, warehouse
from pipeline.ingest import ingest_file, ingest_many, read_report, store
from pipeline.read.pdf import sha256_of
from test_cli import run

# Two versions of one form (project 440305210300200065020, 2023), printed in two layouts.
XLSX = SAMPLES / "440305210300200065020.xlsx.pdf"
REPORTLAB = PDF / "reportlab" / "440305210300200065020.reportlab.pdf"
OTHER = SAMPLES / "440307251551500032553.xlsx.pdf"


def state(wh: Path) -> dict:
    """What a rebuild must give back: the versions and their rank, every report's row as first
    loaded, each table's row count, every check result."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        rows = lambda sql: sorted(con.execute(sql).fetchall(), key=repr)  # noqa: E731
        return {
            "forms": rows("SELECT form_id, report_sha256, is_current, superseded_by FROM dim_form"),
            "reports": rows("SELECT report_sha256, file_name, file_path, status, load_seq, ingested_at, "
                            "error_kind, error, pages, forms FROM dim_report"),
            "counts": {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in warehouse.TABLES},
            "checks": rows("SELECT form_id, report_sha256, rule, subject, expected, observed, passed "
                           "FROM check_result"),
        }
    finally:
        con.close()


def store_files(store: Path) -> dict[str, tuple[int, int]]:
    """Each file of the store but its catalog → (inode, mtime_ns): what changes if a copy is written
    again (the catalog is rewritten at every publish)."""
    return {str(p.relative_to(store)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in sorted(store.rglob("*")) if p.is_file() and p.name != sources.CATALOG}


def files_of(wh: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(wh.parent.iterdir())
            if p.is_file() and p.name.startswith(wh.stem) and not p.name.endswith(".lock")}


@pytest.fixture
def two_versions(tmp_path) -> tuple[Path, Path, Path]:
    """A warehouse holding two versions of one form, loaded in two runs in the order neither their
    names nor their sha256s follow (z-first.pdf, then a-second.pdf: a-second is current), another
    form, and a refused file; the originals in `in/`."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    first, second, other, bad = (inbox / n for n in ("z-first.pdf", "a-second.pdf", "other.pdf", "bad.pdf"))
    shutil.copyfile(XLSX, first)
    shutil.copyfile(REPORTLAB, second)
    shutil.copyfile(OTHER, other)
    bad.write_text("not a pdf")
    assert sha256_of(first) > sha256_of(second)  # the sha256 order is not the order loaded
    wh = tmp_path / "w.duckdb"
    q = ["--warehouse", str(wh), "--quarantine", str(tmp_path / "q"), "-q"]
    assert run("ingest", str(first), str(other), str(bad), *q).returncode == 1  # bad.pdf refused
    assert run("ingest", str(second), *q).returncode == 0
    return wh, inbox, tmp_path / "sources"


def test_rebuild_from_the_store_alone_keeps_the_versions_as_they_were(two_versions, tmp_path):
    wh, inbox, store = two_versions
    before = state(wh)
    current = {sha for _, sha, is_current, _ in before["forms"] if is_current}
    assert sha256_of(inbox / "a-second.pdf") in current and sha256_of(inbox / "z-first.pdf") not in current
    assert [r[1] for r in sorted(before["reports"], key=lambda r: r[4])] == [  # load_seq 1..4
        "bad.pdf", "other.pdf", "z-first.pdf", "a-second.pdf"]  # each run in path order
    kept = store_files(store)
    assert len(kept) == 3  # the loaded reports, not the refused one

    shutil.move(inbox, tmp_path / "moved-away")  # the originals are gone ...
    for f in wh.parent.glob(f"{wh.stem}*.duckdb*"):  # ... and so is the warehouse
        f.unlink()
    result = run("rebuild", "--warehouse", str(wh))
    assert result.returncode == 0, result.stderr
    assert f"the reports are listed from {store / sources.CATALOG}" in result.stderr
    assert [line.split(" ... ")[0] for line in result.stderr.splitlines() if line.startswith("[")] == [
        f"[1/3] other.pdf ({sha256_of(OTHER)[:12]})",
        f"[2/3] z-first.pdf ({sha256_of(XLSX)[:12]})",
        f"[3/3] a-second.pdf ({sha256_of(REPORTLAB)[:12]})"]
    assert "3 report(s) reloaded in the order loaded, 1 refused report(s) carried over" in result.stdout
    assert state(wh) == before
    assert store_files(store) == kept  # nothing copied again: the store is written once per content

    # from the warehouse itself (the usual case): the same again; then loading goes on after it
    again = run("rebuild", "--warehouse", str(wh), "-q")
    assert again.returncode == 0 and not again.stderr, again.stderr
    failed = sum(not c[-1] for c in before["checks"])
    assert f"3 form(s) (3 before), {failed} failed check(s) ({failed} before)" in again.stdout
    assert state(wh) == before
    later = tmp_path / "later.pdf"
    shutil.copyfile(SAMPLES / "440306230301000026512.xlsx.pdf", later)
    assert run("ingest", str(later), "-q", "--warehouse", str(wh)).returncode == 0
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT load_seq FROM dim_report WHERE file_name = 'later.pdf'").fetchall() == [(5,)]
    con.close()


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


def test_rebuild_names_a_missing_or_damaged_source_and_changes_nothing(two_versions):
    wh, inbox, store = two_versions
    files = files_of(wh)
    missing = sources.kept_path(store, sha256_of(inbox / "a-second.pdf"))
    missing.unlink()
    for args in (["--dry-run"], []):
        result = run("rebuild", "--warehouse", str(wh), *args)
        assert result.returncode == 2, result.stderr
        assert (f"jixiao: a-second.pdf (sha256 {sha256_of(REPORTLAB)}, load_seq 4): its copy is missing: "
                f"not in {missing}") in result.stderr
        assert "1 report(s) cannot be reloaded" in result.stderr and "Traceback" not in result.stderr
    assert "a-second.pdf  MISSING" in run("rebuild", "--warehouse", str(wh), "--dry-run").stdout
    assert files_of(wh) == files and not wh.with_name("w.rebuild.duckdb").exists()

    shutil.copyfile(REPORTLAB, missing)  # put back ...
    damaged = sources.kept_path(store, sha256_of(XLSX))
    damaged.write_bytes(damaged.read_bytes()[:-10])  # ... and another one damaged
    result = run("rebuild", "--warehouse", str(wh))
    assert result.returncode == 2 and f"z-first.pdf (sha256 {sha256_of(XLSX)}, load_seq 3): its copy " \
        f"{damaged} is damaged" in result.stderr, result.stderr
    assert files_of(wh) == files

    # the way back the message gives: the original file ingested again with --force is kept again
    assert run("ingest", "--force", str(inbox / "z-first.pdf"), "-q", "--warehouse", str(wh)).returncode == 0
    assert sha256_of(damaged) == sha256_of(XLSX)
    assert run("rebuild", "--warehouse", str(wh), "-q").returncode == 0


def test_a_report_that_does_not_reload_leaves_the_warehouse_as_it_was(two_versions):
    wh, _, _ = two_versions
    files = files_of(wh)
    result = run("rebuild", "--warehouse", str(wh), env={"JIXIAO_MAX_PAGES": "1"})  # a-second has 2
    assert result.returncode == 1, result.stderr
    assert f"a-second.pdf (sha256 {sha256_of(REPORTLAB)}) did not reload:" in result.stderr
    assert f"1 report(s) did not reload; {wh} is as it was" in result.stderr
    assert files_of(wh) == files and not wh.with_name("w.rebuild.duckdb").exists()


def test_dry_run_lists_what_would_be_reloaded_and_the_size_of_the_store(two_versions):
    wh, inbox, store = two_versions
    files = files_of(wh)
    result = run("rebuild", "--warehouse", str(wh), "--dry-run")
    assert result.returncode == 0, result.stderr
    *lines, summary = result.stdout.splitlines()
    originals = [inbox / n for n in ("other.pdf", "z-first.pdf", "a-second.pdf")]
    assert [line.split() for line in lines] == [
        [str(seq), sha256_of(p)[:12], f"{p.stat().st_size / 1e6:.1f}", "MB", p.name]
        for seq, p in zip((2, 3, 4), originals)]
    total = sum(p.stat().st_size for p in originals)
    assert summary == (f"3 report(s) to reload from {store}, {total / 1e6:.1f} MB; 1 refused report(s) "
                       f"carried over as they are; the store holds 3 file(s), {total / 1e6:.1f} MB")
    assert files_of(wh) == files


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


def test_a_copy_that_cannot_be_kept_refuses_its_report_for_this_run_only(tmp_path, monkeypatch):
    """A report the store lacks could not be rebuilt, so it is not loaded; but a full store is the
    machine's fault, not the report's: nothing is recorded or quarantined, the file stays where it
    is, and a rerun loads it. Never a crash."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    blocked = tmp_path / "sources"
    blocked.write_text("a file where the store's folder should be")  # as a full disk, an OSError
    monkeypatch.setenv("JIXIAO_SOURCES", str(blocked))
    quarantine = tmp_path / "quarantine"
    outcome = ingest_file(con, XLSX, quarantine_dir=quarantine)
    assert outcome.status == "refused" and outcome.error.kind == "not_kept"
    assert f"cannot keep its copy in the store of sources {blocked}" in str(outcome.error)
    assert con.execute("SELECT count(*) FROM dim_form").fetchone()[0] == 0
    assert not quarantine.exists() and XLSX.is_file()  # not put aside: it is no bad report
    # a report of several parts is streamed: refused the same way, once every part is read
    [parted] = ingest_many(con, [REPORTLAB], quarantine_dir=quarantine, part_pages=1)
    assert parted.status == "refused" and parted.error.kind == "not_kept", parted
    # the Dagster step's store: the refusal raised, so that the step fails naming it, nothing written
    with pytest.raises(sources.NotKept):
        store(con, REPORTLAB, sha256_of(REPORTLAB), read_report(REPORTLAB))
    assert con.execute("SELECT count(*) FROM dim_report").fetchone()[0] == 0

    monkeypatch.setenv("JIXIAO_SOURCES", str(tmp_path / "room"))  # space again: a rerun loads it
    assert ingest_file(con, XLSX).status == "loaded"
    assert con.execute("SELECT load_seq, source_path FROM dim_report WHERE status = 'loaded'").fetchall() == [
        (1, str(sources.kept_path(tmp_path / "room", outcome.sha256)))]


def test_a_web_page_report_is_kept_as_one_and_rebuilt(tmp_path):
    """A report that is not a PDF is kept under its own kind's suffix: an HTML form whose first
    kilobyte names no <html> (a long comment first) is read as a web page by its name alone, so its
    copy, once named `<sha256>.pdf`, was refused by the rebuild as not a PDF."""
    page = ROOT / "tests" / "fixtures" / "corpus" / "html" / "440105221551500060313.central.html"
    text = page.read_bytes().replace(b"<!DOCTYPE html>\n<html>\n", b"", 1).replace(b"</html>", b"")
    inbox, wh = tmp_path / "in", tmp_path / "data" / "warehouse.duckdb"
    inbox.mkdir()
    (inbox / "form.HTML").write_bytes(b"<!-- " + b"exported by the finance system; " * 50 + b"-->\n" + text)
    assert run("ingest", str(inbox), "-q", "--warehouse", str(wh)).returncode == 0
    before = state(wh)
    sha = sha256_of(inbox / "form.HTML")
    assert sources.kept_path(wh.parent / "sources", sha, ".html").is_file()
    shutil.rmtree(inbox)
    done = run("rebuild", "-q", "--warehouse", str(wh))
    assert done.returncode == 0, done.stderr
    assert state(wh) == before


def test_a_damaged_catalog_is_named_not_traced(tmp_path):
    """With the warehouse files gone the store's catalog lists the reports: one that cannot be read
    is said in a line, exit 2, nothing made (before: polars' traceback)."""
    wh = tmp_path / "data" / "warehouse.duckdb"
    catalog = wh.parent / "sources" / sources.CATALOG
    catalog.parent.mkdir(parents=True)
    catalog.write_bytes(b"not parquet")
    done = run("rebuild", "-q", "--warehouse", str(wh))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and f"{catalog}" in done.stderr and "cannot be read" in done.stderr
    assert not wh.exists() and not warehouse.work_path(wh).exists()


def test_a_warehouse_from_an_older_jixiao_is_made_again_by_rebuild(two_versions):
    """The refusal of a warehouse lacking today's columns offers `jixiao rebuild`: it opens the old
    file, reloads every report from its kept copy in the order loaded, and the versions, refusals and
    checks come back as they were, with the columns."""
    wh, _, _ = two_versions
    before = state(wh)
    with duckdb.connect(str(wh), read_only=True) as con:
        flagged = con.execute("SELECT form_id, field FROM v_may_be_cut ORDER BY ALL").fetchall()
    for f in sorted(wh.parent.glob(f"{wh.stem}*.duckdb")):  # the published file and the writers'
        con = duckdb.connect(str(f))
        for table in ("dim_form", "fact_indicator_result"):  # as a jixiao before may_be_cut made them
            con.execute(f"ALTER TABLE {table} DROP COLUMN may_be_cut")
        con.execute("CREATE OR REPLACE MACRO jixiao_schema_digest() AS 'an older jixiao'")
        con.close()
    refused = run("ingest", str(SAMPLES / "440306230301000026512.xlsx.pdf"), "-q", "--warehouse", str(wh))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr  # nothing done
    assert "missing dim_form.may_be_cut" in refused.stderr
    assert f"`jixiao rebuild --warehouse {wh}`" in refused.stderr
    result = run("rebuild", "--warehouse", str(wh), "-q")
    assert result.returncode == 0, result.stderr
    assert state(wh) == before
    with duckdb.connect(str(wh), read_only=True) as con:  # the columns back, read as before
        assert con.execute("SELECT form_id, field FROM v_may_be_cut ORDER BY ALL").fetchall() == flagged
