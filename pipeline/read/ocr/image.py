"""A scanned page → its image ready to read: rasterised, the seal unmixed, deskewed.

The first step of reading a scan (`page.read_page`): the page is rasterised at the scan's own
resolution, a red seal is taken out of the print by colour unmixing, and the page is turned back
by the angle of its ruled lines. What comes out is grey print on white, which `ruling` finds the
table's lines in and `recognise` reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

MIN_DPI, MAX_DPI = 150, 300  # a scan is read at its own resolution, within these


def render(path: str | Path, page_no: int) -> tuple[np.ndarray, float, float]:
    """Page `page_no` (1-based) rasterised at the scan's own resolution: its pixels, its height in
    points and the pixels per point (for `page` to give every box back in PDF points)."""
    doc = pdfium.PdfDocument(str(path))
    try:
        page = doc[page_no - 1]
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
    paper_r, paper_gb = float(np.percentile(r, 90)), float(np.percentile(gb, 90))
    d_r = -np.log(np.maximum(r, 1.0) / paper_r)
    d_gb = -np.log(np.maximum(gb, 1.0) / paper_gb)
    plain = reddish & (d_gb > 0.3) & (r > gb + 2 * _RED)
    kappa = float(np.median(d_r[plain] / d_gb[plain])) if np.count_nonzero(plain) > 100 else 0.2
    kappa = min(max(kappa, 0.0), 0.8)
    seal = np.maximum((d_gb - d_r) / (1.0 - kappa), 0.0)
    printed = np.maximum(d_r - kappa * seal, 0.0)
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
