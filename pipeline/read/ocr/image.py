"""A scanned page → its image ready to read: rasterised, the seal unmixed, deskewed, flattened.

The first step of reading a scan (`page.read_page`): the page is rasterised at the scan's own
resolution, a red seal is taken out of the print by colour unmixing, the page is turned back
by the angle of its ruled lines, and the perspective of a photo is taken out (the table's frame
made a rectangle again). What comes out is grey print on white, which `ruling` finds the
table's lines in and `recognise` reads.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from ...errors import choice
from .. import glyphs

MIN_DPI, MAX_DPI = 150, 300  # a scan is read at its own resolution, within these


_PDFIUM = threading.Lock()  # pdfium is not thread-safe, even across documents (pypdfium2's docs)


def render(path: str | Path, page_no: int) -> tuple[np.ndarray, float, float]:
    """Page `page_no` (1-based) rasterised at the scan's own resolution: its pixels, its height in
    points and the pixels per point (for `page` to give every box back in PDF points). One thread
    at a time: pages read at once (`page.pages_at_once`) render in turn, a small share of a page."""
    with _PDFIUM:
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[page_no - 1]
            shown = glyphs.shown_box(page)
            if page.get_bbox() != shown:  # a CropBox wholly off the MediaBox: the MediaBox shown, as
                page.set_cropbox(*shown)  # the text layer's pages are (pdfium would render nothing)
            width_pt, height_pt = page.get_size()
            scale = _scale(page, width_pt)
            rgb = page.render(scale=scale, rev_byteorder=True).to_numpy()
        finally:
            doc.close()
    return rgb, height_pt, scale


def _scale(page: pdfium.PdfPage, width_pt: float) -> float:
    """Pixels per point: the widest image's own resolution, within MIN_DPI..MAX_DPI."""
    dpi = MIN_DPI
    for obj in page.get_objects():
        if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE:
            w, _ = obj.get_px_size()
            x0, _, x1, _ = obj.get_bounds()
            if x1 - x0 > 0.5 * width_pt:
                dpi = max(dpi, round(w / ((x1 - x0) / 72)))
    return min(max(dpi, MIN_DPI), MAX_DPI) / 72


_RED = 40  # red exceeding the mean of green and blue by this much is seal ink
_RED_SHARE = 0.002  # a page with this share of reddish pixels carries a seal


def ink(rgb: np.ndarray) -> np.ndarray:
    """The page as grey print on white, with a red seal taken out by colour unmixing. In optical
    density (−log of the light a pixel reflects) inks add up: grey print absorbs every channel
    alike, the seal mostly green and blue and a fixed share κ of that in red. So per pixel
    seal = (D_gb − D_r) / (1 − κ) and print = D_r − κ·seal, with κ measured on the page's plainly
    red pixels: print under a seal keeps its density and the seal becomes paper. A grey scan (all
    channels equal) is left as it is."""
    if rgb.ndim == 2:
        return np.ascontiguousarray(rgb)
    red = np.ascontiguousarray(rgb[:, :, 0])
    r = rgb[:, :, 0].astype(np.float32)
    gb = (rgb[:, :, 1].astype(np.float32) + rgb[:, :, 2]) / 2
    reddish = r - gb > _RED
    if np.count_nonzero(reddish) < _RED_SHARE * r.size:
        return red
    # paper: the page's 90th percentile of light, never 0 (a page nine tenths black)
    paper_r, paper_gb = max(float(np.percentile(r, 90)), 1.0), max(float(np.percentile(gb, 90)), 1.0)
    d_r = -np.log(np.maximum(r, 1.0) / paper_r)
    d_gb = -np.log(np.maximum(gb, 1.0) / paper_gb)
    plain = reddish & (d_gb > 0.3) & (r > gb + 2 * _RED)
    kappa = float(np.median(d_r[plain] / d_gb[plain])) if np.count_nonzero(plain) > 100 else 0.2
    kappa = min(max(kappa, 0.0), 0.8)
    seal = np.maximum((d_gb - d_r) / (1.0 - kappa), 0.0)
    printed = np.maximum(d_r - kappa * seal, 0.0)
    if choice("JIXIAO_OCR_UNMIX", ("luma", "red")) == "luma" and np.count_nonzero(plain) > 100:
        import cv2

        # Under a broad patch of seal (a filled star) green and blue are nearly black, a few grey levels
        # of noise and JPEG, and the seal measured pixel by pixel from them wipes the print's strokes
        # out with it ("*实际完成值" under a star read "光疏霜", its form refused). There the seal is
        # measured smooth (a 5-px median, which no stroke survives) and taken out of the luma in the
        # luma's share λ of it (measured on the plainly red pixels, as κ). A thin seal stroke (a ring,
        # its lettering), which the median loses, is unmixed pixel by pixel as before. Measured, not
        # derived: bench/README.md "Under a seal's star" ($JIXIAO_OCR_UNMIX=red: pixel by pixel everywhere)
        smooth = cv2.medianBlur(seal.astype(np.float32), 5)
        luma = rgb[:, :, 0] * 0.299 + rgb[:, :, 1].astype(np.float32) * 0.587 + rgb[:, :, 2] * 0.114
        d_y = -np.log(np.maximum(luma, 1.0) / max(float(np.percentile(luma, 90)), 1.0))  # paper: never 0
        lam = float(np.median(d_y[plain] / np.maximum(smooth[plain], 1e-3)))
        broad = smooth > 0.5 * float(np.median(smooth[plain]))
        printed[broad] = np.maximum(d_y[broad] - lam * smooth[broad], 0.0)
    faint = float(os.environ.get("JIXIAO_OCR_GHOST", "0"))
    if faint > 0:
        printed[(seal > 0.15) & (printed < faint)] = 0.0
    return np.ascontiguousarray(np.clip(paper_r * np.exp(-printed), 0, 255).astype(np.uint8))


