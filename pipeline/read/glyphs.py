"""A PDF page's printed glyphs and ruled lines, from pdfium: the raw material `grids` places.

Glyphs (`Char`) are read with their advance and ink boxes, baseline and size; `lines` groups them by
baseline and `runs` into stretches without a wide gap, in printed order whatever order the producer
wrote them in; `text` reads a run's spaces from its gaps. `ruled_lines` gives the page's horizontal
and vertical rules from its path objects, as Camelot's vector engine would. `misdrawn` finds text
drawn over other text, the mark of a damaged text layer; `seals` sets aside the ring text of an
electronic seal drawn over the form. Only what the page shows is read: what lies outside its CropBox
(`shown_box`), in a layer turned off (`Drawn.layers`) or under an opaque rectangle filled after it
(`Cover`, also from annotations: `annotations`) is not. Coordinates are those of the page as displayed
(`display`).
"""

from __future__ import annotations

import bisect
import ctypes
import dataclasses
import functools
import math
import re
import unicodedata
from collections import Counter
from operator import attrgetter, itemgetter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pypdfium2 as pdfium

from .ideographs import UNIFIED

if TYPE_CHECKING:
    from ..model import Seal
    from .pdf import Layers

Segment = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points
GAP = 0.6  # a gap wider than this ends a run of text
BASELINE = 0.2  # characters whose baselines are this close are on one line
SPACE = 0.15  # a gap this wide between two glyphs of a line is a word space
# between an ideograph (or a full-width form) and Latin text or a digit, a typesetter adds about a
# quarter em of its own (Writer and Word's Asian/Latin autospace: 0.21 em in LibreOffice's PDFs):
# such a gap is a space only where a space glyph is printed or it is wider than this
SCRIPT_GAP = 0.3
TOUCH = 0.1  # a glyph starting this close to where the previous one's advance ends is set after it
_X0, _X1, _SIZE, _BASE, _CX, _CY, _TEXT = (attrgetter(name) for name in ("x0", "x1", "size", "base", "cx", "cy",
                                                                         "text"))  # (for `map`)
_ALONG = attrgetter("x0", "x1", "text", "size")
_INK = tuple(attrgetter(name) for name in ("ink0", "ink1", "inky0", "inky1"))
_FIRST = itemgetter(0)
_TILTED = attrgetter("tilted")


class _Kept:
    """A value derived from a glyph's fields, worked out at its first use and kept in the glyph: a
    descriptor without `__set__`, so the glyph's own value is found first from then on. The page's
    reading asks each glyph's middle and slant a few times over (millions of property calls a
    corpus); `chars` sets them as it makes the glyph (the slant once per text object), and a glyph
    made otherwise (`dataclasses.replace`) gets its own."""

    def __init__(self, derive) -> None:
        self.derive, self.name, self.__doc__ = derive, derive.__name__, derive.__doc__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.derive(obj)
        return value


@dataclass(frozen=True)
class Char:
    """A printed glyph: its advance box across (x0–x1), its ink across (ink0–ink1), its baseline
    and its size on the page."""

    text: str
    x0: float
    x1: float
    ink0: float
    ink1: float
    base: float
    size: float  # em: font size times the text matrix's vertical scale, in points
    inky0: float = 0.0  # its ink up the page (bottom–top)
    inky1: float = 0.0
    angle: float = 0.0  # degrees its baseline is turned from the page's (as displayed), counter-clockwise
    colour: tuple[int, int, int] = (0, 0, 0)  # its fill, RGB
    spaced: bool = False  # a space glyph is printed just before it (not one pdfium inferred)
    # the box of the clip path its text object is drawn through, where the middle of its ink lies
    # outside it: a glyph a viewer does not show (`hidden`); None for a glyph that shows
    clip: tuple[float, float, float, float] | None = None
    # hidden by an opaque rectangle drawn over it (`clip` is its box), not by a clip path: what that is
    covered: str = ""

    @property
    def hidden(self) -> bool:
        """Drawn, but clipped away: the middle of its ink is outside its clip path, so a viewer shows
        at most a sliver of it (the top of a line cut by a cell's bottom border)."""
        return self.clip is not None

    @_Kept
    def tilted(self) -> bool:
        """Drawn at a slant: neither along the page's lines nor across them (a seal's ring text)."""
        return _tilted(self.angle)

    @_Kept
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @_Kept
    def cy(self) -> float:
        return self.base + 0.35 * self.size  # the middle of the em box (ascent 0.85, descent 0.15)


def _tilted(angle: float) -> bool:
    return angle != 0.0 and abs((angle + 45) % 90 - 45) > _SLANT


Matrix = tuple[float, float, float, float, float, float]  # a b c d e f: x' = ax + cy + e, y' = bx + dy + f
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SLANT = 3.0  # degrees: a glyph turned more than this off the page's axes is drawn at a slant


def shown_box(page: pdfium.PdfPage) -> tuple[float, float, float, float]:
    """The part of the page a viewer shows and a printer prints: its CropBox, within its MediaBox (a
    page without one shows its MediaBox). Text and rules outside it are in the content all the same.
    The box as pdfium makes it (its corners in either order; a CropBox of no area shows the MediaBox),
    and the MediaBox where the CropBox lies wholly outside it (as pdf.js shows it; pdfium shows nothing)."""
    x0, y0, x1, y1 = page.get_bbox()
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else _media(page)


def _media(page: pdfium.PdfPage) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = page.get_mediabox()
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def cropped(page: pdfium.PdfPage) -> bool:
    """The page shows less than its MediaBox (`shown_box`)."""
    return shown_box(page) != _media(page)


def within(chars: list[Char], lines: tuple[list[Segment], list[Segment]], box: tuple[float, float, float, float]
           ) -> tuple[list[Char], tuple[list[Segment], list[Segment]]]:
    """The glyphs whose ink's middle lies in `box` (a cropped page's `shown_box`, as displayed), and
    the ruled lines that reach into it: a glyph outside is not shown, a line that runs past its edge
    is kept whole, so that a table the crop cuts is seen cut (`grids._past_the_page`)."""
    x0, y0, x1, y1 = box
    shown = [ch for ch in chars if x0 - 1 <= (ch.ink0 + ch.ink1) / 2 <= x1 + 1
             and y0 - 1 <= (ch.inky0 + ch.inky1) / 2 <= y1 + 1]
    horizontal, vertical = ([s for s in side if min(s[0], s[2]) <= x1 + 1 and max(s[0], s[2]) >= x0 - 1
                             and min(s[1], s[3]) <= y1 + 1 and max(s[1], s[3]) >= y0 - 1] for side in lines)
    return shown, (horizontal, vertical)


def display(page: pdfium.PdfPage) -> tuple[Matrix, tuple[float, float, float, float]]:
    """The page as it is displayed: the matrix from its user space to it, and its box there. A page
    stored with /Rotate (Word and WPS store a landscape page as a portrait one turned 90°, its content
    drawn turned back) is read the way it shows; an upright page keeps its own coordinates. The box
    is what the page shows (`shown_box`: its CropBox)."""
    x0, y0, x1, y1 = shown_box(page)
    turn = page.get_rotation()  # clockwise, as displayed
    if turn == 90:
        return (0.0, -1.0, 1.0, 0.0, -y0, x1), (0.0, 0.0, y1 - y0, x1 - x0)
    if turn == 180:
        return (-1.0, 0.0, 0.0, -1.0, x1, y1), (0.0, 0.0, x1 - x0, y1 - y0)
    if turn == 270:
        return (0.0, 1.0, -1.0, 0.0, y1, -x0), (0.0, 0.0, y1 - y0, x1 - x0)
    return IDENTITY, (x0, y0, x1, y1)


_SIDEWAYS_SAMPLE = 80  # glyphs, spread over the page, looked at to tell which way its text runs
_SIDEWAYS = 2 / 3  # of those: this share running one way other than left to right turns the page


