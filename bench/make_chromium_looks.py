"""Looks of our own printed by a web browser (issue 21): the corpus HTML pages (a form as a unit's web
site publishes it, inside the site's banner, heading and footer) printed to PDF by headless Chromium,
as a user saving the page would. Another producer (Skia), other fonts, a web page's heading above the
form's title, and page breaks that cut rows and merged cells where a browser puts them.

    python bench/make_chromium_looks.py CORPUS OUT [--restyle landscape|a5|wqy]

CORPUS is a corpus folder holding html/ (the shared corpus). Each <code>.<variant>.html becomes
OUT/<half>/chr-html/<code>.<variant>.pdf, halves by sorted order within each variant (even → tune,
odd → held) as in bench/make_lo_looks.py: rules are tuned on `tune`, figures reported on `held`
(bench/README.md). Needs `chromium`; the PDFs are not committed, except the few in
tests/fixtures/chromium/ (tests/forms/test_chromium_looks.py). With `--restyle`, each page is
printed with a style of its own added (`RESTYLES`: landscape A4 in Noto Sans CJK SC at 11 pt, A5
in Noto Serif CJK SC at 9 pt, or WenQuanYi Zen Hei at 10.5 pt, letters spaced 0.05 em (Debian
fonts-wqy-zenhei)) into OUT/<half>/chr-html-<restyle>/: looks measured, never tuned on.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from pathlib import Path

# other units' prints of the same page: ASCII, so they go into a page of any charset as bytes
RESTYLES = {
    "landscape": b"<style>@page { size: A4 landscape; } body, table, td, th, p, div, span "
                 b"{ font-family: 'Noto Sans CJK SC' !important; font-size: 11pt !important; }</style>",
    "a5": b"<style>@page { size: A5; margin: 8mm; } body, table, td, th, p, div, span "
          b"{ font-family: 'Noto Serif CJK SC' !important; font-size: 9pt !important; }</style>",
    "wqy": b"<style>body, table, td, th, p, div, span { font-family: 'WenQuanYi Zen Hei' !important; "
           b"font-size: 10.5pt !important; letter-spacing: 0.05em; }</style>",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--restyle", choices=sorted(RESTYLES), help="print each page with that style added")
    args = ap.parse_args()
    pages = sorted(p for p in (args.corpus / "html").glob("*.html") if p.name[0].isdigit())
    variants = sorted({p.name.split(".")[1] for p in pages})
    look = f"chr-html-{args.restyle}" if args.restyle else "chr-html"
    with tempfile.TemporaryDirectory() as tmp:
        for variant in variants:
            for i, page in enumerate(p for p in pages if p.name.split(".")[1] == variant):
                out = args.out / ("tune" if i % 2 == 0 else "held") / look / f"{page.stem}.pdf"
                out.parent.mkdir(parents=True, exist_ok=True)
                if args.restyle:
                    styled = Path(tmp) / page.name
                    styled.write_bytes(re.sub(rb"(?i)</head>", RESTYLES[args.restyle] + b"</head>",
                                              page.read_bytes(), count=1))
                    page = styled
                subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                                f"--print-to-pdf={out}", page.resolve().as_uri()],
                               check=True, capture_output=True, timeout=120)
                print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
