"""Word documents (.docx, by python-docx) → `tables.Table`s: each table of the body, its merged cells
(gridSpan across, vMerge down) as regions, with the paragraphs printed between it and the table before.

A legacy binary .doc is not read: there is no well-kept reader for it without LibreOffice, so it is
refused (`tables.refuse_doc`) with the advice to save it as .docx.
"""

from __future__ import annotations

from pathlib import Path

from .tables import Table, clean


def read_docx(path: Path) -> list[Table]:
    import docx
    from docx.table import Table as DocxTable, _Cell
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out: list[Table] = []
    before: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            before += [line for line in clean(block.text).splitlines() if line]
            continue
        assert isinstance(block, DocxTable)
        cells: dict[tuple[int, int], str] = {}
        regions: dict[tuple[int, int], list[int]] = {}  # top-left → [row1, col1]
        bottom: dict[int, tuple[int, int]] = {}  # column → the region starting there that reaches lowest
        cols = 0
        for r, tr in enumerate(block._tbl.tr_lst):
            c = tr.grid_before
            for tc in tr.tc_lst:
                span = max(tc.grid_span, 1)
                above = bottom.get(c)
                if tc.vMerge == "continue" and above is not None and regions[above][0] == r - 1:
                    regions[above][0] = r
                else:
                    regions[r, c] = [r, c + span - 1]
                    bottom[c] = (r, c)
                    text = clean(_Cell(tc, block).text)
                    if text:
                        cells[r, c] = text
                c += span
            cols = max(cols, c + tr.grid_after)
        rows = len(block._tbl.tr_lst)
        if rows and cols and cells:
            merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in regions.items() if (r1, c1) != (r0, c0))
            out.append(Table(cells=cells, merged=merged, rows=rows, cols=cols, before=tuple(before),
                             index=len(out) + 1))
        before = []
    return out
