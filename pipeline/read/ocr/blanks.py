"""What CTC's blank outweighed: a comparison sign before a number, a mark or a character in a gap.

PP-OCRv4 decodes greedily: at each frame of its CTC output the likeliest of its ~6,600 characters,
CTC's blank among them. Three things are lost so where the blank wins a frame narrowly:

- **A sign** (`$JIXIAO_OCR_SIGNS`). Before a target's number the recogniser gives the sign's glyph in
  several shapes that a form prints as one sign ("≥" and ">" and "＞"; forms print "≥" and "≤" and no
  strict sign: none of the 1,223 signs of the corpus truth, `pipeline.facts.ocr_trust.strict_signs`),
  so the blank can win against each shape while losing to them together: "≥1人" read "1人" (blank
  0.37, ">" 0.32, "≥" 0.16, "＞" 0.06). Where a number starts (a digit after no digit, point or sign)
  and, at a frame before it that the blank won, one sign's shapes have more probability together
  than the blank, the sign is put in as forms print it. A lost sign changed no comparison anyway
  (`target_met` reads a target without a sign as "≥"). Where a strict shape won before a number but
  the recogniser gave the form's sign at least `_MARK` there ("≥50个" read ">50个": ">" 0.43, "≥"
  0.39), the sign is the form's; a ">" read surely stays, for `strict_sign` to keep its form unverified.
- **A mark** (`$JIXIAO_OCR_GAP_MARKS`). Between two ideographs, a full-width mark (，。；：、) the
  recogniser gave at least `_MARK` at a frame the blank won ("能，围绕" read "能围绕": "，" 0.27); and
  the point of a list's number, a digit after a mark, before an ideograph ("：1.项目" read "：1项目":
  "." 0.47 beside the blank's 0.52; not "5个", a number and its unit). Never between two digits (a
  number's point is the checks' business), nor beside the same mark (the blank frames beside a mark
  hold its echo), nor at a line's ends.
- **A character** (`$JIXIAO_OCR_GAP_CHARACTERS`, with the word list): between two ideographs, where
  the ideographs other than those two (the blank's echoes of them) have `_MARK` or more together at a
  frame the blank won, the likeliest of them that makes a common word with its neighbours
  (`words.in_word`), where the neighbours as read are not both in words already ("并工验收" read for
  "并竣工验收": 竣 0.14, 峻 0.15 beside the blank's 0.58; 峻工 is no common word).

Each is a correction, recorded as the word list's are (`recognise._WordDecode`, `ocr_cell.correction`),
so the cell counts as corrected for `ocr_trust`. Figures: bench/README.md "Marks at the ends of wrapped
lines, and what the blank outweighed".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from ...errors import choice
from . import words
from .words import ideograph

SHAPES = {"≥": "≥>＞≧", "≤": "≤<＜≦"}  # each sign a form prints, and the shapes the recogniser reads it as
_BEFORE = set("0123456789.．") | set("".join(SHAPES.values()))  # a number goes on after these: no sign there
STRICT_READ = "read as a strict sign"  # in the note of a sign rewritten so: its cell stays unverified (`ocr_trust`)
_STRICT = "><＞＜"  # the shapes no form prints: read before a number where the recogniser gave the
# form's sign at least `_MARK` there, that sign ("≥50个" read ">50个": ">" 0.43, "≥" 0.39)


_MARKS = "，。；：、"  # the marks put in between two ideographs
_POINT = "."  # a list number's point: between a digit that follows a mark ("：1.项目") and an ideograph; not
# after a number alone ("5个": a target's unit)
_MARK = 0.2  # probability a mark needs at a frame the blank won (the blank's echoes of a mark beside
# it, and noise, 0.02-0.1 on the tune half and the fixture scans; the two lost marks there 0.27, 0.47)


def signs_on() -> bool:
    """Whether a lost sign is put back ($JIXIAO_OCR_SIGNS=on, the default; `off` to measure without)."""
    return choice("JIXIAO_OCR_SIGNS", ("on", "off")) == "on"


def marks_on() -> bool:
    """Whether a lost mark is put back ($JIXIAO_OCR_GAP_MARKS=on, the default; `off` to measure without)."""
    return choice("JIXIAO_OCR_GAP_MARKS", ("on", "off")) == "on"


def characters_on() -> bool:
    """Whether a character the blank outweighed is put back ($JIXIAO_OCR_GAP_CHARACTERS=on, the
    default; `off` to measure without). Only ever with the word list on: it says which character goes in."""
    return choice("JIXIAO_OCR_GAP_CHARACTERS", ("on", "off")) == "on"


def on() -> bool:
    return signs_on() or marks_on() or characters_on()


@lru_cache(maxsize=4)
def _columns(characters: tuple[str, ...]) -> dict[str, list[int]]:
    """The columns of each sign's shapes (the recogniser's ~6,600 characters looked through once)."""
    return {sign: [i for i, ch in enumerate(characters) if len(ch) == 1 and ch in shapes] for sign, shapes in SHAPES.items()}


def restore(line: np.ndarray, characters: Sequence[str], read: str) -> tuple[str, str | None]:
    """`read` (the text decoded from `line`, the recogniser's output for one line, frames ×
    characters, probabilities; index 0 the blank) with each sign and mark the blank outweighed put
    back (module docstring), and a note of each (None where none)."""
    blank = line[:, 0]
    alphabet = tuple(characters)  # the key of the columns looked up once (`_columns`, `_mark_columns`)
    mass = {sign: line[:, cols].sum(axis=1) for sign, cols in _columns(alphabet).items() if cols} \
        if signs_on() else {}
    marks = _mark_columns(alphabet) if marks_on() else []
    mark_p = line[:, [i for i, _ in marks]] if marks else np.zeros((len(line), 0), line.dtype)
    top = line.argmax(axis=1)
    won = top == 0
    # a character may be lost where a frame the blank won leaves `_MARK` or more to the rest
    maybe_lost = characters_on() and words.on() and bool((won & (blank <= 1 - _MARK)).any())
    if not (any((m > blank).any() for m in mass.values()) or (mark_p >= _MARK).any() or maybe_lost):
        return read, None  # most lines: no frame to look at
    emitted = [t for t in range(len(top)) if top[t] != 0 and (t == 0 or top[t] != top[t - 1])]
    if len(emitted) != len(read):  # the decoding is not the one `read` came from: left as read
        return read, None
    out, notes, gap_start = [], [], 0
    for at, t in enumerate(emitted):
        ch, before = read[at], read[at - 1] if at else ""
        gap = [f for f in range(gap_start, t) if won[f]]
        if ch in _STRICT and at + 1 < len(read) and read[at + 1].isdigit() and mass:
            sign, p = _printed(line, alphabet, t, top)
            if p >= _MARK:  # the form's own sign, which the recogniser gave nearly as much
                ch = sign
                notes.append(f"sign {read[at]!r}→{sign!r} before {read[at + 1:at + 5]!r} ({sign!r} {p:.2f} beside "
                             f"{float(line[t, top[t]]):.2f}, {STRICT_READ}: the corpus prints none)")
        elif ch.isdigit() and before not in _BEFORE:
            found = [(float(m[f]), s, f) for s, m in mass.items() for f in gap if m[f] > blank[f]]
            if found:
                p, sign, f = max(found)
                out.append(sign)
                notes.append(f"sign {sign!r} put in before {read[at:at + 4]!r} (its shapes {p:.2f} beside the blank's "
                             f"{float(blank[f]):.2f})")
        elif before and ideograph(ch) and (ideograph(before) or _listed(read, at - 1)):
            found = [(float(mark_p[f, k]), mark, f) for k, (_, mark) in enumerate(marks) for f in gap
                     if mark_p[f, k] >= _MARK and (mark == _POINT) == before.isdigit()]
            if found:
                p, mark, f = max(found)
                out.append(mark)
                notes.append(f"mark {mark!r} put in at {read[max(0, at - 3):at] + mark + read[at:at + 3]!r} "
                             f"({p:.2f} beside the blank's {float(blank[f]):.2f})")
            elif ideograph(before) and maybe_lost and (lost := _lost(line, characters, gap, "".join(out), read[at:])):
                p, lone, f = lost
                out.append(lone)
                notes.append(f"{lone!r} put in at {read[max(0, at - 3):at] + lone + read[at:at + 3]!r} (word list; "
                             f"{p:.2f} beside the blank's {float(blank[f]):.2f})")
        out.append(ch)
        end = t
        while end + 1 < len(top) and top[end + 1] == top[t]:
            end += 1
        gap_start = end + 1
    return "".join(out), ", ".join(notes) or None


def _printed(line: np.ndarray, characters: tuple[str, ...], t: int, top: np.ndarray) -> tuple[str, float]:
    """The sign a form prints for the strict sign emitted at frame `t` (">" is "≥"), and the most
    probability the recogniser gave that sign's own shapes ("≥", "≧") over the frames of the emission."""
    sign = next(s for s, shapes in SHAPES.items() if characters[top[t]] in shapes)
    cols = [i for i in _columns(characters)[sign] if characters[i] not in _STRICT]
    end = t
    while end + 1 < len(top) and top[end + 1] == top[t]:
        end += 1
    return sign, float(line[t:end + 1, cols].sum(axis=1).max()) if cols else 0.0


