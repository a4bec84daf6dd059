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
import functools
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

from ..errors import Unreadable
from .tables import Table, clean

_DECLARED = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_WIDER = {"gbk": "gb18030", "gb2312": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030"}
_BLOCKS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td", "th", "table",
           "section", "article", "header", "footer", "pre", "blockquote", "dt", "dd", "caption"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}
_BREAK = "\x01"  # a line break in a cell (<br>, <p>) while the source's own whitespace is collapsed
_HIDING = ("display", "visibility", "font-size", "opacity", "color", "background-color", "background",
           "background-image")  # the properties that can keep text from the page (the last four: a white
# font on no ground)
# the properties that can put a box where nothing of it shows (`_away`): off the page to the left, clipped
# to nothing, shrunk to nothing; a rule of a stylesheet is taken for them only where one says so (`_telling`)
_PLACING = ("position", "left", "right", "text-indent", "clip", "clip-path", "width", "height", "max-width",
            "max-height", "overflow", "overflow-x", "overflow-y", "padding", "padding-top", "padding-bottom",
            "padding-left", "padding-right", "transform", "float", "content-visibility")
_FAR = 3000  # px: a box this far left of its containing block is off any page (sites use -9999px)
_UNITS = {"px": 1, "pt": 4 / 3, "pc": 16, "in": 96, "cm": 96 / 2.54, "mm": 96 / 25.4, "q": 96 / 101.6,
          "em": 16, "rem": 16, "": 1}  # em: the default font's size (a guess only for far lengths)
_INLINE = {"span", "a", "font", "b", "i", "em", "strong", "u", "s", "strike", "small", "big", "sub", "sup", "label",
           "abbr", "acronym", "code", "cite", "q", "mark", "ins", "del", "tt", "var", "kbd", "samp", "time", "bdi",
           "bdo", "nobr", "dfn", "data"}  # elements laid out inline unless a display says otherwise
_BOXED = {"block", "inline-block", "flex", "inline-flex", "grid", "inline-grid", "list-item", "flow-root",
          "table", "inline-table", "table-caption"}
_UNSEEN = "data-jixiao-unseen"  # an element whose own text a browser does not show (`_mark_unseen`)
_SHEET = "data-jixiao-sheet"  # the stylesheets' say on an element (`_apply_stylesheets`), before its own
_ZERO = re.compile(r"[+-]?(0+\.?0*|\.0+)([a-z]+|%)?")  # a size of 0, in any unit
_RELATIVE = re.compile(r".*[\d.](em|ex|ch|%)|smaller|larger|inherit")  # a font size of the parent's (rem: the root's)
_MAX_SHEET = 2_000_000  # bytes of a linked stylesheet read at most
_MAX_IMPORTS = 32  # stylesheets a sheet's @imports (and theirs) bring in at most


def _declared(el) -> dict[str, str]:
    """The hiding properties an element is given, as the cascade settles them: its stylesheets' rules
    (`_SHEET`, weakest first), then its own style, then the declarations of either marked !important;
    of each property the last declaration given wins. (Not to be changed: shared by every element
    given the same.)"""
    return _cascade(el.get(_SHEET), el.get("style"))


@functools.lru_cache(maxsize=4096)
def _cascade(sheet: str | None, style: str | None) -> dict[str, str]:
    """`_declared` of the rules `sheet` and the style `style`, parsed once for all the elements given
    them (a page's cells share a few)."""
    import tinycss2

    said = [d for text in (sheet, style) if text
            for d in tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True)
            if d.type == "declaration" and (d.lower_name in _HIDING or d.lower_name in _PLACING)]
    return {d.lower_name: tinycss2.serialize(d.value).strip().lower()
            for d in [d for d in said if not d.important] + [d for d in said if d.important]}


def _gone(el) -> bool:
    """An element a browser leaves out of the page: the `hidden` attribute or display:none (in its own
    style or a stylesheet's rule); the cells after a cell left out close up."""
    return el.get("hidden") is not None or _declared(el).get("display") == "none"


