"""Bounded work per report, proven with pathological PDFs made here (tests/pathological.py).

Each file is read the way `jixiao ingest` reads it — `pipeline.ingest.read_report` in a worker of
`pipeline.bounded.run` — with limits low enough to keep the file quick, and must come back as a
refusal of the right kind while the process that writes the warehouse stays small. Then some of the
same files, with a good report, through `jixiao ingest` end to end.

With the default limits (900 s, 20,000 pages, 4,096 MB), measured on 2 busy cores, each alone in a
fresh pool (so ~2 s of it is the pool starting), worker peak resident memory:

    3,000 blank pages           no_form      8–11 s    190 MB
    20,001 pages                over_limit   2–4 s      70 MB  (the page count)
    100,000 tiny lines, 1 page  no_form     30–45 s    340 MB  (Camelot sorting the segments)
    6 GB Flate bomb (contents)  over_limit  18–21 s  4,090 MB  (memory; the parent stays at 86 MB)
    forms 3,000 deep            unreadable   2–3 s      70 MB  (nests too deeply: RecursionError)
    a form drawing itself       broken       2–3 s      70 MB  (was: unreadable, SIGSEGV after 95 s, 1.8 GB)
    arrays/dicts 20,000 deep    unreadable   3–4 s      70 MB  (nests too deeply: RecursionError)
    operand nested 100,000 deep no_form      4–10 s    200 MB
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import pathological as bad
from conftest import ROOT, SAMPLES
from pipeline import bounded
from pipeline.errors import BrokenPdf, OverLimit, ReportError
from pipeline.ingest import read_report
from pipeline.read.pdf import inspect

GOOD = SAMPLES / "440305210300200065020.xlsx.pdf"
MEMORY_MB = 512  # low, so the bomb is stopped in a few seconds; an ordinary report needs ~250 MB
PAGES = 1_000

# name → (how it is made, kind, words of the reason)
CASES = {
    "pages": (lambda p: bad.many_pages(p, 3_000), "over_limit", "has 3,000 pages, more than the limit of 1,000"),
    "bomb": (bad.bomb, "over_limit", f"more than {MEMORY_MB} MB of memory"),
    "image_bomb": (bad.image_bomb, "over_limit", f"more than {MEMORY_MB} MB of memory"),
    "forms": (bad.nested_forms, "unreadable", "nests its objects too deeply"),
    "cycle": (bad.form_cycle, "broken", "form XObject 6 draws itself"),
    "arrays": (bad.nested_arrays, "unreadable", "nests its objects too deeply"),
    "operands": (bad.nested_operands, "no_form", "no 项目支出绩效自评表 found"),
}


def _kind(result) -> str:
    return result.kind if isinstance(result, ReportError) else "loaded"


def _parent_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pathological")
    return {name: make(folder / f"{name}.pdf") for name, (make, _, _) in CASES.items()}


@pytest.fixture(scope="module")
def read(files):
    """Every pathological file read in one bounded run, as `jixiao ingest --max-pages 1000
    --max-memory 512` would: (results by name, seconds, worker peak MB, parent maxrss growth MB)."""
    before = _parent_maxrss_mb()
    started = time.perf_counter()
    with bad.PeakRss() as peak:
        results = list(bounded.run(read_report, files.values(), workers=2,
                                   limits=bounded.Limits(seconds=120, pages=PAGES, memory_mb=MEMORY_MB)))
    seconds = time.perf_counter() - started
    assert [path for path, _ in results] == list(files.values())  # in order
    by_name = dict(zip(files, (result for _, result in results)))
    return by_name, seconds, peak.mb, _parent_maxrss_mb() - before


def test_the_files_are_small_and_quick_to_make(files):
    for name, path in files.items():
        assert path.stat().st_size < 1_200_000, name


@pytest.mark.parametrize("name", list(CASES))
def test_each_pathological_file_is_refused_with_its_kind(read, name):
    by_name, *_ = read
    _, kind, words = CASES[name]
    result = by_name[name]
    assert _kind(result) == kind, result
    assert words in result.reason and result.file.endswith(f"{name}.pdf")


def test_the_bomb_never_takes_more_memory_than_its_limit(read):
    """6 GB of zeros behind 15 kB: the worker is ended at its limit (with the default 4,096 MB, in
    ~20 s here), the worker's peak stays near the limit, the parent's does not grow."""
    _, seconds, worker_mb, parent_growth_mb = read
    assert worker_mb < MEMORY_MB + 150, worker_mb  # sampled every 20 ms: a little past the limit
    assert parent_growth_mb < 100, parent_growth_mb
    assert seconds < 60  # seven files on two workers: ~15 s on 2 busy cores


def test_forms_nested_too_deeply_are_too_deep_at_every_stack_depth(tmp_path):
    """How deep the caller's stack already is decides where the recursion runs out: at one depth in
    three, inside playa's parser, which then raised an UnboundLocalError of its own (refused as
    `broken`, by luck of the worker's stack). At every depth it is the RecursionError `bounded`
    refuses as `unreadable`."""
    path = bad.nested_forms(tmp_path / "forms.pdf")

    def at_depth(k: int) -> None:
        if k:
            return at_depth(k - 1)
        inspect(path)

    for k in range(3):
        with pytest.raises(RecursionError):
            at_depth(k)


def test_too_many_pages_is_refused_before_any_page_is_read(tmp_path):
    """The default page limit (20,000) refuses a 20,001-page file at once: the count is the page
    tree's, no page is loaded."""
    path = bad.many_pages(tmp_path / "many.pdf", bounded.Limits().pages + 1)
    started = time.perf_counter()
    with pytest.raises(OverLimit, match="has 20,001 pages, more than the limit of 20,000"):
        inspect(path, max_pages=bounded.Limits().pages)
    assert time.perf_counter() - started < 5


