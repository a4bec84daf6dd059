"""Word documents (.docx, by python-docx) → `tables.Table`s: each table of the body, its merged cells
(gridSpan across, vMerge down) as regions, with the paragraphs printed between it and the table before.

A legacy binary .doc is not read: there is no well-kept reader for it without LibreOffice, so it is
refused (`tables.refuse_doc`) with the advice to save it as .docx.
"""

from __future__ import annotations

from pathlib import Path

from .tables import Table, clean

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_GONE = (_W + "del", _W + "moveFrom")  # tracked changes: text deleted, or moved away from here
_FALSE = ("0", "false", "off")
_MARKS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "noBreakHyphen": "-"}  # else a break: a new line
# a text box anchored in the paragraph (a drawing's, and its VML copy for older readers): floats
# elsewhere on the page, not the paragraph's text (python-docx's `.text` left it out too)
_ELSEWHERE = (_W + "txbxContent",)


def _shown(element) -> str:
    """The text Word prints of a paragraph or cell (`element`: its XML), line by line: the runs as the
    document stands, tracked insertions and moves in (python-docx's `.text` leaves out runs inside
    w:ins, w:moveTo or a content control: the cell's current text was lost) and deletions out, and no
    hidden text (w:vanish: not printed), nor text in a white font where no shading lies under it.
    Only the run's own properties are looked at, not the styles it takes them from."""
    lines = []
    paragraphs = [element] if element.tag == _W + "p" else element.xpath("./w:p | ./w:sdt/w:sdtContent/w:p")
    ground = element.tag == _W + "tc" and _ground(element.find(_W + "tcPr"))  # the cell's own shading
    for p in paragraphs:
        parts = []
        for node in p.iter(_W + "t", _W + "tab", _W + "ptab", _W + "br", _W + "cr", _W + "noBreakHyphen"):
            run = node.getparent()
            if run.tag != _W + "r":  # a tab stop's definition (w:pPr/w:tabs/w:tab), not a tab printed
                continue
            props = run.find(_W + "rPr")
            vanish = props.find(_W + "vanish") if props is not None else None
            if vanish is not None and vanish.get(_W + "val", "true") not in _FALSE:
                continue
            if any(a.tag in _GONE or a.tag in _ELSEWHERE for a in _within(node, p)):
                continue
            if _white(props) and not (_ground(props) or _ground(p.find(_W + "pPr")) or ground):
                continue  # a white font on the paper: printed nowhere
            parts.append(node.text or "" if node.tag == _W + "t" else _MARKS.get(node.tag, "\n"))
        lines.append("".join(parts))
    return "\n".join(lines)


def _white(props) -> bool:
    """A run's own colour is white: w:color FFFFFF, or the theme's background1 not shaded to a grey (a
    theme colour decides over w:val, as in Word)."""
    colour = props.find(_W + "color") if props is not None else None
    if colour is None:
        return False
    theme = colour.get(_W + "themeColor")
    if theme:
        try:
            return theme in ("background1", "light1") and int(colour.get(_W + "themeShade", "FF"), 16) >= 250
        except ValueError:
            return False
    return str(colour.get(_W + "val", "")).upper() == "FFFFFF"


def _ground(props) -> bool:
    """Properties (of a run, paragraph or cell) shading the text with a colour other than white (its
    fill, or the colour of its pattern: w:val solid or pctN), or a run's highlight: a white font shows
    on it."""
    if props is None:
        return False
    shading = props.find(_W + "shd")
    if shading is not None:
        if str(shading.get(_W + "fill", "auto")).upper() not in ("AUTO", "FFFFFF"):
            return True
        if shading.get(_W + "val", "clear") not in ("clear", "nil") \
                and str(shading.get(_W + "color", "auto")).upper() != "FFFFFF":  # auto: black
            return True
    mark = props.find(_W + "highlight")
    return mark is not None and mark.get(_W + "val", "none") not in ("none", "white")


def _within(node, top):
    """`node`'s ancestors up to `top` (not beyond: a paragraph's own wrapping is not its runs')."""
    for a in node.iterancestors():
        if a is top:
            return
        yield a


def read_docx(path: Path) -> list[Table]:
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    out: list[Table] = []
    before: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            before += [line for line in clean(_shown(block._p)).splitlines() if line]
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
                    text = clean(_shown(tc))
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
