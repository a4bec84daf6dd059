"""How many workers count and read a batch (issue 25): the files of a small one (up to
`ingest.SOLO_FILES`) are counted by one worker, since a second costs more than it saves; reading
keeps one worker per core (a batch of one-page scans read by one worker took twice the wall time);
`workers` given is always obeyed. Each way, every report loads."""

from __future__ import annotations

import pytest

from conftest import PDF
from pipeline import bounded, ingest, warehouse

REPORTS = [PDF / "xlsx" / "440303210301500004143.xlsx.pdf", PDF / "reportlab" / "440303210301500004143.reportlab.pdf"]


@pytest.mark.parametrize("solo, given, expected", [
    (30, None, [1, None]),  # 2 files: counted by one worker, read by one per core (bounded's default)
    (1, None, [None, None]),  # more files than SOLO_FILES: counted by one per core
    (30, 2, [2, 2]),  # asked for: obeyed
])
def test_a_small_batch_is_counted_by_one_worker(tmp_path, monkeypatch, solo, given, expected):
    asked = []
    real = bounded.run

    def spied(fn, items, **kwargs):
        asked.append(kwargs.get("workers"))
        return real(fn, items, **kwargs)

    monkeypatch.setattr(bounded, "run", spied)
    monkeypatch.setattr(ingest, "SOLO_FILES", solo)
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = list(ingest.ingest_many(con, REPORTS, workers=given))
    assert [o.status for o in outcomes] == ["loaded", "loaded"] and sum(o.pages for o in outcomes) == 4
    assert asked == expected


def test_the_checks_start_as_soon_as_the_run_knows_it_reads(tmp_path, monkeypatch):
    """`on_reading` (the CLI starts importing Great Expectations then) comes once, before the counting
    when more than one report is to be read, after it when the one report is read whole; never when
    nothing is read (a rerun) or the one report is long (read in parts: its checks wait for its
    readers to be gone, so their memory never adds to theirs)."""
    events = []
    real = bounded.run

    def spied(fn, items, **kwargs):
        items = list(items)
        if items:
            events.append(fn.__name__)
        return real(fn, items, **kwargs)

    monkeypatch.setattr(bounded, "run", spied)
    con = warehouse.connect(tmp_path / "w.duckdb")

    def ingest_many(paths, **kwargs) -> tuple[list[str], list[str]]:
        events.clear()
        statuses = [o.status for o in ingest.ingest_many(con, paths, on_reading=lambda: events.append("on_reading"),
                                                         **kwargs)]
        return statuses, list(events)

    assert ingest_many(REPORTS[:1], part_pages=1, force=True) == (["loaded"], ["count_pages", "_read_part"])
    assert ingest_many(REPORTS[:1], force=True) == (["loaded"], ["count_pages", "on_reading", "_read_part"])
    assert ingest_many(REPORTS, force=True) == (["loaded", "loaded"],
                                                ["on_reading", "count_pages", "_read_part"])
    assert ingest_many(REPORTS) == (["skipped", "skipped"], [])


def test_a_worker_sets_what_it_starts_with_aside_from_the_garbage_collector():
    """The forkserver's imports, which every worker holds for its life, are no full collection's
    work (`bounded._worker_start`: gc.freeze)."""
    import pathological as bad

    [(_, frozen)] = bounded.run(bad.misbehave, ["frozen"], workers=1)
    # the forkserver's imports: a few hundred thousand objects with Camelot, pandas and polars, tens
    # of thousands where an earlier pool of the process started the forkserver with less; none before
    assert int(frozen) > 10_000


def test_a_worker_collects_its_youngest_garbage_after_many_objects_not_cpythons_700():
    """A page's reading makes thousands of objects freed by their count: the youngest generation is
    collected after `bounded.YOUNG` objects (`bounded._collector`), the older ones as CPython does."""
    import gc

    import pathological as bad

    [(_, thresholds)] = bounded.run(bad.misbehave, ["collector"], workers=1)
    assert thresholds.split() == [str(bounded.YOUNG), *map(str, gc.get_threshold()[1:])]
