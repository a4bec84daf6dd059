"""Throughput and memory, side by side in one run (issue 10's benchmark). Figures in bench/README.md.

    .venv/bin/python bench/throughput.py [--pages 1000 10000] [--files N] [--dagster] [--skip-camelot]

- `jixiao ingest` (read, assemble, load, check) on the fixture corpus, against a plain Camelot loop
  (`camelot.read_pdf(f, pages="all")`, its default engine) over the same PDFs: pages/s and the ratio;
- `jixiao extract` on the same PDFs, and the bare pdfium floor (`floor`: one process, one core): jixiao
  over the floor, in wall-clock and in CPU seconds (the run's and its workers', `cpu_s`), since a
  shared machine's wall-clock says little;
- the no-op rerun: the same ingest again, every report already loaded;
- peak RSS of an ingest of 26 of those files, which the bundles' peaks are measured against;
- peak RSS, summed over the ingest process and its workers, on generated bundles of N pages (the
  corpus forms printed again and again, each copy under a project code of its own);
- with --dagster (--dagster-only: nothing else): the inbox path under `dagster dev`, from 52 files
  dropped in the inbox (data/samples and a spread of the corpus) to the last run the sensor asked for
  finished, every report in the published warehouse, against `jixiao ingest` on the same files;
  `--dagster-runs batch report` also times one run per report (slow: minutes).

Every command runs as a subprocess, as a user runs it; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "pdf"
LAYOUTS = ("xlsx", "xlsx-noise", "xlsx-overflow", "reportlab")
PY = sys.executable
JIXIAO = [PY, "-m", "pipeline.cli"]


def corpus_pdfs() -> list[Path]:
    return [p for layout in LAYOUTS for p in sorted((CORPUS / layout).glob("*.pdf"))]


def pages_of(pdfs: list[Path]) -> int:
    from pypdf import PdfReader

    return sum(len(PdfReader(p).pages) for p in pdfs)


class PeakRss:
    """Peak resident memory of a process and all its descendants, summed, sampled every 50 ms; beside
    it the peak of the summed PSS (shared pages split between the processes sharing them: the
    forkserver's imports count once, not once per worker) and, at the RSS peak, each process's part."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self.peak_pss, self.at_peak = pid, 0, 0, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = Path(f"/proc/{d}/stat").read_text()
                    parents[int(d)] = int(stat.rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    pass
        tree, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [c for c, p in parents.items() if p in frontier]
            tree += frontier
        return tree

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.is_set():
            rss, pss, parts = 0, 0, {}
            for pid in self._tree():
                try:
                    mine = int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
                    pss += int(rollup.split("Pss:", 1)[1].split()[0]) * 1024
                    role = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:60]
                except (OSError, IndexError, ValueError):
                    continue
                rss += mine
                parts[f"{pid} {role}"] = round(mine / 2**20)
            if rss > self.peak:
                self.peak, self.at_peak = rss, parts
            self.peak_pss = max(self.peak_pss, pss)
            time.sleep(0.05)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def timed(cmd: list[str], env: dict | None = None, memory: dict | None = None, sample: bool = True
          ) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak MB of the process tree, result); `memory` gets the peak PSS and who held what.
    `sample=False`: no memory sampling (peak 0). The sampler reads every process's smaps_rollup 20
    times a second, which costs the timed run part of a core on this 2-core machine, so the speed
    figures are timed without it and the memory figures measured in runs of their own."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    rss = PeakRss(proc.pid) if sample else None
    cpu = TreeCpu(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    result = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if memory is not None:
        memory["cpu_s"] = round(cpu.stop(), 1)
    if rss is None:
        return seconds, 0.0, result
    peak = rss.stop()
    if memory is not None:
        memory.update(peak_pss_mb=round(rss.peak_pss / 2**20), at_peak_mb=rss.at_peak)
    return seconds, peak, result


class TreeCpu:
    """CPU seconds (user + system) of a process and all its descendants, read from /proc every
    100 ms and summed over every process seen (a process's last tenth of a second may be missed).
    getrusage cannot say it: the workers are the forkserver's children, which nobody waits for."""

    def __init__(self, pid: int) -> None:
        self.pid, self.seen = pid, {}
        self._tick = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    _EVERY = 0.1  # seconds between two reads of the tree

    def _run(self) -> None:
        while True:
            for pid in PeakRss._tree(self):  # type: ignore[arg-type]
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self.seen[pid] = (int(fields[11]) + int(fields[12])) / self._tick
                    self._sampled(pid, fields)
                except (OSError, IndexError, ValueError):
                    pass
            if self._stop.wait(self._EVERY):
                return

    def _sampled(self, pid: int, fields: list[str]) -> None:
        """What a subclass keeps of a process read (its /proc stat fields after the command name)."""

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return sum(self.seen.values())


FLOOR = """
import ctypes, sys, time
import pypdfium2 as pdfium
raw = pdfium.raw
l, r, b, t, x, y = (ctypes.c_double() for _ in range(6))
fx, fy = ctypes.c_float(), ctypes.c_float()

def walk(objects):
    for obj in objects:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            walk(raw.FPDFFormObj_GetObject(obj, k) for k in range(raw.FPDFFormObj_CountObjects(obj)))
        elif kind == raw.FPDF_PAGEOBJ_PATH:
            for k in range(raw.FPDFPath_CountSegments(obj)):
                raw.FPDFPathSegment_GetPoint(raw.FPDFPath_GetPathSegment(obj, k), fx, fy)

started, cpu = time.perf_counter(), time.process_time()
for f in sys.argv[1:]:
    doc = pdfium.PdfDocument(f)
    for page in doc:
        text = page.get_textpage()
        for i in range(text.count_chars()):
            raw.FPDFText_GetUnicode(text.raw, i)
            raw.FPDFText_GetCharBox(text.raw, i, l, r, b, t)
        walk(raw.FPDFPage_GetObject(page.raw, k) for k in range(raw.FPDFPage_CountObjects(page.raw)))
        text.close()
        page.close()
    doc.close()
print(time.perf_counter() - started, time.process_time() - cpu)
"""


def floor(pdfs: list[Path]) -> tuple[float, float]:
    """(seconds, CPU seconds) of the least work a page needs, in one process on one core: each page
    and its text page loaded, every character with its code and box, every path segment's point."""
    out = subprocess.run([PY, "-c", FLOOR, *map(str, pdfs)], capture_output=True, text=True, check=True)
    seconds, cpu = map(float, out.stdout.split())
    return seconds, cpu


CAMELOT_LOOP = """
import sys, camelot, warnings, logging
warnings.filterwarnings("ignore"); logging.disable(logging.WARNING)
for f in sys.argv[1:]:
    camelot.read_pdf(f, pages="all")
"""


def bundle(pages: int, out: Path) -> tuple[int, int]:
    """(pages, forms) of a bundle of at least `pages` pages of distinct forms: the corpus truth files
    printed again and again as a spreadsheet would (tests/fixtures/variations/make.py), each copy
    under a project code of its own. Copies of one form would not do: a report printing a form twice
    is refused."""
    sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "variations"))
    import make
    from reportlab.pdfgen import canvas

    truths = [t for p in sorted((ROOT / "tests" / "fixtures" / "corpus" / "truth").glob("*.json"))
              if "defect" not in (t := json.loads(p.read_text(encoding="utf-8")))]
    c = canvas.Canvas(str(out), pagesize=(make.PAGE_W, make.PAGE_H), invariant=1)
    forms = 0
    while c.getPageNumber() - 1 < pages:
        t = dict(truths[forms % len(truths)])
        t["project_code"] = f"9{forms:08d}{t['project_code'][9:]}"
        make.Sheet(t, {}).draw_on(c)
        forms += 1
    done = c.getPageNumber() - 1
    c.save()
    return done, forms


