"""Marks read from their shape on the page image, where the recogniser cannot read them: a row of
placeholder dots too small for it, and whether a checkbox it reads as "口" is ticked. Synthetic
images, milliseconds each; what they do on real pages is tests/read/test_pages.py's (text drawn as
outlines) and bench/README.md's."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipeline.read.ocr.recognise import SHAPE_CONFIDENCE, Line, checkboxes, reread


def test_a_row_of_dots_too_small_for_the_recogniser_is_counted_from_its_shape():
    """reread gives an empty cell a second chance where it holds ink, but drops specks: six dots
    set in a row (a placeholder's "……", 3 px each at 150 dpi) are no specks. Random specks are."""
    cell = np.full((40, 120), 250, dtype=np.uint8)
    for k in range(6):
        cell[20:23, 30 + 6 * k + (k // 3):33 + 6 * k + (k // 3)] = 40
    line = reread(cell, 0, 40, 0, 120)
    assert line is not None and (line.text, line.conf) == ("……", SHAPE_CONFIDENCE)
    specks = np.full((40, 120), 250, dtype=np.uint8)
    for y, x in ((10, 20), (25, 41), (14, 70), (30, 95)):
        specks[y:y + 2, x:x + 2] = 40
    assert reread(specks, 0, 40, 0, 120) is None


def test_a_checkbox_read_as_kou_is_ticked_by_the_ink_across_its_middle():
    page = np.full((40, 200), 250, dtype=np.uint8)  # "甲口、乙口": five full-width characters, 40 px each
    for left in (45, 165):  # the two boxes' outlines
        page[10:30, left:left + 30:29] = 30
        page[10:30:19, left:left + 30] = 30
    for k in range(14):  # a tick through the first box's middle
        page[24 - k:26 - k, 50 + k] = 30
    line = Line("甲口、乙口", 0.9, 0, 5, 200, 35)
    told = checkboxes(line, page)
    assert told.text == "甲☑、乙□" and told.raw == "甲口、乙口" and "ink inside each box" in told.fix


def test_a_kou_inside_a_word_is_no_checkbox():
    page = np.full((40, 200), 250, dtype=np.uint8)
    page[10:30:19, 45:75] = 30
    line = Line("出口产品", 0.9, 0, 5, 160, 35)
    assert checkboxes(line, page) == line


def test_a_dotted_rule_is_no_placeholder():
    """A row of forty dots is a dotted line drawn in the cell, not "……": left to the specks."""
    cell = np.full((40, 300), 250, dtype=np.uint8)
    for k in range(40):
        cell[20:23, 10 + 7 * k:13 + 7 * k] = 40
    assert reread(cell, 0, 40, 0, 300) is None


def test_dots_of_a_finer_scan_are_dots_and_dashes_are_not():
    """At 300 dpi a placeholder's dots are 6 px in a cell 60 px high: still dots. Three dashes in
    a row are no dots."""
    cell = np.full((60, 200), 250, dtype=np.uint8)
    for k in range(6):
        cell[30:36, 20 + 12 * k:26 + 12 * k] = 40
    line = reread(cell, 0, 60, 0, 200)
    assert line is not None and line.text == "……"
    dashes = np.full((60, 200), 250, dtype=np.uint8)
    for k in range(3):
        dashes[30:32, 20 + 16 * k:30 + 16 * k] = 40
    line = reread(dashes, 0, 60, 0, 200)
    assert line is None or line.text != "…"


def test_where_one_box_is_not_found_no_box_is_told():
    """"甲口、乙口" with the second box's outline broken (a faint scan): telling only the first would
    leave "乙口" an option's text; the line is left as read, so the question has no answer."""
    page = np.full((40, 200), 250, dtype=np.uint8)
    page[10:30, 45:75:29] = 30
    page[10:30:19, 45:75] = 30
    for k in range(14):
        page[24 - k:26 - k, 50 + k] = 30
    page[10:14, 165:168] = 30  # of the second box, a corner only
    line = Line("甲口、乙口", 0.9, 0, 5, 200, 35)
    assert checkboxes(line, page) == line


SCANS = Path(__file__).parents[1] / "fixtures" / "scans"


def test_dots_among_specks_are_still_a_row_of_dots():
    """A scan's noise leaves specks of a pixel or two beside a placeholder's dots (3 px at 150 dpi):
    they are specks, and the dots are still "……". Specks alone are still nothing."""
    cell = np.full((40, 200), 250, dtype=np.uint8)
    for k in range(6):
        cell[20:23, 30 + 6 * k:33 + 6 * k] = 40
    for y, x in ((8, 120), (30, 150), (12, 170), (26, 181), (9, 100), (33, 60), (15, 140)):
        cell[y:y + 1, x:x + 2] = 40
    line = reread(cell, 0, 40, 0, 200)
    assert line is not None and line.text == "……"
    cell[20:23, 20:80] = 250  # the dots gone: the specks alone
    assert reread(cell, 0, 40, 0, 200) is None


def test_a_placeholder_under_a_seals_faint_outline_is_read():
    """A langfang placeholder row's cell at 300 dpi (a made scan of the variants' set, bench/README.md
    "Scans of the variants: placeholder rows"): its six dots and, at the cell's end, the specks a red
    seal's outline leaves. Read as nothing, the row was lost and every indicator after it was scored
    a row off."""
    crop = cv2.imread(str(SCANS / "placeholder-dots-beside-a-seals-specks.png"), cv2.IMREAD_GRAYSCALE)
    line = reread(crop, 0, crop.shape[0], 0, crop.shape[1])
    assert line is not None and (line.text, line.conf) == ("……", SHAPE_CONFIDENCE)


def test_a_dot_beside_a_glyph_is_no_placeholder():
    """Three dots and a glyph-sized blot: text the detector missed, not a row of dots."""
    cell = np.full((40, 200), 250, dtype=np.uint8)
    for k in range(3):
        cell[20:23, 30 + 6 * k:33 + 6 * k] = 40
    cell[10:28, 80:96] = 40
    line = reread(cell, 0, 40, 0, 200)
    assert line is None or "…" not in line.text


def test_a_cell_read_as_dots_has_them_counted_from_its_ink():
    """The recogniser read a langfang placeholder's six dots "·..." (an outline of the variants' set,
    150 dpi): four, no ellipsis, and the row was refused as a value row with no values. Read as dots,
    the cell's dots are counted from its ink: "……", the correction said."""
    from pipeline.read.ocr import cells
    from pipeline.read.ocr.ruling import CellBorders

    crop = cv2.imread(str(SCANS / "placeholder-dots-read-as-four.png"), cv2.IMREAD_GRAYSCALE)
    rows, cols, drawn = [(3.0, 40.0)], [(3.0, 414.0)], [[CellBorders(True, True, True, True)]]
    grid, _ = cells.grid(1, rows, cols, drawn, [Line("·...", 0.6, 13.0, 16.0, 42.0, 27.0)],
                         lambda x, y: (x, -y), 1.0, crop)
    assert grid.rows[0][0] == "……" and grid.raw[0][0] == "·..."
    assert grid.corrections[0][0] == "dots counted from the ink: '·...'→'……'"
    words, _ = cells.grid(1, rows, cols, drawn, [Line("指标2", 0.9, 13.0, 16.0, 42.0, 27.0)],
                          lambda x, y: (x, -y), 1.0, crop)
    assert words.rows[0][0] == "指标2"  # text read where the dots are is not looked at


def test_a_cell_read_as_other_marks_has_its_dots_counted_from_its_ink():
    """A langfang made scan's placeholder (150 dpi, noise and JPEG) read "+++*.": marks, no letter,
    digit or ideograph, over ink that is six dots in a row. Its dots are counted: "……"."""
    from pipeline.read.ocr import cells
    from pipeline.read.ocr.ruling import CellBorders

    crop = cv2.imread(str(SCANS / "placeholder-dots-read-as-marks.png"), cv2.IMREAD_GRAYSCALE)
    rows, cols, drawn = [(3.5, 41.0)], [(3.25, 414.5)], [[CellBorders(True, True, True, True)]]
    grid, _ = cells.grid(1, rows, cols, drawn, [Line("+++*.", 0.65, 15.0, 19.0, 44.0, 26.0)],
                         lambda x, y: (x, -y), 1.0, crop)
    assert (grid.rows[0][0], grid.raw[0][0]) == ("……", "+++*.")
    assert grid.corrections[0][0] == "dots counted from the ink: '+++*.'→'……'"
