"""Pixels → recognised lines of text: the recogniser, its crops, and the glyphs it confuses measured.

The third step of reading a scan (`page.read_page`), on the page `ruling` erased: rapidocr-onnxruntime
(its PP-OCRv4 models, folded in models/ or as its wheel ships them, or PP-OCRv6's fetched, `model_files`: it reads offline) finds and reads each line of text, with its
confidence and box. What it cannot tell from the shapes it was trained on is measured on the page
itself: the space before a "（" (`spaced`), "：" from "；" (`colons`), a straight '"' from "”"
(`quotes`), a "。" wrapped alone onto a line (`full_stop`); what it was unsure of is weighed
against a word list as it decodes (`_WordDecode`, `words`: "峻工" → "竣工"). `cells` places the lines in the table's
cells and asks here for a crop read again: a line across a drawn border part by part (`split_read`),
a cell the detector found nothing in (`reread`).

Two ways to find the lines ($JIXIAO_OCR_READ, `by_cells`): `page`, the default, runs the engine's
detector over the whole page (`read_lines`); `cells` reads the page by its ruling, recognition only:
each cell region's printed lines found by their ink (`ink_lines`), each line's crop recognised
(`read_regions`, `recognise_crops`), about half the CPU time (bench/README.md "Scans never seen").
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import SettingError, choice, setting
from . import blanks, words
from .corrections import DASH, correct, full_width

if TYPE_CHECKING:
    from rapidocr_onnxruntime import RapidOCR

ENGINE = "rapidocr-onnxruntime"


def engine_version() -> str:
    """The installed OCR engine's version, the models it ran and how the page was read ("1.4.4
    (folded, page)": $JIXIAO_OCR_MODEL, $JIXIAO_OCR_READ; ", no words" where $JIXIAO_OCR_WORDS is
    off, ", no edge marks", ", no signs", ", no gap marks", ", no gap characters" where
    $JIXIAO_OCR_EDGE_MARKS, $JIXIAO_OCR_SIGNS, $JIXIAO_OCR_GAP_MARKS, $JIXIAO_OCR_GAP_CHARACTERS are),
    recorded with every form it read (dim_form.ocr_version): two readings of one scan differ by these."""
    model = choice("JIXIAO_OCR_MODEL", MODELS)
    from . import edge_marks  # it reads lines again through this module

    extra = "".join(f", no {what}" for what, on in (("words", words.on()), ("edge marks", edge_marks.on()),
                                                     ("signs", blanks.signs_on()),
                                                     ("gap marks", blanks.marks_on()),
                                                     ("gap characters", blanks.characters_on())) if not on)
    return f"{importlib.metadata.version(ENGINE)} ({model}, {'cells' if by_cells() else 'page'}{extra})"


@dataclass(frozen=True)
class Line:
    """A line of text as the recogniser read it: its text, its confidence, and its box in pixels."""

    text: str
    conf: float
    x0: float  # pixels of the deskewed image
    y0: float
    x1: float
    y1: float
    fix: str | None = None  # an unsure character given its alternative by the word list (`words`)
    raw: str | None = None  # where it did (`fix`): the text as the engine decoded it

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def height(self) -> float:
        return self.y1 - self.y0


_engines = threading.local()

MODELS = ("folded", "wheel", "v6", "v6rec")
_MODELS = Path(__file__).parent / "models"
FOLDED = {"det": _MODELS / "ch_PP-OCRv4_det_folded.onnx", "rec": _MODELS / "ch_PP-OCRv4_rec_folded.onnx"}
V6 = {"det": _MODELS / "PP-OCRv6_det_small.onnx", "rec": _MODELS / "PP-OCRv6_rec_small.onnx"}
_CHOSEN = {"folded": FOLDED, "wheel": {}, "v6": V6, "v6rec": {"det": FOLDED["det"], "rec": V6["rec"]}}


def model_files() -> dict[str, Path]:
    """The detector's and recogniser's model files ($JIXIAO_OCR_MODEL): `folded`, the default, are
    the wheel's PP-OCRv4 models with their per-convolution affines and hard-swishes folded
    (tools/fold_ocr_models.py: the same boxes and texts for about a third less CPU, bench/README.md
    "A folded recogniser"); `wheel` ({}) the models as the wheel ships them; `v6` the PP-OCRv6 small
    detector and recogniser of the `rapidocr` 3.10 wheel (their character list in the recogniser's
    metadata, as PP-OCRv4's), `v6rec` its recogniser behind the folded PP-OCRv4 detector: measured,
    not the default (bench/README.md "PP-OCRv6 through today's pipeline"); their files are not
    shipped: tools/fetch_ppocrv6.py puts them in models/."""
    chosen = _CHOSEN[choice("JIXIAO_OCR_MODEL", MODELS)]
    missing = [str(path) for path in chosen.values() if not path.is_file()]
    if missing:
        raise SettingError(f"$JIXIAO_OCR_MODEL: no model file {', '.join(missing)} "
                           "(python tools/fetch_ppocrv6.py puts PP-OCRv6's there)")
    return chosen


def engine() -> RapidOCR:
    """One engine per thread (a worker reads several pages at once when it has the cores,
    `page.pages_at_once`; RapidOCR keeps per-call state on itself), one onnxruntime thread per
    engine: pages are read in parallel, not each page by onnxruntime's threads. Its recogniser reads
    the detector's lines `_BATCH` at a time, as `recognise_crops` does: in the engine's batches of 6
    a line was padded to the widest of the lines it happened to be batched with, so its text hung on
    its neighbours (bench/README.md "Where a scanned page's CPU goes"). Made afresh when
    $JIXIAO_OCR_MODEL names other models than those it loaded."""
    models = model_files()
    if (found := getattr(_engines, "engine", None)) is not None and _engines.models == models:
        return found
    from rapidocr_onnxruntime import RapidOCR

    threads = int(os.environ.get("JIXIAO_OCR_THREADS", "1"))
    chosen = {f"{part}_model_path": str(path) for part, path in models.items()}
    _engines.engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, use_cls=False,
                               print_verbose=False, rec_batch_num=_BATCH, **chosen)
    _engines.engine.text_rec.postprocess_op = _WordDecode(_engines.engine.text_rec.postprocess_op)
    _engines.models = models
    return _engines.engine


class _WordDecode:
    """The engine's CTC decoder, and then each line it decoded rescored by the word list
    (`words.rescore`: an unsure ideograph given the alternative that makes a common word). The lines
    changed are kept with their notes for this thread (`_fixes`), so that `run` and
    `recognise_crops` can say which line was changed and how. It replaces rapidocr 1.4's
    `TextRecognizer.postprocess_op`, which is not public API (pinned <1.5 in pyproject.toml;
    tests/read/test_ocr_words.py reads a real crop through it)."""

    def __init__(self, decode) -> None:
        self.decode = decode

    def __call__(self, preds: np.ndarray, return_word_box: bool = False, **kwargs) -> list:
        out = self.decode(preds, return_word_box, **kwargs)
        if return_word_box or not (words.on() or blanks.on()):
            return out
        read = [res[0] for res in out]
        changed = words.rescore_batch(preds, self.decode.character, read) if words.on() else [(t, None) for t in read]
        if blanks.on():  # then a sign or a mark that the blank outweighed (`blanks`)
            again = blanks.restore_batch(preds, self.decode.character, [text for text, _ in changed])
            changed = [(text, ", ".join(n for n in (note, more) if n) or None)
                       for (_, note), (text, more) in zip(changed, again)]
        for b, (text, note) in enumerate(changed):
            if note is not None:
                _fixes()[text, float(out[b][1])] = (note, out[b][0])
                out[b] = (text, *out[b][1:])
        return out


def _fixes() -> dict[tuple[str, float], tuple[str, str]]:
    """The lines the word list changed since this thread last asked the engine (`run`,
    `recognise_crops`), each with its note and the text as decoded; by text and confidence, not
    text alone: another line of the call may have been read as printed with the text a change made
    (one 不适用 of many read 不活用), and is no changed line."""
    if not hasattr(_engines, "fixed"):
        _engines.fixed = {}
    return _engines.fixed


def _decoded(text: str, conf: float, x0: float, y0: float, x1: float, y1: float) -> Line:
    """A line of the engine's output (its text as returned), with the word list's change to it
    and the text as decoded, if any (`_fixes`); each half-width mark beside an ideograph as Chinese
    text prints it (`corrections.full_width`: "(本级)" → "（本级）")."""
    note, raw = _fixes().get((text, float(conf)), (None, None))
    return Line(full_width(text.strip()), float(conf), x0, y0, x1, y1, note,
                None if raw is None else full_width(raw.strip()))


def forget_engine() -> None:
    """This thread's engine dropped, so that the next `engine()` loads its models afresh."""
    _engines.__dict__.pop("engine", None)


def models_in_wheel() -> list[Path]:
    """The model files the engine loads: inside the installed package, so nothing is downloaded."""
    import rapidocr_onnxruntime

    return sorted((Path(rapidocr_onnxruntime.__file__).parent / "models").glob("*.onnx"))


def run(image: np.ndarray, *, detect: bool = True, unclip: float | None = None
        ) -> list[tuple[list | None, str, float]]:
    """(box or None, text, confidence) of each line the engine reads in `image`: every line it
    detects, or (`detect=False`) the one line the image is. The one place that knows the engine's
    output."""
    kwargs = {} if unclip is None else {"unclip_ratio": unclip}
    _fixes().clear()
    result, _ = engine()(np.ascontiguousarray(image), use_det=detect, **kwargs)
    if detect:
        return [(box, text, float(conf)) for box, text, conf in result or []]
    return [(None, text, float(conf)) for text, conf in result or []]


_UNCLIP = 1.6  # how far a detected text box is grown around its core (rapidocr's default)


def read_lines(grey: np.ndarray) -> list[Line]:
    """Every recognised line of text with its confidence and box (pixels)."""
    result = run(grey, unclip=float(os.environ.get("JIXIAO_OCR_UNCLIP", _UNCLIP)))
    lines = []
    for box, text, conf in result:
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        line = _decoded(text, conf, min(xs), min(ys), max(xs), max(ys))
        if line.text:
            lines.append(measured(line, grey))
    return lines


def measured(line: Line, grey: np.ndarray) -> Line:
    """A recognised line with what the recogniser cannot see measured on the page: a full-width "（"
    read "(" (`brackets`), the space before a "（" (`spaced`), "：" from "；" (`colons`), a straight
    quote (`quotes`); the text as decoded (`Line.raw`) measured alike."""
    out = quotes(colons(spaced(brackets(line, grey), grey), grey), grey)
    if line.raw is None:
        return out
    return dataclasses.replace(out, raw=measured(dataclasses.replace(line, text=line.raw, raw=None), grey).text)


GLYPH_RULES = ("brackets", "spaced", "colons", "quotes", "full_stop", "boxes")


def glyph_rule(name: str) -> bool:
    """Whether a glyph-level rule is on: all are, unless $JIXIAO_OCR_GLYPH_RULES lists those to keep
    (bench/: a rule is kept only if it helps on scans it was not fitted to)."""
    return name in os.environ.get("JIXIAO_OCR_GLYPH_RULES", ",".join(GLYPH_RULES)).split(",")


INK = 50  # grey levels under its paper at which a pixel is ink (print, not the paper's noise or stains)


def ink_mask(crop: np.ndarray, paper: float | None = None) -> np.ndarray:
    """Which pixels of `crop` are ink: `INK` grey levels or more under its paper, the crop's own median
    where no `paper` is given (a line's or a cell's ink is well under half its pixels)."""
    return crop < (np.median(crop) if paper is None else paper) - INK


def _measure(line: Line, grey: np.ndarray) -> tuple[list[float], float, np.ndarray, float]:
    """What the glyph measurements of a line start from: its characters' advances, its em in pixels
    (the box's width over the advances), its rows of the page, and their paper (the median grey
    over the line's box)."""
    adv = _advances(line.text)
    em = (line.x1 - line.x0) / sum(adv)
    rows = grey[max(0, int(line.y0)):int(round(line.y1)) + 1]
    return adv, em, rows, float(np.median(rows[:, int(line.x0):int(line.x1) + 1]))


BOX = "口"  # what the recogniser reads a checkbox as, ticked or not: its alphabet has no ☑ nor □
TICKED, UNTICKED = "☑", "□"
_OPTION_ENDS = ("", "、", ",", "，", ";", "；", " ")  # what stands beside a box: a separator or the line's end
_TICK_INK = 0.08  # of the middle half of a box: a tick's stroke crosses it (0.25-0.28 measured), an
# empty box has none (0.00)
# a box the recogniser did not read at all (a "☑" dropped inside a line, or left out of its box at the
# end), looked for where it stands, after its option: an outline as wide as tall (0.88–1.12 of the 12
# boxes of the hubei tune scans and outlines, 150 and 200 dpi; 目, the last character of "…项目", 0.71–0.78),
# smaller than an em, each side of it inked along 0.9 of its length or more (0.90–1.00)
_BOX_SQUARE = (0.85, 1.18)
_BOX_RING = 0.9


def checkboxes(line: Line, grey: np.ndarray, right: float | None = None) -> Line:
    """The line of a checkbox question's options with each checkbox told ticked or not by the ink
    inside it: a ticked box (☑ ☒ ■ …) has a stroke across its middle, an empty one nothing. A "口"
    read where a checkbox stands (after an option, before "、" or the end, or before one) is looked at,
    and, where options are followed by their boxes ("部门预算项目口、省直专项口"), an option the text
    ends with no box after it has its box looked for in the ink after it (to `right`, the cell's
    border, pixels): the recogniser drops a "☑" at times, inside the line or left out of its box at
    its end. Asked only of a checkbox question's options (`cells.grid`). Where one box's outline is
    not found the line is left as read, every "口" kept: the question then has no answer (its form
    unverified), where telling the others would make "部门预算项目口、省直专项☑" one option, a wrong answer."""
    if not glyph_rule("boxes") or not line.text:
        return line
    import cv2

    adv, em, rows, paper = _measure(line, grey)
    a = max(0, int(line.x0 - em))
    b = min(rows.shape[1], int(line.x1 + 2 * em), int(right) if right is not None else rows.shape[1])
    ink = ink_mask(rows[:, a:b], paper).astype(np.uint8)
    count, blots, stats, _ = cv2.connectedComponentsWithStats(ink)
    centre = [a + x + w / 2 for x, _, w, _, _ in stats]
    sized = [k for k in range(1, count) if stats[k][2] >= 0.5 * em and stats[k][3] >= 0.5 * em]
    chars = list(line.text)
    edged = ["", *chars, ""]  # each character's neighbours, the line's ends as separators
    said = [i for i, ch in enumerate(chars) if ch == BOX and (edged[i] in _OPTION_ENDS or edged[i + 2] in _OPTION_ENDS)]
    unread = _unboxed(chars)  # an option ending before index i with no box read after it
    # where each glyph stands: the text read, with a box (an em) after each option that has none; the
    # last such box inside the line's box (read but dropped) or outside it (left out by the detector)
    for inside in ((True, False) if unread and unread[-1] == len(chars) else (True,)):
        pitch = (line.x1 - line.x0) / (sum(adv) + len(unread) - (not inside))
        starts = np.cumsum([0.0, *adv]) + [sum(j <= i for j in unread) for i in range(len(chars) + 1)]
        found: dict[int, int] = {}  # each box's place in the text (its index; an unread one, before
        # the character at that index): the outline told there
        for i in said:
            cx = line.x0 + pitch * (starts[i] + 0.5)
            near = [k for k in sized if 0.6 <= stats[k][2] / stats[k][3] <= 1.6 and abs(centre[k] - cx) <= 0.35 * pitch]
            if near:
                found[i] = min(near, key=lambda k: abs(centre[k] - cx))
        for i in unread:
            cx = line.x0 + pitch * (starts[i] - 0.5)
            near = [k for k in sized if k not in found.values() and abs(centre[k] - cx) <= 0.5 * pitch
                    and _box(blots[stats[k][1]:stats[k][1] + stats[k][3], stats[k][0]:stats[k][0] + stats[k][2]] == k, em)]
            if near:
                found[-1 - i] = min(near, key=lambda k: abs(centre[k] - cx))
        if len(found) == len(said) + len(unread):
            break
    else:  # one box not told: none is, or a wrong option would be the one ticked
        return line
    if not found:
        return line
    marks = {}
    for i, k in found.items():
        x, y, w, h, _ = stats[k]
        middle = ink[y + h // 4:y + h - h // 4, x + w // 4:x + w - w // 4]
        marks[i] = TICKED if middle.size and middle.mean() >= _TICK_INK else UNTICKED
    text = "".join(marks.get(-1 - i, "") + marks.get(i, ch) for i, ch in enumerate([*chars, ""]))
    order = sorted(marks, key=lambda i: i if i >= 0 else -1.5 - i)  # in the text's order
    note = f"{BOX}→{'/'.join(marks[i] for i in order)} by the ink inside each box"
    if unread:
        note += f", {len(unread)} box(es) not read found in the ink after their option"
    return dataclasses.replace(line, text=text, fix=", ".join(filter(None, [line.fix, note])),
                               raw=line.raw if line.raw is not None else line.text)


def _unboxed(chars: list[str]) -> list[int]:
    """Where options followed by their boxes ("部门预算项目口、省直专项口") have one with none: the
    index after each such option's last character. None where the options are printed after their
    boxes ("口甲 口乙"), or hold no box at all as read (nothing says which way they are printed)."""
    lead = "".join(chars).lstrip("".join(_OPTION_ENDS))
    if not lead or lead[0] == BOX or BOX not in lead:
        return []
    return [i for i in range(1, len(chars) + 1) if chars[i - 1] not in (BOX, *_OPTION_ENDS)
            and (i == len(chars) or chars[i] in _OPTION_ENDS[1:])]


def _box(blot: np.ndarray, em: float) -> bool:
    """Whether a blot (its pixels, in its bounding box) is a checkbox's outline: as wide as tall,
    under an em, each side inked along most of its length."""
    h, w = blot.shape
    if not (_BOX_SQUARE[0] <= w / h <= _BOX_SQUARE[1] and max(w, h) <= em):
        return False
    bh, bw = max(1, h // 4), max(1, w // 4)
    sides = (blot[:bh].any(axis=0), blot[-bh:].any(axis=0), blot[:, :bw].any(axis=1), blot[:, -bw:].any(axis=1))
    return min(side.mean() for side in sides) >= _BOX_RING


_SEMICOLON = 1.34  # ink below the gap between the two marks over the ink above it: a colon's dots
# weigh alike (0.58–1.30 on the corpus scans), a semicolon's comma about twice its dot (1.57–2.27 there;
# on the made scans of the variants, 150 dpi, a comma blurred short: 1.38–1.45, 1.47–2.45 the others)


def colons(line: Line, grey: np.ndarray) -> Line:
    """The line with each "：" and "；" told apart by its shape: the recogniser confuses the two in
    long paragraphs (at 150 dpi its marks are a few pixels), and the semicolon's lower mark, a comma,
    carries about twice the ink of its dot where a colon's two dots carry the same. A mark whose two
    parts are not found keeps its reading."""
    if not glyph_rule("colons"):
        return line
    if "：" not in line.text and "；" not in line.text:
        return line
    adv, em, rows, paper = _measure(line, grey)
    chars = list(line.text)
    for i, ch in enumerate(chars):
        if ch in "：；":
            ratio = _lower_ink(rows, paper, line.x0 + em * (sum(adv[:i]) + 0.5), em)
            if ratio is not None:
                chars[i] = "；" if ratio >= _SEMICOLON else "："
    return dataclasses.replace(line, text="".join(chars))


def _lower_ink(rows: np.ndarray, paper: float, cx: float, em: float) -> float | None:
    """Of the two small marks one above the other nearest x = cx (within 0.8 em), the ink of the
    lower over that of the upper; None where there are no such marks."""
    import cv2

    xa, xb = max(0, int(cx - 0.8 * em)), min(rows.shape[1], int(cx + 0.8 * em))
    crop = rows[:, xa:xb]
    if crop.size == 0:
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats((crop < paper - 40).astype(np.uint8))
    small = [stats[k] for k in range(1, count)
             if stats[k][2] <= 0.45 * em and stats[k][3] <= 0.6 * em and stats[k][4] >= 2]
    pairs = [(abs(xa + a[0] + a[2] / 2 - cx), k, a, b) for k, a in enumerate(small) for b in small
             if b[1] >= a[1] + a[3] and min(a[0] + a[2], b[0] + b[2]) >= max(a[0], b[0])]
    if not pairs:
        return None
    _, _, a, b = min(pairs, key=lambda t: t[:2])
    x0, x1 = max(0, min(a[0], b[0]) - 1), max(a[0] + a[2], b[0] + b[2]) + 1
    dark = np.clip(paper - crop[:, x0:x1].astype(np.float32), 0, None)
    split = a[1] + a[3] + (b[1] - a[1] - a[3]) // 2
    upper, lower = dark[max(0, a[1] - 2):split].sum(), dark[split:b[1] + b[3] + 3].sum()
    return float(lower / upper) if upper > 0 else None


_QUOTE_PAPER = 0.4  # ems of paper after a closing quote's ticks: a full-width "”" leaves the right
# half of its em blank, 0.60–0.62 (4 on the corpus scans, 150 dpi); a straight '"' is half-width,
# 0.00–0.21 (2: `“紧日子"要求`, which the recogniser reads as "”")
_TICK_WIDTH = 0.5  # ems: at most this wide, a quote's tick (0.29–0.36, the 3 found apart on the scans)


def quotes(line: Line, grey: np.ndarray) -> Line:
    """The line with each "”" that is printed as a straight, half-width '"' given back: the
    recogniser reads both as "”", but a full-width closing quote's ticks sit in the left half of its
    em, with paper after them, and a straight quote's do not. Only a quote inside the line, after an
    opening "“" and before an ideograph (before a "，" or "。" a full-width quote may itself be set
    half-width), whose ticks are found apart (each narrower than half an em, not a speck) within an em
    of where the quote should be. Any other keeps its reading; a quote ending the line is never
    rewritten."""
    if not glyph_rule("quotes"):
        return line
    import cv2

    if "”" not in line.text[:-1]:
        return line
    adv, em, rows, paper = _measure(line, grey)
    chars = list(line.text)
    for i, ch in enumerate(chars[:-1]):
        if ch != "”" or "“" not in line.text[:i] or not "\u4e00" <= chars[i + 1] <= "\u9fff":
            continue
        at = line.x0 + em * (sum(adv[:i]) + adv[i] / 2)
        xa, xb = max(0, int(at - em)), min(rows.shape[1], int(at + 1.5 * em))
        bw = ink_mask(rows[:, xa:xb], paper).astype(np.uint8)
        inked = np.flatnonzero(bw.any(axis=1))
        if len(inked) == 0:
            continue
        mid = (inked[0] + inked[-1]) / 2
        count, _, stats, _ = cv2.connectedComponentsWithStats(bw)
        ticks = [s for s in stats[1:] if s[4] >= 4 and s[3] <= 0.45 * em and s[1] + s[3] <= mid + 1
                 and s[2] <= _TICK_WIDTH * em and abs(xa + s[0] + s[2] / 2 - at) <= em]
        if not ticks:
            continue  # two ticks run together into one blot (or none found): not measurable
        right = max(s[0] + s[2] for s in ticks)  # the right tick's edge (the left may touch a glyph)
        after = np.flatnonzero(bw[:, right:].any(axis=0))
        if len(after) and after[0] / em < _QUOTE_PAPER:
            chars[i] = '"'
    return dataclasses.replace(line, text="".join(chars))


_BRACKET_GAP = 0.87  # ems of paper before a "（": an ideograph and the bracket's blank left half
# leave 0.71–0.84 (11 lines of the corpus scans, 150 dpi), with a printed space 0.98–1.04 (2)


def spaced(line: Line, grey: np.ndarray) -> Line:
    """The line with the space before its first full-width "（" after an ideograph as printed ("局 （本级）"
    or "局（本级）"): the recogniser reads no spaces, or puts one where the bracket's blank left half
    is ("局 (本级)", made "局 （本级）" by `full_width` before `brackets` could take it out), so the paper
    between the bracket and the glyph before it is measured (the widest gap of ink from an em before
    where the bracket's box should start to two after) and a space is given or taken by it."""
    if not glyph_rule("spaced"):
        return line
    i = line.text.find("（")
    before = line.text[:i].rstrip(" ")
    if i < 1 or not before or not "\u4e00" <= before[-1] <= "\u9fff" or i - len(before) > 1:
        return line
    adv, em, rows, paper = _measure(line, grey)
    at = line.x0 + em * sum(adv[:i])
    xa, xb = max(0, int(at - em)), min(grey.shape[1], int(at + 2 * em))
    crop = rows[:, xa:xb]
    if crop.size == 0:
        return line
    ink = np.flatnonzero(ink_mask(crop, paper).any(axis=0))
    widest = int(np.diff(ink).max()) - 1 if len(ink) > 1 else 0
    printed = widest > _BRACKET_GAP * em
    if printed == (i > len(before)):
        return line
    return dataclasses.replace(line, text=f"{before}{' ' if printed else ''}{line.text[i:]}")


_HALF_BRACKET = 0.4  # ems of paper before a "(" read after an ideograph: a full-width "（" leaves the
# blank left half of its em, 0.59–0.96 (21 read "(" on the outlines of the variants' tune set, 150 dpi;
# 0.63–1.02 for the 30 read "（"), a half-width "(" printed so ("产出指标(50分)") 0.07–0.15 (9)


def brackets(line: Line, grey: np.ndarray) -> Line:
    """The line with each full-width "（" that the recogniser read half-width, "(", given back, with the
    ")" that closes it: PP-OCRv4 reads both alike at 150 dpi, but after an ideograph a full-width
    bracket leaves the left half of its em blank, and a half-width one does not. A space the recogniser
    put between them goes (`spaced` then measures whether one is printed)."""
    if not glyph_rule("brackets") or "(" not in line.text:
        return line
    adv, em, rows, paper = _measure(line, grey)
    chars = list(line.text)
    for i, ch in enumerate(line.text):
        before = line.text[:i].rstrip(" ")
        if ch != "(" or not before or not "\u4e00" <= before[-1] <= "\u9fff" or len(line.text[:i]) - len(before) > 1:
            continue
        at = line.x0 + em * sum(adv[:i])
        xa, xb = max(0, int(at - em)), min(rows.shape[1], int(at + 1.5 * em))
        ink = np.flatnonzero(ink_mask(rows[:, xa:xb], paper).any(axis=0))
        if len(ink) < 2 or (np.diff(ink).max() - 1) / em < _HALF_BRACKET:
            continue
        chars[i] = "（"
        if i > len(before):
            chars[i - 1] = ""
        shut = next((k for k in range(i + 1, len(chars)) if chars[k] in "()（）"), None)
        if shut is not None and chars[shut] == ")":
            chars[shut] = "）"
    return dataclasses.replace(line, text="".join(chars))


def _advances(text: str) -> list[float]:
    """Relative widths of the characters of a recognised line: a CJK character is a full em, Latin,
    digits and most punctuation about half."""
    return [1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text]


def _split(line: Line, borders: list[float]) -> list[Line]:
    """A recognised line cut at each drawn border it crosses (pixels): the text of two cells the
    recogniser read as one. Characters are shared out by their estimated widths."""
    inside = [b for b in borders if line.x0 + 2 < b < line.x1 - 2]
    if not inside:
        return [line]
    adv = _advances(line.text)
    total = sum(adv)
    scale = (line.x1 - line.x0) / total
    parts: list[Line] = []
    x = line.x0
    cuts = iter(sorted(inside) + [float("inf")])
    cut = next(cuts)
    chars: list[str] = []
    part_x0, start = line.x0, 0
    for n, (ch, a) in enumerate(zip(line.text, adv)):
        mid = x + a * scale / 2
        while mid > cut:  # each part lies on its own side of the border it was cut at
            if chars:
                parts.append(_part(line, chars, part_x0, min(x, cut - 1), start))
            chars, part_x0 = [], max(x, cut + 1)
            cut = next(cuts)
        if not chars:
            start = n
        chars.append(ch)
        x += a * scale
    if chars:
        parts.append(_part(line, chars, part_x0, line.x1, start))
    return [p for p in parts if p.text]


def _part(line: Line, chars: list[str], x0: float, x1: float, start: int) -> Line:
    """The part of a line that holds `chars` (from its character `start` on), between x0 and x1;
    the line's word-list note kept on it where it holds a character the note put there, with the
    same characters of the text as decoded."""
    fix = line.fix if line.fix is not None and any(f"→{ch} in" in line.fix for ch in chars) else None
    raw = None
    if fix is not None and line.raw is not None and len(line.raw) == len(line.text):
        raw = line.raw[start:start + len(chars)].strip()
    return Line("".join(chars).strip(), line.conf, x0, line.y0, x1, line.y1, fix, raw)


def split_read(line: Line, borders: list[float], clean: np.ndarray, others: Sequence[Line] = ()) -> list[Line]:
    """A recognised line that crosses drawn borders, each part recognised again from its own crop
    (the text of two cells the detector took as one line): the recogniser, reading across the gap
    an erased border leaves, may put a mark there ("提高工，本年度") and the share of characters by
    estimated widths can be a character off. A part without ink, or that reads as nothing, keeps the
    share `_split` gives it. A part that lies within the box of another of the page's lines
    (`others`) is that line's text, not this one's: a box grown over a border by a few pixels takes
    in a sliver of the next cell's first glyph or the last cell's last, which read alone is a
    character ("部门" + "经", the "经" of the next cell's "经区…"; "报" from the "服" before a border).
    Of two lines each holding the other's whole box (one line detected twice) the first in `others`
    is read: each would leave its parts to the other, and the text would be lost."""
    shared = _split(line, borders)
    inside = sorted(b for b in borders if line.x0 + 2 < b < line.x1 - 2)
    if not inside:
        return shared
    at = next((k for k, o in enumerate(others) if o is line), len(others))
    takers = [o for k, o in enumerate(others)
              if k < at or not (_covers(o, line, line.x0, line.x1) and _covers(line, o, o.x0, o.x1))]
    edges = [line.x0] + inside + [line.x1]
    out = []
    for a, b in zip(edges, edges[1:]):
        if any(_covers(o, line, a, b) for o in takers):
            continue
        part = _read_strip(clean, line, a, b)
        if part is None:
            out.extend(p for p in shared if a - 2 <= (p.x0 + p.x1) / 2 <= b + 2)
        else:
            out.append(part)
    return out


def _covers(other: Line, line: Line, a: float, b: float) -> bool:
    """Whether `other`, another recognised line level with `line`, holds the whole of `line`'s part
    between x = a and b (a pixel or two over either side allowed: boxes are the ink grown)."""
    if other is line or not other.y0 < line.cy < other.y1:
        return False
    return other.x0 - 2 <= max(a, line.x0) and min(b, line.x1) <= other.x1 + 2


def _read_strip(clean: np.ndarray, line: Line, a: float, b: float) -> Line | None:
    """The text of `line` between x = a and b (a drawn border at either end), read on its own."""
    h = line.height
    ya, yb = max(0, int(line.y0)), min(clean.shape[0], int(round(line.y1)) + 1)
    xa, xb = max(0, int(a) + 3), min(clean.shape[1], int(round(b)) - 2)
    if xb - xa < 4 or yb - ya < 4:
        return None
    crop = clean[ya:yb, xa:xb]
    ink = ink_mask(crop).any(axis=0)
    if ink.sum() < 2:
        return None
    cols = np.nonzero(ink)[0]
    gx0, gx1 = xa + int(cols[0]), xa + int(cols[-1]) + 1
    m = max(2, int(h * 0.3))
    result = run(clean[ya:yb, max(0, gx0 - m):min(clean.shape[1], gx1 + m)], detect=False)
    if not result or not result[0][1].strip():
        return None
    part = _decoded(result[0][1], result[0][2], float(gx0), line.y0, float(gx1), line.y1)
    return quotes(colons(part, clean), clean)


def second_crop(clean: np.ndarray, line: Line) -> np.ndarray | None:
    """The crop a recognised line is read from a second time (`second_reads`): its box with a margin
    of a quarter of its height, not the crop it was first read from; a copy, so that the page's
    image is not kept with it. None where it is too small to read."""
    m = max(2, int(line.height * 0.25))
    ya, yb = max(0, int(line.y0) - m), min(clean.shape[0], int(round(line.y1)) + m)
    xa, xb = max(0, int(line.x0) - m), min(clean.shape[1], int(round(line.x1)) + m)
    return None if yb - ya < 6 or xb - xa < 6 else clean[ya:yb, xa:xb].copy()


def second_reads(crops: list[np.ndarray | None]) -> list[str | None]:
    """Each line's `second_crop` recognised alone (recognition only): a number no rule can check (a
    target, an actual) is trusted only when both reads agree (`pipeline.facts.ocr_trust`); only such
    numbers are read so (`page.attach`). None where there is no crop. A page read by its ruling
    (`by_cells`) reads them as it read the lines (`recognise_crops`), else one at a time through the
    engine, as the detector's lines were read. The crop at its own scale: at 1.5× or 2× PP-OCRv4
    lost the "≥" of "≥10次" (a right form unverified); at 1× its 58 reads of a page agree."""
    if by_cells():
        read = iter(recognise_crops([c for c in crops if c is not None]))
        return [None if c is None else next(read)[0].strip() for c in crops]
    out: list[str | None] = []
    for crop in crops:
        result = None if crop is None else run(crop, detect=False)
        out.append(None if crop is None else result[0][1].strip() if result else "")
    return out


_INK_AREA = 8  # pixels: a blot smaller than this is noise, not a glyph
_GLYPH_PX = 12  # pixels: as tall as a digit at 150 dpi (a speck is a few)
SHAPE_CONFIDENCE = 0.5  # a dash read from its shape, not by the recogniser


def _dash(width: float, height: float) -> bool:
    """Whether ink alone in a cell, this wide and tall (pixels), is one thin level stroke: the dash
    a form prints for "not applicable", too faint for the recogniser alone (or read as "1" when
    its crop is stretched to a line's height); read by its shape, with a low confidence that says so."""
    return height <= 4 and width >= 3 * height


_DOTS_MOST = 12  # a placeholder prints "……" (6) or "…" (3): a longer row of dots is a dotted rule, no text
_SPECK = 0.5  # of the largest dot-sized blot's area: a blot under it is a speck beside the dots


def _dot_row(blots: list[np.ndarray], height: float) -> list[np.ndarray]:
    """The blots, if they are a row of dots (a placeholder's "……", an ellipsis): three or more, each
    too small for a glyph (under a fifth of the cell's `height`, pixels, or under half a digit's height
    at 150 dpi: 3 px there, 6 px at 300), alike in size, their middles on one level and evenly spaced.
    Specks of noise are each a speck and are dropped; dots set in a row like this are printed. A speck
    is under `_SPECK` of the largest blot small enough for a dot: the specks a scan's noise or a seal's
    faint outline leave in the cell beside the dots (1–4 px against dots of 7–8 at 150 dpi, 30–32 at
    300) would otherwise make the dots no row."""
    small = max(_GLYPH_PX / 2, 0.2 * height)
    dotlike = [b for b in blots if b[2] < small and b[3] < small]
    if dotlike and len(dotlike) < len(blots):  # a glyph beside them: text, not a row of dots
        return []
    if dotlike:
        largest = max(b[4] for b in dotlike)
        blots = [b for b in dotlike if b[4] >= _SPECK * largest]
    if not 3 <= len(blots) <= _DOTS_MOST:
        return []
    x, y, w, h = (np.array([b[k] for b in blots], dtype=float) for k in range(4))
    if w.max() >= small or h.max() >= small or w.max() > 2 * w.min() or h.max() > 2 * h.min() \
            or (w > 2 * h).any() or (h > 2 * w).any():  # dots, not dashes or strokes
        return []
    middle = y + h / 2
    if middle.max() - middle.min() > h.max():
        return []
    gaps = np.diff(np.sort(x + w / 2))
    if gaps.min() < w.max() or gaps.max() > 1.5 * gaps.min():
        return []
    return blots


def _dotted(blots: list[np.ndarray], xa: int, ya: int, height: float) -> Line | None:
    """The line a row of dots among a cell's `blots` makes (offset by xa, ya), counted, not
    recognised: the recogniser reads six dots ".·....", "·..." or nothing at all."""
    if not (dots := _dot_row(blots, height)):
        return None
    x0, y0 = min(b[0] for b in dots), min(b[1] for b in dots)
    x1, y1 = max(b[0] + b[2] for b in dots), max(b[1] + b[3] for b in dots)
    text, _ = correct("." * len(dots))  # in threes, the ellipses Chinese text prints
    return Line(text, SHAPE_CONFIDENCE, float(xa + x0), float(ya + y0), float(xa + x1), float(ya + y1))


def dot_row(clean: np.ndarray, y0: float, y1: float, x0: float, x1: float) -> Line | None:
    """The row of dots a cell region holds, if its ink is one (`_dot_row`), counted from the ink: where
    the recogniser read a cell as dots, how many there are is the ink's to say, not its reading."""
    import cv2

    pad = 4
    ya, yb, xa, xb = int(y0) + pad, int(y1) - pad, int(x0) + pad, int(x1) - pad
    if yb - ya < 8 or xb - xa < 8:
        return None
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink_mask(clean[ya:yb, xa:xb]).astype(np.uint8))
    return _dotted([stats[k] for k in range(1, count)], xa, ya, yb - ya)


def reread(clean: np.ndarray, y0: float, y1: float, x0: float, x1: float) -> Line | None:
    """The text of one cell region recognised on its own, where it holds ink (specks aside)."""
    import cv2

    pad = 4
    ya, yb, xa, xb = int(y0) + pad, int(y1) - pad, int(x0) + pad, int(x1) - pad
    if yb - ya < 8 or xb - xa < 8:
        return None
    crop = clean[ya:yb, xa:xb]
    bw = ink_mask(crop).astype(np.uint8)  # ink against this cell's own paper
    count, _, stats, _ = cv2.connectedComponentsWithStats(bw)
    blots = [stats[k] for k in range(1, count)]
    keep = [b for b in blots if b[4] >= _INK_AREA and (b[2] >= 8 or b[3] >= 10)]
    if dots := _dotted(blots, xa, ya, yb - ya):
        return dots
    if not keep:
        # a faint glyph the threshold breaks into pieces (a "5" in a light print): its pieces,
        # grown by a pixel, join into one blob a glyph tall; specks stay apart and small
        count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(bw, np.ones((3, 3), np.uint8)))
        keep = [stats[k] for k in range(1, count) if stats[k][4] >= 4 * _INK_AREA and stats[k][3] >= _GLYPH_PX]
    if not keep:
        return None
    if len(keep) == 1 and _dash(keep[0][2], keep[0][3]):
        x, y, w, h, _ = keep[0]
        return Line(DASH, SHAPE_CONFIDENCE, float(xa + x), float(ya + y), float(xa + x + w), float(ya + y + h))
    bx0 = min(s[0] for s in keep)
    by0 = min(s[1] for s in keep)
    bx1 = max(s[0] + s[2] for s in keep)
    by1 = max(s[1] + s[3] for s in keep)
    m = 6
    gx0, gy0 = max(0, xa + bx0 - m), max(0, ya + by0 - m)
    gx1, gy1 = min(clean.shape[1], xa + bx1 + m), min(clean.shape[0], ya + by1 + m)
    result = run(clean[gy0:gy1, gx0:gx1], detect=False)
    if not result:
        return None
    line = _decoded(result[0][1], result[0][2], float(xa + bx0), float(ya + by0), float(xa + bx1), float(ya + by1))
    return line if line.text else None


_STOP_PEAK = 90  # grey levels below the line's paper: a "。" is a thin ring, its darkest pixel 46–76
# (24 full stops ending a line on the corpus scans, 150 dpi), the three wrapped alone 44–56; most
# specks of noise are solid dots, darker (91–205 for 178 of the 242 of a "。"'s size in the cells)
_STOP_SIZE = (0.15, 0.55)  # ems, width and height: a "。" 0.15–0.42 × 0.15–0.53 (the same 24)
_STOP_LINE = 8  # characters: the last line is a paragraph's, not a short value
FULL_STOP = "。"


def full_stop(clean: np.ndarray, parts: list[Line], right: float, bottom: float) -> Line | None:
    """A "。" that wrapped alone onto the next line of a paragraph, which the recogniser reads
    nothing in (a lone ring of a few pixels): the cell's last line runs to its right edge (`right`,
    pixels: the text wrapped there), ends in an ideograph, and the band of the next line holds one
    mark only, where the cell's lines start, the size of a "。" and as light as one (most specks of
    noise are darker; the lighter ones, mostly a seal's outline, do not sit alone where a line
    starts). The ring's hole is not looked for (a pixel or two at 150 dpi): a light dot of that size
    in that place reads as "。" too, recorded as read from its shape."""
    if not glyph_rule("full_stop"):
        return None
    import cv2

    if not parts:
        return None
    last = max(parts, key=lambda p: p.cy)
    if len(last.text) < _STOP_LINE or not "\u4e00" <= last.text[-1] <= "\u9fff":
        return None
    em = (last.x1 - last.x0) / sum(_advances(last.text))
    if right - last.x1 > 1.5 * em:
        return None  # the line ends short of the edge: nothing wrapped
    h = last.height
    ya, yb = int(round(last.y1)), min(int(bottom), int(round(last.y1 + 1.2 * h)))
    xa, xb = max(0, int(min(p.x0 for p in parts) - 0.6 * em)), int(right)  # what is left of a border aside
    if yb - ya < 0.5 * h or xb <= xa:
        return None
    band = clean[ya:yb, xa:xb]
    paper = float(np.median(clean[max(0, int(last.y0)):ya, int(last.x0):int(last.x1) + 1]))
    count, _, stats, _ = cv2.connectedComponentsWithStats((band < paper - 25).astype(np.uint8))
    marks = [stats[k] for k in range(1, count) if stats[k][4] >= 3]
    if len(marks) != 1:
        return None
    x, y, w, ht, _ = marks[0]
    gx, gy = xa + x, ya + y
    peak = float(paper - band[y:y + ht, x:x + w].min())
    lo, hi = _STOP_SIZE
    if abs(gx - min(p.x0 for p in parts)) > 0.5 * em or not (lo <= w / em <= hi and lo <= ht / em <= hi) or peak > _STOP_PEAK:
        return None
    return Line(FULL_STOP, SHAPE_CONFIDENCE, float(gx), float(gy), float(gx + w), float(gy + ht))


# -- recognition only, by the ruling: each cell's lines found by their ink, then recognised -------------

_PAD = (0.29, 0.31, 0.27, 0.36)  # the box the detector gives a line, around its ink: top, bottom,
# left, right, times the ink's height (medians over 139 lines of a corpus scan, 150 dpi); the glyph
# rules measure ems on such boxes, and the recogniser reads such crops
_LINE_EMS = 1.35  # ink within this many ems from a line's top is the same printed line (二, 三 and a
# bracket's tail included); the next line of a paragraph starts further down. An "em" here is the
# height of an ideograph's ink (`_em`), about 0.7 of the type's size
_GAP_EMS = 2.5  # paper this wide between glyphs parts a line into two pieces, as the detector parts
# them; a "、" or "，" between two glyphs leaves about 1.6 (at 1.5 the detector's one line
# "…以上、主要…" was parted there, and the "、" lost)
_MARK_GAP_EMS = 0.8  # a mark smaller than a glyph joins a line only this close after its glyphs
# ("，", "。", "”", the "." of a number sit within an em; the speck an em after the title of a corpus
# scan is no ".")
_MARK_LEAD_EMS = 1.5  # and this close before them: an opening "“" may stand 0.8-1.5 from its glyph
_BATCH = 1  # lines recognised at once. Batches are slower on this CPU (one onnxruntime thread):
# the 144 lines of a corpus page took 9.4 / 7.9 s of CPU in batches of 8 (ordered by width, each
# padded to its widest), 4.8 in pairs, 3.8-3.9 one at a time; the same texts every time
_MIN_WIDTH = 320  # pixels at the recogniser's 48 of height that a short line is padded to, as the
# engine pads it. Padded to 160 the 144 lines of a clean page read the same in 2.5 s instead of 3.9,
# but under a seal "≥5批", "≥50个", "≥200件" lost their "≥" (read ">"): the padding is context


def _glyph_blots(crop: np.ndarray, grown: bool = False) -> np.ndarray:
    """Connected blots of ink in a crop, against its own paper (as `reread` sees ink), as rows of
    (x, y, w, h, area); specks of a pixel or two left out. `grown`: each blot grown by a pixel
    first, so that a faint glyph the threshold breaks into pieces is one blot again."""
    import cv2

    bw = ink_mask(crop).astype(np.uint8)
    if grown:
        bw = cv2.dilate(bw, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(bw)
    return stats[1:][stats[1:, 4] >= 3] if count > 1 else np.zeros((0, 5), np.int32)


def _glyphs(blots: np.ndarray) -> np.ndarray:
    """Which blots are a glyph or a glyph's stroke, not a mark or a speck: as `reread` keeps ink."""
    return (blots[:, 4] >= _INK_AREA) & ((blots[:, 2] >= 8) | (blots[:, 3] >= 10))


def _em(blots: list[np.ndarray]) -> float:
    """The printed text's em in pixels: the height most of a page's tall glyphs reach (the 90th
    percentile of its glyph blots; most are a whole ideograph's, a digit is shorter)."""
    heights = np.concatenate([b[_glyphs(b), 3] for b in blots] or [np.zeros(0)])
    return float(np.percentile(heights, 90)) if len(heights) else 20.0


def ink_lines(blots: np.ndarray, em: float) -> list[tuple[int, int, int, int]]:
    """The printed lines of text in a crop by its ink alone (no detector): glyph blots grouped top
    to bottom into lines no taller than `_LINE_EMS` ems, each parted where its paper runs
    `_GAP_EMS` ems wide, as boxes (x0, y0, x1, y1) of their ink in the crop. Marks smaller than a
    glyph ("。", "，", ".", "“") join the line they sit in, or the end they are near (`_MARK_GAP_EMS`
    after it, `_MARK_LEAD_EMS` before it), and a
    lone one starts none (a "。" wrapped alone is `full_stop`'s)."""
    big = blots[_glyphs(blots)]
    bands: list[list[int]] = []
    for x, y, w, h, _ in sorted(big.tolist(), key=lambda b: b[1]):
        if bands and y + h - bands[-1][0] <= _LINE_EMS * em or bands and y < bands[-1][1] - 0.3 * em:
            bands[-1][1] = max(bands[-1][1], y + h)
        else:
            bands.append([y, y + h])
    out = []
    for top, bottom in bands:
        inside = blots[(blots[:, 1] + blots[:, 3] > top) & (blots[:, 1] < bottom)]
        glyph = _glyphs(inside)
        pieces: list[list[int]] = []
        for x, y, w, h, _ in sorted(inside[glyph].tolist()):  # glyphs left to right
            if pieces and x - pieces[-1][2] <= _GAP_EMS * em:
                p = pieces[-1]
                p[1], p[2], p[3] = min(p[1], y), max(p[2], x + w), max(p[3], y + h)
            else:
                pieces.append([x, y, x + w, y + h])
        for x, y, w, h, _ in inside[~glyph].tolist():  # a mark joins the piece it sits in or beside
            for p in pieces:
                if p[0] - _MARK_LEAD_EMS * em <= x + w and x <= p[2] + _MARK_GAP_EMS * em:
                    p[0], p[1], p[2], p[3] = min(p[0], x), min(p[1], y), max(p[2], x + w), max(p[3], y + h)
                    break
        out.extend(tuple(p) for p in pieces)
    return out


def recognise_crops(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence) of each crop, each one line: recognition only (the engine's recogniser,
    as `run(detect=False)` calls it, without its resizing), `_BATCH` lines at a time, a short line
    padded to `_MIN_WIDTH`."""
    import cv2

    if not crops:
        return []
    rec = engine().text_rec
    before = rec.rec_batch_num, rec.rec_image_shape
    width = setting("JIXIAO_OCR_MIN_WIDTH", int, _MIN_WIDTH, "a whole number of pixels")
    rec.rec_batch_num, rec.rec_image_shape = _BATCH, [3, 48, width]
    _fixes().clear()
    try:
        result, _ = rec([cv2.cvtColor(np.ascontiguousarray(c), cv2.COLOR_GRAY2BGR) for c in crops])
    finally:
        rec.rec_batch_num, rec.rec_image_shape = before
    return [(text, float(conf)) for text, conf in result]


def read_regions(clean: np.ndarray, regions: list[tuple[float, float, float, float]]) -> list[Line]:
    """Every line of text inside the given regions (top, bottom, left, right in pixels: the cells of
    the ruled tables, and the page's bands outside them), found by its ink and recognised without a
    detector (`recognise_crops`), with the glyph rules `read_lines` applies. The boxes are the detector's
    (the ink grown by `_PAD`), so that what is measured on them reads as on a detected line."""
    inset = 4  # pixels inside a cell's borders: what the erased ruling leaves
    crops = []
    for top, bottom, left, right in regions:
        ya, yb = max(0, int(top) + inset), min(clean.shape[0], int(bottom) - inset)
        xa, xb = max(0, int(left) + inset), min(clean.shape[1], int(right) - inset)
        if yb - ya >= 8 and xb - xa >= 8:
            crops.append((ya, xa, xb, _glyph_blots(clean[ya:yb, xa:xb]), clean[ya:yb, xa:xb]))
    em = _em([b for _, _, _, b, _ in crops])
    boxes, sides, lines = [], [], []
    for ya, xa, xb, blots, crop in crops:
        found = ink_lines(blots, em)
        if not found:  # a faint glyph in pieces (a "6" under a seal): its pieces grown into one
            grown = _glyph_blots(crop, grown=True)
            found = ink_lines(grown[(grown[:, 4] >= 4 * _INK_AREA) & (grown[:, 3] >= 0.6 * em)], em)
        for x0, y0, x1, y1 in found:
            if len(found) == 1 and _dash(x1 - x0, y1 - y0):
                lines.append(Line(DASH, SHAPE_CONFIDENCE, float(xa + x0), float(ya + y0), float(xa + x1), float(ya + y1)))
                continue
            h = max(y1 - y0, 0.5 * em)  # a line of low marks (…, ——) is padded as a line of text
            t, b, l, r = (p * h for p in _PAD)
            boxes.append((max(0.0, xa + x0 - l), max(0.0, ya + y0 - t),
                          min(clean.shape[1] - 1.0, xa + x1 + r), min(clean.shape[0] - 1.0, ya + y1 + b)))
            sides.append((float(xa), float(xb)))
    read = recognise_crops([clean[int(y0):int(round(y1)) + 1, int(x0):int(round(x1)) + 1] for x0, y0, x1, y1 in boxes])
    for (x0, y0, x1, y1), (a, b), (text, conf) in zip(boxes, sides, read):
        line = _decoded(text, conf, max(x0, a), y0, min(x1, b), y1)
        if line.text:
            # the line is in its region by construction: its box is kept inside the region's borders,
            # so that a box grown over a border is not taken for a line across two cells (`split_read`)
            lines.append(measured(line, clean))
    return lines


def by_cells() -> bool:
    """Whether a page is read cell by cell from its ruling ($JIXIAO_OCR_READ=cells) rather than by
    the detector over the whole page (`page`, the default)."""
    return choice("JIXIAO_OCR_READ", ("page", "cells")) == "cells"
