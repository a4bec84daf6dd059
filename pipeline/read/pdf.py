"""File-level facts and refusals: is this a readable PDF, what is its sha256, which pages carry text.

Everything here runs before any table extraction, so a bad file is refused early, with its name and
page, and never reaches Camelot.

A damaged file is the dangerous case: pdfium and playa (Camelot's reader) both repair what they can
and read on, and a font program that no longer decompresses silently loses characters ("1份" read
as "份"). So every object a page draws with must parse, every stream decode strictly and every
simple font's widths cover its codes, or the report is refused as `broken` naming the page.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import stat
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from typing import Any, Iterator

import playa
import pypdfium2 as pdfium
from playa.pdftypes import ContentStream, InlineImage, ObjRef, PSKeyword, PSLiteral, resolve1

from ..errors import BrokenPdf, EmptyPdf, EncryptedPdf, FileChanged, NotAFile, NotAPdf, OverLimit
from . import glyphs
from .ideographs import unified

DAMAGED = "cannot be read: damaged or truncated"


def _own_abc_data(*classes: type) -> None:
    """Give playa's compiled Mapping classes ABC caches of their own. mypyc makes them without
    `abc`'s per-class data, so `ContentStream._abc_impl` is `collections.abc.Mapping`'s: every
    `isinstance(x, ContentStream)` (playa's pure-Python modules ask it of plain dicts) wrote dict into
    Mapping's negative cache, and from then on `isinstance({}, Mapping)` was False in that process,
    or, asked the other way round first, a dict was a ContentStream. Which came first depended on the
    process's history: polars, handed a dict it no longer took for a mapping, failed (the ComputeError
    of a forkserver preloading Camelot, the TypeError of a reused fuzz worker)."""
    from abc import _abc_init  # CPython's: what ABCMeta.__new__ runs for every class it makes

    for cls in classes:
        if "_abc_impl" not in vars(cls):
            _abc_init(cls)


_own_abc_data(ContentStream, InlineImage)


@dataclass(frozen=True)
class PdfInfo:
    path: Path
    sha256: str
    pages: int
    page_texts: tuple[str, ...]  # text layer of each page, for labels printed outside the tables
    # pages read from their image by `pipeline.read.ocr`: a scan (no text layer, an image), or a page
    # whose text layer cannot be trusted (`unreadable`)
    scanned: tuple[int, ...] = ()
    unreadable: tuple[tuple[int, str], ...] = ()  # (page, why its text layer cannot be trusted)
    asked: tuple[int, ...] = ()  # pages with a text layer read from their image at the user's word (--prefer-ocr)
    # the document info's /Creator and /Producer ("Calc", "LibreOffice 7.4"): whether the program that
    # printed it clips a cell's text to its row (`forms.vocabulary.Vocabulary.clips`)
    producer: tuple[str, ...] = ()


# What tells one state of a file from the next: (device, inode, size, mtime in ns). A file rewritten in
# place changes its size or mtime; one replaced by a rename, its inode.
Stamp = tuple[int, int, int, int]


def stamp(st: os.stat_result) -> Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def fingerprint(path: str | Path) -> tuple[str, Stamp]:
    """The file's sha256, and its stamp as it was hashed.

    Opened without blocking and checked to be a regular file before a byte is read (`NotAFile`): a
    FIFO opened for reading blocks until someone writes to it, forever. `FileChanged` when the file
    changed while it was hashed (a copy still being written). Other file system faults (permissions, a
    file gone) raise their `OSError`."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise NotAFile(str(path), f"not a regular file but {file_type(before)}; give the PDF itself")
        h = hashlib.sha256()
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
        if stamp(os.fstat(fd)) != stamp(before):
            raise FileChanged(str(path), CHANGED)
    return h.hexdigest(), stamp(before)


CHANGED = "changed while it was read (a copy still being written?); run again once it is complete"


def sha256_of(path: str | Path) -> str:
    """The file's sha256 (`fingerprint`)."""
    return fingerprint(path)[0]


