"""Looks of our own printed by LibreOffice, for measuring the reader on producers it was never tuned on
(issue 21): the corpus workbooks and documents of a variant converted to PDF by `soffice` (Calc for
.xlsx, Writer for .docx), as a unit printing its spreadsheet or Word file would; and (`--html`) the
corpus web pages opened in Writer and printed, their tables given `border="1"` (Writer ignores the
pages' CSS borders), as a unit printing the form from its web site with a word processor would: rows
broken across pages, numbers wrapped in narrow cells, another layout of the same HTML than a browser's.

    python bench/make_lo_looks.py CORPUS OUT [--variants yunnan langfang hubei luohu central]

CORPUS is a corpus folder holding xlsx/ and docx/ (the shared corpus; tests/fixtures/corpus holds only
some of them). Each <code>.<variant>.xlsx / .docx becomes OUT/<half>/lo-<kind>[-<variant>]/<code>.<variant>.pdf:
another producer than the corpus PDFs (reportlab), other fonts (LibreOffice's substitutes), Writer's
Asian/Latin autospace, table rows and merged cells cut by page breaks. Files are split in two halves by
their sorted order within each variant and kind (even → tune, odd → held): rules are tuned on `tune`,
figures reported on `held` (bench/README.md). Needs LibreOffice (`soffice`); the PDFs are not
committed, except the few in tests/fixtures/libreoffice/ (tests/forms/test_libreoffice_looks.py).
The web pages' PDFs go to OUT/<half>/lo-html/, split by sorted order over all their files. With
`--restyle landscape|a5|ming`, the workbooks and documents are set up first as another unit would print
them (`restyled`: landscape A4 in other fonts, A5 with narrow cells, or Song and Kai faces): OUT/<half>/lo-xlsx-<restyle>/
and lo-docx-<restyle>/, looks measured, never tuned on.
Truth: tests/fixtures/corpus/truth[-<variant>]/<code>.json.
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

VARIANTS = ("yunnan", "langfang", "hubei", "luohu", "central")
NEW = ("yunnan", "langfang", "hubei")  # their PDFs share one folder per kind


def convert(files: list[Path], out: Path, *options: str) -> None:
    """Each file to PDF by LibreOffice, headless, with a profile of its own (no user settings)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}", *options,
                        "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
                       check=True, capture_output=True, timeout=1800)


def web_pages(corpus: Path, variants: list[str], out: Path) -> None:
    """The corpus web pages printed by Writer, their tables ruled by attribute."""
    files = sorted(p for v in variants for p in (corpus / "html").glob(f"*.{v}.html") if p.name[0].isdigit())
    with tempfile.TemporaryDirectory() as tmp:
        ruled = Path(tmp) / "html"
        ruled.mkdir()
        for src in files:
            page = re.sub(rb"<table(?![^>]*border=)", b'<table border="1" cellspacing="0" cellpadding="3"',
                          src.read_bytes(), flags=re.I)
            (ruled / src.name).write_bytes(page)
        convert(sorted(ruled.iterdir()), Path(tmp), "--infilter=HTML (StarWriter)")
        for i, src in enumerate(files):
            folder = out / ("tune" if i % 2 == 0 else "held") / "lo-html"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(Path(tmp) / f"{src.stem}.pdf", folder / f"{src.stem}.pdf")


def restyled(files: list[Path], out: Path, style: str) -> list[Path]:
    """Copies of the workbooks and documents as another unit would set them up to print (`--restyle`:
    looks no rule was tuned on). `landscape`: landscape A4, a workbook fitted to one page wide with
    every cell in Noto Sans Mono CJK SC, a document's every run in Noto Serif CJK SC. `a5`: A5
    portrait, a workbook fitted to the page's width, a document's tables as wide as the page with
    columns of equal width (cells narrow, text wrapped often) and every run in 8 pt Noto Sans CJK SC.
    `ming`: the paper as it was, a workbook's every cell in AR PL UMing CN (a Song face, as 宋体) one
    point larger, a document's every run in 11 pt AR PL UKai CN (a Kai face, as 楷体): other fonts'
    widths and ink, text wrapped where the corpus fonts fit (Debian fonts-arphic-uming, -ukai)."""
    made = []
    for src in files:
        (_restyle_xlsx if src.suffix == ".xlsx" else _restyle_docx)(src, out / src.name, style)
        made.append(out / src.name)
    return made


