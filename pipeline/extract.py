"""One report file → its forms: the composition of pdf → tables → forms, part by part.

A report is read in parts of `PART_PAGES` pages, so that a bundle of thousands of pages is read in
bounded memory, and by several workers at once (`pipeline.ingest`). A part holds the forms whose
first page is in it; it reads on past its last page until the next form starts, so the forms it
holds are whole, and the pages before its first form belong to the part before. Each page is
checked (`check_held`, `check_edges`) by the part that holds the form printed on it, with the form's
spill pages beside it. A report of up to `PART_PAGES` pages is one part: everything as before.

Workbooks, Word documents and web pages (`read.tables.kind`, by the file's first bytes) are read by
their own reader (`read.workbook`, `read.docx`, `read.html`) into the same grids, one "page" per table,
and then by the same form reader; a part of such a file reads it whole and keeps the forms starting
in the part, as a part of a PDF does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .forms.identify import hidden_sheets
from .forms.reader import no_form_found, read_forms
from .forms.rows import forms_of, stitch_overflow
from .errors import BrokenPdf, ReportError, TextLayerUnreadable
from .model import Form
from .errors import OverLimit
from .read import pdf, tables
from .read.pdf import DAMAGED, OpenPdf, PdfInfo, inspect
from .read.grids import ENGINE, Layer, Ruling, scan
from .read.held import check_edges, check_held

PART_PAGES = 50  # pages a worker reads at once: a few MB of glyphs and grids
_READ_ON = 8  # pages read at a time past a part's end, looking for the next form's start


def parts(pages: int, size: int = PART_PAGES) -> list[range]:
    """The parts a report of `pages` pages is read in."""
    return [range(a, min(a + size, pages + 1)) for a in range(1, pages + 1, size)]


def extract(path: str | Path, engine: str = ENGINE, max_pages: int | None = None,
            part_pages: int = PART_PAGES, skipped: list[tuple[int, str]] | None = None,
            prefer_ocr: bool = False) -> tuple[PdfInfo, list[Form]]:
    """Read every form of a report. Raises a `ReportError` subclass for bad input. Untrusted files are
    read through `pipeline.bounded`, which also turns any other failure into a refusal. Tables that are
    not forms (a summary, a targets table, a 部门整体 table) are passed over: (page, why) each into
    `skipped` where given. `prefer_ocr`: every page of a PDF is read from its image, its text layer
    set aside (a user who distrusts it asked so; `OcrReading.reason` says `ocr_asked_for`)."""
    pages = count_pages(path, max_pages)
    skipped = [] if skipped is None else skipped
    info, forms = None, []
    for part in parts(pages, part_pages):
        part_info, found = read_part(path, part, engine, max_pages, info.sha256 if info else None, skipped,
                                     prefer_ocr)
        info = info or part_info
        forms += found
    assert info is not None  # a PDF has at least one page (count_pages)
    if not forms:
        raise no_form_found(str(info.path), info.pages, skipped)
    return info, forms


def count_pages(path: str | Path, max_pages: int | None = None) -> int:
    """The report's number of pages (of a workbook, Word document or web page: its tables), once it
    is known to be a file jixiao reads; raises the named `ReportError` otherwise (`pdf.count_pages`)."""
    kind = tables.kind(path)
    if kind not in _STRUCTURED:
        return pdf.count_pages(path, max_pages)
    return len(_tables(Path(path), kind, max_pages))


def read_part(path: str | Path, part: range, engine: str = ENGINE, max_pages: int | None = None,
              sha256: str | None = None, skipped: list[tuple[int, str]] | None = None,
              prefer_ocr: bool = False) -> tuple[PdfInfo, list[Form]]:
    """The forms of a report whose first page is in `part`, read and checked (none is no fault here:
    `extract` says so for the whole report). `sha256` spares hashing the file again. `prefer_ocr`:
    as `extract`'s (a workbook, Word document or web page has no image: it is read as always)."""
    kind = tables.kind(path)
    if kind in _STRUCTURED:
        return _read_structured(Path(path), kind, part, max_pages, sha256, skipped)
    with OpenPdf(path, max_pages) as opened:  # each page loaded once, for its text and its tables
        return _read_part(opened, path, part, engine, max_pages, sha256, skipped, prefer_ocr)


