"""Tables of structured files (workbooks, Word documents, web pages) → the `Grid`s the PDF reader
makes, so that they go through the same form reader (`pipeline.forms.reader.read_forms`) unchanged.

A structured file says which cell is where; only the geometry is missing, and the form reader places
cells into columns by x. So each table is laid out on a page of its own: row i spans y = -i·`ROW_H`
to -(i+1)·`ROW_H`, column j spans x = j·`COL_W` to (j+1)·`COL_W`. A merged region's text is placed in
its top-left cell and the others stay empty, as the PDF reader does; its text's x range (`Grid.spans`,
which the reader's cross-check holds inside the column it is read into) is the whole region.

Each table is one "page" (numbered from 1 in the file's order) whose text is the text printed between
the previous table and it, nearest line first: the form reader takes the title (and a year printed
only by the title) from the first title line of the page, and a web page's headline, far above the
form, names the article, not the form. `Table.place` says where a form was read from in the file,
since a page number means nothing there (`Source.place`: sheet and cell range, or table and rows).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import EncryptedPdf, NoFormFound, ReportError, Unreadable, UnsupportedFormat
from ..model import Form
from .grids import Grid
from .ideographs import unified
from .pdf import PdfInfo, sha256_of

COL_W = 100.0  # points: the width given each column (the reader's tolerances are 2 points)
ROW_H = 20.0  # points: the height given each row
_MARGIN = 1.0  # points: a region's text is printed this far inside its borders

KINDS = {".xlsx": "xlsx", ".xls": "xls", ".docx": "docx", ".html": "html", ".htm": "html", ".doc": "doc",
         ".zip": "archive", ".rar": "archive", ".7z": "archive", ".mht": "mhtml", ".mhtml": "mhtml"}  # an archive: refused, to be unpacked
_MULTIPART = re.compile(rb"^content-type:\s*multipart/related", re.I | re.M)
_ARCHIVES = {b"Rar!\x1a\x07": "RAR", b"7z\xbc\xaf\x27\x1c": "7z"}


@dataclass(frozen=True)
class Table:
    """One table as the file holds it: the text of each cell (of each merged region, at its top-left
    cell), rows and columns counted from 0, and the text printed before it."""

    cells: dict[tuple[int, int], str]
    merged: tuple[tuple[int, int, int, int], ...]  # (row0, col0, row1, col1), inclusive, of each region
    rows: int
    cols: int
    before: tuple[str, ...] = ()  # lines printed between the previous table and this one, in order
    sheet: str | None = None  # a workbook's sheet: its rows and columns are named as Excel names them
    origin: tuple[int, int] = (1, 1)  # the sheet row and column (from 1) of cell (0, 0)
    index: int = 1  # the table's number among the file's tables (docx, html), from 1
    # the sheet row and column (from 1) of each of the table's, where the sheet hides some between
    # them (`workbook._printed`); empty: counted on from `origin`
    sheet_rows: tuple[int, ...] = ()
    sheet_cols: tuple[int, ...] = ()
    hidden_sheets: tuple[str, ...] = ()  # the workbook's sheets not read, being hidden (not printed)

    def sheet_row(self, r: int) -> int:
        """The sheet's number (from 1) of the table's row `r`."""
        return self.sheet_rows[r] if self.sheet_rows else self.origin[0] + r

    def sheet_col(self, c: int) -> int:
        """The sheet's number (from 1) of the table's column `c`."""
        return self.sheet_cols[c] if self.sheet_cols else self.origin[1] + c

    def row_at(self, number: int) -> int:
        """The table's row of sheet row `number` (the first after it where the sheet hides it)."""
        if not self.sheet_rows:
            return number - self.origin[0]
        return next((r for r, n in enumerate(self.sheet_rows) if n >= number), len(self.sheet_rows))

    def regions(self) -> dict[tuple[int, int], tuple[int, int, int, int]]:
        """Each cell → the merged region it is in, (row0, col0, row1, col1); a cell merged with none
        is a region of its own."""
        region = {(r, c): (r, c, r, c) for r in range(self.rows) for c in range(self.cols)}
        for r0, c0, r1, c1 in self.merged:
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    region[r, c] = (r0, c0, r1, c1)
        return region

    def place(self, first: int, last: int) -> str:
        """Where rows `first`..`last` of this table are in the file: "'Sheet1'!A2:H44", "table 2, rows 1–43"."""
        if self.sheet is None:
            return f"table {self.index}, rows {first + 1}–{last + 1}"
        name = "'" + self.sheet.replace("'", "''") + "'"
        return (f"{name}!{column_name(self.sheet_col(0))}{self.sheet_row(first)}:"
                f"{column_name(self.sheet_col(self.cols - 1))}{self.sheet_row(last)}")


