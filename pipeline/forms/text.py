"""How printed cell text becomes a field value: wrapped lines rejoined, numbers kept as printed.

The only place that decides what whitespace and separators mean, so every field is cleaned alike.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

DASH = "—"  # what a form prints in a cell for "no value"
NOT_APPLICABLE = (DASH, "/")  # printed in a cell that has no value (sichuan prints "/")
# a weight as forms print it, in brackets after a label: "产出指标（50分）", "预算执行情况（万元）（10分）";
# every reader of weights builds on these two (a lost bracket under OCR: `read.ocr.corrections`)
_DECIMAL = r"\d+(?:\.\d+)?"
POINTS = _DECIMAL + "分"
WEIGHT = rf"[(（](?P<weight>{_DECIMAL})分[)）]"

_NUMBERED_ITEM = re.compile(r"^\s*[(（]?\d{1,2}\s*[.、．)）]")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_LABEL_NOISE = re.compile(r"[\s*＊:：]")


def flat(text: str | None) -> str | None:
    """A wrapped cell rejoined without spaces (but the one a line was wrapped at, printed at its
    end: `glyphs.text`); None for an empty cell."""
    if text is None:
        return None
    joined = "".join(_rejoined(text)).strip()
    return joined or None


def paragraph(text: str | None) -> str | None:
    """Long text: line breaks of the PDF removed, except before a numbered item ("2.", "3、")."""
    if text is None:
        return None
    parts = [("\n" + line.lstrip()) if i and _NUMBERED_ITEM.match(line.lstrip()) else line
             for i, line in enumerate(_rejoined(text))]
    joined = "".join(parts).strip()
    return joined or None


def _rejoined(text: str) -> list[str]:
    """The non-empty lines, stripped; a line after one that ends with a space (a space printed where
    the line was wrapped) starts with it."""
    out: list[str] = []
    space = False
    for raw in text.splitlines():
        line = raw.strip()
        if line:
            out.append(" " + line if out and space else line)
            space = raw.endswith(" ")
    return out


# digits and marks an input method types full-width ("１２１０．００"): the same number
_HALF_WIDTH = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")


def number(text: str | None) -> str | None:
    """A printed number as its exact string, thousands separators dropped ("1,210,000.00" → "1210000.00"),
    full-width digits and marks as their ASCII ("１２１０．００" → "1210.00")."""
    value = flat(text)
    if value is None:
        return None
    value = value.replace(" ", "").translate(_HALF_WIDTH)
    if _THOUSANDS.match(value):
        value = value.replace(",", "")
    return value


@lru_cache(maxsize=1 << 13)  # asked of every cell of every row, again and again (the corpus prints ~6,000)
def label(text: str | None) -> str:
    """A printed label reduced to its words: no spaces, line breaks, asterisks or colons."""
    return _LABEL_NOISE.sub("", text or "")


def percent(text: str | None) -> str | None:
    """A printed rate as its exact number, without its percent sign ("86.24%" → "86.24"); other
    marks ("/", "—") stay as printed."""
    value = number(text)
    if value is not None and value[-1:] in ("%", "％"):
        value = value[:-1] or None
    return value


def set_on(span: tuple[float, float], border: float, head: str, rest: str
           ) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Where a line of text printed as `head` + `rest` from `span` (its first and last glyphs'
    middles) parts at `border`: the spans of the two parts, if `head` ends there (to a quarter of
    an em; full-width and ambiguous glyphs one em, others half), else None."""
    text = head + rest
    if not head or not rest or "\n" in text:
        return None
    widths = [_width(ch) for ch in text]
    between = sum(widths) - (widths[0] + widths[-1]) / 2  # ems from the first middle to the last
    start, end = span
    if between <= 0 or end <= border:
        return None
    em = (end - start) / between
    k = len(head)
    ends = start + (sum(widths[:k]) - widths[0] / 2) * em  # where head's last glyph ends
    if abs(ends - border) > 0.25 * em:
        return None
    return (start, ends - widths[k - 1] / 2 * em), (ends + widths[k] / 2 * em, end)


def _width(ch: str) -> float:
    """A glyph's advance in ems as CJK fonts set it: full-width 1, and the ambiguous ones (“ ” — … ①
    °) too, as a CJK font draws them; others (digits, Latin) half."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 0.5
