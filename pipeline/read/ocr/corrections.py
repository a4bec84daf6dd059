"""The corrections of recognised cell text the domain allows: pure functions on strings, no OCR.

Where it sits: `cells` builds a grid from recognised lines and passes each cell's text through
`correct`, then each row through `snap_row`; every correction is recorded with its cell
(`OcrCell.correction`) and the form is trusted only when its checks then hold (`pipeline.facts.ocr_trust`).

Confusions the domain rules out, and only those: a cell holding nothing but a dash-like stroke is
the "—" a form prints for "no value" (the recogniser reads it as the character 一, which no form
prints alone in a cell); a cell that is a number but for a letter or a full stop that looks like a
digit or a point (O/0, l/1, 。/.) is that number; a cell of nothing but dots in threes is the
ellipses Chinese text prints them as ("......" → "……", a placeholder row's); a cell one character from a template's label, or
from a 一级/二级 name of the vocabulary, is that label (in a row of column labels, one naming a field
the row does not already name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ...forms.text import DASH, POINTS  # what a form prints for "no value"; a weight's points

_DASHES = {"一", "-", "－", "_", "—", "–", "一一", "--"}
ELLIPSIS = "…"  # Chinese text prints its ellipsis, 省略号, as "……": two of these, three dots each
_LONE_ZERO = {"O", "o"}  # no form prints a letter O alone in a cell (none of the corpus's 37,314 strings)
_DIGIT_LIKE = {"O": "0", "o": "0", "〇": "0", "l": "1", "I": "1", "|": "1", "。": ".", "，": "."}
_NUMERIC = re.compile(r"^[≥≤<>=]?[0-9Ool〇I|。.，,]+%?$")


_STRAY = "·•'`"  # a speck of noise the recogniser reads as a mark, at either end of a cell
_STRAY_LEAD = _STRAY + ".,，。、:;"  # no cell starts with a point or a comma: ".5", ".≥5台" are specks
_STRAY_NUMBER = _STRAY_LEAD  # beside a number at either end too: "5." is no printed number
_WRAPPED = POINTS.replace("分", r"\s*分")  # a weight's points as a cell's lines may break them: "（10\n分"
# a weight closing a label, "10分）", with no "（" before it where the label's brackets do not pair up:
# forms print weights in brackets ("预算执行情况（万元）（10分）"), and a lost bracket hides the weight
_OPEN_WEIGHT = re.compile(rf"(?:^|[^(（\d.])({_WRAPPED}[)）])$")
_SHUT_WEIGHT = re.compile(rf"[(（]\s*{_WRAPPED}$")  # and "满意度指标(10分", its "）" lost
_LEADING_ZERO = re.compile(r"^([≥≤<>=]?)(?:0+ ?)+(?=\d)")  # no printed amount or rate starts "0" and a digit
# (a code may: only a number with a point or a "%" is an amount or a rate); "0 126934.40": the last "0"
# of the amount on the left, right-aligned against the border, read into this cell with its own
_CJK_POINT = re.compile(r"(?<=[\u4e00-\u9fff])[.·]$")  # Chinese text ends with "。", never a "."


FULL_WIDTH = {"(": "（", ")": "）", ":": "：", ";": "；", ",": "，"}  # a mark as Chinese text prints it
# beside an ideograph: none of the 193 corpus truth files holds one of the left-hand marks next to an
# ideograph (against thousands of the right-hand ones); PP-OCRv6 reads many of these half-width, "(本级)"
_OPEN, _SHUT = "(（", ")）"


def full_width(text: str) -> str:
    """`text` with each half-width mark of `FULL_WIDTH` that stands beside an ideograph full-width, a
    bracket with its partner ("执行率(%)" → "执行率（%）", "（本级)" → "（本级）"). A recogniser's
    reading, not a correction: the forms' text is typed so, and PP-OCRv6 tells the two widths apart
    less well than it reads the characters (bench/README.md "PP-OCRv6 through today's pipeline")."""
    if not any(ch in FULL_WIDTH for ch in text):
        return text
    chars = list(text)
    beside = [_ideograph(text[i - 1] if i else "") or _ideograph(text[i + 1] if i + 1 < len(text) else "")
              for i in range(len(text))]
    partner: dict[int, int] = {}
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            opened.append(i)
        elif ch in _SHUT and opened:
            j = opened.pop()
            partner[i], partner[j] = j, i
    for i, ch in enumerate(text):
        if ch not in FULL_WIDTH:
            continue
        j = partner.get(i)
        pair_wide = j is not None and (beside[j] or text[j] not in FULL_WIDTH)
        if beside[i] or pair_wide:
            chars[i] = FULL_WIDTH[ch]
    return "".join(chars)


def _ideograph(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" if ch else False


def correct(text: str) -> tuple[str, str | None]:
    """The cell's text with a confusion the domain rules out corrected, and which it was (or None)."""
    if text in _DASHES and text != DASH:
        return DASH, f"{text}→{DASH}"
    if text in _LONE_ZERO:  # a "0" alone, with nothing beside it to say it is a digit
        return "0", f"{text}→0"
    dots = len(text) + 2 * text.count(ELLIPSIS)
    if text and not text.strip(".·" + ELLIPSIS) and dots % 3 == 0 and text != ELLIPSIS * (dots // 3):
        return ELLIPSIS * (dots // 3), f"{text}→{ELLIPSIS * (dots // 3)}"  # "......": an ellipsis's dots
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
    opened = text.count("（") + text.count("(") - text.count("）") - text.count(")")
    weight = _OPEN_WEIGHT.search(text) if opened < 0 else _SHUT_WEIGHT.search(text) if opened > 0 else None
    if weight:  # a weight's "（" or "）" lost
        fixed = text[:weight.start(1)] + "（" + text[weight.start(1):] if opened < 0 else text + "）"
        fixes.append(f"bracket {text!r}→{fixed!r}")
        text = fixed
    if _CJK_POINT.search(text):  # a speck after a label's last character: "当年财政拨\n款."
        fixes.append(f"stray mark {text!r}→{text[:-1]!r}")
        text = text[:-1]
    if _NUMERIC.match(text) and any(ch.isdigit() for ch in text) and any(ch in _DIGIT_LIKE for ch in text):
        fixed = "".join(_DIGIT_LIKE.get(ch, ch) for ch in text)
        if fixed.count(".") <= 1 and not fixed.startswith("."):
            fixes.extend(sorted({f"{ch}→{_DIGIT_LIKE[ch]}" for ch in text if ch in _DIGIT_LIKE}))
            text = fixed
    padded = _LEADING_ZERO.sub(r"\1", text)
    if padded != text and _NUMERIC.match(padded) and ("." in text or "%" in text):
        fixes.append(f"stray 0 {text!r}→{padded!r}")  # a speck read "0" before an amount: "0126934.40"
        text = padded
    snapped = snap(text)
    if snapped != text:
        fixes.append(f"label {text!r}→{snapped!r}")
        text = snapped
    return text, ", ".join(fixes) or None


@lru_cache(maxsize=1)
def _fields() -> dict[str, frozenset[str]]:
    """Every label the installed templates print (pipeline/templates/*.toml: header, column, source and
    closing labels) with the fields it names, and the words the vocabulary prints as they are: the
    section titles and the 一级/二级 indicator names (pipeline/forms/vocabulary.toml), naming none."""
    from ...forms import template as templates, vocabulary as words

    fields: dict[str, set[str]] = {}
    for t in templates.templates():
        for table in (t.header, t.fund_columns, t.goal_columns, t.indicator_columns, t.narrative):
            for label, name in (table or {}).items():
                fields.setdefault(label, set()).add(name)
        for source in t.sources:
            for label in (source.name, *source.aliases):
                fields.setdefault(label, set()).add(source.name)
    v = words.vocabulary()
    for word in (*v.fund_titles, *v.goal_titles, *v.indicator_titles, *v.level1, *v.level2):
        fields.setdefault(word, set())
    return {w: frozenset(f) for w, f in fields.items() if w}


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """The words a cell alone is snapped to: those of `_fields` four characters long or more (a
    shorter one is too near too much). Labels are not data: a misread one only stops the reader. The
    titles and level names are here so that one of them is never taken for a label near it ("绩效指标",
    a title, is one character from "时效指标", a level), and a level name read a character off is the
    level ("服务对象满意度指旨标")."""
    return frozenset(w for w in _fields() if len(w) >= 4)


def snap(text: str, beside: frozenset[str] = frozenset(), words: frozenset[str] | None = None) -> str:
    """A cell holding a template label with one character misread (a seal or a speck over it) gets
    that label: "项名称：" → "项目名称：". Only one label may be that close, and only whole cells
    (their lines joined: a label is no paragraph, which no label is within a character of);
    `beside`: the labels the cell's row prints elsewhere, which it is not ("级指标" in the row of
    "二级指标" and "三级指标" is "一级指标": a form prints a column label once); `words`: the labels
    it may be (default `_vocabulary`)."""
    flat = text.replace("\n", "")  # a label wrapped in its cell is matched whole, as the reader matches it
    core = _core(flat)
    if len(core) < 3 or core in _fields() or not re.search(r"[\u4e00-\u9fff]", core):
        return text
    near = [w for w in _near(core, words) if w not in beside]
    lost = [w for w in near if len(w) == len(core) + 1]  # a character lost: the commonest miss
    if len(lost) == 1:
        near = lost
    if len(near) != 1:
        return text
    return flat.replace(core, near[0], 1)


def snap_row(row: Sequence[str], fixes: Sequence[str | None]) -> tuple[list[str], list[str | None]]:
    """A row of cells (their texts and the corrections already made) with a label near several
    snapped to the one its row does not already print, recorded; a cell already corrected is left
    as it is. In a row of column labels (two or more of its other cells are labels exactly) a cell may
    also be a label of three characters, not one naming a field its row already names: "执行串", one
    from 执行率 and from 执行数, beside 全年执行数 (the executed amount) is 执行率."""
    cores = [_core(t) if t else "" for t in row]
    printed = set(cores)
    texts, notes = list(row), list(fixes)
    for c, text in enumerate(row):
        if not text or fixes[c] is not None:
            continue
        others = [w for k, w in enumerate(cores) if k != c and w in _fields() and _fields()[w]]
        beside = frozenset(printed - {cores[c]})
        snapped = snap(text, beside)
        if snapped == text and len(others) >= 2:
            named = frozenset().union(*(_fields()[w] for w in others))
            words = frozenset(w for w, f in _fields().items() if len(w) >= 3 and f and not f <= named)
            snapped = snap(text, beside, words)
        if snapped != text:
            texts[c], notes[c] = snapped, f"label {text!r}→{snapped!r} (not another of its row)"
    return texts, notes


def _core(text: str) -> str:
    """A label's words: without the colon after it, the asterisk of a required field or a note in
    brackets after it ("执行率（%）", "产出指标（50分）")."""
    return _NOTE.sub("", text.strip().rstrip(":：").lstrip("*＊"))


_NOTE = re.compile(r"(?<=[\u4e00-\u9fff])[（(][^（）()\n]*[）)]$")


def _near(core: str, words: frozenset[str] | None = None) -> list[str]:
    """The words one edit from `core`: of `_vocabulary` (each text weighed once: a page's cells repeat
    their labels and values), or of `words`."""
    return list(_near_vocabulary(core)) if words is None else [w for w in words if _one_edit(core, w)]


@lru_cache(maxsize=4096)
def _near_vocabulary(core: str) -> tuple[str, ...]:
    return tuple(w for w in _vocabulary() if _one_edit(core, w))


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b are one edit apart (a Levenshtein distance of exactly 1: one character
    inserted, deleted or substituted), in one pass rather than the whole distance table."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1 or a == b:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), len(a))
    return a[i + 1:] == b[i + 1:] if len(a) == len(b) else a[i:] == b[i + 1:]