def column_name(n: int) -> str:
    """Excel's name of column `n` (from 1): A, …, Z, AA, …"""
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


def grid(page: int, table: Table) -> Grid:
    """The table as the PDF reader would have made it from a printed page (see the module's doc)."""
    region = table.regions()
    rows, spans = [], []
    for r in range(table.rows):
        texts, xs = [], []
        for c in range(table.cols):
            r0, c0, _, c1 = region[r, c]
            text = table.cells.get((r, c), "") if (r0, c0) == (r, c) else ""
            texts.append(text)
            xs.append((c0 * COL_W + _MARGIN, (c1 + 1) * COL_W - _MARGIN) if text.strip() else None)
        rows.append(tuple(texts))
        spans.append(tuple(xs))
    return Grid(page=page, rows=tuple(rows),
                row_y=tuple((-r * ROW_H, -(r + 1) * ROW_H) for r in range(table.rows)),
                col_x=tuple((c * COL_W, (c + 1) * COL_W) for c in range(table.cols)),
                spans=tuple(spans))


_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")


def clean(text: str) -> str:
    """A cell's text as printed: each line stripped, runs of spaces one space, empty lines dropped
    (a no-break space is a space: web pages fill empty cells with &nbsp;), radicals as the ideographs
    they draw (`ideographs`)."""
    lines = (_SPACES.sub(" ", line).strip() for line in unified(text).replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def info(path: Path, tables: list[Table], sha256: str | None = None) -> PdfInfo:
    """What the form reader needs of the file besides its grids: its name, hash, "pages" (one per
    table) and each page's text, nearest line first (see the module's doc)."""
    texts = tuple("\n".join(reversed(t.before)) for t in tables)
    return PdfInfo(path=path, sha256=sha256 or sha256_of(path), pages=len(tables), page_texts=texts)


def kind(path: str | Path) -> str:
    """What a report file is, by its first bytes, then its name: "pdf", "xlsx", "xls", "docx",
    "html", "mhtml" (a web page saved as one file), "doc", "archive" (a zip of other files, RAR or 7z), "encrypted" (an Office file saved with a
    password), or "" (none of these: the PDF reader refuses it as not a PDF)."""
    path = Path(path)
    suffix = KINDS.get(path.suffix.lower(), "")
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return ""
    if head.startswith(b"PK\x03\x04"):  # a zip (a PDF stored in it shows its %PDF in these bytes):
        return suffix if suffix in ("xlsx", "docx") else _zipped(path)  # Office Open XML or an archive
    if head.startswith(tuple(_ARCHIVES)):
        return "archive"
    if _MULTIPART.search(head):  # a web page saved as one file (MIME: its parts QP- or base64-encoded)
        return "mhtml"
    if b"%PDF" in head:
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: a legacy .xls or .doc, or an
        found = _streams(path, ("EncryptedPackage", "WordDocument"))  # encrypted .xlsx/.docx
        return "encrypted" if "EncryptedPackage" in found else \
            "doc" if suffix == "doc" or "WordDocument" in found else "xls"
    if suffix == "mhtml":  # named so, its MIME header damaged: the web archive reader says what it lacks
        return "mhtml"
    if suffix == "html" or re.search(rb"<\s*(!doctype\s+html|html|table)\b", head, re.I):
        return "html"
    return ""


def _streams(path: Path, names: tuple[str, ...]) -> set[str]:
    """Which of the stream `names` an OLE2 file's directory holds (names in UTF-16): "WordDocument" (a
    .doc, under whatever name: it gets the advice to save it as .docx rather than fail as a workbook),
    "EncryptedPackage" (an .xlsx or .docx saved with a password to open it: Office wraps it so)."""
    wanted = {name.encode("utf-16-le"): name for name in names}
    width = max(map(len, wanted))
    found: set[str] = set()
    with path.open("rb") as fh:
        tail = b""
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            found |= {name for raw, name in wanted.items() if raw in tail + chunk}
            tail = chunk[-width:]
    return found


def _damaged_zip() -> tuple[type[Exception], ...]:
    """zipfile's ways of failing on a damaged directory (NotImplementedError: a version it lacks)."""
    import zipfile

    return zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError


def _zipped(path: Path) -> str:
    import zipfile

    try:
        names = set(zipfile.ZipFile(path).namelist())
    except _damaged_zip():
        return "archive"  # a damaged zip: refused as one (`refuse_archive` says so)
    return "xlsx" if "xl/workbook.xml" in names else "docx" if "word/document.xml" in names else "archive"


def refuse_archive(path: Path) -> UnsupportedFormat:
    """An archive (sites publish a unit's reports zipped) is not unpacked here: refused, naming what it
    holds where that can be read, with the advice to unpack it and load the files."""
    import zipfile

    with path.open("rb") as fh:
        head = fh.read(8)
    what = next((name for magic, name in _ARCHIVES.items() if head.startswith(magic)), "ZIP")
    held = ""
    if what == "ZIP":
        try:
            with zipfile.ZipFile(path) as z:
                names = [_zip_name(i) for i in z.infolist() if not i.is_dir()]
            held = f" of {len(names)} file(s): {', '.join(names[:4])}{', …' if len(names) > 4 else ''}"
        except _damaged_zip():
            held = " (damaged: its list of files cannot be read)"
    return UnsupportedFormat(str(path), f"a {what} archive{held}; archives are not unpacked: unpack it "
                                        f"and load the files it holds")


def _zip_name(info) -> str:
    """A member's name as its packer wrote it: a Chinese Windows zip tool writes GBK, and macOS's
    Archive Utility UTF-8, without saying so (zipfile then reads it as cp437). UTF-8 is tried first:
    GBK names are seldom valid UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def refuse_encrypted(path: Path) -> EncryptedPdf:
    return EncryptedPdf(str(path), "the workbook or Word document is encrypted (a password is needed to open "
                                   "it): open it, remove the password (File > Info > Protect), save it, then "
                                   "load that file")


def refuse_doc(path: Path) -> UnsupportedFormat:
    return UnsupportedFormat(str(path), "a legacy Word .doc file cannot be read: open it in Word or "
                                        "WPS and save it as .docx (or as PDF), then load that file")


def read_tables(path: Path, reader: Callable[[Path], list[Table]], what: str) -> list[Table]:
    """`reader`'s tables, any library failure on a damaged file a refusal naming the file."""
    if not path.is_file():
        raise Unreadable(str(path), "no such file")
    try:
        tables = reader(path)
    except ReportError:
        raise
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - each library raises its own on a damaged file
        raise Unreadable(str(path), f"the {what} cannot be read: damaged or not what its name says "
                                    f"({type(exc).__name__}: {str(exc)[:200]})") from exc
    if not tables:
        raise NoFormFound(str(path), f"no table found in the {what}")
    return tables


def placed(forms: list[Form], grids: list[Grid], tables: list[Table],
           starting_on: range | None = None) -> list[Form]:
    """Each form with where it was read from (`Source.place`): the first and last table rows of the
    rows the form reader cut it from (`by_form`, in the same order as the forms it read), up to its
    last page (a table after the form, on a page of its own, is not the form's)."""
    from ..forms.rows import by_form, rows_of, stitch_overflow

    stitched = stitch_overflow(grids)
    rows = rows_of(stitched)
    origin = [(pages[0], i) for g, pages in stitched for i in range(len(g.rows))]
    at = {id(row): origin[n] for n, row in enumerate(rows)}
    chunks = [c for c in by_form(rows) if starting_on is None or c[0].page in starting_on]
    out = []
    for form, chunk in zip(forms, chunks):
        chunk = [row for row in chunk if row.page <= form.source.last_page]  # not a table after it
        (p0, r0), (p1, r1) = at[id(chunk[0])], at[id(chunk[-1])]
        first, last = tables[p0 - 1], tables[p1 - 1]
        place = first.place(r0, r1) if p0 == p1 else \
            f"{first.place(r0, first.rows - 1)} to {last.place(0, r1)}"
        out.append(dataclasses.replace(form, source=dataclasses.replace(form.source, place=place)))
    return out
