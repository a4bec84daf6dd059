"""A checkbox question's options read from a scan: each box ticked or not by its ink
(`pipeline.read.ocr.recognise.checkboxes`), a box the recogniser dropped found where it stands.

The crops are lines of made scans and outlines of hubei forms (/tmp/vscan and /tmp/outl/look of
bench/README.md "Scans of the variants: every wrong field by cause", the tune sets), the page's ruling
erased, with the box and text PP-OCRv4 gave the line; the answers are those of their truth files.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from pipeline.forms.outside import checkbox
from pipeline.read.ocr.recognise import Line, checkboxes

SCANS = Path(__file__).parents[1] / "fixtures" / "scans"

LINES = {  # crop: (the text read, its box in the crop, the option ticked in the truth)
    # 200 dpi: the detector's box took in the last "☑", the recogniser read nothing for it
    "a-ticked-box-the-recogniser-dropped-at-a-lines-end": ("持续性项目口、新增性项目", (40.5, 10.5, 372.9, 41.0), "新增性项目"),
    # an outline at 150 dpi: the "☑" after the first option read as nothing, between two characters
    "a-ticked-box-the-recogniser-dropped-inside-a-line": ("、常年性项目、延续性项目口、一次性项目口", (40.0, 10.0, 435.0, 34.0), "常年性项目"),
    # 150 dpi: every box read "口", the first one's outline drawn ~60 grey levels under its paper
    "a-box-drawn-faint": ("、部门预算项目口、省直专项口、省对下转移支付项目口", (40.0, 10.0, 508.0, 36.0), "省直专项"),
}


def _line(name: str) -> tuple[Line, object]:
    text, box, _ = LINES[name]
    return Line(text, 0.98, *box), cv2.imread(str(SCANS / f"{name}.png"), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize("name", sorted(LINES))
def test_each_box_is_told_and_the_ticked_option_is_the_printed_one(name):
    line, crop = _line(name)
    read = checkboxes(line, crop, crop.shape[1])
    assert read.text.count("☑") == 1 and "口" not in read.text, read.text
    assert checkbox(read.text) == (LINES[name][2], True)
    assert read.raw == line.text and "by the ink inside each box" in read.fix


def test_a_box_found_in_the_ink_says_so():
    line, crop = _line("a-ticked-box-the-recogniser-dropped-at-a-lines-end")
    assert "not read found in the ink" in checkboxes(line, crop).fix


def test_a_box_that_is_not_in_the_ink_leaves_the_question_unanswered():
    """The same line with its "☑" painted over with paper: no box stands after 新增性项目, so no box
    is told at all, rather than one option told without its neighbour's."""
    line, crop = _line("a-ticked-box-the-recogniser-dropped-at-a-lines-end")
    crop[:, 345:] = int(crop[:, 345:].max())  # the "目" before the "☑" ends at x 342, the "☑" starts at 350
    read = checkboxes(line, crop)
    assert read.text == line.text and checkbox(read.text) is None
