"""The cross-checks of the text layer against the ruling: every character printed between ruled
lines is held by a grid (`check_held`: a table or row the ruling reader missed is an
`ExtractionFault` naming the page and the text, never a silently shorter form), and text past a
page's edge belongs to a table that spills onto another page (`check_edges`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..errors import BrokenPdf, ExtractionFault
from . import glyphs
from .glyphs import Segment
from .grids import LINE_TOL, Grid, Ruling, page_runs

def check_held(path: str | Path, grids: list[Grid], rulings: dict[int, Ruling]) -> None:
    """Raise `ExtractionFault` when text printed inside ruled cells is missing from the grids.

    Text layer vs. grids, character by character: a character between ruled lines but outside every
    grid (a table or an edge row the ruling reader missed), or inside a grid's area but in none of its
    cells (a row lost), is text the form printed and the extraction would drop. Each page's glyphs are
    judged against each grid, and the ruled lines, all at once (numpy).
    """
    import numpy as np

    runs_of = page_runs(rulings, grids)
    for page_no, ruling in sorted(rulings.items()):
        on_page = [g for g in grids if g.page == page_no]
        runs = runs_of[page_no]
        flat = [ch for run in runs for ch in run]
        if not flat:
            continue
        of_run = np.repeat(np.arange(len(runs)), [len(run) for run in runs])
        cx = np.fromiter(map(glyphs._CX, flat), float, len(flat))
        cy = np.fromiter(map(glyphs._CY, flat), float, len(flat))
        first = np.array([(run[0].cy, run[0].x0, run[0].cx, run[0].size) for run in runs], dtype=float)
        covered = np.zeros(len(flat), dtype=bool)  # inside some grid's area, kept or dropped by design
        printed: dict[int, list[glyphs.Char]] = {}
        for g in on_page:
            starts = (g.bottom <= first[:, 0]) & (first[:, 0] <= g.top)
            kept = (g.left - glyphs.TOUCH * first[:, 3] <= first[:, 1]) & (first[:, 2] <= g.right)  # `_kept`
            inside = starts[of_run] & (g.left <= cx) & (cx <= g.right) & (g.bottom <= cy) & (cy <= g.top)
            covered |= inside
            printed[id(g)] = [flat[k] for k in np.flatnonzero(inside & kept[of_run]).tolist()]
        loose = np.flatnonzero(~covered)
        if loose.size:
            held = _enclosed(ruling, cx[loose], cy[loose])
            stray = [flat[k] for k in loose[held]]
            if stray:
                raise ExtractionFault(str(path), "text printed inside ruled cells is in no table read "
                                      f"from the page: {glyphs.text(stray)!r}", page_no)
        for grid in on_page:
            slanted = [ch for ch in printed[id(grid)] if ch.tilted]
            if slanted:  # no form prints a cell at a slant: a seal or stamp not recognised as one
                raise ExtractionFault(str(path), "text drawn at a slant is inside a table, in no line of "
                                      f"its cell: {glyphs.text(slanted)!r} (a seal or stamp over the form "
                                      "that is not read as one)", page_no)
            held_chars = Counter("".join(cell for row in grid.rows for cell in row))
            if not Counter(map(glyphs._TEXT, printed[id(grid)])) - held_chars:
                continue  # each character printed is held (by count): the loop below names what is not
            lost = []
            for ch in printed[id(grid)]:
                if held_chars[ch.text] > 0:
                    held_chars[ch.text] -= 1
                else:
                    lost.append(ch)
            if lost:
                raise ExtractionFault(str(path), "text printed inside a table is in none of its "
                                      f"cells: {glyphs.text(lost)!r}", page_no)


def _enclosed(ruling: Ruling, x, y):
    """`Ruling.encloses` for arrays of points at once: a boolean array."""
    import numpy as np

    def sides(lines: tuple[Segment, ...], along, across, horizontal: bool):
        if not lines:
            none = np.zeros(len(along), dtype=bool)
            return none, none
        seg = np.array(lines, dtype=float).reshape(-1, 4)
        a0, a1 = (seg[:, 0], seg[:, 2]) if horizontal else (seg[:, 1], seg[:, 3])
        at = seg[:, 1] if horizontal else seg[:, 0]
        reach = (np.minimum(a0, a1)[None, :] - LINE_TOL <= along[:, None]) & \
            (along[:, None] <= np.maximum(a0, a1)[None, :] + LINE_TOL)
        return (reach & (at[None, :] > across[:, None])).any(axis=1), \
            (reach & (at[None, :] < across[:, None])).any(axis=1)

    above, below = sides(ruling.horizontal, x, y, True)
    right, left = sides(ruling.vertical, y, x, False)
    return above & below & left & right


def check_edges(path: str | Path, wide: set[int], rulings: dict[int, Ruling]) -> None:
    """Raise `BrokenPdf` for text drawn past the left or right edge of a page that is not part of a
    table too wide for its paper (`wide`: the pages of a table and its spill pages). Only such a
    spreadsheet prints there (its clipped cells, and their copies at the left of the spill page);
    elsewhere it is text a changed coordinate moved off the page, which readers still read and the
    form would lack."""
    for n, ruling in sorted(rulings.items()):
        if n in wide:
            continue
        left, _, right, _ = ruling.box
        for piece in ruling.runs:
            for ch in piece:
                if not left - 1 <= ch.cx <= right + 1:
                    side = "right" if ch.cx > right else "left"
                    raise BrokenPdf(str(path), f"page {n} cannot be read: damaged or truncated: "
                                    f"text {glyphs.text(piece)!r} is drawn past the {side} edge of the "
                                    f"page (x {ch.x0:.0f}), and no table there spills onto another "
                                    "page", n)