def test_a_form_drawn_within_itself_is_broken_and_one_only_listed_in_its_resources_is_not(tmp_path):
    """Camelot's reader (playa) recursed on a self-drawing form for ~95 s and 1.8 GB, then died of
    SIGSEGV; `pdf.inspect` now refuses it at once, by the forms really drawn (`Do`)."""
    for length in (1, 3):
        with pytest.raises(BrokenPdf, match="form XObject 6 draws itself"):
            inspect(bad.form_cycle(tmp_path / f"cycle{length}.pdf", length))
    assert inspect(bad.form_cycle(tmp_path / "listed.pdf", 3, drawn=False)).pages == 1


def test_a_page_of_100000_tiny_lines_is_stopped_at_the_time_limit(tmp_path):
    """With the default limits the page is read to its end (no form) in 30–45 s on 2 busy cores
    (Camelot sorting the segments); here a 3 s limit ends it."""
    path = bad.ruling_lines(tmp_path / "lines.pdf")
    assert path.stat().st_size < 1_000_000
    started = time.perf_counter()
    [(_, result)] = bounded.run(read_report, [path], limits=bounded.Limits(seconds=3), workers=1)
    assert _kind(result) == "over_limit" and "more than 3 s of CPU time" in result.reason, result
    assert time.perf_counter() - started < 60  # the pool starts, the worker is killed at 3 s of CPU


def test_each_way_a_worker_fails_is_its_items_refusal_and_the_others_still_come_back_in_order():
    """A segfault, an exception, a hang, a loop and two memory hogs, between good items, in one run: the
    loop is ended at 3 s of its CPU time, the hang (no CPU) at the last-resort 20 s of wall time (at 6 s,
    a loaded machine gave the loop less than 3 s of CPU before its wall time was up). `hog_once`
    touches 2 GB in one C call holding the GIL: a watchdog thread in the worker never ran during it
    (the 2 GB came back as a result); the watchdog process ends it at the limit."""
    items = ["ok1", "segv", "ok2", "raise", "ok3", "sleep", "ok4", "hog", "ok5", "hog_once", "ok6", "spin", "ok7"]
    before = _parent_maxrss_mb()
    with bad.PeakRss() as peak:
        results = list(bounded.run(bad.misbehave, items, workers=2,
                                   limits=bounded.Limits(seconds=3, memory_mb=300, wall_seconds=20)))
    assert [item for item, _ in results] == items
    got = dict(results)
    for ok in ("ok1", "ok2", "ok3", "ok4", "ok5", "ok6", "ok7"):
        assert got[ok] == ok.upper()
    assert (got["segv"].kind, got["segv"].reason) == ("unreadable", "the PDF reader crashed on it (signal 11)")
    assert got["raise"].kind == "unreadable" and "KeyError" in got["raise"].reason
    assert "Object with ID 1 not found" in got["raise"].reason
    assert got["sleep"].kind == "over_limit" and "longer than 20 s of wall time" in got["sleep"].reason
    assert got["spin"].kind == "over_limit" and "more than 3 s of CPU time" in got["spin"].reason
    for hog in ("hog", "hog_once"):
        assert got[hog].kind == "over_limit" and "more than 300 MB of memory" in got[hog].reason
    assert peak.mb < 300 + 350, peak.mb  # a memset touches ~100 MB between two looks of the watchdog
    assert _parent_maxrss_mb() - before < 100


def test_a_run_that_ends_before_its_last_worker_is_up_prints_nothing():
    """Eight quick items on eight workers: the first workers finish them all while the others are
    still starting. pebble unlinked its channel's semaphores at shutdown, and each worker still
    starting printed a traceback from the forkserver (CI saw it in a two-ingest run)."""
    code = ("import sys; sys.path.insert(0, 'tests'); import pathological as bad; from pipeline import bounded\n"
            "for _ in range(10):\n"
            "    got = list(bounded.run(bad.misbehave, [f'ok{i}' for i in range(8)], workers=8))\n"
            "    assert [r for _, r in got] == [f'OK{i}' for i in range(8)], got\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""


def test_ingest_loads_the_good_report_and_quarantines_each_pathological_one(files, tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / GOOD.name).write_bytes(GOOD.read_bytes())
    chosen = ["pages", "bomb", "cycle", "arrays"]
    for name in chosen:
        (folder / files[name].name).write_bytes(files[name].read_bytes())
    wh, quarantine = tmp_path / "wh.duckdb", tmp_path / "quarantine"
    run = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "ingest", str(folder), "--warehouse", str(wh),
         "--quarantine", str(quarantine), "--max-pages", str(PAGES), "--max-memory", str(MEMORY_MB),
         "--max-seconds", "120", "--workers", "2"],
        capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert "5 report(s): 1 loaded, 0 already loaded, 4 quarantined" in run.stdout
    con = duckdb.connect(str(wh), read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT file_name, status, error_kind, error FROM dim_report").fetchall()}
    forms = con.execute("SELECT count(*) FROM dim_form").fetchone()[0]
    con.close()
    assert rows[GOOD.name][:2] == ("loaded", None) and forms == 1
    for name in chosen:
        status, kind, error = rows[f"{name}.pdf"]
        assert (status, kind) == ("quarantined", CASES[name][1]) and CASES[name][2] in error
        [copy] = quarantine.glob(f"*-{name}.pdf")
        sidecar = json.loads(copy.with_name(copy.name + ".json").read_text(encoding="utf-8"))
        assert sidecar["kind"] == CASES[name][1] and CASES[name][2] in sidecar["message"]
        assert CASES[name][2] in run.stderr  # each refusal is said, in one line
