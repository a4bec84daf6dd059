"""Ideographs named by the code points of radicals, as unified ideographs.

A font may map a glyph to a CJK radical's code point rather than the ideograph it draws: the same
shape, "⽬" (KANGXI RADICAL EYE, U+2F6C) for 目, "⻚" (U+2EDA) for 页. A PDF rewritten by cairo, or
text copied out of such a PDF into a workbook, names them so, and then no label of the vocabulary
matches ("项⽬名称"). Unicode says which ideograph each radical is drawn as: the Kangxi Radicals and
the CJK compatibility ideographs by their decompositions, the CJK Radicals Supplement in its
EquivalentUnifiedIdeograph.txt (radicals.txt here). Every reader's text goes through `unified`
(pdf glyphs and page text, cells of workbooks, documents and web pages), so a field is the same
text whatever the code points were.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

_DATA = Path(__file__).with_name("radicals.txt")


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    blocks = (range(0x2F00, 0x2FE0), range(0xF900, 0xFB00), range(0x2F800, 0x2FA20))
    for cp in (cp for block in blocks for cp in block):
        ideograph = unicodedata.normalize("NFKC", chr(cp))
        if ideograph != chr(cp) and len(ideograph) == 1 and unicodedata.name(ideograph, "").startswith("CJK UNIFIED"):
            table[cp] = ideograph
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            first, target = (part.strip() for part in line.split(";"))
            lo, _, hi = first.partition("..")
            for cp in range(int(lo, 16), int(hi or lo, 16) + 1):
                table[cp] = chr(int(target, 16))
    return table


UNIFIED = _table()  # code point → the unified ideograph it is drawn as (str.translate)


def unified(text: str) -> str:
    """`text` with every radical and compatibility ideograph as the unified ideograph it is drawn as."""
    return text.translate(UNIFIED)