def _white(colour: str | None) -> bool:
    """A CSS or HTML colour that is white or nearly (each channel 250 or more)."""
    if not colour:
        return False
    colour = colour.strip().lower()
    if colour == "white":
        return True
    m = re.fullmatch(r"#?([0-9a-f]{3}|[0-9a-f]{6})", colour)  # browsers read a legacy "FFFFFF" as #FFFFFF
    if m:
        h = m.group(1)
        channels = [int(h[k] * 2, 16) for k in range(3)] if len(h) == 3 else [int(h[k:k + 2], 16) for k in (0, 2, 4)]
        return min(channels) >= 250
    m = re.fullmatch(r"rgba?\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*(,\s*[\d.]+\s*)?\)", colour)
    return m is not None and min(int(m.group(k)) for k in (1, 2, 3)) >= 250


def _ground(el, said: dict[str, str]) -> bool:
    """An element painting a background of another colour than white (its bgcolor, or its style's or
    stylesheets' background), or an image or gradient (background-image, a cell's legacy `background`
    attribute), on which a white font shows."""
    for value in (el.get("bgcolor"), said.get("background-color"), said.get("background"),
                  said.get("background-image"), el.get("background")):
        value = re.sub(r"(?<=[(,])\s+|\s+(?=[),])", "", value or "").strip().lower()  # rgb(255, 255, 255): one word
        if value and value not in ("none", "transparent", "initial", "inherit") and not _white(value.split()[0]):
            return True
    return False


def _mark_unseen(el, white: bool = False, ground: bool = False, invisible: bool = False,
                 sizeless: bool = False, clear: bool = False, faded: bool = False) -> None:
    """Mark (`_UNSEEN`) each element whose own text a browser does not show, from what it inherits as
    CSS does: visibility:hidden (its place kept, empty; a child made visible again shows), a font size
    of 0 (a child given a size of its own shows: sites close the gaps between inline blocks so), an
    opacity of 0 (no child undoes it) or a transparent colour, or a white font (a <font color> or a
    style's color, its own or a stylesheet's) with no ground of another colour from any element around
    it: an anti-copy "9999" in white after a value, shown nowhere. A child of white or transparent text
    setting its own colour shows. A box put where nothing of it shows (`_away`) hides its children too.
    """
    if not isinstance(el.tag, str):
        return
    said = _declared(el)
    colour = said.get("color") or (el.get("color") if el.tag == "font" else None)
    if colour and colour not in ("inherit", "currentcolor", "unset"):
        white, clear = _white(colour), _transparent(colour)
    ground = ground or _ground(el, said)
    if said.get("visibility") in ("hidden", "collapse", "visible"):
        invisible = said["visibility"] != "visible"
    if said.get("font-size"):
        size = said["font-size"]
        sizeless = _ZERO.fullmatch(size) is not None or sizeless and _RELATIVE.fullmatch(size) is not None
    faded = faded or _ZERO.fullmatch(said.get("opacity", "")) is not None \
        or bool(said) and not said.keys().isdisjoint(_PLACING) and _away(el)
    if white and not ground or invisible or sizeless or clear or faded:
        el.set(_UNSEEN, "1")
    for child in el:
        _mark_unseen(child, white, ground, invisible, sizeless, clear, faded)


def _away(el) -> bool:
    """An element whose box a browser shows nothing of, as sites hide text (for screen readers, or
    anti-copy): positioned far off the page to the left (left: -9999px, or right: 9999px), its one line
    indented so (text-indent: -9999px on a block with no line break inside), clipped to nothing (clip:
    rect(0 0 0 0) on an absolute box, clip-path: inset(50%) or a circle of 0), a block shrunk to 1px or
    none with its overflow hidden and no padding (an sr-only box), scaled to 0 (transform: scale(0)),
    or content-visibility: hidden. Judged as sure only: a far offset on a box that is not positioned,
    a width or a transform on an inline element, a vertical offset (a long page's lower part) do not
    hide. (`_placing` says what its style says; whether it is a box depends on its tag too.)"""
    found = _placing(el.get(_SHEET), el.get("style"))
    if not found or "away" in found:
        return bool(found)
    if el.tag in ("td", "th", "tr", "table") or el.tag in _INLINE and "boxed" not in found or "inline" in found:
        return False  # a table's parts keep their content's width; an inline element takes no size
    return "shrunk" in found or "indent" in found and not el.xpath(".//br|.//p|.//div|.//li|.//table")


