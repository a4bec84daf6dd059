"""Where a scanned page's CPU goes, stage by stage (issue 22 item 3).

    .venv/bin/python bench/ocr_stages.py [--read page|cells] [PDF...]
                                          (default: tests/fixtures/corpus/pdf/scan*/)

Each PDF is read by `extract` in this process, one page at a time, on one thread, after a first
reading that loads the engine and the word list (a worker pays those once). cProfile, timed by the
process's CPU clock, gives each stage's inclusive seconds; the table is CPU-s a page. The profiler
slows Python more than onnxruntime, so the Python stages come out a little larger than they are.
Figures in bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# stage → the functions whose inclusive time it is (file suffix, function name)
STAGES = {
    "image: render, seal, deskew, flatten": [("ocr/image.py", f) for f in ("render", "ink", "deskew", "flatten")],
    "ruling: lines found, erased, tables": [("ocr/ruling.py", f) for f in ("strokes", "lines_of", "erase", "ruled_tables")],
    "detection (the engine's detector, `page`)": [("ch_ppocr_det/text_detect.py", "__call__")],
    "lines found and recognised (`read_lines` / `read_regions`)": [("ocr/recognise.py", "read_lines"),
                                                                  ("ocr/recognise.py", "read_regions")],
    "split reads (a line across a border, part by part)": [("ocr/recognise.py", "split_read")],
    "rereads (a cell with ink and no line)": [("ocr/recognise.py", "reread")],
    "second reads (targets and actuals)": [("ocr/recognise.py", "second_reads")],
    "placement and corrections (`cells.grid`)": [("ocr/cells.py", "grid")],
    "of all recognition: onnxruntime's recogniser": [("ch_ppocr_rec/text_recognize.py", "__call__")],
    "of all recognition: the word list's rescoring": [("ocr/words.py", "rescore_batch")],
    "of placement: label snapping (`corrections.snap`)": [("ocr/corrections.py", "snap")],
    "the whole `extract`": [("pipeline/extract.py", "extract")],
}
# inclusive times that hold others: reported without them
HOLDS = {"lines found and recognised (`read_lines` / `read_regions`)": ["detection (the engine's detector, `page`)"],
         "placement and corrections (`cells.grid`)": ["split reads (a line across a border, part by part)",
                                                      "rereads (a cell with ink and no line)"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--read", default="page", choices=("page", "cells"))
    args = ap.parse_args()
    os.environ["JIXIAO_OCR_READ"] = args.read
    os.environ["JIXIAO_OCR_PAGES_AT_ONCE"] = "1"
    import pypdfium2 as pdfium

    from pipeline.errors import ReportError
    from pipeline.extract import extract

    pdfs = args.pdfs or sorted((ROOT / "tests" / "fixtures" / "corpus" / "pdf").glob("scan*/*.pdf"))
    try:
        extract(pdfs[0])  # the engine and the word list loaded, as a worker has them after its first report
    except ReportError:
        pass
    prof, pages = cProfile.Profile(time.process_time), 0
    started = time.process_time()
    for pdf in pdfs:
        prof.enable()
        try:
            extract(pdf)
        except ReportError:  # a refused form's pages were read all the same
            pass
        finally:
            prof.disable()
        pages += len(pdfium.PdfDocument(pdf))
    cpu = time.process_time() - started
    stats = pstats.Stats(prof).stats
    seconds = {stage: sum(v[3] for (file, _, name), v in stats.items()
                          if any(file.endswith(f) and name == n for f, n in where))
               for stage, where in STAGES.items()}
    for stage, inside in HOLDS.items():
        seconds[stage] -= sum(seconds[s] for s in inside)
    whole = seconds["the whole `extract`"]
    seconds["the rest (the PDF opened, forms read from the grids)"] = whole - sum(
        s for stage, s in seconds.items() if not stage.startswith(("of ", "the whole")))
    print(f"{args.read}: {len(pdfs)} PDFs, {pages} pages, {cpu:.1f} CPU-s ({cpu / pages:.2f} a page, profiled)")
    for stage, s in seconds.items():
        print(f"  {stage:<62} {s / pages:6.3f}  {s / whole:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
