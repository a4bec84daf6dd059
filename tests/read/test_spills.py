"""The one rule that pairs a page of spilled right-hand columns with the table it continues
(`pipeline.read.grids.spill_pairs`), used both to carry clipped text back and to glue the columns."""

from __future__ import annotations

from pipeline.read.grids import Grid, rows_align, spill_pairs

BAND_A = ((700.0, 680.0), (680.0, 660.0), (660.0, 640.0))
BAND_B = ((700.0, 670.0), (670.0, 640.0), (640.0, 610.0))  # another band of rows: other heights
WIDE = ((50.0, 150.0), (150.0, 300.0), (300.0, 550.0))
NARROW = ((50.0, 200.0), (200.0, 400.0))


def grid(page: int, rows=BAND_A, cols=WIDE, first: str = "") -> Grid:
    return Grid(page, tuple((first if i == 0 else "",) + ("",) * (len(cols) - 1) for i in range(len(rows))),
                rows, cols, tuple((None,) * len(cols) for _ in rows))


def starts(g: Grid) -> bool:
    return g.rows[0][0] == "项目名称"


def test_rows_align_within_tolerance_and_never_wider():
    assert rows_align(grid(1), grid(2, cols=NARROW))
    assert rows_align(grid(1), grid(2, rows=tuple((a + 1.9, b - 1.9) for a, b in BAND_A), cols=NARROW))
    assert not rows_align(grid(1), grid(2, rows=tuple((a + 2.5, b) for a, b in BAND_A), cols=NARROW))
    assert not rows_align(grid(1, cols=NARROW), grid(2, cols=WIDE))  # a spill is never wider
    assert not rows_align(grid(1), grid(2, rows=BAND_A[:2], cols=NARROW))


def test_over_then_down_each_spill_follows_its_own_host():
    # host, spill, host, spill, every band's rows alike; the second host is wider than the first,
    # so it is no spill of it, and the last spill fits both hosts: it is the second's (the first
    # reader took the first host since the form began, the text layer the nearest: now one rule)
    pages = [grid(1, cols=WIDE[:2]), grid(2, cols=NARROW), grid(3), grid(4, cols=NARROW)]
    assert spill_pairs(pages) == {1: (0, 0), 3: (2, 2)}


def test_down_then_over_the_nth_spill_goes_with_the_nth_host():
    # host 1, host 2 (another band of rows), then their right-hand columns in the same order
    pages = [grid(1), grid(2, rows=BAND_B), grid(3, cols=NARROW), grid(4, rows=BAND_B, cols=NARROW)]
    assert spill_pairs(pages) == {2: (0, 0), 3: (1, 1)}


def test_a_host_with_a_spill_already_yields_to_one_without():
    # two hosts whose rows sit alike (a continuation page), the first already continued: the next
    # spill is the second host's, not a second spill of the first
    pages = [grid(1, first="项目名称"), grid(2, cols=NARROW), grid(3, rows=BAND_B),
             grid(4, rows=BAND_B, cols=NARROW), grid(5, cols=NARROW)]
    assert spill_pairs(pages, starts) == {1: (0, 0), 3: (2, 2), 4: (0, 1)}


def test_a_band_three_pages_wide_continues_from_its_previous_spill():
    pages = [grid(1), grid(2, cols=NARROW), grid(3, cols=NARROW), grid(4, rows=BAND_B),
             grid(5, rows=BAND_B, cols=NARROW)]
    assert spill_pairs(pages) == {1: (0, 0), 2: (0, 1), 4: (3, 3)}


def test_a_spill_pairs_only_within_its_form():
    pages = [grid(1, first="项目名称"), grid(2, first="项目名称"), grid(3, cols=NARROW)]
    assert spill_pairs(pages, starts) == {2: (1, 1)}


def test_a_table_whose_rows_continue_nothing_is_a_host():
    pages = [grid(1), grid(2, rows=BAND_B, cols=NARROW)]
    assert spill_pairs(pages) == {}
