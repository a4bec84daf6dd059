"""Workbooks (.xlsx by openpyxl, .xls by xlrd) → `tables.Table`s: each sheet's bordered blocks of rows.

Both libraries give what a form needs and the fast readers (calamine, fastexcel) do not: each cell's
number format, its borders and the merged ranges. A cell typed as a number is read as the text the
cell shows, its number format applied (`shown`): 1210000 formatted "#,##0.00" is "1,210,000.00", and
0.8625 formatted "0.00%" is "86.25%", never a float's repr.

A form is the block of consecutive rows that have a bordered cell, as the printed form is the ruled
table; the rows without borders around it (附件1, the title, （2023年度）) are the text printed above
it. So a sheet may hold one form or several stacked, each its own table. A sheet with no border at all
is one table whose leading one-cell rows (titles) are the text above it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..errors import NoFormFound
from .tables import Table, clean, refuse_encrypted


@dataclass
class Sheet:
    """A sheet as both libraries give it: cell texts, bordered cells, merged ranges (inclusive)."""

    name: str
    texts: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) from 0
    bordered: set[tuple[int, int]] = field(default_factory=set)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)  # rows and columns hidden: not printed
    hidden_cols: set[int] = field(default_factory=set)
    # with the hidden ones left out (`_printed`): each row's and column's number in the sheet, from 0
    row_at: list[int] = field(default_factory=list)
    col_at: list[int] = field(default_factory=list)


_COLUMNS = 16384  # a sheet's columns (XFD): a <col max> beyond is no column (a damaged or crafted file)


def read_xlsx(path: Path) -> list[Table]:
    """Read-only openpyxl (a tenth of the time: the full reader styles every merged cell) for the cells,
    their borders and formats; the merged ranges from each sheet's XML, which that mode leaves out."""
    import zipfile

    import openpyxl
    from lxml import etree
    from openpyxl.cell.read_only import EmptyCell
    from openpyxl.styles.colors import COLOR_INDEX
    from openpyxl.utils.cell import range_boundaries

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    merge, col, row_tag = main + "mergeCell", main + "col", main + "row"
    out: list[Table] = []
    hidden: list[str] = []
    with path.open("rb") as fh:  # openpyxl refuses a name not ending in .xlsx; the content decides
        book = openpyxl.load_workbook(fh, read_only=True, data_only=True)  # a formula's last value
        palette = Palette(getattr(book, "_colors", None) or COLOR_INDEX,  # its indexed colours (openpyxl
                          _light_white(book.loaded_theme))  # keeps them so) and its theme's Background 1
        try:
            parts = zipfile.ZipFile(fh)
            for ws in book.worksheets:
                if ws.sheet_state != "visible":  # a hidden sheet is not printed
                    hidden.append(ws.title)
                    continue
                sheet = Sheet(ws.title)
                for row in ws.iter_rows():
                    for cell in row:
                        if isinstance(cell, EmptyCell):
                            continue
                        at = (cell.row - 1, cell.column - 1)
                        if cell.value is not None and not _white_on_paper(cell, palette):
                            text = clean(shown(cell.value, cell.number_format))
                            if text:
                                sheet.texts[at] = text
                        b = cell.border
                        if any(side is not None and side.style for side in (b.left, b.right, b.top, b.bottom)):
                            sheet.bordered.add(at)
                with parts.open(ws._worksheet_path) as xml:
                    row_no = 0  # a <row>'s r is optional: without it, the row after the last one
                    for _, element in etree.iterparse(xml, tag=(merge, col, row_tag)):
                        if element.tag == merge:
                            c0, r0, c1, r1 = range_boundaries(element.get("ref"))
                            sheet.merged.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
                        elif element.tag == row_tag:
                            row_no = int(element.get("r") or row_no + 1)
                            if _hidden(element) or _zero(element.get("ht")):  # height 0: not printed
                                sheet.hidden_rows.add(row_no - 1)
                        elif _hidden(element) or _zero(element.get("width")):
                            sheet.hidden_cols.update(range(int(element.get("min")) - 1,
                                                            min(int(element.get("max")), _COLUMNS)))
                        element.clear()
                out += sheet_tables(sheet)
        finally:
            book.close()
    return _shown_or_said(path, out, hidden)