def deskew(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The page turned back so its ruled lines are level (a sheet lies a little crooked on the
    scanner), and the angle in degrees it was turned by."""
    import cv2

    angle = _skew(grey)
    if abs(angle) > 0.05:
        h, w = grey.shape
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        grey = cv2.warpAffine(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    return grey, angle


def binary(grey: np.ndarray) -> np.ndarray:
    """The page's ink as a mask (an adaptive threshold: a scan's paper is not evenly white), for the
    openings that find its ruled strokes."""
    import cv2

    return cv2.adaptiveThreshold(255 - grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -8)


def _skew(grey: np.ndarray) -> float:
    """Degrees to turn the page by so its ruled lines are level: the median slope of the long
    horizontal strokes (each fitted by a line through its pixels)."""
    import cv2

    bw = binary(grey)
    w = grey.shape[1]
    # short horizontal kernel: a crooked line survives it in pieces, each still long
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 40), 1))
    horiz = cv2.morphologyEx(bw, cv2.MORPH_OPEN, kernel)
    horiz = cv2.dilate(horiz, np.ones((3, 9), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(horiz)
    slopes, weights = [], []
    for k in range(1, count):
        x, y, cw, ch, area = stats[k]
        if cw < w * 0.2 or ch > cw * 0.1:
            continue
        ys, xs = np.nonzero(labels[y:y + ch, x:x + cw] == k)
        if len(xs) < 50:
            continue
        slope = np.polyfit(xs.astype(float), ys.astype(float), 1)[0]
        slopes.append(slope)
        weights.append(cw)
    if not slopes:
        return 0.0
    order = np.argsort(slopes)
    cum = np.cumsum(np.array(weights)[order])
    median = slopes[order[np.searchsorted(cum, cum[-1] / 2)]]
    return float(np.degrees(np.arctan(median)))


_FRAME_H = 0.3  # of the page width: a horizontal stroke this long can be a table's frame
_FRAME_V = 0.15  # of the page height: a vertical one this long
_FLAT_MIN_PX = 1.5  # a corner moved less than this many pixels: the page is flat already
_FLAT_MAX = 0.05  # of the page's size: a corner moved further is no perspective, but a misfit


def flatten(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The page with the perspective of a phone photo taken out (after `deskew`): a sheet not held
    square to the lens prints its ruled lines slanting each its own way, so a column border drifts
    across the table and the ruling splits it in two. The table's frame — the topmost and bottommost
    long horizontal lines and the leftmost and rightmost long vertical ones, each fitted as a
    straight line through its pixels — meets at four corners of what was a rectangle on paper; the
    homography that makes it one again (sides the mean of the opposite sides, centred where the
    frame was) is applied to the whole page. Returns the page and how far, in pixels, the farthest
    corner moved (0 where the frame is not found, or is square already)."""
    import cv2

    h, w = grey.shape
    lines_h = _long_lines(grey, horizontal=True)
    lines_v = _long_lines(grey, horizontal=False)

    def meet(hl: Fit, vl: Fit) -> tuple[float, float]:
        (a, b, *_), (c, d, *_) = hl, vl  # y = a x + b, x = c y + d
        y = (a * d + b) / (1 - a * c)
        return c * y + d, y

    slack = 0.01 * max(h, w)

    def crossed(line: Fit, others: list[Fit], horizontal: bool) -> int:
        """How many lines of the other direction meet this one within both extents: a table's
        frame is crossed by its borders, a page's edge or a stray stroke is not."""
        n = 0
        for other in others:
            x, y = meet(line, other) if horizontal else meet(other, line)
            along, across = (x, y) if horizontal else (y, x)
            if line[2] - slack <= along <= line[3] + slack and other[2] - slack <= across <= other[3] + slack:
                n += 1
        return n

    frame_h = [l for l in lines_h if crossed(l, lines_v, True) >= 2]
    frame_v = [l for l in lines_v if crossed(l, lines_h, False) >= 2]
    if len(frame_h) < 2 or len(frame_v) < 2:
        return grey, 0.0
    # ordered by where they cross the middle of the page
    top, bottom = min(frame_h, key=lambda l: l[0] * w / 2 + l[1]), max(frame_h, key=lambda l: l[0] * w / 2 + l[1])
    left, right = min(frame_v, key=lambda l: l[0] * h / 2 + l[1]), max(frame_v, key=lambda l: l[0] * h / 2 + l[1])

    quad = np.float32([meet(top, left), meet(top, right), meet(bottom, right), meet(bottom, left)])
    tl, tr, br, bl = quad
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    cx, cy = quad.mean(axis=0)
    x0, y0 = cx - width / 2, cy - height / 2
    square = np.float32([[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]])
    moved = float(np.abs(square - quad).max())
    if moved < _FLAT_MIN_PX or moved > _FLAT_MAX * max(h, w) or width < 0.3 * w or height < 0.1 * h:
        return grey, 0.0
    m = cv2.getPerspectiveTransform(quad, square)
    return cv2.warpPerspective(grey, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255), moved