@functools.lru_cache(maxsize=4096)
def _placing(sheet: str | None, style: str | None) -> frozenset[str]:
    """What the placing properties `_cascade` settles from `sheet` and `style` say (`_away`): "away"
    (nothing shows, whatever the element), "shrunk" or "indent" (nothing shows of a box), "boxed" (the
    style makes it a box: a display, an absolute position, a float), "inline" (the style makes it inline)."""
    said = _cascade(sheet, style)
    if said.keys().isdisjoint(_PLACING):
        return frozenset()
    out = set()
    position = said.get("position", "static")
    if position in ("absolute", "fixed", "relative") and (  # (sticky: kept in view, not moved off)
            _length(said.get("left")) <= -_FAR or _length(said.get("right")) >= _FAR):
        out.add("away")
    if said.get("content-visibility") == "hidden":
        out.add("away")
    if position in ("absolute", "fixed") and _nothing_clipped(said.get("clip", "")):
        out.add("away")
    path = re.sub(r"\s+", " ", said.get("clip-path", "")).strip()
    inset = re.fullmatch(r"inset\( ?([\d.]+)% ?\)", path)
    if inset and float(inset.group(1)) >= 50 \
            or re.fullmatch(r"(circle|ellipse)\( ?0(px|%)?( 0(px|%)?)?( at .*)? ?\)", path):
        out.add("away")
    if _length(said.get("text-indent")) <= -_FAR:
        out.add("indent")
    if {said.get(k) for k in ("overflow", "overflow-x", "overflow-y")} & {"hidden", "clip"} \
            and any(_length(said.get(k), 9) <= 1 for k in ("width", "height", "max-width", "max-height")) \
            and not any(_length(said.get(k)) for k in ("padding", "padding-top", "padding-bottom", "padding-left",
                                                       "padding-right")):
        out.add("shrunk")
    for name, args in re.findall(r"([a-z0-9]+)\(([^)]*)\)", said.get("transform", "")):
        factors = [_length(a.rstrip("%"), float("nan")) for a in re.split(r"[\s,]+", args.strip())]
        if name in ("scale", "scalex", "scaley", "scale3d") and 0 in factors[:2] \
                or name == "matrix" and len(factors) == 6 and factors[0] * factors[3] == factors[1] * factors[2]:
            out.add("shrunk")  # drawn to a line at most
    if out:
        display = said.get("display", "")
        if display in _BOXED or position in ("absolute", "fixed") or said.get("float", "none") not in ("none", ""):
            out.add("boxed")
        elif display in ("inline", "contents"):
            out.add("inline")
    return frozenset(out)


def _telling(name: str, value: str) -> bool:
    """A declaration that may put a box where nothing of it shows (`_away`): its rule is taken, with the
    rest of what it says of placing (its position, overflow)."""
    if name in ("left", "text-indent"):
        return _length(value) <= -_FAR
    if name == "right":
        return _length(value) >= _FAR
    if name in ("width", "height", "max-width", "max-height"):
        return _length(value, 9) <= 1
    if name == "transform":
        return "scale" in value or "matrix(" in value
    return name in ("clip", "clip-path") or name == "content-visibility" and value == "hidden"


def _length(value: str | None, otherwise: float = 0.0) -> float:
    """A CSS length in px (the first of a shorthand's values; em and rem at 16px); `otherwise` for none,
    or one in a unit of the window or the parent (%, vw: not known here)."""
    m = re.match(r"\s*([+-]?(?:\d+\.?\d*|\.\d+))([a-z]*)", value or "", re.I)
    if not m or m.group(2).lower() not in _UNITS:
        return otherwise
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


def _nothing_clipped(clip: str) -> bool:
    """clip: rect(top right bottom left) (commas or spaces) that leaves nothing: bottom at or above top,
    or right at or left of left (auto: the box's edge)."""
    m = re.fullmatch(r"\s*rect\((.*)\)\s*", clip)
    sides = re.split(r"\s*,\s*|\s+", m.group(1).strip()) if m else []
    if len(sides) != 4:
        return False
    top, right, bottom, left = (None if s == "auto" else _length(s, float("nan")) for s in sides)
    return (top is not None and bottom is not None and bottom <= top) or \
        (left is not None and right is not None and right <= left)


def _transparent(colour: str) -> bool:
    """A CSS colour that draws nothing: transparent, or an alpha of 0."""
    colour = colour.strip().lower()
    return colour == "transparent" or re.fullmatch(r"(rgb|hsl)a?\(((?:[^,/)]*,){3}|[^,/)]*/)\s*0*\.?0*%?\s*\)",
                                                   colour) is not None


