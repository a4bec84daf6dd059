"""A detected line whose box reaches a few pixels over a drawn border (`recognise.split_read`).

The crops are of made scans (`bench/make_scans.py --seed 22`, tune half), the page as `page.read_page`
cleans it; the boxes are those the detector gave on the whole page, in the crop's pixels, and the
border is where the ruling found it. Two cells side by side print the same text; the detector's box
of one line reaches over the border onto the other cell's text, whose own line it found too."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.read.ocr import recognise
from pipeline.read.ocr.recognise import Line

SCANS = Path(__file__).parents[1] / "fixtures" / "scans"

CASES = {  # crop: the line over the border, the other cell's line, the border's x, the parts as printed
    # tune 440307200300200031420, indicator 7's target and actual, "经区政府概算审核部门" both; the
    # target's box ends 13 px past the border, over the "纟" of the actual's "经" (read "经" alone)
    "a-box-over-a-border-onto-the-next-cells-text.png": (
        Line("经区政府概算审核部门", 0.999, 15.0, 17.0, 226.0, 44.0),
        Line("经区政府概算审核部门", 1.0, 213.0, 17.0, 411.0, 44.0), 213.0, ["经区政府概算审核部门"]),
    # tune 440304240300200076018, indicator 3's target and actual, "10×24小时的故障服" / "务受理";
    # the actual's box starts 15 px before the border, over the edge of the target's "服" (read "报")
    "a-box-over-a-border-onto-the-last-cells-text.png": (
        Line("10×24小时的故障服务", 0.989, 259.0, 14.0, 561.0, 50.0),
        Line("10×24小时的故障服", 0.988, 18.0, 14.0, 277.0, 50.0), 274.0, ["10×24小时的故障服务"]),
}


def _crop(name: str):
    import cv2

    return cv2.imread(str(SCANS / name), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_part_of_a_line_inside_another_lines_box_is_that_lines_text(name):
    """The part of the box beyond the border holds a sliver of the other cell's glyph, which read
    alone is a character of its own ("部门经", "服报务" as loaded before): that part is the other
    line's, already read whole, and is not read again."""
    line, other, border, printed = CASES[name]
    crop = _crop(name)
    alone = recognise.split_read(line, [border], crop)
    assert len(alone) == 2  # without the other line: the sliver read as a character of its own
    parts = recognise.split_read(line, [border], crop, [line, other])
    assert [p.text for p in parts] == printed


def test_a_line_across_a_border_with_no_other_line_there_is_still_read_part_by_part():
    """The other line must hold the whole part: a line of two cells' texts, where the detector found
    no line of its own in the second, is read part by part as before."""
    line, other, border, _ = CASES["a-box-over-a-border-onto-the-next-cells-text.png"]
    crop = _crop("a-box-over-a-border-onto-the-next-cells-text.png")
    joined = Line(line.text + other.text, 0.99, line.x0, line.y0, other.x1, other.y1)
    parts = recognise.split_read(joined, [border], crop, [joined])
    assert [p.text for p in parts] == ["经区政府概算审核部门", "经区政府概算审核部门"]


def test_a_line_detected_twice_is_read_once_not_lost():
    """Two lines with the same box across a border (one line detected twice) each lie inside the
    other's box: each would leave its parts to the other, and both cells would load empty. The
    first is read part by part, the second leaves its parts to it."""
    import dataclasses

    line, other, border, _ = CASES["a-box-over-a-border-onto-the-next-cells-text.png"]
    crop = _crop("a-box-over-a-border-onto-the-next-cells-text.png")
    first = Line(line.text + other.text, 0.99, line.x0, line.y0, other.x1, other.y1)
    again = dataclasses.replace(first, conf=0.98)
    both = [first, again]
    assert [p.text for p in recognise.split_read(first, [border], crop, both)] == ["经区政府概算审核部门"] * 2
    assert recognise.split_read(again, [border], crop, both) == []
