"""What playa's object checks (`pipeline.read.pdf._check_objects`) cost a page, and whether pdfium could
say which files need them (issue 25, item 2). Nothing here is a test.

    .venv/bin/python bench/object_checks.py [--rounds 3] [--mutants 600] [--seed 1] [--per-layout 8]

1. The checks on every corpus text PDF (`profile_reading.corpus_pdfs`), CPU ms a page, split by
   doing less each time: playa opening the file and listing its pages; then also resolving (parsing)
   every object the pages reach (`pdf._streams` without decoding); then everything (the streams
   decoded strictly, the form cycles, the log handler).
2. Each mutant (`tests/mutants.py`, bench/fuzz.py's kinds and sources) asked of pdfium
   (`mutants.pdfium_signals`: open, xref rebuilt, pages loading, unmapped characters) and judged
   by the checks. Those the checks refuse with pdfium silent, the files a pdfium-signalled check
   would let through, are read again without the checks in workers, as bench/fuzz.py reads them,
   and tallied: "wrong" is a reading that check would have let load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import mutants  # noqa: E402


def _read_unchecked(mutant_id: str, workdir: str) -> mutants.Outcome:
    """`mutants.read_mutant` with the object checks switched off (in a worker of its own)."""
    from pipeline.read import pdf

    pdf._check_objects = lambda path, pages=None: None
    return mutants.read_mutant(mutant_id, workdir)


def costs(rounds: int) -> None:
    import playa
    import pypdfium2 as pdfium
    from profile_reading import corpus_pdfs

    from pipeline.read import pdf

    pdfs = corpus_pdfs()
    pages = sum(len(pdfium.PdfDocument(str(p))) for p in pdfs)

    def listed(p: Path) -> None:
        doc = playa.open(p)
        list(doc.pages)
        doc.close()

    def resolved(p: Path) -> None:
        doc, seen = playa.open(p), set()
        for page in doc.pages:
            for _ in pdf._streams(page.attrs, seen):
                pass
        doc.close()

    for r in range(rounds):
        spent = {}
        for name, step in (("open and list pages", listed), ("and resolve", resolved),
                           ("all", pdf._check_objects)):
            cpu = time.process_time()
            for p in pdfs:
                step(p)
            spent[name] = 1000 * (time.process_time() - cpu) / pages
        load = Path("/proc/loadavg").read_text().split()[0]
        print(f"round {r + 1} (load {load}), {len(pdfs)} PDFs, {pages} pages, CPU ms a page: "
              f"all {spent['all']:.3f} = open and list pages {spent['open and list pages']:.3f} + "
              f"parse the objects {spent['and resolve'] - spent['open and list pages']:.3f} + "
              f"decode the streams and the rest {spent['all'] - spent['and resolve']:.3f}", flush=True)


def gate(count: int, seed: int, per_layout: int) -> None:
    from pipeline.errors import ReportError
    from pipeline.read import pdf

    ids = mutants.mutants(count, seed, mutants.sources(per_layout=per_layout))
    table: Counter = Counter()
    silent = []
    with tempfile.TemporaryDirectory() as workdir:
        for m in ids:
            path = Path(workdir) / m.source.name
            path.write_bytes(m.build()[0])
            said = bool(mutants.pdfium_signals(path))
            try:
                pdf._check_objects(path)
                refused = False
            except ReportError:
                refused = True
            table[(refused, said)] += 1
            if refused and not said:
                silent.append(m.id)
        outcomes = list(mutants.run(silent, workdir, reader=_read_unchecked))
    print(f"{count} mutants (seed {seed}, {per_layout} per layout): refused by the checks "
          f"{table[True, True] + table[True, False]}, of which pdfium said something of "
          f"{table[True, True]} and nothing of {table[True, False]}; passed by the checks "
          f"{table[False, True] + table[False, False]} (pdfium said something of {table[False, True]})")
    print(f"the {len(silent)} refused with pdfium silent, read without the checks: {mutants.tally(outcomes)}")
    for o in outcomes:
        if o.status not in mutants.PASSING:
            print(f"  {o.status} {o.mutant}: {o.detail[:160]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mutants", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--per-layout", type=int, default=8)
    args = ap.parse_args()
    if args.rounds:
        costs(args.rounds)
    if args.mutants:
        gate(args.mutants, args.seed, args.per_layout)


if __name__ == "__main__":
    main()