def inbox_files(n: int = 52) -> list[Path]:
    """data/samples plus an even spread of the fixture corpus (every layout and template, scans
    included: they are refused), `n` files in all."""
    samples = sorted((ROOT / "data" / "samples").glob("*.pdf"))
    corpus = sorted(CORPUS.glob("*/*.pdf"))
    step = max(1, len(corpus) // max(1, n - len(samples)))
    return samples + corpus[::step][: n - len(samples)]


def dagster_inbox(pdfs: list[Path], work: Path, interval: int = 10, runs: str = "batch") -> dict:
    """From dropping `pdfs` into the inbox of a running `dagster dev` (webserver and daemon up, the
    sensor ticking every `interval` s) to the last run the sensor asked for finished, every report in
    the published warehouse. `runs`: the sensor's $JIXIAO_INBOX_RUNS."""
    import duckdb
    import requests

    from dagster import DagsterInstance, DagsterRunStatus

    home, inbox, wh = work / "dagster", work / "inbox", work / "warehouse.duckdb"
    home.mkdir(parents=True)
    inbox.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DAGSTER_HOME": str(home), "JIXIAO_INBOX": str(inbox),
           "JIXIAO_QUARANTINE": str(work / "quarantine"), "JIXIAO_DOCS": str(work / "docs"),
           "JIXIAO_WAREHOUSE": str(wh), "JIXIAO_SENSOR_SECONDS": str(interval), "JIXIAO_INBOX_RUNS": runs}
    server = subprocess.Popen([str(Path(PY).with_name("dagster")), "dev", "-m", "assets.definitions",
                               "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    finished = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
    want = len({sha for sha in map(_sha256, pdfs)})
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(1)
        time.sleep(2 * interval + 5)  # the daemon up and the sensor's first ticks done on an empty inbox
        started = time.perf_counter()
        for p in pdfs:
            (inbox / p.parent.name).mkdir(exist_ok=True)
            shutil.copy(p, inbox / p.parent.name / p.name)
        os.environ["DAGSTER_HOME"] = str(home)  # dagster.yaml names its storage by $DAGSTER_HOME
        with DagsterInstance.from_config(str(home)) as instance:
            while time.perf_counter() - started < 3600:
                done = 0
                if wh.exists():
                    try:
                        with duckdb.connect(str(wh), read_only=True) as con:
                            done = con.execute("SELECT count(*) FROM dim_report").fetchone()[0]
                    except duckdb.Error:
                        pass
                runs_seen = instance.get_runs()
                if done >= want and runs_seen and all(r.status in finished for r in runs_seen):
                    return {"seconds": round(time.perf_counter() - started, 1), "runs": len(runs_seen),
                            "reports": done, "sensor_interval_s": interval,
                            "sensor_ticks_apart_s": _tick_gaps(instance)}
                time.sleep(0.5)
        raise TimeoutError("the Dagster path did not finish within an hour")
    finally:
        os.killpg(server.pid, signal.SIGKILL)  # `dagster dev` ignores SIGTERM; the group is ours
        server.wait()


def _tick_gaps(instance) -> list[float]:
    """Seconds between the inbox sensor's successive ticks: its real interval, which the daemon's
    5 s loop rounds up."""
    (state,) = [s for s in instance.all_instigator_state() if s.instigator_name == "inbox_sensor"]
    ticks = sorted(t.timestamp for t in instance.get_ticks(state.instigator_origin_id, state.selector_id))
    return [round(b - a, 1) for a, b in zip(ticks, ticks[1:])]


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, nargs="*", default=[1000, 10000],
                    help="bundle sizes for the peak-RSS runs (default: 1000 10000)")
    ap.add_argument("--dagster", action="store_true", help="also time the Dagster inbox path")
    ap.add_argument("--dagster-files", type=int, default=52, help="files dropped in the inbox (default 52)")
    ap.add_argument("--dagster-runs", nargs="*", default=["batch"], choices=["batch", "report"],
                    help="the sensor's runs to time: one per tick (batch, default) and/or one per report")
    ap.add_argument("--dagster-only", action="store_true", help="only the Dagster-vs-CLI figures")
    ap.add_argument("--skip-camelot", action="store_true")
    ap.add_argument("--files", type=int, default=0,
                    help="read an even spread of this many corpus PDFs, not all (a busy machine)")
    ap.add_argument("--bundles-only", action="store_true", help="only the peak-RSS runs of --pages")
    args = ap.parse_args()
    pdfs = corpus_pdfs()
    if args.files:
        pdfs = pdfs[:: max(1, len(pdfs) // args.files)][:args.files]
    pages = 0 if args.dagster_only or args.bundles_only else pages_of(pdfs)
    figures: dict[str, object] = {"cores": os.cpu_count()} if args.dagster_only else {
        "pdfs": len(pdfs), "pages": pages, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not (args.dagster_only or args.bundles_only):
            wh = tmp / "w.duckdb"
            memory: dict = {}
            cpu: dict = {}
            s, _, r = timed([*JIXIAO, "ingest", *map(str, pdfs), "-q", "--warehouse", str(wh),
                             "--quarantine", str(tmp / "q")], memory=cpu, sample=False)
            assert r.returncode == 0, r.stderr
            floor_s, floor_cpu = floor(pdfs)
            figures["floor"] = {"seconds": round(floor_s, 2), "cpu_s": round(floor_cpu, 2),
                                "pages_per_s": round(pages / floor_s, 1)}
            figures["ingest_over_floor"] = {"wall": round(s / floor_s, 2), "cpu": round(cpu["cpu_s"] / floor_cpu, 2)}
            extract_cpu: dict = {}
            es, _, r = timed([*JIXIAO, "extract", *map(str, pdfs)], memory=extract_cpu, sample=False)
            figures["extract"] = {"seconds": round(es, 1), "pages_per_s": round(pages / es, 1), **extract_cpu,
                                  "over_floor_wall": round(es / floor_s, 2),
                                  "over_floor_cpu": round(extract_cpu["cpu_s"] / floor_cpu, 2)}
            _, mb, r = timed([*JIXIAO, "ingest", *map(str, pdfs), "-q", "--warehouse", str(tmp / "m.duckdb"),
                              "--quarantine", str(tmp / "q")], memory=memory)  # the same, sampled
            figures["ingest"] = {"seconds": round(s, 1), "pages_per_s": round(pages / s, 1), "peak_mb": round(mb),
                                 **memory, "cpu_s": cpu["cpu_s"]}
            s, mb, r = timed([*JIXIAO, "ingest", *map(str, pdfs), "-q", "--warehouse", str(wh)], sample=False)
            figures["noop_rerun"] = {"seconds": round(s, 2)}
            few = pdfs[:: max(1, len(pdfs) // 26)][:26]  # the issue's yardstick for the bundles' memory
            memory = {}
            s, mb, r = timed([*JIXIAO, "ingest", *map(str, few), "-q", "--warehouse", str(tmp / "few.duckdb"),
                              "--quarantine", str(tmp / "q")], memory=memory)
            figures["ingest_26_files"] = {"seconds": round(s, 1), "peak_mb": round(mb), **memory}
            if not args.skip_camelot:
                camelot_cpu: dict = {}
                s, mb, r = timed([PY, "-c", CAMELOT_LOOP, *map(str, pdfs)], memory=camelot_cpu, sample=False)
                figures["camelot_loop"] = {"seconds": round(s, 1), "pages_per_s": round(pages / s, 1), **camelot_cpu}
                figures["ratio"] = round(figures["camelot_loop"]["seconds"] / figures["ingest"]["seconds"], 2)
                figures["ratio_cpu"] = round(camelot_cpu["cpu_s"] / cpu["cpu_s"], 2)
        for n in ([] if args.dagster_only else args.pages):
            big = tmp / f"bundle-{n}.pdf"
            got, forms = bundle(n, big)
            memory: dict = {}
            s, mb, r = timed([*JIXIAO, "ingest", str(big), "-q", "--warehouse", str(tmp / f"b{n}.duckdb"),
                              "--quarantine", str(tmp / "q")], memory=memory)
            figures[f"bundle_{got}_pages"] = {"forms": forms, "seconds": round(s, 1), "peak_mb": round(mb),
                                              **memory,
                                              "exit": r.returncode, "pages_per_s": round(got / s, 1),
                                              "said": r.stderr.strip().splitlines()[-1:]}
            big.unlink()
        if args.dagster or args.dagster_only:
            files = inbox_files(args.dagster_files)
            s, _, r = timed([*JIXIAO, "ingest", *map(str, files), "-q", "--warehouse", str(tmp / "cli.duckdb"),
                             "--quarantine", str(tmp / "cli-q")], sample=False)
            figures["inbox_files"] = len(files)
            figures["cli_seconds"] = round(s, 1)
            for runs in args.dagster_runs:
                got = dagster_inbox(files, tmp / f"dg-{runs}", runs=runs)
                figures[f"dagster_{runs}"] = {**got, "vs_cli": round(got["seconds"] / s, 2)}
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