def _own_text(el) -> str:
    """An element's own text (before its first child), none where a browser does not show it."""
    return "" if el.get(_UNSEEN) else el.text or ""


def _tail(el, parent) -> str:
    """The text after `el`, which its parent's colour draws."""
    return "" if parent.get(_UNSEEN) else el.tail or ""


def _apply_stylesheets(root, fetch: Callable[[str], bytes | None]) -> None:
    """What a page's stylesheets say about hiding, written on each element they match (`_SHEET`), so
    that a class a site hides its anti-copy characters with (`.x{display:none}`) hides them here too:
    its <style> elements and the stylesheets it links that `fetch` has (a saved page: the files saved
    beside it, `_saved`; a web archive: its parts, `mhtml`) and the sheets these @import, rules under
    @media screen or all only, weakest first as the cascade orders them (by the selector's specificity, then document order;
    `_declared` puts !important last)."""
    import cssselect
    import tinycss2
    from lxml import etree
    from lxml.cssselect import CSSSelector

    rules: list = []
    for el in root.iter("style", "link"):
        if not _screen(el.get("media")):  # media="print": not on a screen
            continue
        if el.tag == "style":
            rules += _rules(tinycss2.parse_stylesheet(el.text or "", skip_comments=True, skip_whitespace=True),
                            "", fetch, set())
        elif (el.get("rel") or "").lower().split() == ["stylesheet"] and el.get("href") \
                and (css := fetch(el.get("href"))):
            # ("alternate stylesheet": a look the reader may pick, not the one shown)
            rules += _rules(tinycss2.parse_stylesheet_bytes(css, skip_comments=True, skip_whitespace=True)[0],
                            el.get("href"), fetch, {el.get("href")})
    given: dict = {}  # element → [(specificity, order, declarations)]
    order = 0
    for rule in rules:
        taken = [(d.lower_name, tinycss2.serialize(d.value), d.important)
                 for d in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True)
                 if d.type == "declaration" and (d.lower_name in _HIDING or d.lower_name in _PLACING)]
        if not any(name in _HIDING or _telling(name, value.strip().lower()) for name, value, _ in taken):
            continue  # (a rule placing boxes only as pages do everywhere: not run over the page)
        said = ";".join(f"{name}:{value}{' !important' if important else ''}" for name, value, important in taken)
        for selector in tinycss2.serialize(rule.prelude).split(","):
            try:
                [parsed] = cssselect.parse(selector.strip())
                matched = CSSSelector(selector.strip(), translator="html")(root)
            except (cssselect.SelectorError, ValueError, etree.XPathError):  # :hover, ::before and the
                # like: no element as shown; svg|a: a namespace the page's HTML elements are in none of
                continue
            order += 1
            for el in matched:
                given.setdefault(el, []).append((parsed.specificity(), order, said))
    for el, found in given.items():
        el.set(_SHEET, ";".join(said for *_, said in sorted(found)))


def _rules(sheet: list, href: str, fetch: Callable[[str], bytes | None], seen: set[str]) -> list:
    """The qualified rules of a stylesheet (linked as `href`; "": the page's own) that apply on a screen:
    those at its top, inside @media screen / @media all (a rule for print, or for some window sizes
    only, does not), and those of the sheets it @imports for a screen, in their place (each once:
    `seen`; found by `fetch` against `href`, as a browser resolves them against the importing sheet)."""
    import tinycss2

    out = []
    for rule in sheet:
        if rule.type == "qualified-rule":
            out.append(rule)
        elif rule.type != "at-rule" or rule.lower_at_keyword not in ("media", "import"):
            continue
        elif rule.lower_at_keyword == "media" and rule.content is not None \
                and _screen(tinycss2.serialize(rule.prelude)):
            out += _rules(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                          href, fetch, seen)
        elif rule.lower_at_keyword == "import" and (target := _imported(rule.prelude)) is not None:
            link, media = target
            link = urljoin(href, link) if href and not href.startswith("cid:") else link  # cid: a page's <style>
            if link not in seen and len(seen) < _MAX_IMPORTS and _screen(media) and (css := fetch(link)):
                seen.add(link)
                out += _rules(tinycss2.parse_stylesheet_bytes(css, skip_comments=True, skip_whitespace=True)[0],
                              link, fetch, seen)
    return out


