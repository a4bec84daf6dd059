"""A comparison sign alone in a cell, read from its shape (`pipeline.read.ocr.signs`).

The prototypes are rendered from fonts (tools/sign_shapes.py); the cells here are not among them:
`fixtures/signs/scanned_cells.npz` holds 93 cells of the 指标性质 and score columns of 四川 and 云南 corpus
forms, rendered by pdfium at 150–300 dpi and made to look scanned (`bench/make_scans.make`: noise, JPEG,
uneven light, a red seal on some; turned 0°), their ruling erased as a scanned page's is, each keyed by
what the text layer printed there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.facts.targets import SIGNS as MEANING
from pipeline.read.ocr import signs

CELLS = np.load(Path(__file__).parents[1] / "fixtures" / "signs" / "scanned_cells.npz")
# the 指标性质 cells of the tune set of bench/README.md "Scans of the variants: every wrong field by cause"
# (made scans of 2 sichuan and 2 yunnan forms at 150 and 240 dpi, outlines of 4 more at 150), and the
# "—" of their funds rows: keyed printed|recognised (PP-OCRv4's text of the cell)|form|cell|dpi
TUNE = np.load(Path(__file__).parents[1] / "fixtures" / "signs" / "tune_cells.npz")


def _cells():
    return [(key.split("|")[0], CELLS[key]) for key in CELLS.files]


def test_a_lone_sign_is_told_by_its_shape_and_never_as_another_meaning():
    told = [(printed, signs.read(crop, "")) for printed, crop in _cells() if printed in signs.TOLD]
    assert len(told) == 48
    assert all(MEANING[got] == MEANING[printed] for printed, got in told if got is not None), told
    exact = sum(got == printed for printed, got in told)
    assert exact >= 38, told  # 41 of 48 when written; the other 7 left to the recogniser (None)


def test_no_other_glyph_alone_in_a_cell_is_taken_for_a_sign():
    """Digits, units, a dash, a slash, "%" alone in a cell: no sign (a dash is one stroke, "═" two)."""
    others = [(printed, signs.read(crop, "")) for printed, crop in _cells() if printed not in signs.TOLD]
    assert len(others) == 45 and {printed for printed, _ in others} >= {"2", "个", "—", "/", "%"}
    assert [o for o in others if o[1] is not None] == []


def test_the_tune_scans_signs_are_told_and_never_as_another_meaning():
    cells = [(k.split("|"), TUNE[k]) for k in TUNE.files]
    told = [(key[0], signs.read(crop, key[1])) for key, crop in cells if key[0] in signs.TOLD]
    assert len(told) == 112
    assert all(MEANING[got] == MEANING[printed] for printed, got in told if got is not None), told
    assert sum(got == printed for printed, got in told) >= 93, told  # 96 with the strict signs' shapes kept (76 before)
    others = [(key, signs.read(crop, key[1])) for key, crop in cells if key[0] not in signs.TOLD]
    assert len(others) == 73 and [o for o in others if o[1] is not None] == []  # "—" and "定性"


@pytest.mark.parametrize("printed,recognised", [("≥", "》"), ("≥", ">"), ("≤", "<")])
def test_a_sign_the_recogniser_read_as_a_chevron_pointing_its_way_is_told(printed, recognised):
    """Near "≥" but not clearly enough to be told alone (a 150-dpi sign is ~11 px: ">" and the digits
    are near too): where the recogniser read a chevron pointing the same way, both agree on the meaning.
    Never where the glyph is nearer the strict sign's shape: units print "＞" too (left as read, flagged)."""
    crops = [TUNE[k] for k in TUNE.files if k.split("|")[:2] == [printed, recognised]
             and signs.read(TUNE[k], "") is None]
    got = [signs.read(c, recognised) for c in crops]
    assert got.count(printed) >= 1 and set(got) <= {printed, None}
    assert all(signs.read(c, "=") is None for c in crops)  # the recogniser's "=" says no direction