def _read_part(opened: OpenPdf, path: str | Path, part: range, engine: str, max_pages: int | None,
               sha256: str | None, skipped: list[tuple[int, str]] | None = None,
               prefer_ocr: bool = False) -> tuple[PdfInfo, list[Form]]:
    pages = len(opened)
    end = min(part.stop + _READ_ON, pages + 1)  # pages read: part.start .. end - 1
    # a part after the first may start inside a form: its first page is judged as part of one
    info, layer, passed, open_ = _look(opened, path, range(part.start, end), engine, max_pages, sha256,
                                       part.start > 1, prefer_ocr)
    ocr: dict = {}  # page → what OCR read there (pipeline.read.ocr), each scanned page read once
    while True:
        grids, rulings, read = layer.grids(), layer.rulings, info
        if info.scanned:  # OCR hook: pages with no text layer, or one that cannot be trusted
            try:
                from .read.ocr import read_scanned
            except ImportError as exc:  # OCR not installed: a scan fails as before, a bad text layer says so
                if info.unreadable:
                    raise _unreadable(info, f"and OCR cannot read its image ({exc})") from exc
                raise
            grids, rulings, read, scans = read_scanned(info, grids, rulings, ocr)
        rows_by_form = forms_of(grids)
        starts = [rows[0].page for rows in rows_by_form]  # each form's first page
        if part.start > 1 and not any(p in part for p in starts):
            return info, []  # a part inside a long form, or its spill pages: the part before has it
        after = [p for p in starts if p >= part.stop]
        if after or end > pages:
            break
        more = range(end, min(end + _READ_ON, pages + 1))
        looked, added, more_passed, open_ = _look(opened, path, more, engine, max_pages, info.sha256,
                                                  open_, prefer_ocr)
        passed |= more_passed
        info, layer, end = _joined(info, looked), layer + added, more.stop
    forms = read_forms(read, grids, starting_on=part, skipped=skipped, rows_by_form=rows_by_form)
    if skipped is not None:  # a passed page's table titled as another kind is listed, as read_forms lists it
        from .forms.identify import titled_not_a_form, unanchored
        said = {p for p, _ in skipped}
        skipped += [(p, why) for p in sorted(passed) if p in part and p not in said and all(
            (layer.rulings[p].horizontal, layer.rulings[p].vertical)) and (why := titled_not_a_form(
                info.page_texts[p - 1]) or unanchored(info.page_texts[p - 1]))]
        skipped.sort()
    if info.unreadable and not forms and any(p in part for p, _ in info.unreadable):
        raise _unreadable(info, "and no form could be read from its image either")
    if info.scanned:
        from .read.ocr import attach
        forms = attach(forms, scans)
        forms = _why_ocr(forms, {p for p, _ in info.unreadable}, set(info.asked))
    forms = _with_seals(forms, layer.rulings)
    # the pages this part answers for: from its first form (the first part: from page 1) to the next
    held = range(1 if part.start == 1 else min(p for p in starts if p in part), after[0] if after else end)
    rulings = {p: r for p, r in rulings.items() if p in held}
    check_held(info.path, grids, rulings)
    check_edges(info.path, {p for _, on in stitch_overflow(grids) if len(on) > 1 for p in on}, rulings)
    return info, forms


def _look(opened: OpenPdf, path: str | Path, pages: range, engine: str, max_pages: int | None,
          sha256: str | None, open_: bool, prefer_ocr: bool) -> tuple[PdfInfo, Layer, set[int], bool]:
    """`pages` read once: their text (`inspect`), the pages that cannot hold a form passed over
    (`_passed`; `open_`: a form may be open at the first; none is passed where the user asked for
    OCR, the text layer being set aside), the others' glyphs and tables (`scan`), and which pages
    are to be read from their image (a scan, an unreadable text layer, or `prefer_ocr`). Returns
    them with the passed pages and whether a form may be open after them."""
    info = inspect(path, max_pages, pages, sha256, opened)
    passed, open_ = (set(), True) if prefer_ocr else _passed(info, pages, open_)
    # text drawn over text, on a page read from its image or one whose text says nothing a form says
    # (its layer unreadable, maybe: `_unlabelled`), is judged once that is known
    lenient = {*info.scanned, *(p for p in range(max(pages.start, 1), min(pages.stop, info.pages + 1))
                                if not _says(info, p))}
    layer = scan(path, engine, pages, opened, passed, info.scanned, lenient=lenient)
    info = _unlabelled(info, layer.rulings)
    for p, ruling in sorted(layer.rulings.items()):
        if ruling.damaged and p not in info.scanned:  # not to be read from its image: damaged after all
            raise BrokenPdf(str(path), f"page {p} {DAMAGED}: {ruling.damaged}", p)
    return _preferred(info, pages, prefer_ocr), layer, passed, open_


def _says(info: PdfInfo, page: int) -> bool:
    """The page's text holds a header label of some template or a word every report's table prints."""
    from .forms.template import header_labels

    text = "".join(info.page_texts[page - 1].split())
    return any(w in text for w in (*header_labels(), *_WORDS))


