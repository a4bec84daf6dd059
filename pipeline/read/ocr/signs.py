"""A comparison sign standing alone in a cell, read from its shape.

四川's and 云南's forms print a 指标性质 column of lone signs (≥ ≤ =, or ≧ ≦ ═). PP-OCRv4 has no ≧ ≦ ═ in
its alphabet and misreads a sign alone, without context, at any resolution ("≥" → "V", "≧" → "=",
"═" → "—"), so every such form stayed unverified (`facts.ocr_trust.unreadable_signs`). A sign is a few
strokes whose arrangement tells it: a chevron's direction, one bar or two, how wide. Here the ink of a
cell holding one short glyph is compared with prototypes of those shapes rendered from many fonts
(`tools/sign_shapes.py` writes them, with glyphs that are no sign beside them: digits, letters, marks,
ideographs), nearest first. A sign is told only when its prototype is near and every glyph of another
meaning is clearly farther, or where the recogniser read a chevron pointing the same way; anything else
is left to the recogniser.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from ...facts.targets import SIGN_SETS
from ...facts.targets import SIGNS as MEANING
from .recognise import SHAPE_CONFIDENCE, Line, ink_mask

SIDE = 16  # the glyph's ink, stretched to SIDE × SIDE
SIGNS = ("≥", "≤", "≧", "≦", "=", "═", ">", "<")  # the prototypes' signs; every other one is "no sign"
TOLD = tuple(s for signs in SIGN_SETS for s in signs)  # what forms print alone (no strict sign: ocr_trust)
# what the recogniser reads a lone chevron sign as, by its meaning: "≥" read ">", "》", "〉"
_CHEVRONS = {"≥": (">", "＞", "》", "〉", "≥", "≧"), "≤": ("<", "＜", "《", "〈", "≤", "≦")}
BARS = ("=", "═")  # two level strokes apart, and nothing else
PROTOTYPES = Path(__file__).parent / "models" / "sign_shapes.npz"
NOTE = "sign read from its shape"  # a cell's correction note: the recogniser's text was not taken
_ASPECT = 0.35  # weight of the log aspect ratio against the bitmap's distance (root mean square, 0..1)
_NEAR = 0.38  # the nearest prototype at most this far
_MARGIN = 1.3  # and the nearest glyph of another meaning this much farther
_AGREED = 0.45  # or at most this far where the recogniser read a chevron pointing the same way
_RIDGE = 0.1  # of the way from the lighter bar to paper: the lighter rows between two bars run together
_SPECK = 3  # pixels: blots smaller than this are noise
_PAD = 3  # pixels inside a cell's ruling left out (what the erased ruling leaves)
_LONE = 2  # characters at most the recogniser read in the cell: a sign is one, misread as one or two


def features(ink: np.ndarray) -> np.ndarray:
    """A glyph's ink (2-D, ink 1, paper 0, at any resolution) as its shape: the ink's box stretched to
    SIDE × SIDE, then the log of the box's aspect ratio (what tells "=" from "═")."""
    import cv2

    ys, xs = np.nonzero(ink > 0.5)
    box = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32)
    h, w = box.shape
    square = cv2.resize(box, (SIDE, SIDE), interpolation=cv2.INTER_AREA if min(h, w) >= SIDE else cv2.INTER_LINEAR)
    return np.concatenate([square.ravel(), [np.log(w / h)]]).astype(np.float32)


def strokes(ink: np.ndarray) -> int:
    """How many separate strokes (8-connected blots) a glyph's ink is."""
    import cv2

    return cv2.connectedComponents((ink > 0.5).astype(np.uint8), connectivity=8)[0] - 1


@lru_cache(maxsize=1)
def _prototypes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The prototypes' features, their characters, and which are signs a form prints alone."""
    data = np.load(PROTOTYPES)
    labels = data["labels"]  # the strict signs' among them: units print "＞" and "＜" (issue 21), so a glyph
    # nearer ">" than "≥" is never told "≥" (left as read: `ocr_trust` flags a strict sign)
    return data["features"].astype(np.float32), labels, np.isin(labels, TOLD)


