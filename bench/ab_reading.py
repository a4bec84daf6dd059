"""Old and new reading in ONE process, each PDF read by both back to back (issue 25): on a shared,
busy machine two processes timed one after the other differ by ±15% whatever the code; here both
sides meet the same load, PDF by PDF, so the ratio holds where the absolute figures do not.

    .venv/bin/python bench/ab_reading.py OLD_TREE [--rounds N] [--files N]

OLD_TREE is a checkout or an exported commit (`git archive C | tar -x -C DIR`); its `pipeline` is
imported as another package (`abold`, through a symlink in a temporary directory: the package
imports itself relatively only), the new side is this tree's `pipeline`. Every corpus text PDF
(`profile_reading.corpus_pdfs`) is read once by each side as a worker does (extract, then the
frames) and the two readings compared (forms, frames, skipped tables, or the refusal): any
difference is printed. Then `--rounds` timed rounds, old and new per PDF in turn, the order swapped
each round, each side with the garbage collector thresholds its workers set (`bounded.YOUNG`);
CPU ms a page of each side and new/old. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", type=Path, help="the old tree (its pipeline/ is read as the old side)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--files", type=int, default=0, help="an even spread of this many PDFs")
    args = ap.parse_args()
    link = Path(tempfile.mkdtemp()) / "abold"
    link.symlink_to((args.old / "pipeline").resolve(), target_is_directory=True)
    sys.path[:0] = [str(ROOT), str(link.parent), str(ROOT / "bench")]
    from profile_reading import _framed, corpus_pdfs
    from pypdf import PdfReader

    sides, young = {}, {}
    for label, package in (("old", "abold"), ("new", "pipeline")):
        sides[label] = (importlib.import_module(package + ".extract").extract,
                        importlib.import_module(package + ".facts.frames").frames,
                        importlib.import_module(package + ".errors").ReportError)
        # the youngest generation's threshold its workers set (`bounded._collector`; 700, CPython's, before)
        young[label] = getattr(importlib.import_module(package + ".bounded"), "YOUNG", 700)
    rest = gc.get_threshold()[1:]

    def read(label: str, pdf: Path) -> tuple[float, str]:
        extract, frames, report_error = sides[label]
        gc.set_threshold(young[label], *rest)
        skipped: list = []
        cpu = time.process_time()
        try:
            info, forms = extract(pdf, skipped=skipped)
            made = frames(forms, file_path=str(pdf.absolute()), pages=info.pages)
            got = [[f.to_dict() for f in forms], _framed(made)]
        except report_error as err:
            got = f"{type(err).__name__}: {err}"
        spent = time.process_time() - cpu
        return spent, json.dumps([got, skipped], ensure_ascii=False, sort_keys=True, default=str)

    pdfs = corpus_pdfs(args.files)
    pages = sum(len(PdfReader(p).pages) for p in pdfs)
    differ = [p for p in pdfs if read("old", p)[1] != read("new", p)[1]]
    for p in differ:
        print("differs:", p)
    print(f"{len(pdfs)} PDFs, {pages} pages: {len(differ)} readings differ old/new", flush=True)
    gc.freeze()  # as a worker does (`bounded._collector`), each side then with its own thresholds
    total = {"old": 0.0, "new": 0.0}
    for r in range(args.rounds):
        spent = {"old": 0.0, "new": 0.0}
        order = ("old", "new") if r % 2 == 0 else ("new", "old")
        started, load = time.strftime("%H:%M:%S", time.gmtime()), Path("/proc/loadavg").read_text().split()[0]
        for p in pdfs:
            for label in order:
                spent[label] += read(label, p)[0]
        for label in total:
            total[label] += spent[label]
        print(f"round {r + 1} ({started} UTC, load {load}): old {1000 * spent['old'] / pages:.2f}, new "
              f"{1000 * spent['new'] / pages:.2f} CPU-ms a page, new/old {spent['new'] / spent['old']:.3f}",
              flush=True)
    print(f"all rounds: old {1000 * total['old'] / pages / args.rounds:.2f}, new "
          f"{1000 * total['new'] / pages / args.rounds:.2f} CPU-ms a page, new/old {total['new'] / total['old']:.3f}")


if __name__ == "__main__":
    main()
