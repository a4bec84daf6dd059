"""One report file → its forms: the composition of pdf → tables → forms."""

from __future__ import annotations

from pathlib import Path

from .forms import read_forms, stitch_overflow
from .model import Form
from .pdf import PdfInfo, inspect
from .tables import ENGINE, check_edges, check_held, read_grids


def extract(path: str | Path, engine: str = ENGINE,
            max_pages: int | None = None) -> tuple[PdfInfo, list[Form]]:
    """Read every form of a report. Raises a `ReportError` subclass for bad input. Untrusted files are
    read through `pipeline.bounded`, which also turns any other failure into a refusal."""
    info = inspect(path, max_pages=max_pages)
    if len(info.scanned) < info.pages:
        grids, rulings = read_grids(info.path, engine=engine)
    else:
        grids, rulings = [], {}
    scans: dict = {}
    if info.scanned:  # OCR hook: pages with no text layer are read from their image
        from .ocr import read_scanned
        grids, rulings, info, scans = read_scanned(info, grids, rulings)
    forms = read_forms(info, grids)  # a file with no form is refused as such, not as a fault
    if scans:
        from .ocr import attach
        forms = attach(forms, scans)
    check_held(info.path, grids, rulings)
    check_edges(info.path, {p for _, pages in stitch_overflow(grids) if len(pages) > 1 for p in pages},
                rulings)
    return info, forms


def extract_dicts(path: str | Path, max_pages: int | None = None) -> list[dict]:
    """The forms of a report in the SCHEMA.md shape: what `jixiao extract` prints, and what travels
    back from a worker process (`pipeline.bounded`)."""
    return [form.to_dict() for form in extract(path, max_pages=max_pages)[1]]