_STRUCTURED = {"xlsx": "workbook", "xls": "workbook", "docx": "Word document", "html": "web page", "mhtml": "web page",
               "doc": "Word document", "archive": "archive", "encrypted": "encrypted Office file"}


def tables_of(path: str | Path) -> list[tables.Table]:
    """The tables of a workbook, Word document or web page, as its reader reads them (the review
    report draws a finding's cells from them: `pipeline.report.grid`)."""
    kind = tables.kind(path)
    if kind not in _STRUCTURED:
        raise ValueError(f"{Path(path).name}: not a workbook, Word document or web page")
    return _tables(Path(path), kind, None)


def _tables(path: Path, kind: str, max_pages: int | None) -> list[tables.Table]:
    """The tables of a workbook, Word document or web page (a legacy .doc is refused)."""
    if kind == "doc":
        raise tables.refuse_doc(path)
    if kind == "archive":
        raise tables.refuse_archive(path)
    if kind == "encrypted":
        raise tables.refuse_encrypted(path)
    if kind in ("xlsx", "xls"):
        from .read.workbook import read_xls, read_xlsx
        reader = read_xlsx if kind == "xlsx" else read_xls
    elif kind == "docx":
        from .read.docx import read_docx as reader
    elif kind == "mhtml":
        from .read.mhtml import read_mhtml as reader
    else:
        from .read.html import read_html as reader
    found = tables.read_tables(path, reader, _STRUCTURED[kind])
    if max_pages is not None and len(found) > max_pages:
        raise OverLimit(str(path), f"the {_STRUCTURED[kind]} has {len(found):,} tables, more than the "
                                   f"limit of {max_pages:,} pages per report")
    return found


def _read_structured(path: Path, kind: str, part: range, max_pages: int | None,
                     sha256: str | None, skipped: list[tuple[int, str]] | None = None
                     ) -> tuple[PdfInfo, list[Form]]:
    found = _tables(path, kind, max_pages)
    info = tables.info(path, found, sha256)
    grids = [tables.grid(page, table) for page, table in enumerate(found, start=1)]
    hidden = found[0].hidden_sheets  # a workbook's: said among the tables passed over, or in the refusal
    try:
        forms = read_forms(info, grids, starting_on=part, skipped=skipped)
    except ReportError as err:
        if not hidden:
            raise
        raise type(err)(err.file, f"{err.reason}; not read: {hidden_sheets(hidden)}", err.page) from None
    if skipped is not None and hidden and part.start == 1:  # once, as of no page (0)
        skipped.append((0, hidden_sheets(hidden)))
    return info, tables.placed(forms, grids, found, part)


UNREADABLE = "text_layer_unreadable"  # `OcrReading.reason` of a page read by OCR for its bad text layer
ASKED = "ocr_asked_for"  # `OcrReading.reason` of a page with a text layer read by OCR at the user's word
_FULL = 50  # glyphs: a ruled page printing this many holds some label of a form, or its text is wrong
_WORDS = ("项目", "指标", "预算", "单位", "合计", "支出", "收入", "金额", "科目", "资金", "绩效", "得分", "分值")


_COMMON = 0.8  # of a page's ideographs: common ones (`_common`) in text that reads (≥ 0.975 measured)


def _common(text: str) -> float:
    """The share of the text's ideographs that are common ones: GB 2312's first level, the 3,755 most
    used hanzi. Text a font's wrong /ToUnicode gives is about half rare ones (0.40–0.52 on the
    fixtures); the pages of every look of the corpus, 0.975 and more (bench/README.md). No ideograph: 0."""
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    common = 0
    for c in han:
        try:
            code = c.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 0xB0 <= code[0] <= 0xD7  # level 1 (0xD8–0xF7: level 2, the rarer)
    return common / len(han) if han else 0.0


def _unlabelled(info: PdfInfo, rulings: dict[int, Ruling]) -> PdfInfo:
    """`info` with the pages whose text cannot be trusted though every character maps to one: a page
    ruled as a table and full of glyphs whose text holds no header label of any template and none of
    the words every such table prints (项目, 指标, 合计, ...), and whose ideographs are not mostly
    common ones (`_common`). A font whose /ToUnicode maps to other characters gives such text; the
    page is read from its image (`PdfInfo.unreadable`). A page of a form's rows alone, its level
    labels merged from the page before (no label printed), reads as common text and is trusted."""
    found = []
    for p, ruling in sorted(rulings.items()):
        if p in info.scanned or len(ruling.chars) < _FULL or len(ruling.horizontal) < 3 or len(ruling.vertical) < 3:
            continue
        text = "".join(info.page_texts[p - 1].split())
        if not _says(info, p) and _common(text) < _COMMON:
            found.append((p, f"its text holds no label of any form ({text[:12]!r}…), though the page is "
                             f"ruled and prints {len(ruling.chars)} glyphs"))
    if not found:
        return info
    return dataclasses.replace(info, scanned=tuple(sorted({*info.scanned, *(p for p, _ in found)})),
                               unreadable=info.unreadable + tuple(found))