def _lost(line: np.ndarray, characters: Sequence[str], gap: list[int], before: str, after: str
          ) -> tuple[float, str, int] | None:
    """An ideograph the blank outweighed between two ideographs (`before` ends with one, `after`
    starts with one): at a frame of `gap` the ideographs other than the two beside it (those are the
    blank's echoes of them) have `_MARK` or more together, and one of them makes a common word with
    the characters around it (`words.in_word`) where there was none across the gap; the likeliest
    such, with its probability and frame. None where there is none."""
    k = len(before)
    while k > 0 and len(before) - k < words.SPAN and ideograph(before[k - 1]):
        k -= 1
    left_run = before[k:]
    right_run = after[:next((k for k, ch in enumerate(after) if not ideograph(ch)), len(after))][:words.SPAN]
    echoes = {before[-1], after[0]}
    best = None
    for f in gap:
        if line[f, 0] > 1 - _MARK:
            continue
        cols = np.flatnonzero(line[f] >= words.FLOOR)
        alts = [(float(line[f, i]), characters[i]) for i in cols if i != 0 and ideograph(characters[i])
                and characters[i] not in echoes]
        if sum(p for p, _ in alts) < _MARK:
            continue
        joined = left_run + right_run
        if words.in_word(joined, len(left_run) - 1)[1] and words.in_word(joined, len(left_run))[1]:
            return None  # the characters either side are words as read: nothing lost between them
        for p, ch in sorted(alts, reverse=True):
            if words.in_word(left_run + ch + right_run, len(left_run))[1] and (best is None or p > best[0]):
                best = (p, ch, f)
                break
    return best


def _listed(read: str, at: int) -> bool:
    """Whether `read[at]` is a list's number: one digit, after a mark a clause ends with."""
    return read[at].isdigit() and at > 0 and read[at - 1] in _MARKS + ":;"


@lru_cache(maxsize=4)
def _mark_columns(characters: tuple[str, ...]) -> list[tuple[int, str]]:
    """The columns of the marks that may be put in, with each mark."""
    return [(i, ch) for i, ch in enumerate(characters) if len(ch) == 1 and ch in _MARKS + _POINT]


def restore_batch(preds: np.ndarray, characters: Sequence[str], read: Sequence[str]) -> list[tuple[str, str | None]]:
    """`restore` for each line of a batch (lines × frames × characters) and the texts decoded from it."""
    return [restore(line, characters, text) for line, text in zip(preds, read)]
