"""File-level facts and refusals: is this a readable PDF, what is its sha256, which pages carry text.

Everything here runs before any table extraction, so a bad file is refused early, with its name and
page, and never reaches Camelot.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from .errors import EmptyPdf, EncryptedPdf, NotAPdf, ScannedPage


@dataclass(frozen=True)
class PdfInfo:
    path: Path
    sha256: str
    pages: int
    page_texts: tuple[str, ...]  # text layer of each page, for labels printed outside the tables


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def inspect(path: str | Path) -> PdfInfo:
    """Open a report safely; raise a named `ReportError` for anything we cannot read as text."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise NotAPdf(name, "no such file")
    if path.stat().st_size == 0:
        raise EmptyPdf(name, "the file is empty (0 bytes)")
    with path.open("rb") as fh:
        if b"%PDF" not in fh.read(1024):
            raise NotAPdf(name, "not a PDF file (no %PDF header)")
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdf(name, "the PDF is encrypted (password protected)") from exc
        raise NotAPdf(name, f"the PDF cannot be read ({exc})") from exc
    try:
        if len(doc) == 0:
            raise EmptyPdf(name, "the PDF has no pages")
        texts: list[str] = []
        for i, page in enumerate(doc, start=1):
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            if not text.strip() and _has_image(page):
                raise ScannedPage(
                    name, f"page {i} has no text layer: scanned reports are not supported yet", page=i
                )
            texts.append(text)
    finally:
        doc.close()
    return PdfInfo(path=path, sha256=sha256_of(path), pages=len(texts), page_texts=tuple(texts))


def _has_image(page: pdfium.PdfPage) -> bool:
    return any(obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects())