def upright(textpage: pdfium.PdfTextPage, turn: Matrix, box: tuple[float, float, float, float]
            ) -> tuple[Matrix, tuple[float, float, float, float]]:
    """The page turned by quarter turns until its text runs left to right, as a reader turns the paper:
    a landscape table printed sideways on a portrait page (决算 disclosures bind them so), or a page
    whose /Rotate shows it on its side. `turn` and `box` as `display` gives them; unchanged where the
    text mostly runs left to right already, or the page has none."""
    lib = pdfium.raw
    matrix = lib.FS_MATRIX()
    ta, tb, tc, td, _, _ = turn
    ways = [0, 0, 0, 0]  # glyphs whose baseline runs at 0, 90, 180, 270 degrees, counter-clockwise
    seen = 0
    count = textpage.count_chars()
    for i in range(0, count, max(1, count // _SIDEWAYS_SAMPLE)):
        code = lib.FPDFText_GetUnicode(textpage.raw, i)
        if code <= 32 or not lib.FPDFText_GetMatrix(textpage.raw, i, ctypes.byref(matrix)):
            continue
        seen += 1
        dx, dy = ta * matrix.a + tc * matrix.b, tb * matrix.a + td * matrix.b
        if abs(dx) > 20 * abs(dy):
            ways[0 if dx > 0 else 2] += 1
        elif abs(dy) > 20 * abs(dx):
            ways[1 if dy > 0 else 3] += 1
    way = max(range(4), key=ways.__getitem__)
    if way == 0 or ways[way] < _SIDEWAYS * seen:
        return turn, box
    a, b, c, d, e, f = turn
    x0, y0, x1, y1 = box
    if way == 1:  # text running up the page: turned clockwise
        turned: Matrix = (b, -a, d, -c, f - y0, x1 - e)
        return turned, (0.0, 0.0, y1 - y0, x1 - x0)
    if way == 3:  # running down: turned counter-clockwise
        return (-b, a, -d, c, y1 - f, e - x0), (0.0, 0.0, y1 - y0, x1 - x0)
    return (-a, -b, -c, -d, x1 - e, y1 - f), (0.0, 0.0, x1 - x0, y1 - y0)


def _box(m: Matrix, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
    """A box through `m`, as the box around its corners."""
    if m == IDENTITY:
        return left, bottom, right, top
    a, b, c, d, e, f = m
    xs = [a * x + c * y + e for x in (left, right) for y in (bottom, top)]
    ys = [b * x + d * y + f for x in (left, right) for y in (bottom, top)]
    return min(xs), min(ys), max(xs), max(ys)
_ORTHOGONAL = 0.5  # points: Camelot's tolerance for a line to count as horizontal or vertical
_THIN = 1.5  # points: a filled rectangle this thin is a ruled line (Camelot's rule)


def ruled_lines(page: pdfium.PdfPage, turn: Matrix = IDENTITY, drawn: "Drawn | None" = None
                ) -> tuple[list[Segment], list[Segment]]:
    """The page's ruled lines (horizontal, vertical), as Camelot's vector engine reads them from a
    layout (`find_lines_from_layout`), read here from pdfium's path objects: a stroked two-point
    subpath is a line, an axis-aligned rectangle gives its four edges when stroked, or its long axis
    when filled and thin; curves are no ruling. The same lines as Camelot's on every fixture page.
    `drawn`: where given, the page's text objects met on the way are listed in it (for `chars`)."""
    from camelot.image_processing import coalesce_collinear_lines

    found: list[Segment] = []
    for points, stroked, filled in _subpaths(page, turn, drawn):
        if len(points) == 5 and points[0] == points[4]:
            points = points[:4]
        if len(points) == 2:
            if stroked:
                found.append((*points[0], *points[1]))
        elif len(points) == 4 and len({x for x, _ in points}) <= 2 and len({y for _, y in points}) <= 2:
            x0, x1 = min(x for x, _ in points), max(x for x, _ in points)
            y0, y1 = min(y for _, y in points), max(y for _, y in points)
            if stroked:
                found += [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)]
            elif filled and min(x1 - x0, y1 - y0) <= _THIN < max(x1 - x0, y1 - y0):
                mx, my = (x0 + x1) / 2, (y0 + y1) / 2
                found.append((x0, my, x1, my) if x1 - x0 >= y1 - y0 else (mx, y0, mx, y1))
    horizontal = [(min(x0, x1), y0, max(x0, x1), y0) for x0, y0, x1, y1 in found
                  if abs(y1 - y0) <= _ORTHOGONAL and x1 != x0]
    vertical = [(x0, min(y0, y1), x0, max(y0, y1)) for x0, y0, x1, y1 in found
                if abs(x1 - x0) <= _ORTHOGONAL and y1 != y0]
    return (coalesce_collinear_lines(horizontal, "horizontal"),
            coalesce_collinear_lines(vertical, "vertical"))


def _subpaths(page: pdfium.PdfPage, turn: Matrix = IDENTITY, drawn: "Drawn | None" = None
              ) -> Iterator[tuple[list[tuple[float, float]], bool, bool]]:
    """(points on the page as displayed through `turn`, stroked, filled) of every subpath the page
    paints, form XObjects included; its text objects, each with the matrix of what holds it, into
    `drawn` where given. pdfium's functions are called through `_path_calls` (addresses as plain
    ints), a page's hundreds of objects and their segments at half the cost of its bindings'
    argument conversion."""
    raw = pdfium.raw
    (count_objects, get_object, get_type, count_form, get_form_object, get_matrix, draw_mode,
     count_segments, get_segment, get_point, segment_type) = _path_calls()
    form, path, moveto = raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_PATH, raw.FPDF_SEGMENT_MOVETO
    text, texts = (raw.FPDF_PAGEOBJ_TEXT, drawn.objects) if drawn is not None else (-1, [])  # (no kind is -1)
    modes = (ctypes.c_int * 2)()
    at_fill, at_stroke = ctypes.byref(modes, 0), ctypes.byref(modes, 4)
    order, covers = (drawn.order, drawn.covers) if drawn is not None else ({}, [])
    fill_colour = bare("FPDFPageObj_GetFillColor")
    rgba = (ctypes.c_uint * 4)()
    at_rgba = [ctypes.byref(rgba, 4 * k) for k in range(4)]
    point = (ctypes.c_float * 2)()
    at_x, at_y = ctypes.byref(point, 0), ctypes.byref(point, 4)
    matrix = raw.FS_MATRIX()
    at_matrix = ctypes.byref(matrix)

    def placed(obj, outer: tuple[float, ...]) -> tuple[float, ...]:
        if not get_matrix(obj, at_matrix):
            return outer
        return _times((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)

    found: list[tuple[list[tuple[float, float]], bool, bool]] = []

    in_layer = _layer_test(drawn.layers) if drawn is not None and drawn.layers else None

    def walk(objects: list, outer: tuple[float, ...]) -> None:
        for obj in objects:
            kind = get_type(obj)
            layer = in_layer(obj) if in_layer is not None else None
            if layer is not None:
                held = [obj] if kind == text else list(_texts_in(obj)) if kind == form else []
                if layer is True:  # drawn in a layer turned off: not shown
                    drawn.unseen.update(held)
                    continue
                if held:
                    drawn.unjudged.append(layer)
            if kind == form:
                walk([get_form_object(obj, k) for k in range(count_form(obj))], placed(obj, outer))
            elif kind == path:
                a, b, c, d, e, f = placed(obj, outer)
                draw_mode(obj, at_fill, at_stroke)
                fill, stroke = modes[:]
                subpaths: list[list[tuple[float, float]]] = []
                for k in range(count_segments(obj)):
                    segment = get_segment(obj, k)
                    get_point(segment, at_x, at_y)
                    x, y = point[:]
                    if segment_type(segment) == moveto or not subpaths:
                        subpaths.append([])
                    subpaths[-1].append((x * a + y * c + e, x * b + y * d + f))
                shown = bool(stroke), fill != 0
                found.extend((points, *shown) for points in subpaths)
                if fill and order:  # filled after some text: does it cover any?
                    _cover(subpaths, len(found), obj, fill_colour, rgba, at_rgba, covers, fill == 1, turn)
            elif kind == text:
                texts.append((obj, outer))
                order[obj] = len(found)

    handle = address(page.raw)
    walk([get_object(handle, k) for k in range(count_objects(handle))], turn)
    return iter(found)


def _layer_test(layers: "Layers"):
    """A test of whether a page object is drawn in a layer turned off (`layers`): marked content /OC
    naming an optional content group (`BDC`) whose /Name is one of them (pdfium gives each object the
    marks it is drawn in, each with its property dictionary's entries). It gives True (hidden), None
    (shown), or what it cannot judge: a membership dictionary (/OCMD: its groups are not read through
    pdfium), or a name a hidden and a shown layer bear."""
    count, get, name_of, value_of = (bare("FPDFPageObj_CountMarks"), bare("FPDFPageObj_GetMark", ctypes.c_void_p),
                                     bare("FPDFPageObjMark_GetName"), bare("FPDFPageObjMark_GetParamStringValue"))
    buffer = (ctypes.c_ushort * 256)()
    size = ctypes.c_ulong()
    at_buffer, at_size = ctypes.byref(buffer), ctypes.byref(size)

    def text() -> str:
        return bytes(buffer)[:max(size.value - 2, 0)].decode("utf-16-le", errors="replace")

    def hidden_in(obj: int) -> bool | str | None:
        handle = ctypes.c_void_p(obj)
        found = None
        for k in range(count(handle)):
            mark = ctypes.c_void_p(get(handle, k))
            if not (name_of(mark, at_buffer, ctypes.c_ulong(512), at_size) and text() == "OC"):
                continue
            if not value_of(mark, b"Name", at_buffer, ctypes.c_ulong(512), at_size):
                found = "a membership dictionary (/OCMD)"
                continue
            name = text()
            if name in layers.hidden:
                return True
            if name in layers.unsure:
                found = f"the layer {name!r}, a name a layer turned off and one shown both bear"
        return found

    return hidden_in


def _texts_in(form: int) -> Iterator[int]:
    """The text objects a form XObject draws, in forms it draws too."""
    _, _, get_type, count_form, get_form_object, *_ = _path_calls()
    for k in range(count_form(form)):
        obj = get_form_object(form, k)
        kind = get_type(obj)
        if kind == pdfium.raw.FPDF_PAGEOBJ_TEXT:
            yield obj
        elif kind == pdfium.raw.FPDF_PAGEOBJ_FORM:
            yield from _texts_in(obj)


def _cover(subpaths: list[list[tuple[float, float]]], after: int, obj: int, fill_colour, rgba, at_rgba,
           covers: list["Cover"], even_odd: bool, turn: Matrix) -> None:
    """The filled path's axis-aligned rectangles wider and taller than a ruled line (`_THIN`), as
    `Cover`s, where its fill is opaque (alpha 255): each with the subpaths it holds that its fill rule
    leaves empty (`_solid`: a frame drawn as two rectangles covers its rim only), and cut to the clip
    path it is drawn through (a white page filled through a clip of a margin covers the margin only)."""
    solid = _solid(subpaths, even_odd)
    if not solid or not fill_colour(ctypes.c_void_p(obj), *at_rgba):
        return
    r, g, b, a = rgba[:]
    if a != 255:
        return
    clip = _clip_box(obj, turn)
    white = min(r, g, b) >= _WHITE
    for (x0, y0, x1, y1), holes in solid:
        if clip is not None:
            x0, y0, x1, y1 = max(x0, clip[0]), max(y0, clip[1]), min(x1, clip[2]), min(y1, clip[3])
            if min(x1 - x0, y1 - y0) <= _THIN:
                continue
        covers.append(Cover(after, (x0, y0, x1, y1), white, holes=holes))


Box = tuple[float, float, float, float]


def _solid(subpaths: list[list[tuple[float, float]]], even_odd: bool) -> list[tuple[Box, tuple[Box, ...]]]:
    """The path's axis-aligned rectangles wider and taller than a ruled line (`_THIN`), each with the
    boxes of the other subpaths inside it that its fill leaves empty: under the even-odd rule any, under
    the nonzero rule those wound the other way (a rectangle frame, a table's borders as one path with a
    hole per cell). A rectangle that is itself such a hole is none."""
    boxes, solid = [], []
    for points in subpaths:
        xs, ys = [x for x, _ in points], [y for _, y in points]
        box = (min(xs), min(ys), max(xs), max(ys))
        corners = len(points) - (len(points) == 5 and points[0] == points[4])
        if corners == 4 and len(set(xs)) <= 2 and len(set(ys)) <= 2 and min(box[2] - box[0], box[3] - box[1]) > _THIN:
            solid.append(len(boxes))
        boxes.append(box)
    if not solid:  # most paths
        return []
    if len(boxes) == 1:
        return [(boxes[0], ())]
    wound = [even_odd or sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(p, p[1:] + p[:1])) > 0
             for p in subpaths]
    out, holes_of = [], set()
    for i in solid:
        x0, y0, x1, y1 = box = boxes[i]
        holes = [j for j, b in enumerate(boxes) if j != i and b != box and (even_odd or wound[j] != wound[i])
                 and x0 <= b[0] and y0 <= b[1] and b[2] <= x1 and b[3] <= y1]
        holes_of.update(holes)
        out.append((i, tuple(boxes[j] for j in holes)))
    return [(boxes[i], holes) for i, holes in out if i not in holes_of]


_HIDDEN, _PRINT, _NO_VIEW = 2, 4, 32  # an annotation's /F flags
_MARKUP = {9, 10, 11, 12}  # Highlight, Underline, Squiggly, StrikeOut: drawn see-through, over the text they mark
_NAMES = {1: "Text", 3: "FreeText", 4: "Line", 5: "Square", 6: "Circle", 7: "Polygon", 13: "Stamp", 14: "Caret",
          15: "Ink", 20: "Widget", 28: "Redact"}


def annotations(page: pdfium.PdfPage, turn: Matrix = IDENTITY) -> tuple[list["Cover"], list[tuple[
        tuple[float, float, float, float], str]]]:
    """What the page's annotations show over its content, which pdfium's text page leaves out: the
    boxes of those whose appearance fills an opaque rectangle (`Cover`s drawn after everything: a
    white Square over a value, a Redact or a black Square over one), and the boxes of those whose
    appearance prints text (a FreeText typed over a cell, a form field's value), each with its subtype
    and contents for a message. Not those hidden (/F Hidden, or NoView and not Print), a Popup or a
    Link, text markup (drawn see-through), nor a Stamp's lettering: an electronic seal is drawn as a
    Stamp over the unit's name or the totals, and its text is no value (it is not read)."""
    raw = pdfium.raw
    count = raw.FPDFPage_GetAnnotCount(page.raw)
    covers: list[Cover] = []
    texts: list[tuple[tuple[float, float, float, float], str]] = []
    if not count:  # most pages
        return covers, texts
    rect = raw.FS_RECTF()
    for k in range(count):
        annot = raw.FPDFPage_GetAnnot(page.raw, k)
        if not annot:
            continue
        try:
            kind, flags = raw.FPDFAnnot_GetSubtype(annot), raw.FPDFAnnot_GetFlags(annot)
            if flags & _HIDDEN or (flags & _NO_VIEW and not flags & _PRINT) or kind in _MARKUP \
                    or kind not in _NAMES or not raw.FPDFAnnot_GetRect(annot, rect):
                continue
            box = _box(turn, min(rect.left, rect.right), min(rect.bottom, rect.top), max(rect.left, rect.right),
                       max(rect.bottom, rect.top))
            objects = [raw.FPDFAnnot_GetObject(annot, n) for n in range(raw.FPDFAnnot_GetObjectCount(annot))]
            kinds = [raw.FPDFPageObj_GetType(obj) for obj in objects]
            # a FreeText with no appearance of its own: a viewer draws its /Contents (pdfium does not); a
            # form field with none (a form filled leaving NeedAppearances to the viewer), its value /V
            said = _contents(annot, b"V" if kind == 20 and not objects else b"Contents")
            if (raw.FPDF_PAGEOBJ_TEXT in kinds or kind in (3, 20) and said and not objects) and kind != 13:
                texts.append((box, f"a {_NAMES[kind]} annotation{said}"))
            if _opaque_ground(objects, kinds):
                # never dropped as a white-out: what the annotation shows instead is not read
                covers.append(Cover(1 << 62, box, False, f"a {_NAMES[kind]} annotation"))
        finally:
            raw.FPDFPage_CloseAnnot(annot)
    return covers, texts


def _opaque_ground(objects: list, kinds: list[int]) -> bool:
    """Whether an annotation's appearance fills an opaque rectangle over half of what it draws or more
    (a Square, a Redact, a form field's background): it hides what lies under its /Rect. A seal drawn
    in vector rings, a note's icon, a frame are not such a ground (an electronic seal is stamped over
    the unit's name: it was read as covering it)."""
    raw = pdfium.raw
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    grounds, bounds = [], []
    for obj, what in zip(objects, kinds):
        if raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            bounds.append((left.value, bottom.value, right.value, top.value))
        if what == raw.FPDF_PAGEOBJ_PATH and raw.FPDFPath_GetDrawMode(obj, fill, stroke) and fill.value \
                and raw.FPDFPageObj_GetFillColor(obj, r, g, b, a) and a.value == 255:
            grounds += _solid(list(_points(obj)), fill.value == 1)
    if not grounds or not bounds:
        return False
    whole = (max(b[2] for b in bounds) - min(b[0] for b in bounds)) * (max(b[3] for b in bounds) - min(b[1] for b in bounds))
    return any(_area(box) - sum(map(_area, holes)) >= whole / 2 for box, holes in grounds)


def _area(box: tuple[float, float, float, float]) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _points(obj) -> Iterator[list[tuple[float, float]]]:
    """A path object's subpaths, each as its points through the object's matrix."""
    raw = pdfium.raw
    matrix, x, y = raw.FS_MATRIX(), ctypes.c_float(), ctypes.c_float()
    m = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f) if raw.FPDFPageObj_GetMatrix(obj, matrix) \
        else IDENTITY
    subpath: list[tuple[float, float]] = []
    for k in range(raw.FPDFPath_CountSegments(obj)):
        segment = raw.FPDFPath_GetPathSegment(obj, k)
        if not raw.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        if raw.FPDFPathSegment_GetType(segment) == raw.FPDF_SEGMENT_MOVETO and subpath:
            yield subpath
            subpath = []
        subpath.append((x.value * m[0] + y.value * m[2] + m[4], x.value * m[1] + y.value * m[3] + m[5]))
    if subpath:
        yield subpath


def _contents(annot, key: bytes = b"Contents") -> str:
    """ " ('9.00')": an annotation's /Contents (or its string `key`), for a message, or nothing."""
    size = pdfium.raw.FPDFAnnot_GetStringValue(annot, key, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    pdfium.raw.FPDFAnnot_GetStringValue(annot, key, ctypes.cast(buffer, ctypes.POINTER(pdfium.raw.FPDF_WCHAR)), size)
    text = buffer.raw[:size - 2].decode("utf-16-le", errors="replace")
    return f" ({text[:24]!r})" if text.strip() else ""


def _times(m: Matrix, outer: Matrix) -> Matrix:
    """`m` then `outer`: an object's matrix placed in what holds it (a form XObject's, the page's)."""
    a1, b1, c1, d1, e1, f1 = m
    a2, b2, c2, d2, e2, f2 = outer
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


@functools.cache
def _path_calls() -> tuple:
    """The pdfium functions `_subpaths` calls, each typed to take and give addresses as ints
    (`ctypes.c_void_p`): FPDFPage_CountObjects, _GetObject, FPDFPageObj_GetType, FPDFFormObj_
    CountObjects, _GetObject, FPDFPageObj_GetMatrix, FPDFPath_GetDrawMode, _CountSegments,
    _GetPathSegment, FPDFPathSegment_GetPoint, _GetType."""
    p, i, v = ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p

    def typed(name: str, restype, *argtypes):
        return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(getattr(pdfium.raw, name), ctypes.c_void_p).value)

    return (typed("FPDFPage_CountObjects", i, p), typed("FPDFPage_GetObject", v, p, i),
            typed("FPDFPageObj_GetType", i, p), typed("FPDFFormObj_CountObjects", i, p),
            typed("FPDFFormObj_GetObject", v, p, ctypes.c_ulong), typed("FPDFPageObj_GetMatrix", i, p, p),
            typed("FPDFPath_GetDrawMode", i, p, p, p), typed("FPDFPath_CountSegments", i, p),
            typed("FPDFPath_GetPathSegment", v, p, i), typed("FPDFPathSegment_GetPoint", i, p, p, p),
            typed("FPDFPathSegment_GetType", i, p))


class Drawn:
    """The text objects a page draws, each with the matrix of what holds it (the page, or a form drawn
    on it) to the page as displayed, as `ruled_lines` meets them; then, from `chars`, those its text
    page left out with nothing to show, in a font the PDF does not embed (`unshown`).

    pdfium leaves out of its text page a text object none of whose glyphs has an outline (its ink box
    is under 0.01 point wide, `_NO_WIDTH`: `CPDF_TextPage::ProcessTextObject`): a lone space, and, in a font the
    PDF does not embed, a lone glyph the font the machine reads it with lacks (a rare ideograph, a
    sign "≧" alone in its cell). Such a cell would load empty or short, so what those objects print
    is asked of the content stream (`pdf.unshown`)."""

    def __init__(self) -> None:
        self.objects: list[tuple[int, Matrix]] = []
        self.unshown: list[tuple[str, float, float]] = []  # (font, x, y of its first glyph's origin)
        # the opaque filled rectangles drawn after some text (`Cover`), and each text object's place in
        # the drawing order: a glyph under a later one is not shown (`chars`)
        self.covers: list[Cover] = []
        self.order: dict[int, int] = {}
        # the layers the document turns off (`pdf.Layers`), and the text objects drawn in one: not
        # shown, so not read (nor are the paths drawn in one ruling); `unjudged`: text drawn in optional
        # content whose visibility is not read here (an /OCMD, a name both a hidden and a shown layer bear)
        self.layers: Layers | None = None
        self.unseen: set[int] = set()
        self.unjudged: list[str] = []
        # the boxes (user space) of the fills the page blends with what lies under them (`pdf.blended_fills`),
        # asked for only where a fill drawn after text lies over a glyph: such a fill covers nothing
        self.blended: Callable[[], list[tuple[float, float, float, float]]] | None = None


@dataclass(frozen=True)
class Cover:
    """An opaque filled rectangle (wider and taller than a ruled line) drawn after text: what it lies
    over is not shown. `white`: filled with the paper's colour (a white-out); else it shows as a box
    (a redaction drawn over text that was left in the content)."""

    after: int  # its place in the page's drawing order: it covers the text objects drawn before it
    box: tuple[float, float, float, float]
    white: bool
    what: str = "a box drawn over it"  # for a message
    holes: tuple[tuple[float, float, float, float], ...] = ()  # inside `box`, left empty by its fill rule

    def over(self, x: float, y: float) -> bool:
        """Whether the point lies under the rectangle's paint."""
        b = self.box
        return b[0] <= x <= b[2] and b[1] <= y <= b[3] and not any(
            h[0] < x < h[2] and h[1] < y < h[3] for h in self.holes)


def chars(textpage: pdfium.PdfTextPage, turn: Matrix = IDENTITY, drawn: Drawn | None = None) -> list[Char]:
    """The page's printed glyphs, in no particular order, placed on the page as displayed through
    `turn` (`display`): whitespace is not a glyph here (`text` reads spaces from the gaps), nor are
    the spaces and line breaks pdfium invents. Their colours are read only on a page with glyphs
    at a slant (what `seals` looks at); elsewhere every glyph is taken as black. `drawn`: the page's
    text objects (`ruled_lines`), where given, gets those left out of the text page unshown in a
    font the PDF does not embed (`Drawn`): a page whose every text object is in the text page pays
    nothing more than a comparison of two counts (a text object of spaces alone is counted left out,
    and looked at, to find nothing lost).

    This is the per-glyph loop of the reading, so it asks pdfium as little as it can: the page's
    characters in one call (`_codes`), then per glyph its two boxes, origin and text object through
    pdfium's own functions with their out-parameters made once; the matrix and font size, which
    pdfium keeps per text object (a glyph's matrix is its object's text matrix times its form's,
    `CPDF_TextPage::ProcessTextObject`), once per text object; and each `Char` is made without the
    frozen dataclass's per-field `__setattr__`. Only a space is asked whether pdfium generated it:
    the characters pdfium generates are spaces and line breaks."""
    lib = pdfium.raw
    raw = address(textpage.raw)
    is_generated, loose_box, char_box, get_matrix, font_size, origin = _bare()
    matrix = lib.FS_MATRIX()
    at_matrix = ctypes.byref(matrix)
    # the out-parameters as two arrays, each read in one slice: the loose box (an FS_RECTF: left,
    # top, right, bottom, floats) and the ink box (left, right, bottom, top) with the origin (x, y)
    loose = (ctypes.c_float * 4)()
    at_loose = ctypes.byref(loose)
    ink = (ctypes.c_double * 6)()
    at_left, at_right, at_bottom, at_top, at_ox, at_oy = (ctypes.byref(ink, 8 * k) for k in range(6))
    ta, tb, tc, td, te, tf = turn
    upright = turn == IDENTITY
    new = object.__new__
    text_object = bare("FPDFText_GetTextObject", ctypes.c_void_p)
    # per text object: (size, angle, its font size, matrix a, matrix b, the box it is clipped to, tilted)
    placing: dict[int, tuple[float, float, float, float, float, tuple[float, float, float, float] | None,
                             bool]] = {}
    out: list[Char] = []
    index: list[int] = []
    count = textpage.count_chars()
    codes = _codes(textpage, count)  # radicals named as the ideographs they draw (`ideographs`)
    if codes is None:
        codes = [UNIFIED.get(code) or chr(code) if code <= 0x10FFFF else "\ufffd"
                 for code in (lib.FPDFText_GetUnicode(textpage.raw, i) for i in range(count))]
    spaced = False
    last = 0  # the text object of the glyph before: its glyphs follow one another
    shapeless: set[int] = set()  # text objects with an ideograph pdfium found no outline for
    whites: list[int] = []  # the glyphs (in `out`) filled white
    covers, order, unseen = (drawn.covers, drawn.order, drawn.unseen) if drawn is not None else ([], {}, set())
    covered: list[tuple[int, int, Cover]] = []  # the glyphs (in `out`) under a later opaque rectangle
    covers = sorted(covers, key=attrgetter("after"))  # (drawn in this order: sorted already, but for a caller's)
    afters = [c.after for c in covers]
    under: dict[int, list[tuple[int, float, float]]] = {}  # per text object with covers after it: its glyphs
    white_fill = _white_test()
    for i, text in enumerate(codes):
        # a code its font maps to no character: pdfium gives it as 0, or as a control character of its
        # own number, 9-13 and 28-31 among them (a generated character is a space or a line break)
        unknown = (text < " " or "\x7f" <= text <= "\x9f") and is_generated(raw, i) != 1
        if not unknown and (text.isspace() or text == "\0"):
            spaced = spaced or (text == " " and is_generated(raw, i) != 1)
            continue
        if not loose_box(raw, i, at_loose):  # x: the glyph's advance
            raise pdfium.PdfiumError("Failed to get charbox.")
        if not char_box(raw, i, at_left, at_right, at_bottom, at_top):
            raise pdfium.PdfiumError("Failed to get charbox.")
        obj = text_object(raw, i)
        if unseen and obj in unseen:  # drawn in a layer turned off (`Drawn.layers`)
            continue
        if obj != last or not obj:
            placed = placing.get(obj) if obj else None
            if placed is None:
                size, angle, em, ma, mb = 0.0, 0.0, 0.0, 0.0, 0.0
                if get_matrix(raw, i, at_matrix):
                    ma, mb, em = matrix.a, matrix.b, font_size(raw, i)
                    size = em * math.hypot(matrix.c, matrix.d)
                    if matrix.b or not upright:
                        angle = math.degrees(math.atan2(tb * matrix.a + td * matrix.b, ta * matrix.a + tc * matrix.b))
                placed = (size, angle, em, ma, mb, _clip_box(obj, turn) if obj else None, _tilted(angle),
                          bool(obj) and white_fill(obj),
                          _later(covers, afters, order, obj) if covers else None)
                if obj:
                    placing[obj] = placed
            size, angle, em, ma, mb, box, tilted, white, over = placed
            sized = size > 0
            least = max(size, 1.0)  # the size a glyph of a sized object is given
            last = obj
        has_origin = origin(raw, i, at_ox, at_oy)
        x0, y1, x1, y0 = loose[:]
        ink0, ink1, inky0, inky1, ox, oy = ink[:]
        if unknown:  # inked, it prints what no reading can name (`UNKNOWN`); else it prints nothing
            if inky1 - inky0 < _NO_INK * least or ink1 - ink0 < _NO_INK * least:
                continue
            text = UNKNOWN
        if inky1 - inky0 < _NO_INK * least and _ideograph(text):
            shapeless.add(obj)  # an ideograph with no outline: its font missing, or the glyph (`_check_fonts`)
        if x0 == ink0 and y0 == inky0 and x1 == ink1 and y1 == inky1 and has_origin and sized and not mb \
                and ma > 0 and unicodedata.east_asian_width(text) in "WF":
            # pdfium knew no advance (its "loose" box is the ink): a full-width glyph (an ideograph)
            # is one em wide from its origin, the em across as the text matrix scales it
            x0, x1 = ox, ox + em * ma
        if not upright:
            x0, y0, x1, y1 = _box(turn, x0, y0, x1, y1)
            ink0, inky0, ink1, inky1 = _box(turn, ink0, inky0, ink1, inky1)
        # no matrix: the font's box, too tall for some fonts but never empty
        em_size = least if sized else max(y1 - y0, 1.0)
        base = tb * ox + td * oy + tf if has_origin else y0
        hidden = None
        if box is not None:
            cx0, cy0, cx1, cy1 = box
            mx = (ink0 + ink1) / 2 if ink1 > ink0 else (x0 + x1) / 2
            my = (inky0 + inky1) / 2 if inky1 > inky0 else (y0 + y1) / 2
            if not (cx0 - _CLIP_TOL <= mx <= cx1 + _CLIP_TOL and cy0 - _CLIP_TOL <= my <= cy1 + _CLIP_TOL):
                hidden = box
        if white:  # shown only over a fill or an image (`_on_paper` below)
            whites.append(len(out))
        if over:  # drawn before an opaque rectangle: shown only outside it (`_under`, after the loop)
            under.setdefault(obj, []).append((len(out), (ink0 + ink1) / 2, (inky0 + inky1) / 2))
        ch = new(Char)
        ch.__dict__.update(text=text, x0=x0, x1=x1, ink0=ink0, ink1=ink1, base=base, size=em_size,
                           inky0=inky0, inky1=inky1, angle=angle, colour=(0, 0, 0), spaced=spaced,
                           clip=hidden, cx=(x0 + x1) / 2, cy=base + 0.35 * em_size,  # as `Char.cx`, `cy`,
                           tilted=tilted)  # `Char.tilted`
        spaced = False
        out.append(ch)
        index.append(i)
    for obj, at in under.items():
        covered += _under(at, placing[obj][-1], obj)
    if covered and drawn is not None and drawn.blended is not None:
        covered = _unblended(covered, drawn.blended(), turn)
    if covered:  # what a later opaque rectangle lies over is not shown (`_uncovered`)
        out, index = _uncovered(out, index, covered, [text_object(raw, i) for i in index])
    if whites:  # white on the paper shows nothing: a spreadsheet's helper text in a white font
        unseen = set(_on_paper(textpage, [index[k] for k in whites]))
        if unseen:
            keep = [k for k in range(len(out)) if index[k] not in unseen]
            out, index = [out[k] for k in keep], [index[k] for k in keep]
    if shapeless:  # the objects of the ideographs that have an outline: their fonts were found
        inked = {text_object(raw, i) for ch, i in zip(out, index) if _ideograph(ch.text)
                 and min(ch.ink1 - ch.ink0, ch.inky1 - ch.inky0) >= _NO_INK * ch.size}
        _check_fonts(shapeless, inked)
    if drawn is not None and len(placing) < len(drawn.objects):  # some text object left out: which, why
        drawn.unshown = _unshown([(obj, m) for obj, m in drawn.objects if obj not in placing])
    if sum(map(_TILTED, out)) >= 3 or _large(out):  # a seal's ring or a watermark, maybe: its colour
        # tells its text from the form's
        r, g, b, alpha = (ctypes.c_uint() for _ in range(4))
        for k, i in enumerate(index):
            if lib.FPDFText_GetFillColor(textpage.raw, i, r, g, b, alpha):
                out[k] = dataclasses.replace(out[k], colour=(r.value, g.value, b.value))
    return out


def _later(covers: list[Cover], afters: list[int], order: dict[int, int], obj: int) -> list[Cover] | None:
    """The covers drawn after text object `obj` (`covers` in drawing order, `afters` their places in
    it); none for one that adds its glyphs to the clip path (render modes 4-7): a fill after it is
    painted through its glyphs' shapes (text filled with a gradient or an image), and shows it."""
    at = order.get(obj)
    later = covers[bisect.bisect_right(afters, at):] if at is not None else None
    return later if later and bare("FPDFTextObj_GetTextRenderMode")(ctypes.c_void_p(obj)) < 4 else None


def _unblended(covered: list[tuple[int, int, "Cover"]], blended: list[tuple[float, float, float, float]],
               turn: Matrix) -> list[tuple[int, int, "Cover"]]:
    """`covered` less the glyphs under a fill that blends (`Drawn.blended`: a highlight flattened into
    the content, Multiply): one whose box lies within a blending fill's, in the page's content (not an
    annotation's). A white rectangle multiplied over a value shows it: it was dropped as whited out."""
    boxes = [_box(turn, *b) for b in blended]
    return [(k, obj, c) for k, obj, c in covered if c.after == 1 << 62 or not any(
        b[0] - 1 <= c.box[0] and b[1] - 1 <= c.box[1] and c.box[2] <= b[2] + 1 and c.box[3] <= b[3] + 1
        for b in boxes)]


def _under(inks: list[tuple[int, float, float]], later: list[Cover], obj: int) -> list[tuple[int, int, Cover]]:
    """(glyph, `obj`, the cover) for each of a text object's glyphs (its place in `chars`' list, the
    middle of its ink) that a cover drawn after it (`later`) lies over. The covers are first narrowed
    to those reaching the object's glyphs: a page filling each cell's ground before its text (hundreds
    of covers after the first cells' text) costs a look per cover and object, not per glyph."""
    x0, x1 = min(g[1] for g in inks), max(g[1] for g in inks)
    y0, y1 = min(g[2] for g in inks), max(g[2] for g in inks)
    near = [c for c in later if c.box[0] <= x1 and c.box[2] >= x0 and c.box[1] <= y1 and c.box[3] >= y0]
    out = []
    for k, mx, my in inks if near else ():
        c = next((c for c in near if c.over(mx, my)), None)
        if c is not None:
            out.append((k, obj, c))
    return out


def _uncovered(out: list[Char], index: list[int], covered: list[tuple[int, int, Cover]], objects: list[int]
               ) -> tuple[list[Char], list[int]]:
    """The glyphs less those a later opaque rectangle covers (a white-out, a box drawn over text): a
    text object wholly under the paper's colour is dropped, as not shown (a value whited out, and
    maybe a new one drawn over it); a glyph under a box of another colour, or of a text object the
    white covers only in part, is kept `hidden` by the rectangle (`Char.covered`), so that the cell
    it lies in is seen cut (`grids._cut_cells`): "12915" of a "1291532.65" half whited out is not a
    value, nor is a cell blacked out an empty one."""
    shown = Counter(objects)
    whited = Counter(obj for _, obj, c in covered if c.white)
    gone, hidden, what = set(), {}, {}
    for k, obj, c in covered:
        if c.white and whited[obj] == shown[obj]:
            gone.add(k)
        else:
            hidden[k], what[k] = c.box, c.what
    for k, box in hidden.items():
        out[k] = dataclasses.replace(out[k], clip=box, covered=what[k])
    keep = [k for k in range(len(out)) if k not in gone]
    return [out[k] for k in keep], [index[k] for k in keep]


def shown_text(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage, layers: "Layers") -> str:
    """pdfium's text of the page (as `get_text_range` gives it, radicals named as ideographs) less
    what it draws in a layer turned off (`Drawn.layers`) and, on a cropped page, the glyphs outside
    what it shows (`shown_box`): the text the title, year and the labels outside the tables are read from."""
    drawn = Drawn()
    drawn.layers = layers
    _subpaths(page, IDENTITY, drawn)  # finds the text objects drawn in such a layer
    count = textpage.count_chars()
    codes = _codes(textpage, count)
    if codes is None:
        codes = [UNIFIED.get(code) or chr(code) if code <= 0x10FFFF else "\ufffd"
                 for code in (pdfium.raw.FPDFText_GetUnicode(textpage.raw, i) for i in range(count))]
    box = shown_box(page) if cropped(page) else None
    if not drawn.unseen and box is None:
        return "".join(codes)
    raw, text_object = address(textpage.raw), bare("FPDFText_GetTextObject", ctypes.c_void_p)
    edges = (ctypes.c_double * 4)()
    at = [ctypes.byref(edges, 8 * k) for k in range(4)]  # left, right, bottom, top
    char_box = bare("FPDFText_GetCharBox")

    def shown(i: int, ch: str) -> bool:
        obj = text_object(raw, i)
        if not obj:  # a space or line break pdfium infers: kept, so that lines stay lines
            return True
        if obj in drawn.unseen:
            return False
        if box is None or not char_box(raw, i, *at):
            return True
        x, y = (edges[0] + edges[1]) / 2, (edges[2] + edges[3]) / 2
        return box[0] <= x <= box[2] and box[1] <= y <= box[3]

    return "".join(ch for i, ch in enumerate(codes) if shown(i, ch))


UNKNOWN = "\ufffd"  # an inked glyph's character where its font names none (below `pdf.untrusted`'s share:
# a page with more is read from its image): a "≥" so drawn reads "\ufffd20%", which no number or label
# parses as something else, never "20%"
_WHITE = 250  # of 255, each of red, green and blue: a fill this light is the paper's colour


def _white_test():
    """A test of whether a text object's glyphs are filled white (or nearly), shown only on a darker
    ground: not for a text drawn stroked only, invisible or as a clip (its fill is not what shows),
    nor filled and stroked in another colour (outlined text shows by its stroke).
    pdfium's calls bare (`bare`), their out-parameters made once: it runs once per text object."""
    mode_of, fill_of = bare("FPDFTextObj_GetTextRenderMode"), bare("FPDFPageObj_GetFillColor")
    stroke_of = bare("FPDFPageObj_GetStrokeColor")
    rgba = (ctypes.c_uint * 4)()
    at = [ctypes.byref(rgba, 4 * k) for k in range(4)]

    def whitened(get, handle) -> bool:
        r, g, b, a = rgba[:] if get(handle, *at) else (0, 0, 0, 0)
        return r >= _WHITE and g >= _WHITE and b >= _WHITE and a > 0

    def white(obj: int) -> bool:
        handle = ctypes.c_void_p(obj)
        mode = mode_of(handle)
        return mode in (0, 2, 4, 6) and whitened(fill_of, handle) and (mode in (0, 4) or whitened(stroke_of, handle))

    return white


def _on_paper(textpage: pdfium.PdfTextPage, chars: list[int]) -> Iterator[int]:
    """Of the white glyphs `chars` (character indices), those printed on the bare paper: no filled
    shape of another colour, no image and no shading under the middle of their box (a dark header
    cell's white label shows; "9999" in white after a unit's name does not). Form XObjects are
    looked into, their objects placed on the page through the forms' matrices."""
    raw = pdfium.raw
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    edges = [ctypes.c_float() for _ in range(4)]
    matrix = raw.FS_MATRIX()
    grounds: list[tuple[float, float, float, float]] = []

    def walk(objects: Iterable, outer: Matrix) -> None:
        for obj in objects:
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM:
                inner = _times((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer) \
                    if raw.FPDFPageObj_GetMatrix(obj, matrix) else outer
                walk([raw.FPDFFormObj_GetObject(obj, k) for k in range(raw.FPDFFormObj_CountObjects(obj))], inner)
                continue
            if kind == raw.FPDF_PAGEOBJ_PATH:
                if not (raw.FPDFPath_GetDrawMode(obj, fill, stroke) and fill.value
                        and raw.FPDFPageObj_GetFillColor(obj, r, g, b, a)) \
                        or min(r.value, g.value, b.value) >= _WHITE or not a.value:
                    continue
            elif kind not in (raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_SHADING):
                continue
            if raw.FPDFPageObj_GetBounds(obj, *edges):
                left, bottom, right, top = (e.value for e in edges)
                grounds.append(_box(outer, left, bottom, right, top))

    page = textpage.page.raw
    walk([raw.FPDFPage_GetObject(page, k) for k in range(raw.FPDFPage_CountObjects(page))], IDENTITY)
    for i in chars:
        left, bottom, right, top = textpage.get_charbox(i)
        x, y = (left + right) / 2, (bottom + top) / 2
        if not any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in grounds):
            yield i


_CLIP_TOL = 0.5  # points: a glyph's ink whose middle is this close to its clip path shows
_NO_INK = 0.005  # em: a glyph's ink box this low is no outline found (pdfium gives 0.001 em; an ideograph is ~0.8)


def _ideograph(text: str) -> bool:
    """An ideograph, kana, hangul: a letter a CJK font draws (not Latin's "ª", a Lo too)."""
    return text > "\u2000" and unicodedata.category(text) == "Lo"


class MissingFont(Exception):
    """The page prints text in a font the PDF does not embed and this machine does not have (a CJK
    font such as STSong-Light, SimSun, 宋体, read where no CJK font is installed). pdfium then knows no
    outline for its glyphs and leaves out of the text page every text object of one such glyph: a
    unit "个", a sign "≧", a "是" standing alone in a cell are lost, silently, while the rest reads. The
    page is refused rather than read with them missing; installing a CJK font (Debian's
    fonts-noto-cjk) is the fix, and the reading is then the same as on any machine with one."""

    def __init__(self, font: str) -> None:
        self.font = font
        super().__init__(f"its text is in the font {font}, which the PDF does not embed (or embeds damaged) "
                         "and this machine does not have: characters standing alone would be lost "
                         "(install a CJK font, e.g. Debian's fonts-noto-cjk, and read it again)")


def unshown_reason(lost: list[tuple[str, str]]) -> str:
    """Why a page whose text objects print what pdfium leaves out is refused (`Drawn`, `pdf.unshown`):
    each font, and what it prints there (each thing once)."""
    by_font: dict[str, dict[str, None]] = {}
    for font, what in lost:
        by_font.setdefault(font, {})[what] = None
    said = "; ".join(f"{font}: {', '.join(list(whats)[:5])}" for font, whats in by_font.items())
    return (f"text in a font the PDF does not embed stands alone in a text object of its own with no "
            f"glyph to show in the font this machine reads it with ({said}): pdfium leaves such a text "
            "object out of the page, and its cell would load without it (a CJK font that has the "
            "character, e.g. Debian's fonts-noto-cjk, may read it)")


def _check_fonts(objects: set[int], inked: Iterable[int] = ()) -> None:
    """Raise `MissingFont` if any of the text `objects` (glyphs without an outline) is in a font
    pdfium did not load from the PDF (not embedded, or its program damaged: the object checks of
    `pdf.inspect` refuse that first) and found none for on this machine either: none of the page's
    ideographs in that font has an outline (`inked`: the text objects of those that have one). An
    embedded font's empty glyph is the font's own, printing nothing either; so is a found font's
    (a blank letter, "ㅤ", or an ideograph the machine's font lacks, read from the text layer)."""
    font_of, embedded = bare("FPDFTextObj_GetFont", ctypes.c_void_p), bare("FPDFFont_GetIsEmbedded")
    found = {font_of(ctypes.c_void_p(obj)) for obj in inked if obj}
    for obj in sorted(objects):
        font = font_of(ctypes.c_void_p(obj)) if obj else None
        if font and font not in found and not embedded(ctypes.c_void_p(font)):
            raise MissingFont(_font_name(font))


def _unshown(objects: list[tuple[int, Matrix]]) -> list[tuple[str, float, float]]:
    """Of the text `objects` pdfium's text page left out, those with no ink (their box no wider than
    pdfium's 0.01) in a font the PDF does not embed, each as (font, x, y): the origin of its first
    glyph on the page as displayed, where a box of no ink lies. An embedded font's object left out is
    the font's own blank, or the same text drawn again over itself (a bold): nothing is lost."""
    font_of, embedded = bare("FPDFTextObj_GetFont", ctypes.c_void_p), bare("FPDFFont_GetIsEmbedded")
    get_bounds = bare("FPDFPageObj_GetBounds")
    bounds = (ctypes.c_float * 4)()
    at_bounds = [ctypes.byref(bounds, 4 * k) for k in range(4)]
    names: dict[int, str | None] = {}  # font → its name, None where it is embedded
    found = []
    for obj, (a, b, c, d, e, f) in objects:
        font = font_of(ctypes.c_void_p(obj))
        if not font:
            continue
        if font not in names:
            names[font] = None if embedded(ctypes.c_void_p(font)) else _font_name(font)
        name = names[font]
        if name is None or not get_bounds(ctypes.c_void_p(obj), *at_bounds):
            continue
        left, bottom, right, _ = bounds[:]
        if right - left < _NO_WIDTH:
            found.append((name, a * left + c * bottom + e, b * left + d * bottom + f))
    return found


_NO_WIDTH = 0.01  # points: pdfium's kSizeEpsilon, below which its text page leaves a text object out


def _font_name(font: int) -> str:
    name = ctypes.create_string_buffer(256)
    got = pdfium.raw.FPDFFont_GetBaseFontName(ctypes.cast(font, pdfium.raw.FPDF_FONT), name, len(name))
    return name.value.decode("latin-1", "replace") if got else "(unnamed)"


def _clip_box(obj: int, turn: Matrix) -> tuple[float, float, float, float] | None:
    """The box a text object (by address) is clipped to, on the page as displayed through `turn`: the
    boxes of its clip path's subpaths intersected (a PDF clip is their intersection); None where it
    has no clip path. A spreadsheet printed by LibreOffice Calc clips a cell's text to its cell where
    the text does not fit, and still writes the lines below the cell, or the label of a merged cell
    cut by a page break, into the text layer: a box tells what a viewer shows of them."""
    clip_of, count_paths, count_segments, segment_of, point_of = _clip_calls()
    clip = clip_of(ctypes.c_void_p(obj))
    if not clip:
        return None
    clip = ctypes.c_void_p(clip)
    paths = count_paths(clip)
    if paths <= 0:  # most text objects: pdfium gives each a clip, mostly of no path
        return None
    x, y = ctypes.c_float(), ctypes.c_float()
    at_x, at_y, pointer = ctypes.byref(x), ctypes.byref(y), ctypes.c_void_p
    box: list[float] | None = None
    for k in range(paths):
        xs, ys = [], []
        for s in range(count_segments(clip, k)):
            segment = segment_of(clip, k, s)
            if segment and point_of(pointer(segment), at_x, at_y):
                xs.append(x.value)
                ys.append(y.value)
        if not xs:
            continue
        part = _box(turn, min(xs), min(ys), max(xs), max(ys))
        box = list(part) if box is None else [max(box[0], part[0]), max(box[1], part[1]),
                                              min(box[2], part[2]), min(box[3], part[3])]
    return None if box is None else (box[0], box[1], box[2], box[3])


@functools.cache
def _clip_calls() -> tuple:
    """FPDFPageObj_GetClipPath, FPDFClipPath_CountPaths, _CountPathSegments, _GetPathSegment and
    FPDFPathSegment_GetPoint, `bare`: looked up once, not per text object."""
    return (bare("FPDFPageObj_GetClipPath", ctypes.c_void_p), bare("FPDFClipPath_CountPaths"),
            bare("FPDFClipPath_CountPathSegments"), bare("FPDFClipPath_GetPathSegment", ctypes.c_void_p),
            bare("FPDFPathSegment_GetPoint"))


@functools.cache
def bare(name: str, restype: type = ctypes.c_int):
    """pdfium's function `name` without ctypes' argument conversion (half a call's cost), for the
    loops that call one per glyph: called only with an address (`address`), ints and `ctypes.byref`s."""
    return ctypes.CFUNCTYPE(restype)(ctypes.cast(getattr(pdfium.raw, name), ctypes.c_void_p).value)


def address(handle) -> ctypes.c_void_p:
    """A pdfium handle (a text page's `.raw`) as the plain pointer `bare` functions take."""
    return ctypes.c_void_p(ctypes.cast(handle, ctypes.c_void_p).value)


def _bare() -> tuple:
    """FPDFText_IsGenerated, GetLooseCharBox, GetCharBox, GetMatrix, GetFontSize, GetCharOrigin, `bare`."""
    return (bare("FPDFText_IsGenerated"), bare("FPDFText_GetLooseCharBox"), bare("FPDFText_GetCharBox"),
            bare("FPDFText_GetMatrix"), bare("FPDFText_GetFontSize", ctypes.c_double),
            bare("FPDFText_GetCharOrigin"))


def _codes(textpage: pdfium.PdfTextPage, count: int) -> str | None:
    """The page's `count` characters in one call, one per character index, or None where pdfium's
    text does not line up with its characters (it leaves out characters mapped to nothing, and a
    character outside the BMP takes two UTF-16 units): then they are asked for one by one."""
    if not count:
        return ""
    buffer = ctypes.create_string_buffer(2 * (count + 1))
    got = pdfium.raw.FPDFText_GetText(textpage.raw, 0, count, ctypes.cast(buffer, ctypes.POINTER(ctypes.c_ushort)))
    codes = buffer.raw[:2 * max(got - 1, 0)].decode("utf-16-le", errors="surrogatepass")
    return codes.translate(UNIFIED) if len(codes) == count else None


_RING_REACH = 4.0  # em: glyphs of one seal's ring stand this close to the next
_RING_FIT = 0.5  # em: a glyph this close to the fitted circle is on it
_RING_TURN = 15.0  # degrees: a ring glyph's baseline is this close to the circle's tangent


def seals(chars: list[Char], page: int) -> tuple[list[Char], list["Seal"]]:
    """The page's glyphs without the text of electronic seals (电子签章) drawn as text, and the seals.

    A seal's ring is glyphs turned along a circle, each upright away from its centre; it is found
    from the glyphs drawn at a slant (three or more, close together, whose centres and upright
    directions fit one circle), and takes with it the glyphs on that circle turned as it turns (the
    few at its top stand upright) and in its colour, and the text inside it in its colour where that
    is not the colour the page prints in; and a watermark's glyphs (`_watermarks`), kept nowhere.
    Nothing else is taken: a seal drawn in the page's own ink leaves what it prints inside to the
    checks, which refuse a glyph at a slant left in a cell."""
    from ..model import Seal
    import numpy as np

    tilted = [c for c in chars if c.tilted]
    size = _text_size(chars)
    if len(tilted) < 3:
        marks = _watermarks(_large(chars, size), size)
        return ([c for c in chars if id(c) not in marks] if marks else chars), []
    upright = Counter(c.colour for c in chars if not c.tilted)
    ink = upright.most_common(1)[0][0] if upright else None  # the colour the page prints in
    taken: set[int] = set()
    found: list[Seal] = []
    for group in _near(tilted, _RING_REACH):
        if len(group) < 3:
            continue
        centres = np.array([_centre(c) for c in group])
        up = np.array([(-math.sin(math.radians(c.angle)), math.cos(math.radians(c.angle))) for c in group])
        # centre_i = (cx, cy) + r * up_i: three unknowns, least squares
        a = np.zeros((2 * len(group), 3))
        a[0::2, 0], a[1::2, 1], a[0::2, 2], a[1::2, 2] = 1, 1, up[:, 0], up[:, 1]
        (cx, cy, r), *_ = np.linalg.lstsq(a, centres.reshape(-1), rcond=None)
        em = float(np.median([c.size for c in group]))
        if r < 1.5 * em or np.abs(a @ (cx, cy, r) - centres.reshape(-1)).max() > _RING_FIT * em:
            continue  # not glyphs along a circle
        colour = Counter(c.colour for c in group).most_common(1)[0][0]
        step = 360 / (2 * math.pi * r / em)  # degrees between two glyphs set side by side

        def polar(c: Char) -> tuple[float, float]:
            x, y = _centre(c)
            x, y = x - cx, y - cy
            return math.hypot(x, y), math.degrees(math.atan2(y, x))

        slanted = [polar(c)[1] for c in group]
        ring, inside = [], []
        for c in chars:
            if id(c) in taken:
                continue
            dist, phi = polar(c)
            if id(c) in {id(g) for g in group} or (
                    c.colour == colour and abs(dist - r) <= _RING_FIT * c.size
                    and abs(c.size - em) <= 0.2 * em
                    and abs((c.angle - (phi - 90) + 180) % 360 - 180) <= _RING_TURN
                    and min(abs((phi - s + 180) % 360 - 180) for s in slanted) <= 2.5 * step):
                ring.append((phi, c))
            elif colour != ink and c.colour == colour and dist < r - _RING_FIT * em:
                inside.append(c)
        taken |= {id(c) for _, c in ring} | {id(c) for c in inside}
        angles = sorted(phi % 360 for phi, _ in ring)
        gaps = [((angles[(k + 1) % len(angles)] - angles[k]) % 360 or 360, angles[k]) for k in range(len(angles))]
        start = max(gaps)[1]  # the ring is read clockwise from the end of its widest gap
        words = "".join(c.text for _, c in sorted(ring, key=lambda pc: (start - pc[0] % 360) % 360))
        if inside:
            words += " " + text(inside).replace("\n", " ")
        reach = float(r) + em
        found.append(Seal(page, tuple(round(float(v), 1) for v in (cx - reach, cy - reach, cx + reach,
                                                                  cy + reach)), words))
    taken |= _watermarks([c for c in tilted if id(c) not in taken] + _large(chars, size), size)
    return [c for c in chars if id(c) not in taken], found


_MARK_TURN = 3.0  # degrees: a watermark's glyphs are all turned alike, to this
_MARK_FIT = 0.3  # em: a watermark's glyph centres lie on one straight line, to this
_MARK_SIZE = 2.5  # a watermark's glyphs are this many times the page's level text, or larger (titles: 1.6-1.9)
_PALE = 128  # a pale colour: none of its channels darker than this (grey 0.8 is 204; seal red's green, 20)


def _text_size(chars: list[Char]) -> float:
    """The size of the page's level text: the median glyph's."""
    level = sorted(c.size for c in chars if not c.tilted)
    return level[len(level) // 2] if level else 0.0


def _large(chars: list[Char], size: float | None = None) -> list[Char]:
    """The level glyphs at least `_MARK_SIZE` times the page's text (its `size`, `_text_size`, where the
    caller has it), where three or more are."""
    size = _text_size(chars) if size is None else size
    large = [c for c in chars if not c.tilted and c.size >= _MARK_SIZE * size]
    return large if len(large) >= 3 else []


def _watermarks(candidates: list[Char], text_size: float) -> set[int]:
    """The glyphs (by id) of watermarks: a line of text drawn large and pale over the form, across
    the page at a slant or level ("内部资料", a unit's name): three or more glyphs turned alike whose
    centres lie on one line in the direction they run, at least `_MARK_SIZE` times the page's level
    text (`text_size`), in a pale colour. Other text at a slant (a seal not found, text in the page's
    ink) is left to the checks, which refuse it in a cell; large dark text (a title) is the form's."""
    out: set[int] = set()
    for group in _near(candidates, _RING_REACH):
        turn = sorted(c.angle for c in group)[len(group) // 2]
        if len(group) < 3 or any(min(c.colour) < _PALE or c.size < _MARK_SIZE * text_size for c in group) or \
                any(abs((c.angle - turn + 180) % 360 - 180) > _MARK_TURN for c in group):
            continue
        across = (-math.sin(math.radians(turn)), math.cos(math.radians(turn)))  # off the line's direction
        offsets = [_centre(c)[0] * across[0] + _centre(c)[1] * across[1] for c in group]
        middle = sorted(offsets)[len(offsets) // 2]
        if all(abs(o - middle) <= _MARK_FIT * c.size for o, c in zip(offsets, group)):
            out |= {id(c) for c in group}
    return out


def _centre(c: Char) -> tuple[float, float]:
    """The middle of a glyph's ink, however it is turned."""
    return (c.ink0 + c.ink1) / 2, (c.inky0 + c.inky1) / 2


def _near(chars: list[Char], reach: float) -> list[list[Char]]:
    """Glyphs in groups, each glyph within `reach` em of another of its group (single link)."""
    groups: list[list[Char]] = []
    for c in chars:
        joined = [g for g in groups if any(math.dist(_centre(c), _centre(d)) <= reach * max(c.size, d.size)
                                           for d in g)]
        merged = [c] + [d for g in joined for d in g]
        groups = [g for g in groups if not any(g is j for j in joined)] + [merged]
    return groups


_OVERLAP = 0.5  # of the wider glyph: two glyphs on one line overlapping this much are drawn over each other
_ATOP, _INTO = 0.8, 0.25  # or one this much across the other and this much of its height into it


def off_page(chars: list[Char], bottom: float, top: float) -> list[Char]:
    """The glyphs drawn above or below the page (their ink's middle off it by more than a point)."""
    return [ch for ch in chars if not ch.tilted and not bottom - 1 <= (ch.inky0 + ch.inky1) / 2 <= top + 1]


def misdrawn(chars: list[Char], bottom: float, top: float) -> str | None:
    """Text a printed form never has, and a damaged drawing does: a glyph above or below the page, or
    glyphs drawn over other glyphs (the same glyph drawn again on itself is overprinting, not this). A
    changed number in a content stream or a font's widths moves text (a line off the page, a word over
    its neighbour) and readers read the moved text as printed. Text past the left or right edge is not
    this: a spreadsheet too wide for its paper prints it (`check_edges`), nor is text at a slant (a
    seal's, or a stamp's: `check_held` refuses it in a cell)."""
    import numpy as np

    flat = [ch for ch in chars if not ch.tilted]
    if not flat:
        return None
    # the glyph's own box, not the font's: x0, x1, y0, y1, and its character
    box = np.empty((len(flat), 4))
    for k, side in enumerate(_INK):
        box[:, k] = np.fromiter(map(side, flat), float, len(flat))
    middle = (box[:, 2] + box[:, 3]) / 2
    off = np.flatnonzero((middle > top + 1) | (middle < bottom - 1))
    if off.size:
        ch = flat[int(off[0])]
        return f"text {ch.text!r} is drawn {'above' if ch.inky0 > top else 'below'} the page (y {ch.inky0:.0f})"
    inked = np.flatnonzero((box[:, 1] > box[:, 0]) & (box[:, 3] > box[:, 2]))
    if len(inked) < 2:
        return None
    code = np.fromiter(map(ord, map(_FIRST, map(_TEXT, flat))), np.int64, len(flat))[inked]
    box = box[inked]
    # in the order of (x0, x1, y0, y1, character), as the glyphs were compared one by one
    order = np.lexsort((code, box[:, 3], box[:, 2], box[:, 1], box[:, 0]))
    box, code, inked = box[order], code[order], inked[order]
    x0, x1, y0, y1 = box.T
    # Every pair whose boxes overlap in x (each glyph with those starting before it ends: a column
    # of text, not the page), judged at once; the pair named is the first in x order.
    first = np.arange(1, len(box))
    ends = np.searchsorted(x0, x1, side="left")[:-1]  # glyphs after n with ox0 < x1[n]: first .. end
    counts = np.maximum(ends - first, 0)
    if not counts.sum():
        return None
    i = np.repeat(np.arange(len(box) - 1), counts)
    j = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + i + 1
    # most such pairs are glyphs of one column on other lines: only those overlapping up the page
    # too are judged (in the same order)
    crossing = np.flatnonzero(np.minimum(y1[i], y1[j]) > np.maximum(y0[i], y0[j]))
    i, j = i[crossing], j[crossing]
    wide = np.maximum(x1[i] - x0[i], x1[j] - x0[j])
    tall = np.minimum(y1[i] - y0[i], y1[j] - y0[j])
    overprint = (code[i] == code[j]) & (x0[j] - x0[i] < 0.25 * wide) & (np.abs(y0[j] - y0[i]) < 0.25 * tall)
    across, up = np.minimum(x1[i], x1[j]) - x0[j], np.minimum(y1[i], y1[j]) - np.maximum(y0[i], y0[j])
    # half over each other, or one nearly on top of the other a quarter of its height into it: lines of
    # one text never overlap, two texts interleaved do (a browser's rest of a cut cell drawn over the
    # next cell's text: "指" between "服" and "务")
    over = (((across > _OVERLAP * wide) & (up > _OVERLAP * tall)) |
            ((across > _ATOP * wide) & (up > _INTO * tall))) & ~overprint
    if not over.any():
        return None
    k = int(np.argmax(over))  # pairs are in the order a scan of the sorted glyphs meets them
    n, m = int(i[k]), int(j[k])
    over_it, under = flat[int(inked[m])], flat[int(inked[n])]
    return f"text {over_it.text!r} is drawn over {under.text!r} (x {x0[m]:.0f}, y {y0[m]:.0f})"


def lines(chars) -> list[list[Char]]:
    """Characters on one baseline, top to bottom, each line left to right. The order is that of the
    positions alone (ties broken by the character), whatever order the producer wrote them in."""
    if len(chars) < 2:  # a cell of one glyph: nothing to sort
        return [list(chars)] if chars else []
    bases = list(map(_BASE, chars))
    first = bases[0]
    if first == first and bases.count(first) == len(bases):  # one baseline (and no NaN): no tuple key
        line = sorted(chars, key=_ALONG)  # the key below less its baseline, made by `attrgetter`
        if first - first <= BASELINE * line[0].size:  # (as the loop below would find)
            return [line]
    found: list[list[Char]] = []
    for ch in sorted(chars, key=lambda c: (-c.base, c.x0, c.x1, c.text, c.size)):
        if found and found[-1][0].base - ch.base <= BASELINE * found[-1][0].size:
            found[-1].append(ch)
        else:  # a line is measured from its highest baseline, so lines never chain into each other
            found.append([ch])
    # a line on one baseline is in that order already (its sort key less the equal baseline): as sorted
    return [line if line[0].base == line[-1].base else
            sorted(line, key=lambda c: (c.x0, c.x1, c.text, -c.base, c.size)) for line in found]


def runs(chars) -> list[list[Char]]:
    """Each line cut where a gap wider than `GAP` em opens: text beside a table, or another cell's.
    A glyph printed again over itself (bold by overprinting) is one character."""
    out: list[list[Char]] = []
    for line in lines(chars):
        reach = None  # the right end of the run so far
        for ch in line:
            if reach is not None:  # the same glyph printed again over one of the last three: skipped
                text, x0, tol = ch.text, ch.x0, TOUCH * ch.size  # (a loop, not `any`: a glyph's cost)
                again = False
                for c in out[-1][-3:]:
                    if c.text == text and x0 - c.x0 <= tol:
                        again = True
                        break
                if again:
                    continue
            x1 = ch.x1
            if reach is None or ch.x0 - reach > GAP * ch.size:
                out.append([])
                reach = x1
            out[-1].append(ch)
            if x1 > reach:  # max(reach, x1), inline: a glyph's cost
                reach = x1
    return out


def _across_scripts(a: str, b: str) -> bool:
    """One side an ideograph or full-width form (U+2E80 on), the other not: where autospace goes."""
    return (a >= "\u2e80") != (b >= "\u2e80")


def text(chars: list[Char], across: tuple[float, float] | None = None, padding: float = 0.0,
         placed: list[list[Char]] | None = None) -> str:
    """A cell's characters as lines, top to bottom, each read left to right, a space where a gap of
    `SPACE` em or more separates two glyphs (`SCRIPT_GAP` between an ideograph and Latin text, unless
    a space glyph is printed there). Given the cell's extent `across` and its table's `padding` (the
    cells' margins, left and right together), a line the typesetter wrapped is told from a line
    break of the text: a number the cell was too narrow for ("272127700.7" over "5") is one line
    again (`_wraps`), and a space printed where a line was wrapped is kept at its end. `placed`:
    their `lines`, where the caller has them already."""
    out: list[str] = []
    found = placed if placed is not None else lines(chars)
    for k, line in enumerate(found):
        line_text = line[0].text
        for a, b in zip(line, line[1:]):
            em, other = a.size, b.size
            if other > em:  # max(a.size, b.size), inline: a glyph's cost
                em = other
            gap = b.x0 - a.x1
            if gap >= SPACE * em and (b.spaced or gap >= SCRIPT_GAP * em or not _across_scripts(a.text, b.text)):
                line_text += " "
            line_text += b.text
        if across is not None and k and _wraps(found[k - 1], line, across, padding, out[-1] + line_text):
            out[-1] += line_text
            continue
        if across is not None and k and line[0].spaced and _full(found[k - 1], line[:2], across, padding):
            out[-1] += " "  # the line was wrapped at a space, printed at its end: a space of the text
        out.append(line_text)
    return "\n".join(out)


WRAP_SLACK = 0.15  # em: what a typesetter's measure and ours may differ by
NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")  # a number and nothing else, as printed in a cell
# what a wrapped number has: a point or a percent sign, or four digits or more. A whole number of one
# to three digits over another ("10" over "9": a 分值, 得分 or count) is two rows a lost border ran
# together as often as one wrapped (a narrow column with Word's margins fits neither "109" nor more):
# left two lines, which the reader refuses, rather than guessed one
_WIDE = re.compile(r"[.%]|\d{4}")


def _full(above: list[Char], nxt: list[Char], across: tuple[float, float], padding: float) -> bool:
    """The line above left its cell, less its margins, less room than `nxt` (the glyphs that went to
    the next line) needs: the typesetter wrapped it there."""
    room = (across[1] - across[0]) - padding - (above[-1].x1 - above[0].x0)
    return room < nxt[-1].x1 - nxt[0].x0 + WRAP_SLACK * max(c.size for c in above)


def _wraps(above: list[Char], below: list[Char], across: tuple[float, float], padding: float,
           joined: str) -> bool:
    """A line goes on from the one above, as one number wrapped mid-way: the two read together are a
    number, the line below sits right under, and the line above was full (`_full`: a typesetter
    wraps only a full line). Two numbers a lost border runs together ("10" over "0") leave room to
    spare, or are a row apart."""
    return (NUMBER.fullmatch(joined) is not None and above[0].base - below[0].base <= 1.6 * above[0].size
            and _WIDE.search(joined) is not None and _full(above, below[:1], across, padding))


def margins(cells: Iterable[tuple[tuple[float, float], list[Char]]]) -> float:
    """A table's cell margins, left and right together: the least room any of its cells leaves
    left of its text, and the least right of it (text set flush against either side shows them)."""
    left = right = math.inf
    for (x0, x1), chars in cells:
        if not chars:
            continue
        left = min(left, min(map(_X0, chars)) - x0)
        right = min(right, x1 - max(map(_X1, chars)))
    return max(left, 0.0) + max(right, 0.0) if left < math.inf else 0.0


