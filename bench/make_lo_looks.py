"""Looks of our own printed by LibreOffice, for measuring the reader on producers it was never tuned on
(issue 21): the corpus workbooks and documents of a variant converted to PDF by `soffice` (Calc for
.xlsx, Writer for .docx), as a unit printing its spreadsheet or Word file would.

    python bench/make_lo_looks.py CORPUS OUT [--variants yunnan langfang hubei luohu central]

CORPUS is a corpus folder holding xlsx/ and docx/ (the shared corpus; tests/fixtures/corpus holds only
some of them). Each <code>.<variant>.xlsx / .docx becomes OUT/<half>/lo-<kind>[-<variant>]/<code>.<variant>.pdf:
another producer than the corpus PDFs (reportlab), other fonts (LibreOffice's substitutes), Writer's
Asian/Latin autospace, table rows and merged cells cut by page breaks. Files are split in two halves by
their sorted order within each variant and kind (even → tune, odd → held): rules are tuned on `tune`,
figures reported on `held` (bench/README.md). Needs LibreOffice (`soffice`); the PDFs are not
committed, except the few in tests/fixtures/libreoffice/ (tests/forms/test_libreoffice_looks.py).
Truth: tests/fixtures/corpus/truth[-<variant>]/<code>.json.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

VARIANTS = ("yunnan", "langfang", "hubei", "luohu", "central")
NEW = ("yunnan", "langfang", "hubei")  # their PDFs share one folder per kind


def convert(files: list[Path], out: Path) -> None:
    """Each file to PDF by LibreOffice, headless, with a profile of its own (no user settings)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}",
                        "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
                       check=True, capture_output=True, timeout=1800)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = ap.parse_args()
    for variant in args.variants:
        for kind in ("xlsx", "docx"):
            files = sorted(p for p in (args.corpus / kind).glob(f"*.{variant}.{kind}") if p.name[0].isdigit())
            if not files:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                convert(files, Path(tmp))
                for i, src in enumerate(files):
                    half = "tune" if i % 2 == 0 else "held"
                    folder = args.out / half / (f"lo-{kind}" if variant in NEW else f"lo-{kind}-{variant}")
                    folder.mkdir(parents=True, exist_ok=True)
                    shutil.copy(Path(tmp) / f"{src.stem}.pdf", folder / f"{src.stem}.pdf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