def _shown_or_said(path: Path, tables: list[Table], hidden: list[str]) -> list[Table]:
    """The shown sheets' tables, each naming the hidden sheets (`Table.hidden_sheets`: said among the
    tables passed over); none, where sheets are hidden, a refusal that says they are not read (a bare
    "no table found" sent a user looking for a fault in a workbook that plainly holds a form)."""
    if not tables and hidden:
        names = ", ".join(f"'{n}'" for n in hidden[:5]) + (" …" if len(hidden) > 5 else "")
        raise NoFormFound(str(path), f"no table found in the workbook's shown sheets; {len(hidden)} hidden "
                                     f"sheet(s) ({names}) are not read, as they are not printed: unhide the "
                                     f"form's sheet (or hide its other sheets) and save, then load it again")
    return [dataclasses.replace(t, hidden_sheets=tuple(hidden)) for t in tables] if hidden else tables


def _white_on_paper(cell, palette: Palette) -> bool:
    """A cell whose text is in a white font (RGB FFFFFF, the theme's Background 1, or a white of the
    workbook's indexed colours) on no fill of another colour: a helper value a spreadsheet hides so,
    printed nowhere."""
    if not _white(cell.font.color if cell.font is not None else None, palette):
        return False
    fill = cell.fill
    if fill is None or getattr(fill, "fill_type", None) in (None, "none"):
        return True
    return _white(getattr(fill, "fgColor", None), palette)  # a gradient (no fgColor) paints a ground


@dataclass(frozen=True)
class Palette:
    """A workbook's colours, as far as white goes: its indexed colours, and whether its theme's
    Background 1 (lt1) is white."""
    indexed: tuple | list
    light_white: bool


def _light_white(theme: bytes | None) -> bool:
    """Whether a theme's lt1 (Background 1) is white: Office's themes make it the window colour, white;
    a workbook's own theme may make it anything (no theme: white)."""
    found = re.search(rb"<a:lt1>\s*<a:(?:srgbClr val|sysClr[^>]*?lastClr)=\"([0-9A-Fa-f]{6})\"", theme or b"")
    return found is None or found.group(1).upper() == b"FFFFFF"


def _white(colour, palette: Palette) -> bool:
    """An openpyxl colour that is white: RGB FFFFFF, the theme's Background 1 (theme 0) where it is
    white and not darkened to a grey (Excel's palette offers "Background 1, Darker 5%" to 50% as tints
    below 0), or an indexed colour (as a workbook converted from .xls keeps them) that `palette` makes
    white."""
    if colour is None:
        return False
    if colour.type == "rgb":
        return str(colour.rgb).upper().endswith("FFFFFF")
    if colour.type == "indexed":
        known = 0 <= colour.indexed < len(palette.indexed)
        return known and str(palette.indexed[colour.indexed]).upper().endswith("FFFFFF")
    return (colour.type == "theme" and colour.theme == 0 and palette.light_white
            and (colour.tint or 0) > -0.02)  # 255 × 0.98 = 250


def _xls_white_on_paper(book, xf) -> bool:
    """`_white_on_paper` for a BIFF cell format: its font's colour white, no fill pattern of another."""
    font = book.font_list[xf.font_index] if xf.font_index < len(book.font_list) else None
    if font is None or book.colour_map.get(font.colour_index) != (255, 255, 255):
        return False
    ground = xf.background
    return not ground.fill_pattern or book.colour_map.get(ground.pattern_colour_index) == (255, 255, 255)


def _hidden(element) -> bool:
    return element.get("hidden") in ("1", "true")


def _zero(size: str | None) -> bool:
    """A row height or column width of 0: Excel shows no such row or column, as if hidden."""
    try:
        return size is not None and float(size) == 0
    except ValueError:
        return False


