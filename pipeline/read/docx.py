"""Word documents (.docx, by python-docx) → `tables.Table`s: each table of the body, its merged cells
(gridSpan across, vMerge down) as regions, with the paragraphs printed between it and the table before.

A legacy binary .doc is not read: there is no well-kept reader for it without LibreOffice, so it is
refused (`tables.refuse_doc`) with the advice to save it as .docx.
"""

from __future__ import annotations

import re
from pathlib import Path

from .tables import Table, clean

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_GONE = (_W + "del", _W + "moveFrom")  # tracked changes: text deleted, or moved away from here
_FALSE = ("0", "false", "off")
_MARKS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "noBreakHyphen": "-"}  # else a break: a new line
# a text box anchored in the paragraph (a drawing's, and its VML copy for older readers): floats
# elsewhere on the page, not the paragraph's text (python-docx's `.text` left it out too)
_ELSEWHERE = (_W + "txbxContent",)


def _shown(element, ground: bool | None = None) -> str:
    """The text Word prints of a paragraph or cell (`element`: its XML), line by line: the runs as the
    document stands, tracked insertions and moves in (python-docx's `.text` leaves out runs inside
    w:ins, w:moveTo or a content control: the cell's current text was lost) and deletions out, and no
    hidden text (w:vanish: not printed), nor text in a white font where no shading lies under it
    (`ground`: a cell's shading, as its table and table style give it, `_Shading`; None: its own).
    Only the run's own colour is looked at, not one it takes from a style."""
    lines = []
    paragraphs = [element] if element.tag == _W + "p" else element.xpath("./w:p | ./w:sdt/w:sdtContent/w:p")
    if ground is None:
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
    if _paint(props.find(_W + "shd")) == "colour":
        return True
    mark = props.find(_W + "highlight")
    return mark is not None and mark.get(_W + "val", "none") not in ("none", "white")


def _paint(shading) -> str | None:
    """What a w:shd paints: "colour" (a fill, or a pattern's colour, other than white: w:val solid or
    pctN), "white", "clear" (no fill: what is under it shows), or None (no w:shd). A theme fill decides
    over w:fill, as in Word: background1 (or light1) not shaded to a grey is white."""
    if shading is None:
        return None
    fill = str(shading.get(_W + "fill", "auto")).upper()
    theme = shading.get(_W + "themeFill")
    if theme:
        try:
            light = theme in ("background1", "light1") and int(shading.get(_W + "themeFillShade", "FF"), 16) >= 250
        except ValueError:
            light = False
        fill = "FFFFFF" if light else "000000" if fill in ("AUTO", "FFFFFF") else fill
    if fill not in ("AUTO", "FFFFFF"):
        return "colour"
    if shading.get(_W + "val", "clear") not in ("clear", "nil") \
            and str(shading.get(_W + "color", "auto")).upper() != "FFFFFF":  # auto: black
        return "colour"
    return "white" if fill == "FFFFFF" else "clear"


# a table style's conditional formats, weakest first (ECMA-376 17.7.6): a later one's shading wins
_CONDITIONS = ("wholeTable", "band1Vert", "band2Vert", "band1Horz", "band2Horz", "lastCol", "firstCol",
               "lastRow", "firstRow", "neCell", "nwCell", "seCell", "swCell")
_LOOK = {"firstRow": 0x20, "lastRow": 0x40, "firstColumn": 0x80, "lastColumn": 0x100, "noHBand": 0x200,
         "noVBand": 0x400}  # w:tblLook's attributes, and their bits in its older w:val


