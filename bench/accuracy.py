"""Field accuracy of `jixiao extract` against truth files: per field group and overall.

    python bench/accuracy.py TRUTH_DIR PDF... [--engine vector|combined] [--json]

A one-form PDF is matched to the truth file of its name (<name>.<layout>.pdf → <name>.json), a
bundle's forms to truth files by project code; a truth form missing from the output counts
every one of its fields as wrong; a PDF that is refused (scan, ...) is listed, not scored.
Layouts are named by folder; a PDF rewritten by another producer (<name>.<layout>.<producer>.pdf,
in a folder per producer) by producer and layout: cairo/xlsx, ghostscript/xlsx.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.compare import score  # noqa: E402
from pipeline.errors import ReportError  # noqa: E402
from pipeline.extract import extract  # noqa: E402


def layout_of(pdf: Path) -> str:
    parts = pdf.name.split(".")
    return f"{pdf.parent.name}/{parts[1]}" if len(parts) > 3 else pdf.parent.name


def measure(truth_dir: Path, pdfs: list[Path], engine: str = "vector") -> dict:
    truths = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in truth_dir.glob("*.json")}
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    layouts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    refused, pages, seconds, wrong = [], 0, 0.0, []
    for pdf in pdfs:
        started = time.perf_counter()
        try:
            info, forms = extract(pdf, engine=engine)
        except ReportError as err:
            refused.append(str(err))
            continue
        seconds += time.perf_counter() - started
        pages += info.pages
        got = {f.project_code: f.to_dict() for f in forms}
        layout = layout_of(pdf)
        codes = [c for c in got if c in truths] if len(forms) > 1 else [pdf.name.split(".")[0]]
        for code in codes:
            want = truths[code]
            for group, (right, total) in score(got.get(want["project_code"]), want).items():
                groups[group][0] += right
                groups[group][1] += total
                layouts[layout][0] += right
                layouts[layout][1] += total
                if right != total:
                    wrong.append(f"{layout}/{code}: {group} {right}/{total}")
    right = sum(r for r, _ in groups.values())
    total = sum(t for _, t in groups.values())
    return {
        "engine": engine,
        "overall": right / total if total else 0.0,
        "groups": {g: r / t for g, (r, t) in sorted(groups.items())},
        "layouts": {name: r / t for name, (r, t) in sorted(layouts.items())},
        "fields": total, "wrong": wrong, "refused": refused,
        "pages": pages, "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 2) if seconds else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("truth_dir", type=Path)
    ap.add_argument("pdfs", nargs="+", type=Path)
    ap.add_argument("--engine", default="vector", choices=["vector", "combined", "raster"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = measure(args.truth_dir, args.pdfs, args.engine)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"engine {result['engine']}: {result['fields']} fields, overall {result['overall']:.4%}, "
          f"{result['pages']} pages in {result['seconds']} s ({result['pages_per_second']} pages/s)")
    for name, acc in {**result["groups"], **result["layouts"]}.items():
        print(f"  {name:<16} {acc:.4%}")
    for line in result["wrong"]:
        print(f"  wrong: {line}")
    for line in result["refused"]:
        print(f"  refused: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