def read_xls(path: Path) -> list[Table]:
    import xlrd

    try:
        # xlrd writes its warnings on a damaged file to stdout, where `jixiao extract` prints its JSON
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=io.StringIO())
    except xlrd.XLRDError as exc:  # a password to open it (a FILEPASS record): said so, not "damaged"
        if "encrypted" in str(exc).lower():
            raise refuse_encrypted(path) from None
        raise
    try:
        out: list[Table] = []
        hidden: list[str] = []
        for i in range(book.nsheets):
            ws = book.sheet_by_index(i)
            if ws.visibility:  # hidden (1) or very hidden (2): not printed
                hidden.append(ws.name)
                book.unload_sheet(i)
                continue
            # a row of height 0 or a column of width 0 is not printed either, hidden flag or not
            sheet = Sheet(ws.name,
                          hidden_rows={r for r, info in ws.rowinfo_map.items() if info.hidden or not info.height},
                          hidden_cols={c for c, info in ws.colinfo_map.items() if info.hidden or not info.width})
            for r in range(ws.nrows):
                for c in range(ws.ncols):
                    cell = ws.cell(r, c)
                    xf = book.xf_list[cell.xf_index] if cell.xf_index is not None else None
                    fmt = book.format_map[xf.format_key].format_str if xf and xf.format_key in book.format_map \
                        else "General"
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate_as_datetime(value, book.datemode)
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(value)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        value = None
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        value = xlrd.error_text_from_code.get(value, "#ERR")
                    if value is not None and not (xf is not None and _xls_white_on_paper(book, xf)):
                        text = clean(shown(value, fmt))
                        if text:
                            sheet.texts[r, c] = text
                    if xf is not None and any((xf.border.left_line_style, xf.border.right_line_style,
                                               xf.border.top_line_style, xf.border.bottom_line_style)):
                        sheet.bordered.add((r, c))
            sheet.merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
            out += sheet_tables(sheet)
            book.unload_sheet(i)
        return _shown_or_said(path, out, hidden)
    finally:
        book.release_resources()


def _printed(sheet: Sheet) -> Sheet:
    """The sheet as printed: its hidden rows and columns left out and the others closed up (a
    workbook's helper column, an old row hidden: read as cells, they ran into the form's), a merged
    range keeping what shows of it."""
    if not sheet.hidden_rows and not sheet.hidden_cols:
        return sheet
    last = max([0, *(r for r, _ in sheet.texts), *(r for r, _ in sheet.bordered), *(m[2] for m in sheet.merged)])
    right = max([0, *(c for _, c in sheet.texts), *(c for _, c in sheet.bordered), *(m[3] for m in sheet.merged)])

    def closed(hidden: set[int], end: int) -> list[int | None]:
        out, n = [], 0
        for k in range(end + 1):
            out.append(None if k in hidden else n)
            n += k not in hidden
        return out

    rows, cols = closed(sheet.hidden_rows, last), closed(sheet.hidden_cols, right)

    def at(r: int, c: int) -> tuple[int, int] | None:
        return None if rows[r] is None or cols[c] is None else (rows[r], cols[c])

    def span(a: int, b: int, to: list[int | None]) -> tuple[int, int] | None:
        shown = [to[k] for k in range(a, b + 1) if to[k] is not None]
        return (shown[0], shown[-1]) if shown else None

    texts = {k: t for (r, c), t in sheet.texts.items() if (k := at(r, c))}
    merged = []
    for r0, c0, r1, c1 in sheet.merged:
        down, across = span(r0, r1, rows), span(c0, c1, cols)
        if down and across:
            merged.append((down[0], across[0], down[1], across[1]))
            if (r0, c0) in sheet.texts and at(r0, c0) is None:  # its first row or column hidden: the
                texts[down[0], across[0]] = sheet.texts[r0, c0]  # text shows in what shows of it
    return Sheet(sheet.name, texts,
                 {k for r, c in sheet.bordered if (k := at(r, c))}, merged,
                 row_at=[k for k in range(last + 1) if rows[k] is not None],
                 col_at=[k for k in range(right + 1) if cols[k] is not None])