class _Shading:
    """Where the shading under a table's cells comes from, as Word lays it: the cell's own w:shd, else
    its table style's conditional format that applies (a dark header row: firstRow; banded rows; the
    first column…, as the table's w:tblLook turns them on), else the style's for every cell; where none
    of these paints, the table's ground shows (a row's w:tblPrEx, the table's w:tblPr, its style's):
    a white font on any of them that is not white shows."""

    def __init__(self, tbl, styles: dict) -> None:
        props = tbl.find(_W + "tblPr")
        self.conditions: dict[str, object] = {}
        self.table = None  # the style's table shading
        self.bands = [1, 1]  # rows, columns a band
        chain, name = [], _val(props, "tblStyle")
        while name and name in styles and len(chain) < 16:  # the style, then what it is based on
            chain.append(styles[name])
            name = _val(styles[name], "basedOn")
        for style in reversed(chain):  # the base first: a style overrides what it is based on
            self._take(style)
        own = props.find(_W + "shd") if props is not None else None
        self.table = own if own is not None else self.table
        look = props.find(_W + "tblLook") if props is not None else None
        self.look: set[str] = set()
        if look is not None:
            value = look.get(_W + "val", "")
            bits = int(value, 16) if re.fullmatch(r"[0-9A-Fa-f]{1,8}", value) else 0
            for name, bit in _LOOK.items():
                on = look.get(_W + name)
                if on in ("1", "true", "on") if on is not None else bits & bit:
                    self.look.add(name)

    def _take(self, style) -> None:
        props = style.find(_W + "tblPr")
        if props is not None:
            if props.find(_W + "shd") is not None:
                self.table = props.find(_W + "shd")
            for k, tag in enumerate(("tblStyleRowBandSize", "tblStyleColBandSize")):
                size = _val(props, tag)
                if size and size.isdigit() and int(size) > 0:
                    self.bands[k] = int(size)
        cell = style.find(_W + "tcPr")
        if cell is not None and cell.find(_W + "shd") is not None:
            self.conditions["wholeTable"] = cell.find(_W + "shd")
        for conditional in style.findall(_W + "tblStylePr"):
            shd = conditional.find(f"{_W}tcPr/{_W}shd")
            if shd is None:
                shd = conditional.find(f"{_W}tblPr/{_W}shd")
            if shd is not None:
                self.conditions[conditional.get(_W + "type", "wholeTable")] = shd

    def ground(self, tc, row_props, r: int, rows: int, i: int, cells: int) -> bool:
        """Whether the cell `tc` (the `i`th of the `cells` of row `r` of `rows`) has a ground of another
        colour than white under its text."""
        paint = _paint(tc.find(f"{_W}tcPr/{_W}shd"))
        if paint is None and self.conditions:
            for condition in reversed(_CONDITIONS):
                if condition in self.conditions and condition in self._applying(r, rows, i, cells):
                    paint = _paint(self.conditions[condition])
                    break
        if paint in (None, "clear"):  # the table's ground shows through
            exception = row_props.find(_W + "shd") if row_props is not None else None
            paint = _paint(exception if exception is not None else self.table)
        return paint == "colour"

    def _applying(self, r: int, rows: int, i: int, cells: int) -> set[str]:
        look, out = self.look, {"wholeTable"}
        first, last = "firstRow" in look and r == 0, "lastRow" in look and r == rows - 1 and rows > 1
        left, right = "firstColumn" in look and i == 0, "lastColumn" in look and i == cells - 1 and cells > 1
        out |= {name for name, on in (("firstRow", first), ("lastRow", last), ("firstCol", left),
                                      ("lastCol", right), ("nwCell", first and left), ("neCell", first and right),
                                      ("swCell", last and left), ("seCell", last and right)) if on}
        if "noHBand" not in look and not (first or last):
            out.add(f"band{(r - ('firstRow' in look)) // self.bands[0] % 2 + 1}Horz")
        if "noVBand" not in look and not (left or right):
            out.add(f"band{(i - ('firstColumn' in look)) // self.bands[1] % 2 + 1}Vert")
        return out


def _val(props, tag: str) -> str | None:
    found = props.find(_W + tag) if props is not None else None
    return found.get(_W + "val") if found is not None else None


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
    styles = {st.get(_W + "styleId"): st for st in document.styles.element.findall(_W + "style")
              if st.get(_W + "type") == "table"}
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
        shading = _Shading(block._tbl, styles)
        rows = len(block._tbl.tr_lst)
        for r, tr in enumerate(block._tbl.tr_lst):
            c = tr.grid_before
            exception = tr.find(_W + "tblPrEx")  # the row's own table properties
            for i, tc in enumerate(tr.tc_lst):
                span = max(tc.grid_span, 1)
                above = bottom.get(c)
                if tc.vMerge == "continue" and above is not None and regions[above][0] == r - 1:
                    regions[above][0] = r
                else:
                    regions[r, c] = [r, c + span - 1]
                    bottom[c] = (r, c)
                    text = clean(_shown(tc, shading.ground(tc, exception, r, rows, i, len(tr.tc_lst))))
                    if text:
                        cells[r, c] = text
                c += span
            cols = max(cols, c + tr.grid_after)
        if rows and cols and cells:
            merged = tuple((r0, c0, r1, c1) for (r0, c0), (r1, c1) in regions.items() if (r1, c1) != (r0, c0))
            out.append(Table(cells=cells, merged=merged, rows=rows, cols=cols, before=tuple(before),
                             index=len(out) + 1))
        before = []
    return out
