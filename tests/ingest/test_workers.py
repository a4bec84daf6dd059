"""How many workers read a batch (issue 25): a small one (up to `ingest.SOLO_PAGES` pages, counted
first) is read by one worker, since a second costs more than it saves; a larger one by one per core;
`workers` given is always obeyed. Each way, every report loads."""

from __future__ import annotations

import pytest

from conftest import PDF
from pipeline import bounded, ingest, warehouse

REPORTS = [PDF / "xlsx" / "440303210301500004143.xlsx.pdf", PDF / "reportlab" / "440303210301500004143.reportlab.pdf"]


@pytest.mark.parametrize("solo, given, expected", [
    (30, None, [1, 1]),  # 2 files, 4 pages: counted and read by one worker
    (3, None, [1, None]),  # more pages than SOLO_PAGES: read by one per core (bounded's default)
    (30, 2, [2, 2]),  # asked for: obeyed
])
def test_a_small_batch_is_read_by_one_worker(tmp_path, monkeypatch, solo, given, expected):
    asked = []
    real = bounded.run

    def spied(fn, items, **kwargs):
        asked.append(kwargs.get("workers"))
        return real(fn, items, **kwargs)

    monkeypatch.setattr(bounded, "run", spied)
    monkeypatch.setattr(ingest, "SOLO_PAGES", solo)
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = list(ingest.ingest_many(con, REPORTS, workers=given))
    assert [o.status for o in outcomes] == ["loaded", "loaded"] and sum(o.pages for o in outcomes) == 4
    assert asked == expected
