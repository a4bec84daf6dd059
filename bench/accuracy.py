"""Field accuracy of `jixiao extract` against truth files: per field group, template and layout.

    python bench/accuracy.py TRUTH_DIR... PDF... [--engine vector|combined] [--json]

Arguments that are folders are truth folders (tests/fixtures/corpus/truth, truth-central,
truth-sichuan …), the others PDFs. A one-form PDF is matched to the truth file of its name
(<name>.<layout>.pdf → <name>.json) printed from the template it was read by; a bundle's forms to
truth files by identity (template and 项目编码 and year, or where no code is printed 项目名称, 实施单位
and year); a truth form missing from the output counts every one of its fields as wrong; a PDF that
is refused is listed, not scored. Scans (pdf/scan, pdf/scan-seal) are read by OCR and scored like
any layout; bench/scans.py adds their pages/s and what the checks let through. Figures come per field group, per template (of the
truth) and per layout (the PDF's folder; a PDF rewritten by another producer,
<name>.<layout>.<producer>.pdf in a folder per producer, by producer and layout: cairo/xlsx). Per layout
too: the fields flagged `may_be_cut` (text a spreadsheet program may have cut at its row), how many of
them are wrong, and how many wrong fields carry no flag; a wrong field's line says how many are flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.compare import may_be_cut, score, wrong as wrong_fields  # noqa: E402
from pipeline.errors import ReportError  # noqa: E402
from pipeline.extract import extract  # noqa: E402


def layout_of(pdf: Path) -> str:
    parts = pdf.name.split(".")
    return f"{pdf.parent.name}/{parts[1]}" if len(parts) > 3 else pdf.parent.name


def identity(form: dict) -> tuple:
    """What names one form across templates: its code where printed, else name, unit and year."""
    template = form.get("template", "luohu")
    if form.get("project_code"):
        return (template, form["project_code"], form["year"])
    return (template, form.get("project_name"), form.get("implementing_unit"), form["year"])


def measure(truth_dirs: Path | Iterable[Path], pdfs: list[Path], engine: str = "vector") -> dict:
    dirs = [Path(truth_dirs)] if isinstance(truth_dirs, (str, Path)) else [Path(d) for d in truth_dirs]
    by_name: dict[str, list[dict]] = defaultdict(list)
    by_identity: dict[tuple, dict] = {}
    for folder in dirs:
        for p in sorted(folder.glob("*.json")):
            truth = json.loads(p.read_text(encoding="utf-8"))
            by_name[p.stem].append(truth)
            by_identity[identity(truth)] = truth
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    layouts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    templates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    refused, pages, seconds, wrong = [], 0, 0.0, []
    flags: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # layout → flagged, of them wrong, wrong unflagged
    for pdf in pdfs:
        started = time.perf_counter()
        try:
            info, forms = extract(pdf, engine=engine)
        except ReportError as err:
            refused.append(str(err))
            continue
        seconds += time.perf_counter() - started
        pages += info.pages
        got = [f.to_dict() for f in forms]
        if len(got) > 1:
            pairs = [(f, by_identity[identity(f)]) for f in got if identity(f) in by_identity]
        else:
            named = by_name.get(pdf.name.split(".")[0], [])
            same = [t for t in named if t.get("template", "luohu") == got[0]["template"]]
            want = (same or named or [by_identity.get(identity(got[0]))])[0]
            pairs = [(got[0] if same or not named else None, want)] if want else []
        for form, want in pairs:
            name = f"{layout_of(pdf)}/{want.get('project_code') or want.get('project_name')}"
            flagged, differ = may_be_cut(form) if form else set(), wrong_fields(form, want)
            flag = flags[layout_of(pdf)]
            flag[0] += len(flagged)
            flag[1] += len(flagged & differ)
            flag[2] += len(differ - flagged)
            for group, (right, total) in score(form, want).items():
                for tally in (groups[group], layouts[layout_of(pdf)], templates[want.get("template", "luohu")]):
                    tally[0] += right
                    tally[1] += total
                if right != total:
                    marked = sum(1 for g, _ in differ & flagged if g == group)
                    wrong.append(f"{name}: {group} {right}/{total}" + (f" ({marked} flagged may_be_cut)" if marked else ""))
    right = sum(r for r, _ in groups.values())
    total = sum(t for _, t in groups.values())
    return {
        "engine": engine,
        "overall": right / total if total else 0.0,
        "groups": {g: r / t for g, (r, t) in sorted(groups.items())},
        "templates": {name: r / t for name, (r, t) in sorted(templates.items())},
        "layouts": {name: r / t for name, (r, t) in sorted(layouts.items())},
        "fields": total, "wrong": wrong, "refused": refused,
        # per layout: fields flagged may_be_cut, how many of them are wrong, wrong fields not flagged
        "may_be_cut": {name: dict(zip(("flagged", "flagged_wrong", "wrong_unflagged"), t))
                       for name, t in sorted(flags.items())},
        "pages": pages, "seconds": round(seconds, 2),
        "pages_per_second": round(pages / seconds, 2) if seconds else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path, help="truth folders, then PDFs")
    ap.add_argument("--engine", default="vector", choices=["vector", "combined", "raster"])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    truth_dirs = [p for p in args.paths if p.is_dir()]
    pdfs = [p for p in args.paths if not p.is_dir()]
    if not truth_dirs or not pdfs:
        ap.error("give at least one truth folder and one PDF")
    result = measure(truth_dirs, pdfs, args.engine)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(f"engine {result['engine']}: {result['fields']} fields, overall {result['overall']:.4%}, "
          f"{result['pages']} pages in {result['seconds']} s ({result['pages_per_second']} pages/s)")
    for heading in ("groups", "templates", "layouts"):
        print(f" {heading}:")
        for name, acc in result[heading].items():
            print(f"  {name:<16} {acc:.4%}")
    print(" may_be_cut (flagged / of them wrong / wrong not flagged):")
    for name, t in result["may_be_cut"].items():
        print(f"  {name:<16} {t['flagged']} / {t['flagged_wrong']} / {t['wrong_unflagged']}")
    for line in result["wrong"]:
        print(f"  wrong: {line}")
    for line in result["refused"]:
        print(f"  refused: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
