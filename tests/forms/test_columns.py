"""A cell's column (`Columns.column`, bisected) and a label's field (`match_label`, its answers kept
per label dictionary) are what the plain definitions give."""

from __future__ import annotations

import random

from pipeline.forms.columns import ROW_TOLERANCE, Columns, match_label
from pipeline.forms.rows import Cell


def _column(columns: Columns, cell: Cell) -> tuple[str, float, float]:
    """The definition: the last column whose label starts at or left of the cell's centre (less the
    tolerance), reaching to the next label."""
    name, lo, hi = "_left", float("-inf"), float("inf")
    for i, (x0, n) in enumerate(columns.starts):
        if cell.center >= x0 - ROW_TOLERANCE:
            name, lo = n, x0
            hi = columns.starts[i + 1][0] if i + 1 < len(columns.starts) else float("inf")
    return name, lo, hi


def test_a_cell_is_read_into_the_column_its_centre_falls_in():
    rng = random.Random(25)
    for _ in range(300):
        xs = sorted(rng.choice([rng.uniform(0, 500), float(rng.randrange(0, 500, 50))])
                    for _ in range(rng.randrange(0, 9)))
        columns = Columns(sorted((x, f"f{k}") for k, x in enumerate(xs)))
        for _ in range(20):  # centres anywhere, on a label's edge, within the tolerance of one
            x = rng.choice([rng.uniform(-20, 520), *(x - ROW_TOLERANCE for x in xs), *(x - 1.5 for x in xs)])
            cell = Cell("1", x - 3, x + 3)
            assert columns.column(cell) == _column(columns, cell)
    merged = Columns([(10.0, "a"), (50.0, "b")]).merged(Columns([(50.5, "c"), (80.0, "d")]))
    assert merged.column(Cell("1", 60, 62)) == ("c", 50.5, 80.0)


def test_a_labels_field_is_that_of_the_dictionary_asked():
    ours, theirs = {"分值": "weight", "得分": "score"}, {"分值": "points"}
    for _ in range(2):  # asked again: the kept answer
        assert match_label("分值", ours) == "weight"
        assert match_label("分值", theirs) == "points"
        assert match_label("得分（分）", ours) == "score"
        assert match_label("得分（分）", theirs) is None
        assert match_label("得分（分）", ours, exact=True) == "score"  # its note in brackets dropped
        assert match_label("项目得分情况说明", ours, exact=True) is None