def distances(shape: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """How far a glyph's `features` are from each prototype's."""
    bitmap = np.sqrt(((prototypes[:, :-1] - shape[:-1]) ** 2).mean(axis=1))
    return bitmap + _ASPECT * np.abs(prototypes[:, -1] - shape[-1])


def tell(ink: np.ndarray, read: str = "") -> str | None:
    """The sign a lone glyph's ink is (one of TOLD), or None when it is another glyph or not clearly
    one sign. Margins are taken against glyphs of another meaning: "=" and "═" (or "≥" and "≧") both
    near says the comparator for sure, the nearer says which was printed (`family` may say better).
    Where the recogniser `read` a chevron pointing the way the nearest sign's does ("≥" read "》"), two
    readers agree on the meaning and no margin is asked, only a nearer prototype than any other glyph's."""
    feats, labels, told = _prototypes()
    shape = features(ink)
    if distances(shape, feats[told]).min() > _AGREED:  # most cells hold a digit: a tenth of the work
        return None
    d = distances(shape, feats)
    nearest = int(np.argmin(d))
    sign = str(labels[nearest])
    if sign not in TOLD or d[nearest] > _AGREED:
        return None
    if sign in BARS and strokes(ink) != 2:  # two bars run together are a dash's one stroke
        return None
    if read.strip() in _CHEVRONS.get(MEANING[sign], ()):
        return sign
    same = np.isin(labels, [s for s in TOLD if MEANING[s] == MEANING[sign]])
    return sign if d[nearest] <= _NEAR and d[~same].min() >= _MARGIN * d[nearest] else None


def lone_ink(crop: np.ndarray) -> np.ndarray | None:
    """The ink of a crop (grey, ruling erased) against its own paper, specks left out; None when it
    holds none (an empty crop too: OpenCV refuses one)."""
    import cv2

    if crop.size == 0:
        return None
    bw = ink_mask(crop).astype(np.uint8)  # as `recognise.reread` sees ink
    count, blots, stats, _ = cv2.connectedComponentsWithStats(bw)
    keep = [k for k in range(1, count) if stats[k, 4] >= _SPECK]
    return bars_apart(crop, np.isin(blots, keep).astype(np.uint8)) if keep else None


def bars_apart(crop: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """A lone flat stroke's ink parted into its two bars where its grey says it is two ("═" scanned,
    its bars run together by blur and JPEG, still with lighter rows between them: across the stroke
    the grey, averaged along it, falls to two minima with a ridge between), else as it is. A dash is
    one bar, its grey alike across (or too thin to tell: then it stays one stroke)."""
    ys, xs = np.nonzero(ink)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    h, w = y1 - y0, x1 - x0
    if h < 3 or w < 2 * h or strokes(ink) != 1:
        return ink
    along = crop[y0:y1, x0 + w // 5:x1 - w // 5].astype(np.float32).mean(axis=1)  # the middle, not the ends
    paper = float(np.median(crop))
    best = None  # (how far the ridge rises toward paper, a, b): the two bars' darkest rows
    for a in range(h):
        for b in range(a + 2, h):
            lighter = max(along[a], along[b])
            rise = (along[a + 1:b].max() - lighter) / max(paper - lighter, 1.0)
            if best is None or rise > best[0]:
                best = (rise, a, b)
    if best is None or best[0] < _RIDGE:
        return ink
    _, a, b = best
    gap = (max(along[a], along[b]) + along[a + 1:b].max()) / 2  # rows lighter than this part the bars
    parted = ink.copy()
    parted[y0 + a + 1 + np.flatnonzero(along[a + 1:b] > gap)] = 0
    return parted if strokes(parted) == 2 else ink


def _inside(crop: np.ndarray) -> tuple[np.ndarray, int]:
    """A cell's crop without the pixels along its ruling (what erasing it leaves), and how many."""
    pad = _PAD if min(crop.shape) > 2 * _PAD + 4 else 0
    return crop[pad:crop.shape[0] - pad, pad:crop.shape[1] - pad], pad


def read(crop: np.ndarray, text: str) -> str | None:
    """The sign a cell holds alone, from its `crop`, where the recogniser read it as `text` (a sign
    alone is read as one character or two, "≧" → "NI", or as nothing); None when it holds no lone sign."""
    if len(text.strip()) > _LONE:
        return None
    ink = lone_ink(_inside(crop)[0])
    return tell(ink, text) if ink is not None else None


def unread(clean: np.ndarray, y0: float, y1: float, x0: float, x1: float) -> Line | None:
    """A lone sign in a cell region (pixels) where the recogniser read nothing at all, as a Line over
    its ink with the low confidence of a shape read; None when the region holds no lone sign."""
    pixels = clean[int(y0):int(y1), int(x0):int(x1)]
    ink = lone_ink(_inside(pixels)[0])
    sign = tell(ink) if ink is not None else None
    if sign is None:
        return None
    a, b, c, d = ink_box(pixels)
    return Line(sign, SHAPE_CONFIDENCE, int(x0) + a, int(y0) + b, int(x0) + c, int(y0) + d)


def ink_box(cell: np.ndarray) -> tuple[float, float, float, float]:
    """The box (x0, y0, x1, y1, pixels of the cell) of the lone ink a cell holds inside its ruling."""
    inner, pad = _inside(cell)
    ys, xs = np.nonzero(lone_ink(inner))
    return pad + float(xs.min()), pad + float(ys.min()), pad + float(xs.max() + 1), pad + float(ys.max() + 1)


def like(crop: np.ndarray, text: str, told: list[tuple[np.ndarray, str]]) -> str | None:
    """The sign a cell of a column holds alone where its shape alone did not tell it (`read`), by the
    signs told in the same column (`told`: their cells' crops and signs): printed in one font at one
    size and scanned alike, the same sign is nearer its neighbour than any prototype is. Only a glyph
    whose nearest prototype is a sign of that meaning, nearer a told one of them than `_NEAR` and
    `_MARGIN` times nearer than any told sign of another meaning; None otherwise."""
    if len(text.strip()) > _LONE or not told:
        return None
    ink = lone_ink(_inside(crop)[0])
    if ink is None:
        return None
    feats, labels, _ = _prototypes()
    shape = features(ink)
    d = distances(shape, feats)
    nearest = str(labels[int(np.argmin(d))])
    if nearest not in TOLD or d.min() > _AGREED or (nearest in BARS and strokes(ink) != 2):
        return None
    inks = [lone_ink(_inside(c)[0]) for c, _ in told]
    near = distances(shape, np.stack([features(i) for i in inks if i is not None]))
    signs = [s for i, (_, s) in zip(inks, told) if i is not None]
    k = int(np.argmin(near))
    other = [e for e, s in zip(near, signs) if MEANING[s] != MEANING[signs[k]]]
    if MEANING[signs[k]] != MEANING[nearest] or near[k] > _NEAR or (other and min(other) < _MARGIN * near[k]):
        return None
    return signs[k]


def family(told: list[str]) -> list[str]:
    """The signs told in one column, with its two-bar signs printed as the column's others are: a
    form prints its signs from one set, ≥ ≤ = (四川, the national form) or ≧ ≦ ═ (云南), and a lone
    "=" and "═" differ only by width, which fonts draw variously; the chevrons' bars (one or two)
    tell the set. Unchanged when the column's chevrons are of both sets, or none."""
    sets = {n for s in told if s not in BARS for n, signs in enumerate(SIGN_SETS) if s in signs}
    if len(sets) != 1:
        return told
    (bars,) = (s for s in SIGN_SETS[sets.pop()] if s in BARS)
    return [bars if s in BARS else s for s in told]
