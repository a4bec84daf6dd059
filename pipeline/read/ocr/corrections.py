"""The corrections of recognised cell text the domain allows: pure functions on strings, no OCR.

Where it sits: `cells` builds a grid from recognised lines and passes each cell's text through
`correct`, then each row through `snap_row`; every correction is recorded with its cell
(`OcrCell.correction`) and the form is trusted only when its checks then hold (`pipeline.facts.ocr_trust`).

Confusions the domain rules out, and only those: a cell holding nothing but a dash-like stroke is
the "—" a form prints for "no value" (the recogniser reads it as the character 一, which no form
prints alone in a cell); a cell that is a number but for a letter or a full stop that looks like a
digit or a point (O/0, l/1, 。/.) is that number; a cell one character from a template's label is
that label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ...forms.text import DASH  # what a form prints for "no value"

_DASHES = {"一", "-", "－", "_", "—", "–", "一一", "--"}
_DIGIT_LIKE = {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "。": ".", "，": "."}
_NUMERIC = re.compile(r"^[≥≤<>=]?[0-9Ool〇I|。.，,]+%?$")


_STRAY = "·•'`"  # a speck of noise the recogniser reads as a mark, at either end of a cell
_STRAY_LEAD = _STRAY + ".,，。、:;"  # no cell starts with a point or a comma: ".5", ".≥5台" are specks
_STRAY_NUMBER = _STRAY_LEAD  # beside a number at either end too: "5." is no printed number
_CJK_POINT = re.compile(r"(?<=[\u4e00-\u9fff])[.·]$")  # Chinese text ends with "。", never a "."


def correct(text: str) -> tuple[str, str | None]:
    """The cell's text with a confusion the domain rules out corrected, and which it was (or None)."""
    if text in _DASHES and text != DASH:
        return DASH, f"{text}→{DASH}"
    fixes: list[str] = []
    bare = text.strip(_STRAY_NUMBER)
    if bare != text and bare and _NUMERIC.match(bare) and any(ch.isdigit() for ch in bare):
        fixes.append(f"stray mark {text!r}→{bare!r}")
        text = bare
    elif "\n" not in text:
        bare = text.lstrip(_STRAY_LEAD).rstrip(_STRAY)
        if bare and bare != text:
            fixes.append(f"stray mark {text!r}→{bare!r}")
            text = bare
    if _CJK_POINT.search(text):  # a speck after a label's last character: "当年财政拨\n款."
        fixes.append(f"stray mark {text!r}→{text[:-1]!r}")
        text = text[:-1]
    if _NUMERIC.match(text) and any(ch.isdigit() for ch in text) and any(ch in _DIGIT_LIKE for ch in text):
        fixed = "".join(_DIGIT_LIKE.get(ch, ch) for ch in text)
        if fixed.count(".") <= 1 and not fixed.startswith("."):
            fixes.extend(sorted({f"{ch}→{_DIGIT_LIKE[ch]}" for ch in text if ch in _DIGIT_LIKE}))
            text = fixed
    snapped = snap(text)
    if snapped != text:
        fixes.append(f"label {text!r}→{snapped!r}")
        text = snapped
    return text, ", ".join(fixes) or None


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Every label the installed templates print (pipeline/templates/*.toml): header, column, source
    and section labels and titles. Labels are not data: a misread one only stops the reader."""
    from ...forms import template as templates

    words: set[str] = set()
    for t in templates.templates():
        for table in (t.header, t.fund_columns, t.goal_columns, t.indicator_columns, t.narrative):
            words |= set(table or ())
        # not the titles and section labels: "绩效指标" is one character from the data "时效指标"
        for source in t.sources:
            words |= {source.name, *source.aliases}
    return frozenset(w for w in words if w and len(w) >= 4)


def snap(text: str, beside: frozenset[str] = frozenset()) -> str:
    """A cell holding a template label with one character misread (a seal or a speck over it) gets
    that label: "项名称：" → "项目名称：". Only one label may be that close, and only whole cells;
    `beside`: the labels the cell's row prints elsewhere, which it is not ("级指标" in the row of
    "二级指标" and "三级指标" is "一级指标": a form prints a column label once)."""
    core = _core(text)
    if len(core) < 3 or "\n" in core or core in _vocabulary() or not re.search(r"[\u4e00-\u9fff]", core):
        return text
    near = [w for w in _vocabulary() - beside if abs(len(w) - len(core)) <= 1 and _distance(core, w) == 1]
    lost = [w for w in near if len(w) == len(core) + 1]  # a character lost: the commonest miss
    if len(lost) == 1:
        near = lost
    if len(near) != 1:
        return text
    return text.replace(core, near[0], 1)


def snap_row(row: Sequence[str], fixes: Sequence[str | None]) -> tuple[list[str], list[str | None]]:
    """A row of cells (their texts and the corrections already made) with a label near several
    snapped to the one its row does not already print, recorded; a cell already corrected is left
    as it is."""
    printed = {_core(t) for t in row if t}
    texts, notes = list(row), list(fixes)
    for c, text in enumerate(row):
        if text and fixes[c] is None:
            snapped = snap(text, frozenset(printed - {_core(text)}))
            if snapped != text:
                texts[c], notes[c] = snapped, f"label {text!r}→{snapped!r} (not another of its row)"
    return texts, notes


def _core(text: str) -> str:
    """A label's words: without the colon after it or the asterisk of a required field."""
    return text.strip().rstrip(":：").lstrip("*＊")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
