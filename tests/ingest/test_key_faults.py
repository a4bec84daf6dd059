"""A report whose rows break a key of the warehouse (a reading that gives one cell twice: two ruled
tables of a scanned page once gave two cells at row 0, column 0) is that report's fault: it is
quarantined naming its file and why, nothing of it is written, and the reports read beside it, in
the same batch, still load. Before, the batch's insert failed and with it the whole run ("the
warehouse failed: … duplicate key", exit 3). Readings made in-process (no worker pool) so the
reading of one file can be spoiled on purpose."""

from __future__ import annotations

import dataclasses

import polars as pl

from conftest import PDF
from pipeline import ingest as ingest_mod
from pipeline import warehouse

FILES = [PDF / "xlsx" / f"{code}.xlsx.pdf" for code in
         ("440105221551500060313", "440305210300200065020", "440303210301500004143")]
SPOILED = FILES[1].name


def _in_process(fn, items, **_):
    for item in list(items):
        yield item, fn(item)


def _spoiled(read, name=SPOILED):
    def part(job, max_pages=None):
        reading, seconds, skipped = read(job, max_pages)
        if job.path.name == name and reading is not None:  # its first indicator row given twice
            rows = reading.fact_indicator_result
            reading = dataclasses.replace(reading, fact_indicator_result=pl.concat([rows, rows.head(1)]))
        return reading, seconds, skipped
    return part


def test_a_report_breaking_a_key_is_quarantined_and_its_batch_still_loads(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_mod.bounded, "run", _in_process)
    monkeypatch.setattr(ingest_mod, "_read_part", _spoiled(ingest_mod._read_part))
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = {o.path.name: o for o in ingest_mod.ingest_many(con, FILES, quarantine_dir=tmp_path / "q")}

    assert {name: o.status for name, o in outcomes.items()} == {
        FILES[0].name: "loaded", SPOILED: "quarantined", FILES[2].name: "loaded"}
    refusal = outcomes[SPOILED].error
    assert refusal.kind == "extraction_fault" and SPOILED in str(refusal)
    assert "break a key of the warehouse" in refusal.reason and "duplicate key" in refusal.reason
    loaded = con.execute("SELECT file_name, status, forms FROM dim_report ORDER BY file_name").fetchall()
    assert loaded == sorted([(FILES[0].name, "loaded", 1), (SPOILED, "quarantined", 0), (FILES[2].name, "loaded", 1)])
    sha = outcomes[SPOILED].sha256
    for table in ("dim_form", "fact_indicator_result", "fact_fund_execution"):  # nothing of it written
        assert con.execute(f"SELECT count(*) FROM {table} WHERE report_sha256 = ?", [sha]).fetchone() == (0,)
    assert (tmp_path / "q").is_dir() and any(SPOILED in p.name for p in (tmp_path / "q").iterdir())


def test_a_long_report_breaking_a_key_is_quarantined_and_the_next_still_loads(tmp_path, monkeypatch):
    """A report streamed part by part (here a part a page) whose rows break a key: its transaction is
    rolled back, its parts still coming are read and not written, it is quarantined naming its file,
    and the report after it loads."""
    long = FILES[2]  # two pages
    monkeypatch.setattr(ingest_mod.bounded, "run", _in_process)
    monkeypatch.setattr(ingest_mod, "_read_part", _spoiled(ingest_mod._read_part, long.name))
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = {o.path.name: o for o in ingest_mod.ingest_many(con, [long, FILES[1]], part_pages=1,
                                                               quarantine_dir=tmp_path / "q")}
    assert {n: o.status for n, o in outcomes.items()} == {long.name: "quarantined", FILES[1].name: "loaded"}
    assert "break a key of the warehouse" in outcomes[long.name].error.reason and long.name in str(outcomes[long.name].error)
    assert con.execute("SELECT count(*) FROM dim_form WHERE report_sha256 = ?",
                       [outcomes[long.name].sha256]).fetchone() == (0,)