def file_type(st: os.stat_result) -> str:
    """What a file that is not a regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(st.st_mode):
            return name
    return "a special file"


class OpenPdf:
    """A report opened once in pdfium for the reading of a part: each page, and its text layer, is
    loaded once and shared by `inspect` (the text, the images) and `tables.scan` (the glyphs, the
    ruled lines). A part is at most a few dozen pages, so holding them for the part is cheap; loading
    a page twice was 7% of the reading."""

    def __init__(self, path: str | Path, max_pages: int | None = None) -> None:
        self.path = Path(path)
        self.doc = _open(self.path, max_pages)
        self._pages: dict[int, tuple[pdfium.PdfPage, pdfium.PdfTextPage]] = {}

    @functools.cached_property
    def layers(self) -> "Layers":
        """The layers the document turns off (`hidden_layers`), looked up once for `inspect` and `scan`."""
        return hidden_layers(self.path)

    def __len__(self) -> int:
        return len(self.doc)

    def page(self, number: int) -> tuple[pdfium.PdfPage, pdfium.PdfTextPage]:
        """Page `number` (from 1) and its text layer."""
        if number not in self._pages:
            page = self.doc[number - 1]
            self._pages[number] = page, page.get_textpage()
        return self._pages[number]

    def release(self, number: int) -> None:
        """Forget page `number`: once `tables.scan` has read it, nothing reads it again (a part
        reading on past a long form would otherwise hold every page it passed)."""
        self._pages.pop(number, None)

    def close(self) -> None:
        self._pages.clear()
        self.doc.close()

    def __enter__(self) -> "OpenPdf":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def count_pages(path: str | Path, max_pages: int | None = None) -> int:
    """The report's number of pages, once it is known to be a PDF that opens; raises the named
    `ReportError` otherwise, or `OverLimit` for more than `max_pages` pages. Reads no page."""
    doc = _open(Path(path), max_pages)
    try:
        return len(doc)
    finally:
        doc.close()


def inspect(path: str | Path, max_pages: int | None = None, pages: range | None = None,
            sha256: str | None = None, opened: OpenPdf | None = None) -> PdfInfo:
    """Open a report safely; raise a named `ReportError` for anything we cannot read, or `OverLimit`
    for more than `max_pages` pages (checked before any page is read). A page with no text layer
    but an image (a scan) is listed in `PdfInfo.scanned`, for `pipeline.read.ocr`.

    `pages` (all by default) are the pages read and checked; the others have an empty text in
    `page_texts`. A large report is read in parts this way, each by its own worker; `sha256`, when
    the caller knows it, spares hashing the whole file again for each part. `opened`: the file as the
    caller opened it (and closes it), its pages kept for `tables.scan`."""
    path = Path(path)
    name = str(path)
    doc = opened if opened is not None else OpenPdf(path, max_pages)
    try:
        numbers = range(1, len(doc) + 1) if pages is None else range(max(pages.start, 1),
                                                                     min(pages.stop, len(doc) + 1))
        texts = [""] * len(doc)
        scans: list[int] = []
        unreadable: list[tuple[int, str]] = []
        for i in numbers:
            try:
                page, textpage = doc.page(i)
                # only the text the page shows: in its CropBox (`glyphs.shown_box`), in no layer turned off
                text = glyphs.shown_text(page, textpage, doc.layers) if doc.layers else \
                    unified(textpage.get_text_bounded(*glyphs.shown_box(page)) if glyphs.cropped(page)
                            else textpage.get_text_range())
                scanned = not text.strip() and (_has_image(page) or _text_as_outlines(page))
                why = None if scanned else (_recognised_over_image(page) or untrusted(textpage, text))
            except pdfium.PdfiumError as exc:  # a page object damaged past pdfium's repair
                raise BrokenPdf(name, f"page {i} {DAMAGED} ({exc})", page=i) from exc
            if scanned or why:  # OCR hook: the page is read from its image (pipeline.read.ocr), not refused
                scans.append(i)
            if why:
                unreadable.append((i, why))
            texts[i - 1] = text
        producer = _producer(doc.doc)
    finally:
        if opened is None:
            doc.close()
    _check_objects(path, numbers)
    return PdfInfo(path=path, sha256=sha256 or sha256_of(path), pages=len(texts), page_texts=tuple(texts),
                   scanned=tuple(scans), unreadable=tuple(unreadable), producer=producer)


def _producer(doc: pdfium.PdfDocument) -> tuple[str, ...]:
    """The document info's /Creator and /Producer, as written (empty where absent or unreadable: no
    program is then taken to have printed it)."""
    try:
        info = doc.get_metadata_dict()
    except (pdfium.PdfiumError, UnicodeError, ValueError):  # a damaged info dictionary says nothing
        return ()
    return tuple(info.get(key) or "" for key in ("Creator", "Producer"))


_UNTRUSTED = 0.02  # of a page's glyphs: this many unmapped or impossible characters and it cannot be read


def untrusted(textpage: pdfium.PdfTextPage, text: str) -> str | None:
    """Why the page's text layer cannot be trusted, or None: its fonts leave codes without a character
    (no /ToUnicode and no encoding to read them by: pdfium's unicode-map error), or give characters
    no printed form holds (private-use code points, control characters, unassigned ones, or the
    letters of Latin-1 and Latin Extended a font mapping its glyphs to one-byte codes gives:
    "项目资金ÿ万元Ā"; counted in `text`, the page's text as pdfium gives it). Such a text layer
    exists but says nothing true about the page; its glyphs still draw the form, so the page is read
    from its image like a scan. A stray glyph or two (a symbol font's tick) is tolerated: `_UNTRUSTED` of the glyphs and at
    least three."""
    counts = Counter(text)  # each distinct character judged once: a page prints a few hundred
    printed = sum(n for ch, n in counts.items() if not ch.isspace())
    least = max(3, _UNTRUSTED * printed)
    impossible = sum(n for ch, n in counts.items() if ch == "\ufffd" or (
        not ch.isspace() and unicodedata.category(ch) in ("Co", "Cc", "Cn", "Cs")))
    foreign = {ch: n for ch, n in counts.items() if _MOJIBAKE <= ch <= "\u024f" and ch not in _SIGNS}
    from .glyphs import address, bare

    has_error, page = bare("FPDFText_HasUnicodeMapError"), address(textpage.raw)
    unmapped = sum(has_error(page, i) == 1 for i in range(textpage.count_chars()))
    if unmapped >= least:  # pdfium gives such a code as a character of its own number, a control one
        return f"{unmapped} of its {printed} characters have codes its fonts map to no character"
    if impossible >= least:
        return (f"{impossible} of its {printed} characters are private-use, control or unassigned "
                "code points")
    latin = sum(foreign.values())
    if latin >= least:  # a font mapping glyphs to one-byte codes: "项目资金ÿ万元Ā" for （万元）
        return (f"{latin} of its {printed} characters are Latin-1 or Latin Extended letters "
                f"or marks ({''.join(sorted(foreign))[:12]}), which no form prints")
    return None


_MOJIBAKE = "\u00a1"  # from here to U+024F: letters and marks of Latin-1 and Latin Extended
_SIGNS = frozenset("×÷°±·²³µ§¥£¢©®¼½¾\u00a0\u00ad")  # … but the signs and spaces forms do print


def _open(path: Path, max_pages: int | None) -> pdfium.PdfDocument:
    name = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise NotAPdf(name, "no such file") from None
    if not stat.S_ISREG(st.st_mode):  # never opened: a FIFO would block the reader
        raise NotAFile(name, f"not a regular file but {file_type(st)}; give the PDF itself")
    if st.st_size == 0:
        raise EmptyPdf(name, "the file is empty (0 bytes)")
    with path.open("rb") as fh:
        if b"%PDF" not in fh.read(1024):
            raise NotAPdf(name, "not a PDF file (no %PDF header)")
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdf(name, "the PDF is encrypted (password protected)") from exc
        raise BrokenPdf(name, f"the PDF {DAMAGED} ({exc})") from exc
    if len(doc) == 0:
        doc.close()
        raise EmptyPdf(name, "the PDF has no pages")
    if max_pages is not None and len(doc) > max_pages:
        count = len(doc)
        doc.close()
        raise OverLimit(name, f"the PDF has {count:,} pages, more than the limit of "
                              f"{max_pages:,} per report")
    return doc


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects())


def _recognised_over_image(page: pdfium.PdfPage) -> str | None:
    """Why a page with a text layer is read from its image all the same: its text is all drawn
    invisible (render mode 3) over an image, the recognition a scanner or ocrmypdf lays over a scan
    to make it searchable. Nothing checked it, and its words carry no table's ruling; the image is
    what was printed. None for any page showing some of its text."""
    raw = pdfium.raw
    image = text = False
    for obj in page.get_objects(max_depth=15):
        if obj.type == raw.FPDF_PAGEOBJ_TEXT:
            if raw.FPDFTextObj_GetTextRenderMode(obj.raw) != raw.FPDF_TEXTRENDERMODE_INVISIBLE:
                return None
            text = True
        elif obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            image = True
    return "its text is drawn invisible over an image (a scan made searchable)" if text and image else None


_OUTLINE_CURVES = 1000  # Bézier segments: a form's text drawn as outlines has tens of thousands (a
# glyph ~20-60); rules are straight lines, and a chart's curves, a logo or a seal are a few hundred


def _text_as_outlines(page: pdfium.PdfPage) -> bool:
    """A page with no text layer whose text is drawn as paths: a producer that converts glyphs to
    outlines (Ghostscript's -dNoOutputFonts, a designer's "convert text to curves", some print
    drivers). It is read from its image, as a scan is; without this it would be passed over as a page
    with no form. Asked only of a page with neither text nor image, and stops at the threshold."""
    raw = pdfium.raw
    curves = 0
    for obj in page.get_objects(max_depth=15):
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        for i in range(raw.FPDFPath_CountSegments(obj.raw)):
            if raw.FPDFPathSegment_GetType(raw.FPDFPath_GetPathSegment(obj.raw, i)) == raw.FPDF_SEGMENT_BEZIERTO:
                curves += 1
                if curves >= _OUTLINE_CURVES:
                    return True
    return False


def _check_objects(path: Path, pages: range | None = None) -> None:
    """Raise `BrokenPdf` naming the first page that draws with a damaged object: a stream (contents,
    font, image) that does not decode, an object that cannot be parsed, a font whose widths do not
    match its character range. Readers would repair it and read on with characters lost or moved."""
    name = str(path)
    try:
        doc = playa.open(path)
    except Exception as exc:  # playa raises its own and plain parse errors alike
        raise BrokenPdf(name, f"the PDF {DAMAGED} ({_library(exc)})") from exc
    complaints = _Complaints()
    log = logging.getLogger("playa")
    level, propagate = log.level, log.propagate
    log.addHandler(complaints)  # its parser logs what it repairs, and goes on
    log.setLevel(logging.WARNING)  # heard whatever the caller's logging set up
    log.propagate = False  # the refusal says it; nothing on stderr
    try:
        seen: set[int] = set()  # a font shared by pages is checked once, on the first
        i = 0  # the page being read; 0 while playa reads the page tree itself
        try:
            numbered = enumerate(doc.pages, start=1) if pages is None else \
                _part_pages(doc, path, pages)  # a part's pages, not the pages before it
            for i, page in numbered:
                for stream in _streams(page.attrs, seen):
                    if _IMAGE_CODECS.intersection(f.name for f in stream.filters):
                        continue  # pdfium decodes these when it renders; playa's CCITT decoder balks at
                        # the end-of-block code most G4 encoders write (a black-and-white scan refused)
                    try:
                        stream.decode(strict=True)
                    except ValueError as exc:  # playa's strict error wraps zlib's, with the bytes
                        raise _Damage(f"stream object {stream.objid} does not decode "
                                      f"({str(exc.__context__ or exc)[:100]})") from exc
                if complaints.first:
                    raise _Damage(f"an object does not parse ({complaints.first[:100]})")
                cycle = _drawn_cycle(page.streams, page.resources, (), set())
                if cycle is not None:  # Camelot's reader would recurse until it crashes
                    raise _Damage(f"form XObject {cycle} draws itself")
                i = 0
        except _Damage as exc:
            raise BrokenPdf(name, f"page {i} {DAMAGED}: {exc}", page=i) from exc
        except (MemoryError, RecursionError):  # the run stops / too deep: bounded says so
            raise
        except Exception as exc:  # noqa: BLE001 - playa on a damaged file: KeyError, ValueError, ...
            if _too_deep(exc):  # playa's parser, out of stack mid-token, raises an error of its own
                raise RecursionError(f"nested too deeply ({_library(exc)})") from exc
            where = f"page {i}" if i else "the page tree"
            raise BrokenPdf(name, f"{where} {DAMAGED}: {_library(exc)}", page=i or None) from exc
    except BaseException:  # a damaged file's pages are not kept: the next reading starts afresh
        _PAGE_IDS.clear()
        raise
    finally:
        doc.close()
        log.removeHandler(complaints)
        log.setLevel(level)
        log.propagate = propagate


_PAGE_IDS: dict[tuple, list[int]] = {}  # this process's last report: (path, size, mtime) → page object ids


def _part_pages(doc: Any, path: Path, pages: range) -> Iterator[tuple[int, Any]]:
    """The pages of a part, as playa pages. playa lists every page of a document (parsing each page
    object) the first time one is asked for: 4 s for a 10,000-page bundle, which each of its 200
    parts would pay again. So the first part a worker reads of a report lists them in playa and
    keeps only their object numbers (a few KB); its later parts make just their own pages, each with
    the attributes it inherits through its /Parent chain, as playa's page tree walk gives them."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    ids = _PAGE_IDS.get(key)
    if ids is None:
        _PAGE_IDS.clear()
        for n in pages:
            yield n, doc.pages[n - 1]
        _PAGE_IDS[key] = [page.pageid for page in doc.pages]
        return
    from playa.document import INHERITABLE_PAGE_ATTRS
    from playa.page import Page

    for n in pages:
        attrs = dict(resolve1(doc[ids[n - 1]]))
        parent, hops = attrs.get("Parent"), 0
        while isinstance(parent := resolve1(parent), dict) and hops < 64:  # a cycle ends too
            attrs.update({k: v for k, v in parent.items() if k in INHERITABLE_PAGE_ATTRS and k not in attrs})
            parent, hops = parent.get("Parent"), hops + 1
        yield n, Page(doc, ids[n - 1], attrs, None, n - 1, doc.space)


_AT = 1.0  # points: a text object's origin and the place pdfium gives its box of no ink, on the page
# letters that draw nothing, in every font: a text object of these and spaces prints nothing
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def unshown(path: str | Path, number: int, at: list[tuple[str, float, float]],
            turn: tuple[float, float, float, float, float, float]) -> list[tuple[str, str]]:
    """What the text objects pdfium left out of page `number`'s text print (`glyphs.Drawn.unshown`:
    each as its font and the origin of its first glyph on the page as displayed through `turn`), as
    the page's content stream says, read in playa: (font, the characters, or the codes where its font
    maps them to none) of each that prints more than spaces and blank letters. One whose text object
    is not found there is named by its place: what it printed is not known."""
    import unicodedata

    doc = playa.open(path, space="default")  # PDF user space: `turn` takes it to the page as displayed
    try:
        _, page = next(_part_pages(doc, Path(path), range(number, number + 1)))
        a, b, c, d, e, f = turn
        # each object at its first glyph's origin, where pdfium places it (after a kerning the TJ
        # array opens with: "[-500 (x)] TJ"), and at its own (an object of no glyph)
        objects = [(a * x + c * y + e, b * x + d * y + f, obj) for obj in page.texts
                   for x, y in {obj.origin, getattr(next(iter(obj), None), "origin", obj.origin)}]
        lost = []
        for font, x, y in at:
            near = list({id(obj): obj for ox, oy, obj in objects
                         if abs(ox - x) <= _AT and abs(oy - y) <= _AT}.values())
            if not near:
                lost.append((font, f"a text object at ({x:.0f}, {y:.0f}) that is not in its content stream"))
                continue
            for obj in near:
                glyphs = list(obj)
                shown = [g.text or f"<cid {g.cid}>" for g in glyphs if not g.text or any(
                    not ch.isspace() and ch not in _BLANK and unicodedata.category(ch) != "Cf" for ch in g.text)]
                codes = b"".join(arg for arg in obj.args if isinstance(arg, bytes))
                if shown:
                    lost.append((font, ", ".join(f"{t!r} ({', '.join(f'U+{ord(ch):04X}' for ch in t)})"
                                                 if not t.startswith("<") else t for t in shown)))
                elif codes and not glyphs:  # codes its font maps to no glyph
                    lost.append((font, f"codes <{codes.hex().upper()}>, which its encoding maps to no character"))
        return lost
    finally:
        doc.close()


@dataclass(frozen=True)
class Layers:
    """The optional content groups (layers) a document's default configuration turns off (/OCProperties
    /D: its /OFF, or /BaseState /OFF but for its /ON), by name, as pdfium names the group a marked
    content section (BDC /OC) is drawn in: what is drawn in one a viewer does not show and a printer
    does not print, though it is in the content and pdfium's text. `unsure`: names a group turned off
    and one shown both bear (which one a section is drawn in is not known)."""

    hidden: frozenset[str] = frozenset()
    unsure: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.hidden or self.unsure)


def hidden_layers(path: str | Path) -> Layers:
    """The document's `Layers`: none for a document without layers (most: one look at its catalog).
    Damage here is `inspect`'s to refuse: read as no layers."""
    try:
        with playa.open(path) as doc:
            properties = resolve1(doc.catalog.get("OCProperties"))
            if not isinstance(properties, dict):
                return Layers()
            config = resolve1(properties.get("D")) or {}

            def refs(key: str, holder: Any) -> dict:  # each group by its object number
                return {getattr(g, "objid", id(g)): resolve1(g) for g in resolve1(holder.get(key)) or []}
            groups, on, off = refs("OCGs", properties), refs("ON", config), refs("OFF", config)
            base_off = getattr(resolve1(config.get("BaseState")), "name", "ON") == "OFF"
            hidden = {k: g for k, g in groups.items() if k not in on} if base_off else off
            off_names = frozenset(map(_layer_name, hidden.values()))
            shown = frozenset(_layer_name(g) for k, g in groups.items() if k not in hidden)
            return Layers(off_names - shown, off_names & shown)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - a damaged catalog: `inspect` refuses what is damaged
        return Layers()


def _layer_name(group: Any) -> str:
    name = resolve1(group.get("Name")) if isinstance(group, dict) else None
    if isinstance(name, bytes):
        from playa.utils import decode_text
        return decode_text(name)
    return str(name or "")


_UNBLENDED = {"Normal", "Compatible"}


def blended_fills(path: str | Path, number: int) -> list[tuple[float, float, float, float]]:
    """The boxes (in the page's user space) of the fills page `number` paints blending with what lies
    under them: a blend mode other than Normal, or a soft mask. A highlight flattened into the content
    (a yellow rectangle, Multiply, drawn after the text) shows the text under it; pdfium gives no blend
    mode, so `glyphs.chars` asks here, only where a fill after text lies over some glyph. Damage here is
    `inspect`'s to refuse: read as none."""
    try:
        with playa.open(path, space="default") as doc:
            out = []
            for obj in doc.pages[number - 1].flatten():
                if obj.object_type != "path" or not getattr(obj, "fill", False):
                    continue
                mode = obj.gstate.blend_mode
                mode = mode[0] if isinstance(mode, list) and mode else mode
                smask = obj.gstate.smask
                if getattr(mode, "name", "Normal") not in _UNBLENDED or (smask and getattr(smask, "name", "") != "None"):
                    out.append(tuple(obj.bbox))
            return out
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - damage is `inspect`'s to refuse
        return []


def optional_forms(path: str | Path, number: int) -> list[str]:
    """The names of the form XObjects page `number` draws with an /OC entry of their own (optional
    content pdfium does not mark: whether a viewer shows them is not read here)."""
    try:
        with playa.open(path) as doc:
            forms = resolve1(doc.pages[number - 1].resources.get("XObject")) or {}
            return [name for name, ref in forms.items()
                    if "OC" in getattr(resolve1(ref), "attrs", {})]
    except Exception:  # noqa: BLE001 - damage is `inspect`'s to refuse
        return []


def _too_deep(exc: BaseException) -> bool:
    """Whether `exc` was raised while handling a RecursionError (one in three stack depths, on a file
    nesting its forms 3,000 deep, playa's parser turns it into an UnboundLocalError)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, RecursionError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _library(exc: Exception) -> str:
    """A PDF library's exception as the refusal quotes it: "KeyError: 'Object with ID 1 not found'"."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"


class _Damage(Exception):
    """What is wrong with one object of a page."""


class _Complaints(logging.Handler):
    """The first warning playa logs (a malformed object it repaired)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.first = self.first or record.getMessage()


_MISSING: list = []  # compared by identity; playa (compiled) takes only a PDF object as default
# what playa parses that refers to nothing and holds nothing: not followed (nine in ten of the values
# a page reaches, the numbers of /Widths and /W arrays mostly; following each one was a call)
_LEAVES = frozenset((int, float, bool, bytes, str, type(None), PSLiteral, PSKeyword))


# image codecs: a stream's pixels, decoded by pdfium as it renders, not by playa here (its decoder for
# CCITT fax logs "Unknown MODE code" for the end-of-block code, as valid as any)
_IMAGE_CODECS = frozenset({"CCITTFaxDecode", "CCF", "JBIG2Decode", "DCTDecode", "DCT", "JPXDecode"})


def _streams(obj: Any, seen: set[int]) -> Iterator[ContentStream]:
    """Every stream reachable from a page object (not through its /Parent, or an annotation's /P);
    raises `_Damage` for an object lost to the parser or a font's widths not covering its range."""
    while isinstance(obj, ObjRef):
        if obj.objid in seen:
            return
        seen.add(obj.objid)
        ref, obj = obj.objid, obj.resolve(default=_MISSING)
        if obj is _MISSING:  # a damaged object is lost to the parser: readers take it as null
            raise _Damage(f"object {ref} is referred to but cannot be read")
    if isinstance(obj, ContentStream):  # a Mapping ABC, with caches of its own (`_own_abc_data`)
        yield obj
        obj = obj.attrs
    if isinstance(obj, dict):
        if "Widths" in obj:  # a simple font: one width per code from FirstChar to LastChar (PDF 9.6.2)
            widths, first, last = (resolve1(obj.get(k)) for k in ("Widths", "FirstChar", "LastChar"))
            if not isinstance(widths, list):
                widths = []
            if not (isinstance(first, int) and isinstance(last, int)):  # lost, or not a number
                font = getattr(obj.get("BaseFont"), "name", "")
                raise _Damage(f"font {font} has /Widths but FirstChar {first!r}, LastChar {last!r}")
            if len(widths) != last - first + 1:
                font, count = getattr(obj.get("BaseFont"), "name", ""), len(widths or ())
                raise _Damage(f"font {font} has {count} widths for codes {first}–{last}")
        for key, value in obj.items():
            if key not in ("Parent", "P") and type(value) not in _LEAVES:
                yield from _streams(value, seen)
    elif isinstance(obj, list):
        for value in obj:
            if type(value) not in _LEAVES:
                yield from _streams(value, seen)


_DO = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s*Do\b")  # `/Name Do`: draw the XObject of that name


def _drawn_cycle(streams: Iterator[ContentStream], resources: Any, drawing: tuple[int, ...],
                 done: set[int]) -> int | None:
    """The object number of a form XObject drawn (`Do`) within itself, directly or through the forms it
    draws, or None. Only drawn forms count: a resource dictionary shared by a form and listing it is
    common and harmless. `done` holds the forms already followed to the end (each is followed once)."""
    xobjects = resolve1(resources.get("XObject")) if isinstance(resources, dict) else None
    if not isinstance(xobjects, dict):
        return None
    names = {re.sub(rb"#([0-9a-fA-F]{2})", lambda m: bytes.fromhex(m[1].decode()), m[1]).decode("latin-1")
             for stream in streams for m in _DO.finditer(stream.buffer)}
    for name in sorted(names):
        ref = xobjects.get(name)
        if not isinstance(ref, ObjRef) or ref.objid in done:
            continue
        if ref.objid in drawing:
            return ref.objid
        form = ref.resolve(default=_MISSING)
        if (isinstance(form, ContentStream)
                and getattr(resolve1(form.get("Subtype")), "name", None) == "Form"):
            found = _drawn_cycle(iter([form]), resolve1(form.get("Resources")) or resources,
                                 drawing + (ref.objid,), done)
            if found is not None:
                return found
        done.add(ref.objid)
    return None