def _restyle_xlsx(src: Path, dst: Path, style: str) -> None:
    import openpyxl

    book = openpyxl.load_workbook(src)
    for sheet in book.worksheets:
        if style == "ming":
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        face = copy.copy(cell.font)
                        face.name, face.size = "AR PL UMing CN", (face.size or 10) + 1
                        cell.font = face
            continue
        sheet.page_setup.orientation = "landscape" if style == "landscape" else "portrait"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4 if style == "landscape" else sheet.PAPERSIZE_A5
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    face = copy.copy(cell.font)
                    face.name = "Noto Sans Mono CJK SC" if style == "landscape" else "Noto Sans CJK SC"
                    cell.font = face
    book.save(dst)


def _restyle_docx(src: Path, dst: Path, style: str) -> None:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = docx.Document(src)
    font = {"landscape": "Noto Serif CJK SC", "ming": "AR PL UKai CN"}.get(style, "Noto Sans CJK SC")
    for section in document.sections:
        if style == "ming":
            continue
        if style == "landscape":
            section.orientation = WD_ORIENT.LANDSCAPE
            if section.page_width < section.page_height:
                section.page_width, section.page_height = section.page_height, section.page_width
        else:
            section.page_width, section.page_height = Mm(148), Mm(210)
            section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Mm(10)

    def runs(container):
        for paragraph in container.paragraphs:
            yield from paragraph.runs
        for table in container.tables:
            if style == "a5":
                _fit(table, Mm(128), qn)
            for row in table.rows:
                for cell in row.cells:
                    yield from runs(cell)

    for run in runs(document):
        run.font.name = font
        if style in ("a5", "ming"):
            run.font.size = Pt(8 if style == "a5" else 11)
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    document.save(dst)


def _fit(table, width: int, qn) -> None:
    """The table as wide as the page (100%), its columns of equal width, no cell's own width kept."""
    props = table._tbl.tblPr
    for old in props.findall(qn("w:tblW")) + props.findall(qn("w:tblLayout")):
        props.remove(old)
    props.append(props.makeelement(qn("w:tblW"), {qn("w:w"): "5000", qn("w:type"): "pct"}))
    columns = table._tbl.tblGrid.findall(qn("w:gridCol"))
    for column in columns:
        column.set(qn("w:w"), str(int(width / 635 / len(columns))))  # EMU → twentieths of a point
    for own in list(table._tbl.iter(qn("w:tcW"))):
        own.getparent().remove(own)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    ap.add_argument("--html", action="store_true", help="the web pages printed by Writer, not the workbooks and documents")
    ap.add_argument("--restyle", choices=("landscape", "a5", "ming"),
                    help="set up first as another unit prints them (`restyled`): OUT/<half>/lo-<kind>-<restyle>/")
    args = ap.parse_args()
    if args.html:
        web_pages(args.corpus, args.variants, args.out)
        return 0
    for variant in args.variants:
        for kind in ("xlsx", "docx"):
            files = sorted(p for p in (args.corpus / kind).glob(f"*.{variant}.{kind}") if p.name[0].isdigit())
            if not files:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                if args.restyle:
                    (Path(tmp) / "src").mkdir()
                    convert(restyled(files, Path(tmp) / "src", args.restyle), Path(tmp))
                else:
                    convert(files, Path(tmp))
                for i, src in enumerate(files):
                    half = "tune" if i % 2 == 0 else "held"
                    folder = args.out / half / (f"lo-{kind}-{args.restyle}" if args.restyle else
                                                f"lo-{kind}" if variant in NEW else f"lo-{kind}-{variant}")
                    folder.mkdir(parents=True, exist_ok=True)
                    shutil.copy(Path(tmp) / f"{src.stem}.pdf", folder / f"{src.stem}.pdf")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