def test_two_bars_blurred_into_one_stroke_are_parted_by_the_lighter_rows_between():
    """A "═" at 240 dpi, its bars run together by blur and JPEG into one blot but still lighter between
    them, is told; a dash of the same funds rows (one bar) never is."""
    bars = [TUNE[k] for k in TUNE.files if k.startswith("═|") and k.endswith("|240")]
    assert len(bars) == 11 and sum(signs.read(c, "—") == "═" for c in bars) >= 9  # 10 when written
    dashes = [TUNE[k] for k in TUNE.files if k.startswith("—|") and k.endswith("|240")]
    assert dashes and all(signs.read(c, "—") is None for c in dashes)
    blurred = np.full((20, 60), 210, np.uint8)
    blurred[7:12, 10:50] = 140
    blurred[9, 10:50] = 165  # the lighter row between the two bars
    assert signs.read(blurred, "—") == "═"
    blurred[9, 10:50] = 140  # one stroke, alike across: a dash
    assert signs.read(blurred, "—") is None


def test_a_cell_the_recogniser_read_as_a_longer_text_is_not_looked_at():
    crop = next(CELLS[k] for k in CELLS.files if k.startswith("≧|") and signs.read(CELLS[k], "") == "≧")
    assert signs.read(crop, "NI") == "≧"  # what PP-OCRv4 makes of a lone ≧
    assert signs.read(crop, "不低于") is None


def test_a_column_prints_its_bars_as_its_chevrons_say():
    assert signs.family(["≧", "=", "≦", "═"]) == ["≧", "═", "≦", "═"]
    assert signs.family(["≥", "═", "≤"]) == ["≥", "=", "≤"]
    assert signs.family(["≥", "═", "≧"]) == ["≥", "═", "≧"]  # both sets: left as told
    assert signs.family(["═", "="]) == ["═", "="]


def test_two_bars_run_together_are_no_sign():
    """At a low resolution the two strokes of "═" can merge into one: that is a dash's shape, and
    "—" printed in a 指标性质 cell must never become "═"."""
    bar = np.zeros((12, 40), np.uint8)
    bar[5:8, 2:38] = 1
    assert signs.tell(bar) is None
    two = np.zeros((12, 40), np.uint8)
    two[3:5, 2:38] = two[8:10, 2:38] = 1
    assert signs.tell(two) == "═"


@pytest.mark.parametrize("printed", ["≥", "≤", "≧", "≦"])
def test_a_sign_drawn_at_another_size_is_the_same_sign(printed):
    """The shape is the ink's box stretched: a cell's sign at 2× the pixels is told the same."""
    import cv2

    crops = [CELLS[k] for k in CELLS.files if k.split("|")[0] == printed]
    told = [signs.read(c, "") for c in crops]
    bigger = [signs.read(cv2.resize(c, None, fx=2, fy=2, interpolation=cv2.INTER_LINEAR), "") for c in crops]
    assert sum(a == b == printed for a, b in zip(told, bigger)) >= len(crops) - 2


@pytest.mark.parametrize("shape", [(0, 0), (0, 30), (30, 0)])
def test_an_empty_crop_holds_no_sign(shape):
    """A region of no pixels is no sign, not OpenCV's assertion (`connectedComponentsWithStats`
    refuses an empty image). `recognise.reread` guards its regions the same way; the ruling's rows
    and columns are 6 px apart or more, so no page is known to reach this."""
    clean = np.full((40, 40), 255, np.uint8)
    assert signs.read(np.full(shape, 255, np.uint8), "") is None
    assert signs.unread(clean, 10, 10 + shape[0], 5, 5 + shape[1]) is None


def test_a_sign_the_shape_alone_does_not_tell_is_told_by_the_signs_of_its_column():
    """Each page's 指标性质 column of the tune cells: the signs `read` tells are its column's; a cell
    it leaves (read "=" or nothing by the recogniser, or its bars' margin to "_" short) is told by
    them where its nearest prototype is of their meaning. Never another meaning, never a dash."""
    pages: dict[tuple[str, str], list] = {}
    for k in TUNE.files:
        printed, recognised, form, cell, _ = k.split("|")
        pages.setdefault((form, cell.split("r")[0]), []).append((printed, recognised, TUNE[k]))
    told, left = 0, 0
    for cells in pages.values():
        column = [(crop, sign) for _, recognised, crop in cells if (sign := signs.read(crop, recognised))]
        for printed, recognised, crop in cells:
            if signs.read(crop, recognised) is not None:
                continue
            got = signs.like(crop, recognised, column)
            assert got is None or (printed in signs.TOLD and MEANING[got] == MEANING[printed]), (printed, got)
            told += got == printed
            left += printed in signs.TOLD and got is None
    assert told >= 3, (told, left)  # 3 when written: a "=" read as nothing, a "≥" read "=", a 240-dpi "═"