def _passed(info: PdfInfo, pages: range, open_: bool) -> tuple[set[int], bool]:
    """The pages of `pages` that cannot be part of a form, known from pdfium's text alone (`scan`
    lists no glyph there and seeks no table), and whether a form may still be open after them.

    A form starts on a page printing one of its anchor labels (项目名称, 项目编码: `template.anchors`,
    from the vocabulary and the templates), and runs on over the pages after it until the next
    starts. So a page is passed while no form may be open (`open_`: none started before it in this
    part, or the part starts at page 1) and its text lacks a character of every anchor (characters,
    not the label: a label wrapped in its cell may be interleaved with its neighbours' lines in the
    text). Never passed: a page read from its image, and a page whose text holds none of the words a
    ruled page of a report prints (`_unlabelled` may find its text layer unreadable)."""
    from .forms.template import anchors

    marks = [set(a) for a in anchors()]
    passed = set()
    for p in range(max(pages.start, 1), min(pages.stop, info.pages + 1)):
        text = "".join(info.page_texts[p - 1].split())
        if p in info.scanned or any(m <= set(text) for m in marks):
            open_ = True
        elif not open_ and _says(info, p):
            passed.add(p)
    return passed, open_


def _unreadable(info: PdfInfo, why: str) -> TextLayerUnreadable:
    page, reason = info.unreadable[0]
    return TextLayerUnreadable(str(info.path), f"the text layer cannot be read: {reason}; {why}", page)


def _why_ocr(forms: list[Form], unreadable: set[int], asked: frozenset[int] | set[int] = frozenset()
             ) -> list[Form]:
    """Each form read by OCR from a page whose text layer was there but untrustworthy, or that the
    user asked to be read so (`prefer_ocr`; the stronger word when both), saying so."""
    def why(form: Form) -> str | None:
        on = set(form.ocr.pages) if form.ocr is not None else set()
        return ASKED if asked & on else UNREADABLE if unreadable & on else None

    return [dataclasses.replace(form, ocr=dataclasses.replace(form.ocr, reason=reason))
            if (reason := why(form)) else form for form in forms]


def _preferred(info: PdfInfo, pages: range, prefer_ocr: bool) -> PdfInfo:
    """`info` with every page of `pages` read from its image when the user asked for OCR
    (`prefer_ocr`); the pages that had a text layer are `asked`."""
    if not prefer_ocr:
        return info
    asked = tuple(p for p in pages if p not in info.scanned)
    return dataclasses.replace(info, scanned=tuple(sorted({*info.scanned, *pages})), asked=info.asked + asked)


def _with_seals(forms: list[Form], rulings: dict[int, Ruling]) -> list[Form]:
    """Each form with the seals drawn as text on its pages (set aside by `glyphs.seals`)."""
    out = []
    for form in forms:
        seals = tuple(seal for p in range(form.source.first_page, form.source.last_page + 1)
                      if p in rulings for seal in rulings[p].seals)
        out.append(dataclasses.replace(form, seals=seals) if seals else form)
    return out


def _joined(a: PdfInfo, b: PdfInfo) -> PdfInfo:
    return dataclasses.replace(a, page_texts=tuple(x or y for x, y in zip(a.page_texts, b.page_texts)),
                               scanned=a.scanned + b.scanned, unreadable=a.unreadable + b.unreadable,
                               asked=a.asked + b.asked)


def extract_verbose(path: str | Path, max_pages: int | None = None, prefer_ocr: bool = False) -> dict:
    """The forms of a report (as `extract_dicts`) and the tables passed over as not forms, each with its
    page and why: what `jixiao extract --verbose` says."""
    skipped: list[tuple[int, str]] = []
    forms = [form.to_dict() for form in extract(path, max_pages=max_pages, skipped=skipped,
                                                prefer_ocr=prefer_ocr)[1]]
    return {"forms": forms, "skipped": [{"page": page, "why": why} for page, why in skipped]}


def extract_dicts(path: str | Path, max_pages: int | None = None, prefer_ocr: bool = False) -> list[dict]:
    """The forms of a report in the SCHEMA.md shape: what `jixiao extract` prints, and what travels
    back from a worker process (`pipeline.bounded`)."""
    return [form.to_dict() for form in extract(path, max_pages=max_pages, prefer_ocr=prefer_ocr)[1]]
