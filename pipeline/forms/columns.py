"""A form's columns, found by their printed labels: which column a cell sits in (by x position), and
the cross-check that a value's printed text lies inside the column it is read into.

The labels themselves are the template's (`template.py`); a header row becomes `Columns` by matching
each cell's label to a name, with `LABEL_SLACK` characters of slack ("执行率（%）").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from .rows import Cell, Row
from .text import WEIGHT, flat, label

ROW_TOLERANCE = 2.0  # points: a cell edge this close to a column line is on it
LABEL_SLACK = 8  # a column label may carry this many characters besides its key ("执行率（%）")
_NUMBER_CHARS = re.compile(r"[\s\d.,%％\-—]")
_SECTION_WEIGHT = re.compile(WEIGHT)  # "（10分）" printed after a section label
NOTES = re.compile(r"([(（][^()（）]*[)）])+$")  # notes in brackets after a label: unit, weight, formula
NUMBERING = re.compile(r"^[(（]?\d{1,2}[.、．)）]")
LEVEL1 = re.compile(rf"^(?P<name>.+?){WEIGHT}$")  # "产出指标（50分）", "过程（10分）"


@dataclass
class Columns:
    """Printed header labels → field names with the x range each one governs."""

    starts: list[tuple[float, str]] = field(default_factory=list)  # sorted; never changed once made
    # the header cells that took no column, (x0, x1, text): a label misread, or one the vocabulary
    # lacks; what is printed under one is read into the column on its left (named in `_one_cell`)
    unlabelled: tuple[tuple[float, float, str], ...] = ()
    # where each column's reach begins (`column`): its label's x less the tolerance
    _edges: list[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._edges = [x0 - ROW_TOLERANCE for x0, _ in self.starts]

    @classmethod
    def from_row(cls, row: Row, names: dict[str, str]) -> "Columns":
        """Exact labels first, then labels that carry a key ("执行率（%）"): a sub-title such as
        "1.项目年度目标完成情况" never takes a column whose own label is printed too."""
        starts: list[tuple[float, str]] = []
        for cell in row.cells:  # a header cell printing two columns' labels, or a label and a number
            if run_together(_SECTION_WEIGHT.sub("", NUMBERING.sub("", label(cell.text))), names):
                raise RunTogether(cell)
        used: set[int] = set()
        for exact in (True, False):
            for i, cell in enumerate(row.cells):
                name = match_label(label(cell.text), names, exact=exact)
                if name and i not in used and name not in {n for _, n in starts}:
                    starts.append((cell.x0, name))
                    used.add(i)
        starts.sort()
        return cls(starts, tuple((c.x0, c.x1, flat(c.text) or "") for i, c in enumerate(row.cells)
                                 if i not in used and c.text.strip()))

    @property
    def fields(self) -> set[str]:
        """The fields this header prints a column for."""
        return {n for _, n in self.starts}

    def merged(self, below: "Columns") -> "Columns":
        """The header with the labels of the row under it: a group label ("指标值" over 指标性质 /
        指标值 / 度量单位) gives way to the labels printed beneath it."""
        taken = {n for _, n in below.starts}
        kept = [(x, n) for x, n in self.starts if n not in taken
                and all(abs(x - bx) > ROW_TOLERANCE for bx, _ in below.starts)]
        return Columns(sorted(kept + below.starts), self.unlabelled + below.unlabelled)

    def assign(self, row: Row) -> dict[str, str]:
        """Field → text for the non-empty cells of `row`; cells left of the first header are `_left`."""
        return {k: "\n".join(c.text for c in v) for k, v in self.cells(row).items()}

    def cells(self, row: Row) -> dict[str, list[Cell]]:
        """Field → the non-empty cells of `row` read into it, left to right."""
        out: dict[str, list[Cell]] = {}
        for cell in row.cells:
            if cell.text.strip():
                out.setdefault(self.column(cell)[0], []).append(cell)
        return out

    def column(self, cell: Cell) -> tuple[str, float, float]:
        """The field a cell is read into, and the x range that field's header governs: the last
        column whose reach begins at or left of the cell's centre (bisected: `starts` is sorted)."""
        i = bisect_right(self._edges, cell.center) - 1
        if i < 0:
            return "_left", float("-inf"), float("inf")
        x0, name = self.starts[i]
        return name, x0, self.starts[i + 1][0] if i + 1 < len(self.starts) else float("inf")

    def unlabelled_over(self, cells: list[Cell]) -> list[str]:
        """The texts of the header cells over `cells` that took no column."""
        return [text for x0, x1, text in self.unlabelled
                if any(x0 - ROW_TOLERANCE <= c.center <= x1 + ROW_TOLERANCE for c in cells)]

    def misfit(self, row: Row, fields: tuple[str, ...]) -> tuple[Cell, str] | None:
        """A cell read into one of `fields` whose printed text is not inside that field's column."""
        for cell in row.cells:
            name, lo, hi = self.column(cell)
            if name in fields and cell.text.strip() and cell.span is not None:
                if cell.span[0] < lo - ROW_TOLERANCE or cell.span[1] > hi + ROW_TOLERANCE:
                    return cell, name
        return None


