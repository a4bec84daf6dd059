"""Limits that do not depend on the neighbours (issue 22 item 4): a scanned page's OCR limit and a
worker's task limit count the worker's CPU time, so a busy machine slows a scan but never refuses one
that reads on a quiet machine. Wall time still ends a page or a task, at ten times the CPU limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PDF, ROOT
from pipeline.read.ocr import page as ocr_page

SCAN = PDF / "scan" / "440303210301500001278.scan.pdf"  # one page, ~6 s of CPU to read (folded PP-OCRv4)
LIMIT = 13  # CPU seconds for the page and for the worker's task: about twice what the page takes


def timed_extract(path: Path, max_pages: int | None = None) -> tuple[int, float, float]:
    """`extract` in a pool worker, with what it took: (forms read, CPU seconds, wall seconds)."""
    from pipeline.extract import extract

    cpu, wall = time.process_time(), time.monotonic()
    _, forms = extract(path, max_pages=max_pages)
    return len(forms), time.process_time() - cpu, time.monotonic() - wall


_READ = """
import json, sys
from pipeline import bounded
from test_ocr_limits import timed_extract
[(_, result)] = bounded.run(timed_extract, [sys.argv[1]], limits=bounded.Limits(seconds=float(sys.argv[2])),
                            workers=1)
print(json.dumps({"refused": getattr(result, "kind", None), "reason": getattr(result, "reason", None),
                  "read": None if hasattr(result, "kind") else result}))
"""

_HOG = "import time\nend = time.monotonic() + 400\nwhile time.monotonic() < end:\n    pass\n"


@pytest.mark.processes
def test_a_scan_beside_cpu_hogs_is_read_within_its_cpu_limit_though_its_wall_time_is_over_it():
    """One hog per core at this process's niceness, the reader 6 steps nicer (it gets about a fifth of
    a core): the page's wall time passes the limit (a wall-clock limit would refuse it, as issue 22
    saw at load 10), its CPU time does not."""
    cores = max(2, len(os.sched_getaffinity(0)))
    hogs = [subprocess.Popen([sys.executable, "-c", _HOG]) for _ in range(cores)]
    try:
        env = {**os.environ, "JIXIAO_OCR_PAGE_SECONDS": str(LIMIT),
               "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "read")])}
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", _READ, str(SCAN), str(LIMIT)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=15 * LIMIT,
                              preexec_fn=lambda: os.nice(6))
        wall = time.monotonic() - started
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["refused"] is None, out["reason"]
    forms, cpu, page_wall = out["read"]
    assert forms == 1
    assert cpu < LIMIT < page_wall <= wall, (cpu, page_wall, wall)


def test_the_page_limit_counts_cpu_time_not_time_spent_waiting():
    """A page that waits (the machine busy elsewhere) is not ended at its limit; one that computes is."""
    state = ocr_page._Limit()
    with ocr_page._time_limit(0.3, state):
        time.sleep(0.8)
    assert not state.expired
    state = ocr_page._Limit()
    with pytest.raises(ocr_page._PageTimeout):
        with ocr_page._time_limit(0.3, state):
            while True:
                pass
    assert state.expired and state.what == "0.3 s of CPU time"


def test_the_page_limit_still_ends_a_page_that_waits_ten_times_as_long():
    state = ocr_page._Limit()
    started = time.monotonic()
    with pytest.raises(ocr_page._PageTimeout):
        with ocr_page._time_limit(0.05, state):
            time.sleep(5)
    assert state.what == "0.5 s of wall time" and time.monotonic() - started < 2


def _two_scans(tmp_path: Path) -> Path:
    """A report of two scanned pages (two one-page scans of the corpus, one after the other)."""
    import pypdfium2 as pdfium

    out = pdfium.PdfDocument.new()
    for name in ("440303210301500001278.scan.pdf", "440105221551500060313.scan.pdf"):
        out.import_pages(pdfium.PdfDocument(str(PDF / "scan" / name)))
    path = tmp_path / "two-scans.pdf"
    out.save(str(path))
    return path


def test_a_worker_with_the_cores_reads_its_scanned_pages_at_once(monkeypatch):
    """One large scanned report read alone keeps every core busy (issue 22 item 3): its worker reads
    as many pages at once as it has cores, each in a thread, in page order; a batch's workers, a
    core each, read a page at a time."""
    import threading

    from pipeline import bounded

    running, most, order, lock = set(), 0, [], threading.Lock()

    def read_page(path, page_no):
        nonlocal most
        with lock:
            running.add(page_no)
            most = max(most, len(running))
        time.sleep(0.2)  # a page's work, overlapping the other thread's
        with lock:
            running.discard(page_no)
        return page_no

    monkeypatch.setattr(ocr_page, "read_page", read_page)
    monkeypatch.delenv("JIXIAO_OCR_PAGES_AT_ONCE", raising=False)
    monkeypatch.setattr(bounded, "_cores", 2)  # a worker that reads alone on two cores
    assert ocr_page._read_pages("r.pdf", [3, 4, 5, 6, 7]) == [3, 4, 5, 6, 7] and most == 2
    most = 0
    monkeypatch.setattr(bounded, "_cores", 1)  # one of two workers: a page at a time
    assert ocr_page._read_pages("r.pdf", [3, 4, 5]) == [3, 4, 5] and most == 1
    monkeypatch.setattr(bounded, "_cores", 16)  # many cores, a worker's memory for 2 pages at once
    monkeypatch.setattr(bounded, "_memory_mb", 2 * ocr_page.PAGE_MB + 100)
    assert ocr_page.pages_at_once() == 2
    monkeypatch.setenv("JIXIAO_OCR_PAGES_AT_ONCE", "3")
    assert ocr_page.pages_at_once() == 3


def test_a_round_of_pages_over_its_cpu_time_is_refused_naming_its_pages(monkeypatch):
    """A round of pages read at once shares the CPU time of as many pages (every thread counts)."""
    from pipeline import errors

    def read_page(path, page_no):
        end = time.process_time() + 5
        while time.process_time() < end:
            pass

    monkeypatch.setattr(ocr_page, "read_page", read_page)
    monkeypatch.setenv("JIXIAO_OCR_PAGES_AT_ONCE", "2")
    monkeypatch.setenv("JIXIAO_OCR_PAGE_SECONDS", "0.2")
    with pytest.raises(errors.OverLimit, match=r"pages 1, 2 \(read at once\) took more than 0.4 s of CPU time") as err:
        ocr_page._read_pages("r.pdf", [1, 2])
    assert err.value.page == 1


@pytest.mark.processes
def test_pages_read_at_once_read_as_one_at_a_time(tmp_path, monkeypatch):
    """Each thread has its own engine: two pages read at once give what one at a time gives."""
    report = _two_scans(tmp_path)
    monkeypatch.setenv("JIXIAO_OCR_PAGES_AT_ONCE", "1")
    alone = ocr_page._read_pages(report, [1, 2])
    monkeypatch.setenv("JIXIAO_OCR_PAGES_AT_ONCE", "2")
    together = ocr_page._read_pages(report, [1, 2])
    assert [p.page for p in together] == [1, 2]
    assert [(p.text, p.grids, p.ruling) for p in together] == [(p.text, p.grids, p.ruling) for p in alone]
    assert "440303210301500001278" in together[0].text and "440105221551500060313" in together[1].text
