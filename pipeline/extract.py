"""One report file → its forms: the composition of pdf → tables → forms, part by part.

A report is read in parts of `PART_PAGES` pages, so that a bundle of thousands of pages is read in
bounded memory, and by several workers at once (`pipeline.ingest`). A part holds the forms whose
first page is in it; it reads on past its last page until the next form starts, so the forms it
holds are whole, and the pages before its first form belong to the part before. Each page is
checked (`check_held`, `check_edges`) by the part that holds the form printed on it, with the form's
spill pages beside it. A report of up to `PART_PAGES` pages is one part: everything as before.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .forms.reader import no_form_found, read_forms
from .forms.rows import form_starts, stitch_overflow
from .model import Form
from .read.pdf import OpenPdf, PdfInfo, count_pages, inspect
from .read.grids import ENGINE, check_edges, check_held, scan

PART_PAGES = 50  # pages a worker reads at once: a few MB of glyphs and grids
_READ_ON = 8  # pages read at a time past a part's end, looking for the next form's start


def parts(pages: int, size: int = PART_PAGES) -> list[range]:
    """The parts a report of `pages` pages is read in."""
    return [range(a, min(a + size, pages + 1)) for a in range(1, pages + 1, size)]


def extract(path: str | Path, engine: str = ENGINE, max_pages: int | None = None,
            part_pages: int = PART_PAGES, skipped: list[tuple[int, str]] | None = None,
            ) -> tuple[PdfInfo, list[Form]]:
    """Read every form of a report. Raises a `ReportError` subclass for bad input. Untrusted files are
    read through `pipeline.bounded`, which also turns any other failure into a refusal. Tables that are
    not forms (a summary, a targets table, a 部门整体 table) are passed over: (page, why) each into
    `skipped` where given."""
    pages = count_pages(path, max_pages)
    skipped = [] if skipped is None else skipped
    info, forms = None, []
    for part in parts(pages, part_pages):
        part_info, found = read_part(path, part, engine, max_pages, info.sha256 if info else None, skipped)
        info = info or part_info
        forms += found
    assert info is not None  # a PDF has at least one page (count_pages)
    if not forms:
        raise no_form_found(str(info.path), info.pages, skipped)
    return info, forms


def read_part(path: str | Path, part: range, engine: str = ENGINE, max_pages: int | None = None,
              sha256: str | None = None, skipped: list[tuple[int, str]] | None = None,
              ) -> tuple[PdfInfo, list[Form]]:
    """The forms of a report whose first page is in `part`, read and checked (none is no fault here:
    `extract` says so for the whole report). `sha256` spares hashing the file again."""
    with OpenPdf(path, max_pages) as opened:  # each page loaded once, for its text and its tables
        return _read_part(opened, path, part, engine, max_pages, sha256, skipped)


def _read_part(opened: OpenPdf, path: str | Path, part: range, engine: str, max_pages: int | None,
               sha256: str | None, skipped: list[tuple[int, str]] | None = None) -> tuple[PdfInfo, list[Form]]:
    pages = len(opened)
    end = min(part.stop + _READ_ON, pages + 1)  # pages read: part.start .. end - 1
    info = inspect(path, max_pages, range(part.start, end), sha256, opened)
    layer = scan(path, engine, range(part.start, end), opened)
    ocr: dict = {}  # page → what OCR read there (pipeline.read.ocr), each scanned page read once
    while True:
        grids, rulings, read = layer.grids(), layer.rulings, info
        if info.scanned:  # OCR hook: pages with no text layer are read from their image
            from .read.ocr import read_scanned
            grids, rulings, read, scans = read_scanned(info, grids, rulings, ocr)
        starts = form_starts(grids)
        if part.start > 1 and not any(p in part for p in starts):
            return info, []  # a part inside a long form, or its spill pages: the part before has it
        after = [p for p in starts if p >= part.stop]
        if after or end > pages:
            break
        more = range(end, min(end + _READ_ON, pages + 1))
        info, layer, end = _joined(info, inspect(path, max_pages, more, info.sha256, opened)), \
            layer + scan(path, engine, more, opened), more.stop
    forms = read_forms(read, grids, starting_on=part, skipped=skipped)
    if info.scanned:
        from .read.ocr import attach
        forms = attach(forms, scans)
    # the pages this part answers for: from its first form (the first part: from page 1) to the next
    held = range(1 if part.start == 1 else min(p for p in starts if p in part), after[0] if after else end)
    rulings = {p: r for p, r in rulings.items() if p in held}
    check_held(info.path, grids, rulings)
    check_edges(info.path, {p for _, on in stitch_overflow(grids) if len(on) > 1 for p in on}, rulings)
    return info, forms


def _joined(a: PdfInfo, b: PdfInfo) -> PdfInfo:
    return dataclasses.replace(a, page_texts=tuple(x or y for x, y in zip(a.page_texts, b.page_texts)),
                               scanned=a.scanned + b.scanned)


def extract_verbose(path: str | Path, max_pages: int | None = None) -> dict:
    """The forms of a report (as `extract_dicts`) and the tables passed over as not forms, each with its
    page and why: what `jixiao extract --verbose` says."""
    skipped: list[tuple[int, str]] = []
    forms = [form.to_dict() for form in extract(path, max_pages=max_pages, skipped=skipped)[1]]
    return {"forms": forms, "skipped": [{"page": page, "why": why} for page, why in skipped]}


def extract_dicts(path: str | Path, max_pages: int | None = None) -> list[dict]:
    """The forms of a report in the SCHEMA.md shape: what `jixiao extract` prints, and what travels
    back from a worker process (`pipeline.bounded`)."""
    return [form.to_dict() for form in extract(path, max_pages=max_pages)[1]]