class RunTogether(Exception):
    """A header cell holding two columns' labels, or a label and a number: a border not seen, or
    a value drawn into the header."""

    def __init__(self, cell: Cell) -> None:
        self.cell = cell


def matches(text: str, names: dict[str, str]) -> set[str]:
    return {name for key, name in names.items() if key in text}


def run_together(text: str, names: dict[str, str]) -> bool:
    """The cell is nothing but column labels, two or more of them or one with a number ("分值得分",
    "预期目标0.00"); a label word inside other text ("项目年度目标完成情况") is text."""
    rest, found = text, set()
    for key in sorted((k for k in names if k in text), key=len, reverse=True):
        if key in rest:
            rest, found = rest.replace(key, " "), found | {names[key]}
    return bool(found) and not _NUMBER_CHARS.sub("", rest) and (
        len(found) > 1 or any(ch.isdigit() for ch in text))


_MATCHED: dict[tuple[int, str, bool], tuple[dict[str, str], str | None]] = {}
_MATCHED_MOST = 1 << 14  # answers kept (a few MB at most), then forgotten all at once


def match_label(text: str, names: dict[str, str], exact: bool = False) -> str | None:
    """The field of a printed column label: the label is a key, or (not `exact`) contains one and is
    not much longer (a long cell that happens to contain a key is text, not a label).

    Asked of every cell of every row against several tables' labels, so each answer is kept, by the
    label dictionary's identity: those are the templates' and the vocabulary's, made once and never
    changed; the entry holds the dictionary, so its id is not reused while the answer is kept."""
    key = (id(names), text, exact)
    kept = _MATCHED.get(key)
    if kept is not None and kept[0] is names:
        return kept[1]
    found = _match_label(text, names, exact)
    if len(_MATCHED) >= _MATCHED_MOST:
        _MATCHED.clear()
    _MATCHED[key] = (names, found)
    return found


def _match_label(text: str, names: dict[str, str], exact: bool) -> str | None:
    text = NUMBERING.sub("", text)
    if text in names:
        return names[text]
    bare = NOTES.sub("", text)  # "得分（分*执行率）", "执行率（%）": the label before its note
    if bare in names:
        return names[bare]
    if exact:
        return None
    for key, name in names.items():
        if key in text and len(text) <= len(key) + LABEL_SLACK:
            return name
    return None


# ----------------------------------------------------------------------------------------------
# 1. overflow pages


def is_subheader(labels: list[str], names: dict[str, str]) -> bool:
    """A second header row: two or more cells, every one exactly a column label of the table."""
    return len(labels) >= 2 and all(match_label(lab, names, exact=True) for lab in labels)


def split_level1(text: str) -> tuple[str, str | None]:
    m = LEVEL1.match(text.replace(" ", ""))
    if m:
        return m.group("name"), m.group("weight")
    return text, None


def narrative_label(text: str, keys: dict[str, str], first: bool) -> tuple[str, str] | None:
    """(field, text after the label) when a cell starts with a narrative label: "评价结论", or
    "项目负责人：邱春梅". A later cell of the row counts as a label only when it is one exactly or
    prints "：" after it (a value may start with the words of a label)."""
    joined = NUMBERING.sub("", flat(text) or "")
    for key, name in keys.items():
        if joined.startswith(key):
            rest = joined[len(key):]
            if not first and rest and rest[0] not in ":：":
                continue
            return name, rest.lstrip(":： ")
    return None
