"""The reading with CPython's garbage collector thresholds against a worker's (issue 25, round 9),
in ONE process, each PDF read under both back to back, the order swapped each round: on a shared,
busy machine two processes timed one after the other differ by ±15%, here both meet the same load.

    .venv/bin/python bench/ab_gc.py [--rounds N] [--files N] [--young N ...]

Every corpus text PDF (`profile_reading.corpus_pdfs`) is read as a worker reads it (extract, then
the frames) once to warm up, the process's imports set aside (`gc.freeze`, as every worker does);
then each round reads each PDF once with the youngest generation collected after 700 objects
(CPython's default) and once after each `--young` (default: `bounded.YOUNG`, what a worker sets),
the two older generations as CPython sets them. CPU ms a page of each, and each against 700; and
the collections of each generation, their CPU and what they freed, in the last round. Nothing here
is a test.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--files", type=int, default=0, help="an even spread of this many PDFs")
    ap.add_argument("--young", type=int, nargs="*", help="thresholds of the youngest generation to try")
    args = ap.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from profile_reading import corpus_pdfs
    from pypdf import PdfReader

    from pipeline.bounded import YOUNG
    from pipeline.errors import ReportError
    from pipeline.extract import extract
    from pipeline.facts.frames import frames

    def read(pdf: Path) -> float:
        cpu = time.process_time()
        try:
            info, forms = extract(pdf, skipped=[])
            frames(forms, file_path=str(pdf.absolute()), pages=info.pages)
        except ReportError:
            pass
        return time.process_time() - cpu

    pdfs = corpus_pdfs(args.files)
    pages = sum(len(PdfReader(p).pages) for p in pdfs)
    for p in pdfs:
        read(p)
    gc.freeze()
    rest = gc.get_threshold()[1:]
    sides = [700, *(args.young or [YOUNG])]
    collected: dict[int, dict[int, list[float]]] = {}
    started = [0.0]

    def count(side: int):
        def hook(phase: str, info: dict) -> None:
            if phase == "start":
                started[0] = time.process_time()
            else:
                seen = collected.setdefault(side, {}).setdefault(info["generation"], [0, 0.0, 0])
                seen[0] += 1
                seen[1] += time.process_time() - started[0]
                seen[2] += info["collected"]
        return hook

    total = dict.fromkeys(sides, 0.0)
    print(f"{len(pdfs)} PDFs, {pages} pages; the youngest generation collected after {sides} objects", flush=True)
    for r in range(args.rounds):
        spent = dict.fromkeys(sides, 0.0)
        at, load = time.strftime("%H:%M:%S", time.gmtime()), Path("/proc/loadavg").read_text().split()[0]
        last = r == args.rounds - 1
        collected.clear()
        for p in pdfs:
            for side in (sides if r % 2 == 0 else sides[::-1]):
                gc.set_threshold(side, *rest)
                hook = count(side)
                if last:
                    gc.callbacks.append(hook)
                spent[side] += read(p)
                if last:
                    gc.callbacks.remove(hook)
        gc.set_threshold(700, *rest)
        for side in sides:
            total[side] += spent[side]
        print(f"round {r + 1} ({at} UTC, load {load}): " + ", ".join(
            f"{side}: {1000 * spent[side] / pages:.2f} CPU-ms a page ({spent[side] / spent[700]:.3f})"
            for side in sides), flush=True)
    print("all rounds: " + ", ".join(f"{side}: {1000 * total[side] / pages / args.rounds:.2f} CPU-ms a page "
                                     f"({total[side] / total[700]:.3f})" for side in sides))
    for side in sides:
        print(f"collections in the last round, after {side}: " + "; ".join(
            f"generation {g}: {n} ({1000 * cpu / pages:.3f} CPU-ms a page, {freed} objects freed)"
            for g, (n, cpu, freed) in sorted(collected.get(side, {}).items())))


if __name__ == "__main__":
    main()
