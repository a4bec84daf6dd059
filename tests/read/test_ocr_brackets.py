"""A full-width "（" read half-width, given back from the paper before it (`recognise.brackets`).

The crops are lines of the outlines of the variants' tune set (bench/README.md "Scans of the variants:
every wrong field by cause"; `gs -dNoOutputFonts`, read at 150 dpi), the page's ruling erased, with the
text and box PP-OCRv4 gave them (glyph rules off); what they print is their truth files' text.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from pipeline.read.ocr.recognise import Line, brackets, measured

SCANS = Path(__file__).parents[1] / "fixtures" / "scans"

LINES = {  # crop: (the text read, its box in the crop, what is printed)
    "a-full-width-bracket-read-half-width": (  # the recogniser's space is none printed
        "深圳市罗湖区政务服务数据管理局 (本级)", (10.0, 6.0, 365.0, 31.0), "深圳市罗湖区政务服务数据管理局（本级）"),
    "a-full-width-bracket-read-half-width-after-a-space": (  # a space printed, which `spaced` gives back
        "深圳市宝安区政务服务数据管理局(本级)", (10.0, 6.0, 367.0, 28.0), "深圳市宝安区政务服务数据管理局 （本级）"),
    "a-half-width-bracket": ("产出指标(50分)", (10.0, 6.0, 113.0, 29.0), "产出指标(50分)"),  # printed half-width
}


@pytest.mark.parametrize("name", sorted(LINES))
def test_a_bracket_after_an_ideograph_is_full_width_where_half_its_em_is_paper(name):
    text, box, printed = LINES[name]
    crop = cv2.imread(str(SCANS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
    assert measured(Line(text, 0.95, *box), crop).text == printed


def test_a_bracket_after_no_ideograph_is_not_looked_at():
    crop = cv2.imread(str(SCANS / "a-full-width-bracket-read-half-width.png"), cv2.IMREAD_GRAYSCALE)
    line = Line("(ISO9001)", 0.95, 10.0, 6.0, 365.0, 31.0)
    assert brackets(line, crop) == line


@pytest.mark.parametrize("name,printed", [
    ("a-full-width-bracket-read-half-width", "深圳市罗湖区政务服务数据管理局（本级）"),  # no space printed
    ("a-full-width-bracket-read-half-width-after-a-space", "深圳市宝安区政务服务数据管理局 （本级）"),  # one printed
])
def test_a_space_read_before_a_full_width_bracket_is_kept_only_where_printed(name, printed):
    """The recogniser's "局 (本级)" is made "局 （本级）" by `corrections.full_width` as it is decoded,
    before `brackets` can take out the space it put where the bracket's blank half is: `spaced`
    measures the paper there and keeps a space read only where one is printed ("局 （本级）" on 4
    of the tune outlines, whose truth prints none)."""
    _, box, _ = LINES[name]
    crop = cv2.imread(str(SCANS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)
    read = printed.replace("局（", "局 （")
    assert measured(Line(read, 0.95, *box), crop).text == printed
