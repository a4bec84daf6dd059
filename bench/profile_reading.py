"""In-process, steady-state reading against the pdfium floor (issue 25): a warm process reads every
corpus PDF (all looks of tests/fixtures/corpus/pdf but the scans) the way a worker does
(`ingest.read_report`: extract, then the frames), once to warm up and then again, timed; the floor
(`throughput.floor`) is measured in the same run on the same PDFs. Figures in bench/README.md.

    .venv/bin/python bench/profile_reading.py [--rounds N] [--profile] [--tree DIR] [--files N]

- `--rounds N`: the timed pass N times (CPU ms a page of each);
- `--steps`: one more pass with the reading's steps timed (CPU, inclusive: a step inside another
  counts in both), each wrapped in a timer: the shares without a profiler's overhead, which
  inflates Python-heavy steps 2–3 times;
- `--profile`: a cProfile of one more pass, its time split into the reading's steps (cumulative
  shares, as inflated by the profiler);
- `--tree DIR`: read with the `pipeline` of another checkout (an exported old commit), to compare
  old and new in one session, interleaved;
- `--out FILE`: the digest of every reading (forms and their frames, refusal or skipped tables)
  written there: the same digest before and after a change means the same output on every corpus PDF.

Nothing here is a test.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "pdf"
SCANS = ("scan", "scan-seal")

# (step, the functions whose cumulative time is the step's: (file name ending, function name))
STEPS = [
    ("page load (OpenPdf.page)", [("read/pdf.py", "page")]),
    ("inspect: text, images", [("read/pdf.py", "inspect")]),
    ("  untrusted (unicode map errors)", [("read/pdf.py", "untrusted")]),
    ("  playa object checks (_check_objects)", [("read/pdf.py", "_check_objects")]),
    ("scan (glyphs, lines, Camelot)", [("read/grids.py", "scan")]),
    ("  glyphs.chars (pdfium glyph calls)", [("read/glyphs.py", "chars")]),
    ("    clip paths (_clip_box)", [("read/glyphs.py", "_clip_box")]),
    ("  ruled_lines (path segments)", [("read/glyphs.py", "ruled_lines")]),
    ("  misdrawn", [("read/glyphs.py", "misdrawn")]),
    ("  runs / lines", [("read/glyphs.py", "runs")]),
    ("  Camelot joints + anchors", [("image_processing.py", "find_joints_from_lines"),
                                    ("lattice.py", "_compute_table_anchors")]),
    ("  Camelot tables (_tables)", [("read/grids.py", "_tables")]),
    ("  _cut_cells", [("read/grids.py", "_cut_cells")]),
    ("grids (Layer.grids: placement)", [("read/grids.py", "grids")]),
    ("  cell placement (_grid)", [("read/grids.py", "_grid")]),
    ("  glyphs.text", [("read/glyphs.py", "text")]),
    ("  _under", [("read/grids.py", "_under")]),
    ("forms_of (rows of each form, once)", [("forms/rows.py", "forms_of")]),
    ("read_forms (form reading)", [("forms/reader.py", "read_forms")]),
    ("check_held", [("read/held.py", "check_held")]),
    ("check_edges", [("read/held.py", "check_edges")]),
    ("facts.frames", [("facts/frames.py", "frames")]),
    ("count_pages", [("pipeline/extract.py", "count_pages")]),
    ("sha256", [("read/pdf.py", "sha256_of")]),
]


# (module, attribute, step) wrapped in a timer by --steps; the caller's name is wrapped where it
# imported the function by name
TIMED = [
    ("pipeline.extract", "count_pages", "count_pages"),
    ("pipeline.extract", "inspect", "inspect: text, images, object checks"),
    ("pipeline.read.pdf.OpenPdf", "page", "  page load (pdfium: page, text page)"),
    ("pipeline.read.pdf", "untrusted", "  untrusted (unicode map errors)"),
    ("pipeline.read.pdf", "_check_objects", "  playa object checks"),
    ("pipeline.extract", "scan", "scan: glyphs, ruled lines, Camelot"),
    ("pipeline.read.glyphs", "chars", "  glyphs.chars (pdfium glyph calls)"),
    ("pipeline.read.glyphs", "ruled_lines", "  ruled_lines (path segments)"),
    ("pipeline.read.glyphs", "misdrawn", "  misdrawn"),
    ("pipeline.read.glyphs", "runs", "  runs (and lines)"),
    ("camelot.image_processing", "find_joints_from_lines", "  Camelot: joints"),
    ("camelot.parsers.lattice.Lattice", "_compute_table_anchors", "  Camelot: anchors"),
    ("camelot.parsers.base.BaseParser", "_initialize_new_table", "  Camelot: tables"),
    ("camelot.parsers.lattice.Lattice", "_generate_columns_and_rows", "  Camelot: rows, columns"),
    ("camelot.core.Table", "set_edges", "  Camelot: drawn edges"),
    ("pipeline.read.grids", "_outline", "  Camelot tables to outlines"),
    ("pipeline.read.grids.Layer", "grids", "Layer.grids: cell placement"),
    ("pipeline.read.grids", "_grid", "  _grid"),
    ("pipeline.extract", "forms_of", "forms_of (rows of each form, once)"),
    ("pipeline.extract", "read_forms", "read_forms (form reading)"),
    ("pipeline.extract", "check_held", "check_held"),
    ("pipeline.extract", "check_edges", "check_edges"),
    ("pipeline.facts.frames", "frames", "facts.frames"),
]


def timed_steps(pdfs: list[Path]) -> tuple[float, dict[str, float]]:
    """CPU seconds of one pass, and of each step of `TIMED` in it."""
    import functools
    import importlib

    spent: dict[str, float] = {}
    undo = []
    for where, name, step in TIMED:
        try:
            owner = importlib.import_module(where)
        except ModuleNotFoundError:  # a class: pipeline.read.pdf.OpenPdf
            mod, _, cls = where.rpartition(".")
            owner = getattr(importlib.import_module(mod), cls)
        fn = getattr(owner, name, None)
        if fn is None:
            continue

        def timer(*a, _fn=fn, _step=step, **k):
            started = time.process_time()
            try:
                return _fn(*a, **k)
            finally:
                spent[_step] = spent.get(_step, 0.0) + time.process_time() - started

        setattr(owner, name, functools.wraps(fn)(timer))
        undo.append((owner, name, fn))
    try:
        cpu, _ = one_pass(pdfs)
    finally:
        for owner, name, fn in undo:
            setattr(owner, name, fn)
    return cpu, spent


def corpus_pdfs(files: int = 0) -> list[Path]:
    """Every text PDF of the fixture corpus (its scans are OCR's, bench/scans.py's), or an even spread."""
    pdfs = sorted(p for p in CORPUS.glob("*/*.pdf") if p.parent.name not in SCANS)
    return pdfs[:: max(1, len(pdfs) // files)][:files] if files else pdfs


def one_pass(pdfs: list[Path]) -> tuple[float, list[str]]:
    """CPU seconds of reading every PDF once as a worker does (`ingest.read_report`: the forms, then
    their frames), and a digest of each reading (its forms, their frames' schemas and rows, and the
    tables passed over; or its refusal)."""
    from pipeline.errors import ReportError
    from pipeline.extract import extract
    from pipeline.facts import frames

    digests, elapsed = [], 0.0
    for p in pdfs:
        skipped: list = []
        cpu = time.process_time()
        try:
            info, forms = extract(p, skipped=skipped)
            made = frames.frames(forms, file_path=str(p.absolute()), pages=info.pages)
            got = [[f.to_dict() for f in forms], _framed(made)]
        except ReportError as err:
            got = f"{type(err).__name__}: {err}"
        elapsed += time.process_time() - cpu
        text = json.dumps([got, skipped], ensure_ascii=False, sort_keys=True, default=str)
        digests.append(hashlib.sha256(text.encode()).hexdigest()[:16])
    return elapsed, digests


def _framed(made) -> list:
    """The frames of a reading as plain values (their schemas and rows; dim_report without its clock
    columns), for the digest: the same digest means the same frames too."""
    out = []
    for name in ("dim_report", "dim_form", "fact_fund_execution", "fact_indicator_result", "ocr_cell"):
        frame = getattr(made, name)
        if frame is not None and name == "dim_report":
            frame = frame.drop("ingested_at", "read_at")
        out.append(None if frame is None else [repr(frame.schema), repr(frame.rows())])
    return out


def shares(profile: cProfile.Profile) -> list[tuple[str, float, float]]:
    stats = pstats.Stats(profile)
    total = max(v[3] for v in stats.stats.values())  # the pass itself: the largest cumulative time
    out = []
    for step, funcs in STEPS:
        seconds = sum(ct for (file, _, fn), (_, _, _, ct, _) in stats.stats.items()
                      if any(file.endswith(f) and fn == name for f, name in funcs))
        out.append((step, seconds, seconds / total))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--steps", action="store_true")
    ap.add_argument("--gc", choices=["on", "freeze", "worker", "off"], default="on",
                    help="the timed passes with Python's cyclic GC as it is, after gc.freeze(), as a "
                         "worker sets it (`bounded._collector`), or off")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--dump", type=Path, help="with --profile: the cProfile stats written here")
    ap.add_argument("--tree", type=Path, help="import pipeline from this checkout")
    ap.add_argument("--files", type=int, default=0, help="an even spread of this many PDFs")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--out", type=Path, help="write each PDF's reading digest here (JSON)")
    args = ap.parse_args()
    sys.path.insert(0, str((args.tree or ROOT).resolve()))
    sys.path.insert(1, str(ROOT / "bench"))
    from throughput import floor
    from pypdf import PdfReader

    pdfs = corpus_pdfs(args.files)
    pages = sum(len(PdfReader(p).pages) for p in pdfs)
    figures: dict = {"tree": str(args.tree or ROOT), "pdfs": len(pdfs), "pages": pages}
    warm, digests = one_pass(pdfs)
    figures["first_pass_cpu_s"] = round(warm, 2)
    import gc
    if args.gc == "freeze":
        gc.freeze()
    elif args.gc == "worker":
        from pipeline.bounded import _collector
        _collector()
    elif args.gc == "off":
        gc.disable()
    figures["gc"] = args.gc
    timed = []
    for _ in range(args.rounds):
        cpu, again = one_pass(pdfs)
        assert again == digests, "a second reading differs from the first"
        timed.append(cpu)
    figures["cpu_ms_per_page"] = [round(1000 * c / pages, 2) for c in timed]
    if not args.no_floor:
        _, floor_cpu = floor(pdfs)
        figures["floor_cpu_ms_per_page"] = round(1000 * floor_cpu / pages, 2)
        figures["over_floor"] = [round(c / floor_cpu, 2) for c in timed]
    if args.out:
        args.out.write_text(json.dumps(dict(zip(map(str, pdfs), digests)), indent=0))
    print(json.dumps(figures, indent=1))
    if args.steps:
        cpu, spent = timed_steps(pdfs)
        print(f"{'whole pass':42s} {1000 * cpu / pages:7.2f} ms/page")
        for _, _, step in TIMED:
            if step in spent:
                print(f"{step:42s} {1000 * spent[step] / pages:7.2f} ms/page {100 * spent[step] / cpu:5.1f}%")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        one_pass(pdfs)
        profile.disable()
        for step, seconds, share in shares(profile):
            print(f"{step:42s} {1000 * seconds / pages:7.2f} ms/page {100 * share:5.1f}%")
        if args.dump:
            profile.dump_stats(args.dump)


if __name__ == "__main__":
    main()
