"""Saved web pages (.html/.htm, by lxml) → `tables.Table`s: each table that holds no other table (one
that does is the page's layout), its rowspan/colspan as merged regions, with the text printed between
it and the table before.

Its bytes are decoded as the page declares (a byte-order mark, or <meta charset> /
<meta http-equiv="Content-Type">), GBK and GB2312 as GB18030, which contains them; a page declaring
nothing is UTF-8, else GB18030. A page that decodes in none of these is refused, never read with
characters replaced.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..errors import Unreadable
from .tables import Table, clean

_DECLARED = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WIDER = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030"}
_BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "table",
           "section", "article", "header", "footer", "pre", "blockquote", "dt", "dd", "caption"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}
_BREAK = "\x01"  # a line break in a cell (<br>, <p>) while the source's own whitespace is collapsed
_NONE = re.compile(r"display\s*:\s*none", re.I)
_INVISIBLE = re.compile(r"visibility\s*:\s*hidden", re.I)


def _gone(el) -> bool:
    """An element a browser leaves out of the page: the `hidden` attribute or display:none in its own
    style (a site's stylesheet is not followed); the cells after a cell left out close up."""
    return el.get("hidden") is not None or _NONE.search(el.get("style") or "") is not None


def _hidden(el) -> bool:
    """An element a browser does not show: left out (`_gone`), or visibility:hidden (its place kept,
    empty: a cell so hidden still takes its column)."""
    return _gone(el) or _INVISIBLE.search(el.get("style") or "") is not None


def decode(path: Path, data: bytes) -> str:
    """The page's text, decoded as it declares (see the module's doc)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(name)
    found = _DECLARED.search(data[:8192])
    tried = []
    if found:
        name = found.group(1).decode("ascii").lower()
        tried.append(_WIDER.get(name, name))
    tried += [n for n in ("utf-8", "gb18030") if n not in tried]
    for name in tried:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    raise Unreadable(str(path), f"the web page cannot be decoded as {' or '.join(tried)}")


def read_html(path: Path) -> list[Table]:
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", decode(path, path.read_bytes()))
    root = lxml.html.document_fromstring(text or "<html></html>")
    lines: list[str] = []
    out: list[Table] = []

    def flush() -> None:
        lines.append("")

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag or _hidden(el):
            return
        if tag == "table" and not el.xpath(".//table") and len(_rows(el)) <= 1:
            # a table of one row is a line of the page (部门：… | 公开14表 beside a form), never a
            # form: its cells are text before the next table, as a PDF prints them above the ruling
            flush()
            lines[-1] = " ".join(t for t in (_text(td) for td in el.xpath(".//td|.//th")) if t)
            flush()
            return
        if tag == "table" and not el.xpath(".//table"):
            table = _table(el, len(out) + 1, [ln for ln in (clean(x) for x in lines) if ln])
            lines.clear()
            if table is not None:
                out.append(table)
            return
        if tag in _BLOCKS:
            flush()
        lines[-1:] = [(lines[-1] if lines else "") + (el.text or "")]
        for child in el:
            walk(child)
            if child.tail:
                lines[-1:] = [(lines[-1] if lines else "") + child.tail]
        if tag in _BLOCKS:
            flush()

    body = root.find("body")
    walk(body if body is not None else root)
    return out


def _rows(table) -> list:
    """The table's rows a browser lays out (a row hidden by visibility:hidden among them: it keeps its
    place, and a cell spanning rows across it spans it)."""
    return [tr for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr") if not _gone(tr)]


def _table(table, index: int, before: list[str]) -> Table | None:
    """The HTML table laid out as browsers do: each cell takes the first free column of its row."""
    taken: set[tuple[int, int]] = set()
    cells: dict[tuple[int, int], str] = {}
    merged: list[tuple[int, int, int, int]] = []
    rows = _rows(table)
    widths: dict[int, int] = {}  # row → columns taken in it
    for r, tr in enumerate(rows):
        c = 0
        for td in (td for td in tr.xpath("./td|./th") if not _gone(td)):
            while (r, c) in taken:
                c += 1
            rowspan = min(max(_int(td.get("rowspan")), 1), len(rows) - r)
            colspan = min(max(_int(td.get("colspan")), 1), 1000)
            for i in range(r, r + rowspan):
                widths[i] = max(widths.get(i, 0), c + colspan)
                for j in range(c, c + colspan):
                    taken.add((i, j))
            if rowspan > 1 or colspan > 1:
                merged.append((r, c, r + rowspan - 1, c + colspan - 1))
            text = "" if _hidden(tr) else _text(td)  # a row hidden by visibility keeps its place, empty
            if text:
                cells[r, c] = text
            c += colspan
    if not rows or not cells:
        return None
    return Table(cells=cells, merged=tuple(merged), rows=len(rows), cols=max(widths.values()), before=tuple(before),
                 index=index)


def _int(value: str | None) -> int:
    m = re.match(r"\s*(\d+)", value or "")
    return int(m.group(1)) if m else 1


def _text(td) -> str:
    """A cell's text: the source's whitespace collapsed, <br> and blocks inside it line breaks."""
    parts: list[str] = []

    def walk(el, top: bool) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or (tag and _hidden(el)):
            pass
        elif tag:
            if not top and tag in _BLOCKS:
                parts.append(_BREAK)
            parts.append(el.text or "")
            for child in el:
                walk(child, False)
            if not top and tag in _BLOCKS and tag != "br":
                parts.append(_BREAK)
        if not top and el.tail:
            parts.append(el.tail)

    walk(td, True)
    text = re.sub(r"[ \t\r\n\f]+", " ", "".join(parts))
    return clean(text.replace(_BREAK, "\n"))
