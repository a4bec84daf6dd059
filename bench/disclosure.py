"""A whole 部门决算 disclosure against its form pages alone (issue 20, item 1): what the pages that are
not forms cost. Figures in bench/README.md ("Disclosures").

    .venv/bin/python bench/disclosure.py [--repeat 3]

The disclosure is made here, as units publish it: a cover, a 目录, pages of narrative text, the
公开01–09 tables (ruled, with numbers, no form labels), a 项目支出绩效自评结果汇总表, a
项目支出绩效目标表, two 部门整体 tables, then the forms (corpus PDFs, 2 layouts). The same forms alone
are the baseline. Both are read in this process by `pipeline.extract.extract` (best of --repeat runs);
the forms must come out the same, and every non-form table must be listed as passed over.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "forms")]

from _tables import joined, tables_pdf, text_pages  # noqa: E402

from pipeline.extract import extract  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpus" / "pdf"
FORMS = sorted((CORPUS / "central").glob("*.pdf"))[:10] + sorted((CORPUS / "xlsx").glob("*.pdf"))[:10]


def _public_table(n: int) -> tuple[list[str], list[list[str | None]]]:
    head = ["项目", "年初预算数", "调整预算数", "决算数", "决算数为预算数的%"]
    return ([f"公开{n:02d}表", "收入支出决算表", "单位：万元"],
            [head] + [[f"{k}.科目{n}{k}", f"{100 + k}.00", f"{110 + k}.00", f"{105 + k}.50", f"{95 + k % 5}.45"]
                      for k in range(1, 16)])


def build(directory: Path) -> tuple[Path, Path, int]:
    """(the disclosure, its forms alone, how many pages are not forms)."""
    from test_not_forms import DEPARTMENT, SUMMARY, TARGETS

    front = [text_pages(directory / "front.pdf", ["2023年度部门决算", "目录"] + [f"第{k}部分 部门概况" for k in range(1, 9)])]
    tables = [tables_pdf(directory / f"public{n}.pdf", [_public_table(n)]) for n in range(1, 10)]
    others = [tables_pdf(directory / "others.pdf", [SUMMARY, TARGETS, DEPARTMENT, DEPARTMENT])]
    disclosure = joined(directory / "disclosure.pdf", front + tables + others + FORMS)
    alone = joined(directory / "forms.pdf", FORMS)
    return disclosure, alone, 10 + 9 + 4


def _pages(pdf: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def _timed(pdf: Path, repeat: int) -> tuple[float, list, list]:
    best, forms, skipped = float("inf"), [], []
    for _ in range(repeat):
        skipped = []
        start = time.perf_counter()
        forms = extract(pdf, skipped=skipped)[1]
        best = min(best, time.perf_counter() - start)
    return best, forms, skipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        disclosure, alone, other_pages = build(Path(tmp))
        t_all, forms_all, skipped = _timed(disclosure, args.repeat)
        t_forms, forms_alone, _ = _timed(alone, args.repeat)
        n_all, n_forms = _pages(disclosure), _pages(alone)
        for name in ("front", "public1", "others"):  # each kind of page that is not a form, alone
            pdf = Path(tmp) / f"{name}.pdf"
            start = time.perf_counter()
            try:
                extract(pdf)
            except Exception:  # noqa: BLE001 - no form in it: refused, as it should be
                pass
            spent = time.perf_counter() - start
            print(f"  {name}: {_pages(pdf)} pages, {spent / _pages(pdf) * 1000:.0f} ms a page")
    from tools.compare import differences

    same = len(forms_all) == len(forms_alone) and all(
        differences(a.to_dict(), b.to_dict()) == [] for a, b in zip(forms_all, forms_alone))
    print(f"disclosure: {n_all} pages ({other_pages} not forms), {len(forms_all)} forms, {t_all:.2f} s, "
          f"{n_all / t_all:.1f} pages/s")
    print(f"forms alone: {n_forms} pages, {len(forms_alone)} forms, {t_forms:.2f} s, {n_forms / t_forms:.1f} pages/s")
    print(f"the {other_pages} other pages cost {t_all - t_forms:.2f} s "
          f"({(t_all - t_forms) / other_pages * 1000:.0f} ms a page); forms the same: {same}")
    print("passed over: " + "; ".join(f"page {p}: {why.split(':')[0]}" for p, why in skipped))
    return 0 if same and len(skipped) >= 4 else 1


if __name__ == "__main__":
    sys.exit(main())
