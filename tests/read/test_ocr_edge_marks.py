"""A mark at either end of a wrapped line, left out of the detector's box or cut by it (`edge_marks`).

The crops are of made scans (`bench/make_scans.py --seed 22`, tune half), the page as `page.read_page`
cleans it; each line's box is the one the detector gave on the whole page, and `left`, `right` its
cell's borders, in the crop's pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.read.ocr import edge_marks
from pipeline.read.ocr.recognise import Line

SCANS = Path(__file__).parents[1] / "fixtures" / "scans"

CASES = {  # crop: (text as the detector's box read it, box x0, y0, x1, y1), the cell's left and right, as printed
    # tune 440304240300200076018, goal_actual: the cell wraps "…国家、省" / "、市对…"; the "、" outside the box
    "a-mark-left-out-of-a-wrapped-line.png": (
        ("市对信息化运行环境的考核要求；3.党支部组织力提升工作。", 19.5, 30.4, 752.8, 65.7), 6.0, 813.0,
        "、市对信息化运行环境的考核要求；3.党支部组织力提升工作。"),
    # the same form, indicators.6.level3: "促进社会" / "、经济…"; the box cuts the "、", read "，"
    "a-mark-cut-by-a-lines-box.png": (
        ("，经济与环境的和谐发展，具有显著的社会效益。", 15.9, 30.9, 583.5, 66.3), 6.0, 648.0,
        "、经济与环境的和谐发展，具有显著的社会效益。"),
    # tune 440307200300200031420, project_name: "龙岗区政企服务平台（" / "二期）项目"; the "（" outside the box
    "a-bracket-left-out-at-a-lines-end.png": (
        ("龙岗区政企服务平台", 9.0, 31.0, 192.4, 54.5), 6.6, 206.8, "龙岗区政企服务平台（"),
}


def _crop(name: str) -> np.ndarray:
    import cv2

    return cv2.imread(str(SCANS / name), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_mark_at_a_wrapped_lines_end_is_read_again_with_the_ink_beside_its_box(name):
    """PP-OCRv4 gives the mark no probability where the box leaves it out (its CTC output there is
    blank, 0.997–1.0), and reads a "、" cut by the box as "，" (0.65 beside 0.17): read again from a
    crop that takes in the lone ink beside the box, the line reads as printed, and says so."""
    (text, *box), left, right, printed = CASES[name]
    line = Line(text, 0.99, *box)
    out = edge_marks.restore(line, left, right, _crop(name))
    assert out.text == printed
    assert out.fix == f"marks at the ends {text!r}→{printed!r} (read again with the ink beside its box)"


def test_a_line_with_no_lone_ink_beside_it_is_not_read_again(monkeypatch):
    """Most lines: nothing beside the box in its cell, no mark at its start. No second read (it
    costs a recognition)."""
    monkeypatch.setattr(edge_marks, "run", lambda *a, **k: pytest.fail("read again"))
    crop = np.full((60, 400), 230, np.uint8)
    crop[20:40, 60:300] = 20  # the line's ink, inside its box
    line = Line("社会效益指标", 0.99, 50.0, 15.0, 310.0, 45.0)
    assert edge_marks.restore(line, 0.0, 400.0, crop) is line


@pytest.mark.parametrize("blots,why", [
    ([(20, 40, 40, 62)], "as wide as a character (0.73 of the box's height): no mark"),
    ([(30, 40, 58, 66), (20, 40, 40, 50)], "a mark-sized blot with ink beyond it, 8 px away: another line's text"),
])
def test_ink_beside_a_box_that_is_no_lone_mark_is_left(monkeypatch, blots, why):
    monkeypatch.setattr(edge_marks, "run", lambda *a, **k: pytest.fail(f"read again: {why}"))
    crop = np.full((60, 400), 230, np.uint8)
    crop[20:40, 80:300] = 20  # the line's ink, inside its box (x 70-310, a box 30 px high)
    for y0, y1, x0, x1 in blots:
        crop[y0:y1, x0:x1] = 20
    line = Line("社会效益指标", 0.99, 70.0, 15.0, 310.0, 45.0)
    assert edge_marks.restore(line, 0.0, 400.0, crop) is line


@pytest.mark.parametrize("again", ["、市对信息化运行环境的考核要求；3.党支部组织力提升工作", "、市对倍息化运行环境的考核要求；3.党支部组织力提升工作。", ""])
def test_a_second_read_that_differs_in_more_than_its_end_marks_is_not_taken(monkeypatch, again):
    """The second read is the same recogniser on another crop: where it reads a character other than
    the first (or loses the mark the line ends with, or reads nothing), the first read stands."""
    monkeypatch.setattr(edge_marks, "run", lambda *a, **k: [(None, again, 0.9)])
    (text, *box), left, right, _ = CASES["a-mark-left-out-of-a-wrapped-line.png"]
    line = Line(text, 0.99, *box)
    assert edge_marks.restore(line, left, right, _crop("a-mark-left-out-of-a-wrapped-line.png")) is line


def test_the_correction_reaches_the_cell(monkeypatch):
    """Read by `cells.grid` (the cell's borders from the ruling), the mark is in the cell's text and
    the note in its correction; `$JIXIAO_OCR_EDGE_MARKS=off` reads as before."""
    from pipeline.read.ocr import cells
    from pipeline.read.ocr.ruling import CellBorders

    (text, *box), left, right, printed = CASES["a-bracket-left-out-at-a-lines-end.png"]
    crop = _crop("a-bracket-left-out-at-a-lines-end.png")
    rows, cols = [(2.0, crop.shape[0] - 2.0)], [(left, right)]
    drawn = [[CellBorders(True, True, True, True)]]

    def read(setting: str):
        monkeypatch.setenv("JIXIAO_OCR_EDGE_MARKS", setting)
        grid, _ = cells.grid(1, rows, cols, drawn, [Line(text, 0.99, *box)], lambda x, y: (x, -y), 1.0, crop)
        return grid.rows[0][0], grid.corrections[0][0]

    assert read("on") == (printed, f"marks at the ends {text!r}→{printed!r} (read again with the ink beside its box)")
    assert read("off") == (text, None)