Fit = tuple[float, float, float, float]  # a, b of y = a·x + b (x = a·y + b if vertical), extent from, to


def _long_lines(grey: np.ndarray, horizontal: bool) -> list[Fit]:
    """The page's long ruled lines of one direction, each fitted as a straight line through its
    pixels: y = a·x + b for a horizontal one, x = a·y + b for a vertical one, with the extent of its
    pixels along it. Short kernels keep a
    slanting line in pieces (each still long), which a dilation across joins again."""
    import cv2

    bw = binary(grey)
    h, w = grey.shape
    if not horizontal:
        bw = np.ascontiguousarray(bw.T)
        h, w = w, h
    opened = cv2.morphologyEx(bw, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 40), 1)))
    joined = cv2.dilate(opened, np.ones((3, 9), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined)
    out = []
    least = (_FRAME_H if horizontal else _FRAME_V) * (grey.shape[1] if horizontal else grey.shape[0])
    for k in range(1, count):
        x, y, cw, ch, _ = stats[k]
        if cw < least or ch > max(12, cw * 0.1):
            continue
        ys, xs = np.nonzero((labels[y:y + ch, x:x + cw] == k) & (opened[y:y + ch, x:x + cw] > 0))
        if len(xs) < 50:
            continue
        a, b = np.polyfit(xs + float(x), ys + float(y), 1)
        out.append((float(a), float(b), float(x), float(x + cw)))
    return out