def sheet_tables(sheet: Sheet) -> list[Table]:
    """The sheet's forms: its blocks of consecutive bordered rows (no border in the sheet: one block
    of all its rows), each with the text above it, the block's own leading rows of one cell (a title
    drawn with borders) among that text. Hidden rows and columns are not printed (`_printed`)."""
    sheet = _printed(sheet)
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in sorted(sheet.texts.items()):
        by_row.setdefault(r, []).append((c, text))
    if not by_row:
        return []
    bordered_cols: dict[int, set[int]] = {}
    for r, c in sheet.bordered:
        bordered_cols.setdefault(r, set()).add(c)
    table_rows = sorted(bordered_cols) if bordered_cols else range(min(by_row), max(by_row) + 1)
    blocks: list[list[int]] = []
    for r in table_rows:
        if blocks and r == blocks[-1][1] + 1:
            blocks[-1][1] = r
        else:
            blocks.append([r, r])
    out, above = [], 0
    for r0, r1 in blocks:
        while r0 < r1 and len(by_row.get(r0, ())) <= 1:  # a title row, bordered or not
            r0 += 1
        before = tuple(_line(by_row[r]) for r in range(above, r0) if r in by_row)
        above = r1 + 1
        cols = {c for r in range(r0, r1 + 1) for c, _ in by_row.get(r, ())} | \
            {c for r in range(r0, r1 + 1) for c in bordered_cols.get(r, ())}
        cells = {(r - r0, c): t for r in range(r0, r1 + 1) for c, t in by_row.get(r, ())}
        if not cells:
            continue
        c0, c1 = min(cols), max(cols)
        cells = {(r, c - c0): t for (r, c), t in cells.items()}
        merged = tuple((max(a, r0) - r0, max(b, c0) - c0, min(x, r1) - r0, min(y, c1) - c0)
                       for a, b, x, y in sheet.merged if r0 <= a <= r1 and c0 <= b <= c1)
        # rows or columns hidden between (`_printed`): each one's number in the sheet
        rows_in = tuple(sheet.row_at[r] + 1 for r in range(r0, r1 + 1)) if sheet.row_at else ()
        cols_in = tuple(sheet.col_at[c] + 1 for c in range(c0, c1 + 1)) if sheet.col_at else ()
        out.append(Table(cells=cells, merged=merged, rows=r1 - r0 + 1, cols=c1 - c0 + 1, before=before,
                         sheet=sheet.name, origin=(rows_in[0], cols_in[0]) if rows_in else (r0 + 1, c0 + 1),
                         sheet_rows=rows_in, sheet_cols=cols_in))
    return out


def _line(cells: list[tuple[int, str]]) -> str:
    return " ".join(t.replace("\n", " ") for _, t in cells)


# ----------------------------------------------------------------------------------------------
# number formats: the digits a cell shows

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')  # literal text, [colour]/[$€-x], padding, fill
_PLACES = re.compile(r"[0#?]")


def shown(value: object, number_format: str | None) -> str:
    """The text a cell shows: a string as typed; a number through its number format (decimals,
    thousands separators, percent, literal text around it); a number in General the way Excel
    prints it (1210000, 86.25, not 1210000.0)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if not isinstance(value, (int, float, Decimal)):
        return str(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    fmt = (number_format or "General").split(";")
    section = fmt[1] if number < 0 and len(fmt) > 1 and fmt[1] else fmt[0]
    if len(fmt) > 1 and number < 0 and fmt[1]:
        number = -number  # the negative section prints its own sign, if any
    if not _PLACES.search(_QUOTED.sub("", section)):  # General, @, or a format printing no digits
        return _general(number)
    return _formatted(number, section)


def _general(number: Decimal) -> str:
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _formatted(number: Decimal, section: str) -> str:
    """`number` through one section of a number format, such as "#,##0.00", "0.00%", "0.0\"万元\""."""
    bare = _QUOTED.sub(lambda m: "" if m.group(0)[0] in "[_*" else "\x00", section)
    first, last = _PLACES.search(bare).start(), max(m.start() for m in _PLACES.finditer(bare))
    digits = bare[first:last + 1]
    if "%" in bare:
        number *= 100
    if "E" in digits.upper():  # scientific: rare in a form; Python's own rendering of it
        places = len(digits.upper().split("E")[0].partition(".")[2])
        return f"{number:.{places}E}"
    places = len(_PLACES.findall(digits.partition(".")[2]))
    value = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,.{places}f}" if "," in digits else f"{value:.{places}f}"
    literals = [m.group(0) for m in _QUOTED.finditer(section) if m.group(0)[0] not in "[_*"]
    before, inside = bare[:first].count("\x00"), digits.count("\x00")
    return _literal(bare[:first], literals[:before]) + text + \
        _literal(bare[last + 1:], literals[before + inside:])


def _literal(part: str, literals: list[str]) -> str:
    """A format's text around the digits as shown: its quoted or escaped characters unquoted."""
    found = iter(literals)
    out = ""
    for ch in part:
        if ch == "\x00":
            lit = next(found, "")
            out += lit[1:-1] if lit.startswith('"') else lit[1:]
        else:
            out += ch
    return out
