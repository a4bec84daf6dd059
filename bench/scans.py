"""Scanned reports (issue 12): pages/s of OCR in the worker pool, and what the checks let through.

    .venv/bin/python bench/scans.py [--workers N] [--read page,cells] [PDF...]
                                     (default: tests/fixtures/corpus/pdf/scan*/)

Each PDF is read as `jixiao ingest` reads it (pipeline.bounded worker pool, `extract`, then the
frames with their OCR status), timed wall-clock for the whole batch and in CPU seconds of the
workers' `extract` (every thread; a busy machine slows the wall clock, not this). `--read` takes
the ways of reading a page to measure one after the other in the same run (`$JIXIAO_OCR_READ`). Per form: fields exact against
its truth file (tools.compare, as bench/accuracy.py scores them), its status (ocr_verified /
ocr_unverified) and the rules that failed, how many of the numbers the checks cover are wrong, and
each field read wrong (got != truth: two readings compared field by field).
The figure that matters: wrong numbers on verified forms (must be 0); beside it the targets and
actuals read wrong on verified forms (no rule covers them: only their second read and the sign check). Figures in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pypdfium2 as pdfium  # noqa: E402

from pipeline import bounded  # noqa: E402
from tools import compare
from pipeline.facts import frames as facts
from pipeline.errors import ReportError  # noqa: E402
from pipeline.extract import extract  # noqa: E402

TRUTH = ROOT / "tests" / "fixtures" / "corpus" / "truth"


def truth_of(pdf: Path) -> Path:
    """A PDF's truth file: `truth-<variant>/` where its name says a variant with truth of its own
    ("<code>.central.pdf"), else `truth/` (罗湖区's form, and the scans made of it)."""
    code, *rest = pdf.name.split(".")
    folder = TRUTH.parent / f"truth-{rest[0]}" if len(rest) > 1 else TRUTH
    return (folder if folder.is_dir() else TRUTH) / f"{code}.json"


def timed(pdf: Path, max_pages: int | None = None, read: str = "page") -> tuple[object, float]:
    """`extract` in a worker with $JIXIAO_OCR_READ set to `read` (the forkserver's workers do not see
    the bench's environment change), and the CPU seconds it took (every thread of the worker): its
    result or refusal, and the seconds. `read` may carry settings after colons, each VAR=value set
    for this read only ("cells:JIXIAO_OCR_MIN_WIDTH=8"), to measure a knob beside the default."""
    import os

    mode, *settings = read.split(":")
    env = {"JIXIAO_OCR_READ": mode, **dict(s.split("=", 1) for s in settings)}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    started = time.process_time()
    try:
        result = extract(pdf, max_pages=max_pages)
    except ReportError as exc:
        result = exc
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return result, time.process_time() - started


def measure(pdfs: list[Path], workers: int, read: str = "page") -> dict:
    started = time.perf_counter()
    results = list(bounded.run(partial(timed, read=read), pdfs, workers=workers,
                               limits=bounded.Limits(seconds=900), name=str))
    seconds = time.perf_counter() - started
    pages = read_pages = right = total = verified_wrong = verified_unchecked = 0
    cpu = 0.0
    forms, refused, per_pdf = [], [], []
    for pdf, outcome in results:
        if isinstance(outcome, ReportError):
            refused.append(str(outcome))
            continue
        result, spent = outcome
        cpu += spent
        per_pdf.append({"pdf": f"{pdf.parent.name}/{pdf.name}", "cpu_seconds": round(spent, 2),
                        "pages": None if isinstance(result, ReportError) else result[0].pages})
        if isinstance(result, ReportError):
            refused.append(str(result))
            read_pages += len(pdfium.PdfDocument(pdf))  # refused, but its pages' CPU was spent
            continue
        info, got = result
        pages += info.pages
        read_pages += info.pages
        try:
            frames = facts.frames(got, file_path=str(pdf), pages=info.pages)
        except ReportError as err:  # refused as ingest refuses it: at the frames (an amount not in 分)
            refused.append(str(err))
            continue
        for form, (status, failed) in zip(got, frames.dim_form.select("status", "ocr_failed_rules").iter_rows()):
            d = form.to_dict()
            want = json.loads(truth_of(pdf).read_text(encoding="utf-8"))
            r = sum(a for a, _ in compare.score(d, want).values())
            t = sum(b for _, b in compare.score(d, want).values())
            right, total = right + r, total + t
            numbers, truth_numbers = compare.checked_numbers(d), compare.checked_numbers(want)
            wrong = [k for k, v in numbers.items() if v != truth_numbers.get(k)]
            # the targets and actuals, which no rule covers (only their second read checks them)
            unchecked = [f"indicators.{i}.{k}" for i, (a, b) in enumerate(zip(d["indicators"], want["indicators"]))
                         for k in ("target", "actual") if a.get(k) != b.get(k)]
            if status == "ocr_verified":
                verified_wrong += len(wrong)
                verified_unchecked += len(unchecked)
            forms.append({"pdf": f"{pdf.parent.name}/{pdf.name}", "status": status, "failed_rules": failed,
                          "fields": f"{r}/{t}", "wrong_numbers": wrong, "wrong_targets_actuals": unchecked,
                          "differences": compare.differences(d, want)})
    return {
        "read": read, "workers": workers, "pdfs": len(pdfs), "pages": pages, "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1), "cpu_seconds_per_page": round(cpu / read_pages, 2) if read_pages else None,
        "pages_per_second": round(pages / seconds, 3) if seconds else None,
        "seconds_per_page": round(seconds / pages, 1) if pages else None,
        "fields": total, "accuracy": right / total if total else None,
        "verified": sum(f["status"] == "ocr_verified" for f in forms),
        "unverified": sum(f["status"] == "ocr_unverified" for f in forms),
        "wrong_numbers_on_verified_forms": verified_wrong,
        "wrong_targets_actuals_on_verified_forms": verified_unchecked,
        "forms": forms, "refused": refused, "per_pdf": per_pdf,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("--workers", type=int, default=bounded.default_workers())
    ap.add_argument("--read", default="page",
                    help="how pages are read, a comma list measured in turn in this run: page (the detector "
                         "over the page), cells (recognition only, by the ruling); $JIXIAO_OCR_READ. Each "
                         "may carry :VAR=value settings for its run alone (cells:JIXIAO_OCR_MIN_WIDTH=8)")
    args = ap.parse_args()
    pdfs = args.pdfs or sorted((ROOT / "tests" / "fixtures" / "corpus" / "pdf").glob("scan*/*.pdf"))
    runs = [measure(pdfs, args.workers, read) for read in args.read.split(",")]
    print(json.dumps(runs[0] if len(runs) == 1 else runs, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