def _imported(prelude: list) -> tuple[str, str | None] | None:
    """What an @import names (`url(x)` or a string) and the media it is for (None: all); one with a
    layer() or supports() condition is taken as for all (a browser that knows them applies it)."""
    import tinycss2

    tokens = [t for t in prelude if t.type not in ("whitespace", "comment")]
    if not tokens:
        return None
    first = tokens[0]
    if first.type in ("url", "string"):
        link = first.value
    elif first.type == "function" and first.lower_name == "url" and \
            [a.type for a in first.arguments if a.type not in ("whitespace", "comment")] == ["string"]:
        link = next(a.value for a in first.arguments if a.type == "string")
    else:
        return None
    rest = [t for t in tokens[1:] if not (t.type == "function" and t.lower_name in ("layer", "supports"))
            and not (t.type == "ident" and t.lower_value == "layer")]
    return link, tinycss2.serialize(rest) if rest else None


def _screen(media: str | None) -> bool:
    """A media list (of @media, or a <link>'s or <style>'s media attribute; none: all) that takes in any
    screen: one of its queries is `screen` or `all` (a query with a condition, a window size, is not)."""
    return media is None or not media.strip() or any(
        re.fullmatch(r"\s*(only\s+)?(screen|all)\s*", query, re.I) for query in media.split(","))


def _saved(path: Path, href: str) -> bytes | None:
    """A linked stylesheet saved with the page (in its folder or below: "page_files/style.css"); one on
    the web, or missing, is not fetched (None)."""
    if re.match(r"[a-z][a-z0-9+.-]*:|//", href, re.I):
        return None
    from urllib.parse import unquote

    folder = path.resolve().parent
    try:
        css = (folder / unquote(href.split("?")[0].split("#")[0])).resolve()
        if css.is_relative_to(folder) and css.is_file() and css.stat().st_size <= _MAX_SHEET:
            return css.read_bytes()
    except (OSError, ValueError):  # a name no file can have (a NUL): none
        pass
    return None


def decode(path: Path, data: bytes, given: str | None = None) -> str:
    """The page's text, decoded as it declares (see the module's doc); `given`: the charset what holds
    the page names for it (a web archive's part), tried before all else."""
    if given:
        try:
            return data.decode(_WIDER.get(given.lower(), given))
        except (UnicodeDecodeError, LookupError):
            pass
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
    return read_page(decode(path, path.read_bytes()), lambda href: _saved(path, href))


def read_page(text: str, fetch: Callable[[str], bytes | None]) -> list[Table]:
    """A web page's tables, its text decoded, its linked stylesheets' bytes given by `fetch` (None for one
    it does not have: nothing is fetched from the web)."""
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    root = lxml.html.document_fromstring(text or "<html></html>")
    _cascade.cache_clear()  # the page before's styles: not kept
    _placing.cache_clear()
    for el in root.xpath(f"//*[@{_UNSEEN} or @{_SHEET}]"):  # the page's own: only this reader writes them
        for name in (_UNSEEN, _SHEET):
            el.attrib.pop(name, None)
    _apply_stylesheets(root, fetch)
    _mark_unseen(root)
    lines: list[str] = []
    out: list[Table] = []

    def flush() -> None:
        lines.append("")

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP or not tag or _gone(el):
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
        lines[-1:] = [(lines[-1] if lines else "") + _own_text(el)]
        for child in el:
            walk(child)
            if child.tail:
                lines[-1:] = [(lines[-1] if lines else "") + _tail(child, el)]
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
            text = _text(td)  # in a row hidden by visibility (`_mark_unseen`): its place kept, empty
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
        if tag in _SKIP or (tag and _gone(el)):
            pass
        elif tag:
            if not top and tag in _BLOCKS:
                parts.append(_BREAK)
            parts.append(_own_text(el))
            for child in el:
                walk(child, False)
            if not top and tag in _BLOCKS and tag != "br":
                parts.append(_BREAK)
        if not top and el.tail:
            parts.append(_tail(el, el.getparent()))

    walk(td, True)
    text = re.sub(r"[ \t\r\n\f]+", " ", "".join(parts))
    return clean(text.replace(_BREAK, "\n"))
