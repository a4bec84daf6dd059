"""A character the recogniser was unsure of, given its second choice where that makes a known word.

PP-OCRv4 reads a line as a CTC sequence: at every step a probability for each of its ~6,600
characters; the engine keeps the likeliest at each step (greedy decoding). On scans it misreads
one character of a common word where the strokes are faint or under a seal (竣工 read 峻工, 深圳市
read 深圳中, 智能 read 智纯, 不适用 read 不活用), and at that step the right character is usually
its second or third choice. So at a step where the top character is an ideograph read with less
than `_UNSURE` of probability, each other ideograph the recogniser gave at least `FLOOR` there is
tried: it replaces the top one only where the top one makes no word of the word list (alone, or in a
word rarer than `_COMMON`), the alternative makes a common word with its neighbours, and the
alternative's reading is the likelier once the recogniser's probabilities and the words' are
multiplied (`_gain`: the words' unigram log-probabilities, best segmentation, as jieba segments).

The word list is jieba's dictionary (jieba 0.42.1, MIT: ~349,000 words with their frequencies in a
general corpus), read from the installed package, offline; jieba itself is not imported. Digits,
signs, Latin letters and punctuation are never changed so: only an ideograph for an ideograph
(numbers are checked by the rules and by their second read, `pipeline.facts.ocr_trust`). Each change
is returned with a note that `recognise` records as the cell's correction (`ocr_cell.correction`).
Figures: bench/README.md "Words: the recogniser's second choice".
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import choice

_UNSURE = 0.9  # a step whose top character has less probability than this is looked at again
FLOOR = 0.02  # an alternative the recogniser gave less than this at that step is never taken
_COMMON = 20  # a word seen fewer times than this in jieba's corpus is no word here ("峻工" is in
# its list, 7 times: a misprint of 竣工, 687)
SPAN = 6  # characters either side of the step that the words are scored over (jieba's words are
# rarely longer)
_TOP_K = 5  # alternatives looked at, the likeliest first
_LONGEST = 8  # characters: the longest word looked up

if importlib.util.find_spec("jieba") is None:  # OCR without its word list is not OCR as measured
    raise ImportError("jieba is not installed: OCR reads with its word list (pip install 'jieba>=0.42.1,<0.43')")


def on() -> bool:
    """Whether unsure characters are rescored by the word list ($JIXIAO_OCR_WORDS=on, the default;
    `off` reads as the engine decodes, to measure it)."""
    return choice("JIXIAO_OCR_WORDS", ("on", "off")) == "on"


@lru_cache(maxsize=1)
def _dictionary() -> tuple[dict[str, int], float]:
    """jieba's word list as word → frequency, words of ideographs only (each listed once), and the
    log of its total frequency; loaded once a process, where a line first has an unsure step (0.4 s
    of CPU)."""
    spec = importlib.util.find_spec("jieba")  # where it is, not imported (`resources.files` would:
    # 0.1 s of its segmenter's tables, a worker)
    text = Path(spec.origin).with_name("dict.txt").read_text(encoding="utf-8")  # type: ignore[union-attr, arg-type]
    rows = re.findall(r"^([\u4e00-\u9fff]+) (\d+)", text, re.MULTILINE)  # word, count, part of speech
    freq = {word: int(count) for word, count in rows}
    return freq, math.log(sum(freq.values()))


def ideograph(ch: str) -> bool:
    """A CJK unified ideograph of the basic block: what the word list and `blanks` weigh."""
    return "\u4e00" <= ch <= "\u9fff"


def _segment(text: str) -> tuple[float, list[tuple[int, int]]]:
    """The best segmentation of a run of ideographs into words of the list (jieba's: the product of
    the words' unigram probabilities, a character the list does not hold counted once): its log
    probability and its words as (start, end)."""
    freq, log_total = _dictionary()
    n = len(text)
    best: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
    for end in range(1, n + 1):
        options = []
        for start in range(max(0, end - _LONGEST), end):
            count = freq.get(text[start:end])
            if count or end - start == 1:
                options.append((best[start][0] + math.log(count or 1) - log_total, start))
        best[end] = max(options)
    words, end = [], n
    while end > 0:
        start = best[end][1]
        words.append((start, end))
        end = start
    return best[n][0], words[::-1]


def in_word(text: str, at: int) -> tuple[float, bool]:
    """The log probability of `text`'s best segmentation, and whether its character `at` is part of
    a common word there (two characters or more, seen `_COMMON` times or more)."""
    score, words = _segment(text)
    freq, _ = _dictionary()
    return score, any(s <= at < e and e - s >= 2 and freq[text[s:e]] >= _COMMON for s, e in words)


def steps(idx: np.ndarray, prob: np.ndarray) -> list[tuple[int, list[tuple[int, float]]]]:
    """A line's greedy CTC decoding as steps: for each character emitted, its index and the top
    choices at its step as (index, probability), the likeliest first. `idx`, `prob`: the top-k
    indices and probabilities at each frame (T × k, best first; index 0 is CTC's blank). A character
    held over several frames counts each alternative at its best frame."""
    top = idx[:, 0]
    out: list[tuple[int, list[tuple[int, float]]]] = []
    t = 0
    while t < len(top):
        end = t + 1
        while end < len(top) and top[end] == top[t]:
            end += 1
        if top[t] != 0:
            choices: dict[int, float] = {}
            for f in range(t, end):
                for i, p in zip(idx[f].tolist(), prob[f].tolist()):
                    if i != 0 and p > choices.get(i, 0.0):
                        choices[i] = p
            out.append((int(top[t]), sorted(choices.items(), key=lambda c: -c[1])))
        t = end
    return out


def rescore(idx: np.ndarray, prob: np.ndarray, characters: Sequence[str], read: str | None = None
            ) -> tuple[str, str | None]:
    """The line's text with each unsure ideograph replaced by an alternative that makes a common
    word where it makes none (module docstring), and a note of the changes (None where none).
    `read`: the text the engine decoded from the same output; where the steps do not spell it, it
    is kept as it is."""
    decoded = steps(idx, prob)
    chars = [characters[i] for i, _ in decoded]
    if read is not None and "".join(chars) != read:
        return read, None
    notes = []
    for at, (i, choices) in enumerate(decoded):
        p_top = dict(choices).get(i, 0.0)
        if not ideograph(chars[at]) or p_top >= _UNSURE:
            continue
        alternatives = [(characters[a], p) for a, p in choices[:_TOP_K + 1]
                        if a != i and p >= FLOOR and ideograph(characters[a])]
        if not alternatives:
            continue
        lo, hi = at, at + 1  # the run of ideographs around the step, at most SPAN either side
        while lo > 0 and at - lo < SPAN and ideograph(chars[lo - 1]):
            lo -= 1
        while hi < len(chars) and hi - at <= SPAN and ideograph(chars[hi]):
            hi += 1
        window = chars[lo:hi]
        score, known = in_word("".join(window), at - lo)
        if known:
            continue
        best = None
        for ch, p in alternatives:
            window[at - lo] = ch
            alt, makes = in_word("".join(window), at - lo)
            gain = alt - score + math.log(p) - math.log(max(p_top, 1e-6))
            if makes and gain > 0 and (best is None or gain > best[0]):
                best = (gain, ch, p)
        if best is not None:
            gain, ch, p = best
            before = "".join(chars[lo:hi])
            chars[at] = ch
            notes.append(f"{before[at - lo]}→{ch} in {''.join(chars[lo:hi])!r} (word list; {p:.2f} beside {p_top:.2f})")
    return "".join(chars), ", ".join(notes) or None


def rescore_batch(preds: np.ndarray, characters: Sequence[str], read: Sequence[str]
                  ) -> list[tuple[str, str | None]]:
    """`rescore` for each line of a batch of the recogniser's output (lines × frames × characters,
    probabilities) and the texts the engine decoded from it. Only a line with an unsure step is
    looked at further (few are: 36 of 7,534 ideographs of the tune half), so that the top choices of
    every frame are sorted for those alone."""
    out = []
    k = _TOP_K + 1
    for line, text in zip(preds, read):
        top = line.argmax(axis=1)
        if not (line[top != 0].max(axis=1) < _UNSURE).any():
            out.append((text, None))
            continue
        idx = np.argpartition(-line, k, axis=1)[:, :k]
        prob = np.take_along_axis(line, idx, axis=1)
        order = np.argsort(-prob, axis=1)
        out.append(rescore(np.take_along_axis(idx, order, axis=1), np.take_along_axis(prob, order, axis=1),
                           characters, text))
    return out
