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


def test_a_batch_retried_one_by_one_and_stopped_by_a_full_disk_says_what_each_report_came_to(
        tmp_path, monkeypatch, capsys):
    """A batch breaks a key (one report's rows), so its reports are written one by one; the third
    such write meets a full disk. The run stops (exit 3, the disk named), and first says every report:
    the one written alone before is loaded (committed: a rerun skips it), the spoiled one quarantined,
    the one being written and the one after it not written, each naming its file and why; the summary
    counts them. Before, the reports written alone were committed and never said, nor was any
    summary. A rerun loads the rest."""
    import errno
    import os

    import duckdb

    from pipeline import cli

    # in the order they are read: FILES[0], the spoiled one, FILES[2], FILES[1]
    files = sorted([*FILES, PDF / "xlsx" / "440303200301500094260.xlsx.pdf"])
    spoiled, stopped, after = files[1], FILES[2], FILES[1]
    monkeypatch.setattr(ingest_mod.bounded, "run", _in_process)
    monkeypatch.setattr(ingest_mod, "_read_part", _spoiled(ingest_mod._read_part, spoiled.name))
    monkeypatch.setattr(ingest_mod, "BATCH_SECONDS", 3600.0)  # the four in one batch, however slow the reading
    load_parts, calls = warehouse.load_parts, []

    def full_on_the_fourth(con, parts):
        calls.append([f.dim_report["file_name"][0] for f in parts])
        if len(calls) == 4:  # the batch, then FILES[0] and the spoiled one alone; the next meets a full disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return load_parts(con, parts)

    monkeypatch.setattr(warehouse, "load_parts", full_on_the_fourth)
    published = tmp_path / "warehouse.duckdb"
    args = ["ingest", *map(str, files), "--warehouse", str(published), "--quarantine", str(tmp_path / "q")]
    assert cli.main(args) == 3
    out, err = capsys.readouterr()
    assert calls == [[f.name for f in files], [FILES[0].name], [spoiled.name], [stopped.name]], calls
    said = {f.name: next(line for line in err.splitlines() if f"] {f} ..." in line) for f in files}
    assert " ... loaded 1 form(s), " in said[FILES[0].name]
    assert said[spoiled.name].endswith("QUARANTINED (extraction_fault)")
    for f in (stopped, after):
        assert said[f.name].endswith("NOT WRITTEN: the run stopped before it was stored (see below)")
        assert (f"not written: {f}: not loaded: the run stopped before it was written (the disk is full); "
                "nothing of it is stored, and running the command again loads it") in err
    assert "4 report(s): 1 loaded, 0 already loaded, 1 quarantined, 2 not written (see above); the run stopped" in out
    assert "the disk is full; every report stored so far is whole and kept" in err
    con = duckdb.connect(str(warehouse.work_path(published)), read_only=True)
    try:
        stored = con.execute("SELECT file_name, status FROM dim_report ORDER BY file_name").fetchall()
    finally:
        con.close()
    assert stored == [(FILES[0].name, "loaded"), (spoiled.name, "quarantined")]

    monkeypatch.setattr(warehouse, "load_parts", load_parts)  # room again: the rerun loads the rest
    assert cli.main(args) == 1  # the spoiled one is quarantined again
    assert "4 report(s): 2 loaded, 1 already loaded, 1 quarantined;" in capsys.readouterr().out


def test_a_batch_whose_write_fails_says_each_report_not_written_then_raises(tmp_path, monkeypatch):
    """The batch's own write meets an I/O error (DuckDB's): nothing of it is written, each of its
    reports comes out `unwritten` naming its file and the error, and the error is raised after them
    (the CLI then exits 3 saying it)."""
    import duckdb
    import pytest

    monkeypatch.setattr(ingest_mod.bounded, "run", _in_process)
    monkeypatch.setattr(ingest_mod, "BATCH_SECONDS", 3600.0)

    def failing(con, parts):
        raise duckdb.IOException("IO Error: could not write block: Input/output error")

    monkeypatch.setattr(warehouse, "load_parts", failing)
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = []
    with pytest.raises(duckdb.IOException, match="Input/output error"):
        for outcome in ingest_mod.ingest_many(con, FILES, quarantine_dir=tmp_path / "q"):
            outcomes.append(outcome)
    assert [(o.path, o.status) for o in outcomes] == [(f, "unwritten") for f in FILES]
    for o in outcomes:
        assert o.error.kind == "not_written" and str(o.path) in str(o.error)
        assert "the run stopped before it was written (IOException: IO Error: could not write block" in o.error.reason
    assert con.execute("SELECT count(*) FROM dim_report").fetchone() == (0,)
