"""What a small `jixiao ingest` pays besides its pages, old and new code interleaved (issue 25).

    .venv/bin/python bench/startup.py [--old TREE] [--rounds 3] [--files 26] [--all] [--compare]

Each round runs `jixiao ingest` of the same batch (an even spread of `--files` corpus PDFs, or the
whole fixture corpus with `--all`) with each tree (this one, and `--old`: an exported copy of an older
commit), into a fresh warehouse and into one already holding the rest of the corpus (copied from a
warehouse made once per tree), the trees' order swapped each round so both meet the same load. For
each run: wall seconds and the CPU seconds of the whole process tree (`throughput.TreeCpu`), split
by process: the CLI itself, the forkserver, the reading and counting workers, the rest (watchdogs,
the resource tracker). `--compare` also dumps every table of each tree's fresh warehouse, rows
sorted, and says whether they are equal (the clock columns, the run's paths and the
load sequence's timestamps left out).

Nothing here is a test: timings are read, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throughput import PY, TreeCpu, corpus_pdfs, pages_of  # noqa: E402


class ByProcess(TreeCpu):
    """`TreeCpu`, keeping each process's parent and command line to name its role."""

    def __init__(self, pid: int) -> None:
        self.roles: dict[int, str] = {}
        super().__init__(pid)

    _EVERY = 0.05

    def _sampled(self, pid: int, fields: list[str]) -> None:
        if pid not in self.roles:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            self.roles[pid] = _role(pid, self.pid, int(fields[1]), cmd, self.roles)

    def split(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for pid, cpu in self.seen.items():
            role = self.roles.get(pid, "other")
            out[role] = round(out.get(role, 0.0) + cpu, 2)
        return out


def _role(pid: int, root: int, parent: int, cmd: str, roles: dict[int, str]) -> str:
    if pid == root:
        return "cli"
    if roles.get(parent) in ("forkserver", "workers"):
        return "workers"  # readers, counters and their watchdogs (forked by the forkserver: its command line)
    if "forkserver" in cmd:
        return "forkserver"
    return "other"  # the resource tracker


def ingest(tree: Path, pdfs: list[Path], warehouse: Path, quarantine: Path) -> dict:
    cmd = [PY, "-m", "pipeline.cli", "ingest", *map(str, pdfs), "-q", "--warehouse", str(warehouse),
           "--quarantine", str(quarantine)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tree,
                            env={**os.environ, "PYTHONPATH": str(tree)})
    cpu = ByProcess(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    total = cpu.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{tree}: exit {proc.returncode}\n{err}")
    return {"seconds": round(seconds, 2), "cpu_s": round(total, 2), **cpu.split(), "exit": proc.returncode}


CLOCKS = {"ingested_at", "read_at", "checked_at", "source_path", "file_path"}


def dump(warehouse: Path) -> dict[str, list]:
    """Every table's rows, sorted, without the columns that differ run to run by design."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
        out = {}
        for table in sorted(tables):
            cols = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                "AND database_name = current_database()", [table]).fetchall() if c not in CLOCKS]
            quoted = ", ".join('"' + c + '"' for c in cols)
            rows = con.execute(f"SELECT {quoted} FROM {table}").fetchall()
            out[table] = sorted(map(repr, rows))
        return out
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, help="an exported copy of an older commit")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--files", type=int, default=26)
    ap.add_argument("--all", action="store_true", help="the whole fixture corpus (208 PDFs)")
    ap.add_argument("--no-filled", action="store_true", help="only into a fresh warehouse")
    ap.add_argument("--compare", action="store_true", help="compare the fresh warehouses' rows")
    args = ap.parse_args()
    everything = corpus_pdfs()
    pdfs = everything if args.all else everything[:: max(1, len(everything) // args.files)][:args.files]
    rest = [p for p in everything if p not in pdfs]
    here = Path(__file__).resolve().parent.parent
    trees = {"new": here, **({"old": args.old.resolve()} if args.old else {})}
    print(json.dumps({"pdfs": len(pdfs), "pages": pages_of(pdfs), "load": os.getloadavg()}), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        filled: dict[str, Path] = {}
        if not args.no_filled and rest:
            for name, tree in trees.items():  # the other reports, loaded once per tree
                base = tmp / f"filled-{name}" / "w.duckdb"
                base.parent.mkdir()
                ingest(tree, rest, base, tmp / "q")
                filled[name] = base.parent
        results: dict[str, list] = {}
        for n in range(args.rounds):
            order = list(trees) if n % 2 == 0 else list(reversed(trees))
            for kind in ("fresh", *(["filled"] if filled else [])):
                for name in order:
                    run = tmp / f"{name}-{kind}-{n}"
                    if kind == "filled":
                        shutil.copytree(filled[name], run)
                    else:
                        run.mkdir()
                    got = ingest(trees[name], pdfs, run / "w.duckdb", tmp / "q")
                    got["load"] = round(os.getloadavg()[0], 1)
                    results.setdefault(f"{name} {kind}", []).append(got)
                    print(f"round {n} {kind:6} {name}: {json.dumps(got)}", flush=True)
        for key, runs in sorted(results.items()):
            mean = {k: round(sum(r[k] for r in runs) / len(runs), 2) for k in runs[0] if k not in ("exit", "load")
                    and all(k in r for r in runs)}
            print(f"mean {key}: {json.dumps(mean)}")
        if args.compare and "old" in trees:
            a, b = dump(tmp / "new-fresh-0" / "w.duckdb"), dump(tmp / "old-fresh-0" / "w.duckdb")
            same = {t: a.get(t) == b.get(t) for t in sorted(set(a) | set(b))}
            print("tables equal, rows sorted:", json.dumps({t: [s, len(a.get(t, []))] for t, s in same.items()}))


if __name__ == "__main__":
    main()
