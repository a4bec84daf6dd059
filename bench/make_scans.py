"""Scans of our own, for measuring OCR on pages it was never tuned on (issue 22).

    .venv/bin/python bench/make_scans.py OUT [--seed 22] [--count 16] [--perspective 0.012] [--turn 1.5]

Takes `--count` text PDFs of tests/fixtures/corpus/pdf/xlsx/ whose forms are not among the fixture
scans (tests/fixtures/corpus/pdf/scan*/), chosen by the seed, and makes each a scan as a scanner or a
phone would: rendered at 150–300 dpi, turned up to ±1.5°, a slight perspective, uneven light, noise,
JPEG artefacts, half of them with a red seal over the form; each page's image wrapped into a PDF
(PIL) with no text layer. Deterministic from the seed. They are split in two halves, written to
OUT/tune/ and OUT/held/ as <code>.made-scan.pdf (truth: tests/fixtures/corpus/truth/<code>.json):
rules are tuned on `tune`, figures reported on `held` (bench/README.md). Not committed.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "tests" / "fixtures" / "corpus" / "pdf"


def sources(seed: int, count: int) -> list[Path]:
    """`count` text PDFs whose forms the fixture scans do not hold, in the seed's order."""
    fixtures = {p.name.split(".")[0] for p in PDF.glob("scan*/*.pdf")}
    pool = [p for p in sorted((PDF / "xlsx").glob("*.pdf")) if p.name.split(".")[0] not in fixtures]
    return random.Random(seed).sample(pool, min(count, len(pool)))


def scanned(page_rgb: np.ndarray, rng: random.Random, seal: bool, perspective: float = 0.012,
            turn: float = 1.5) -> np.ndarray:
    """One rendered page made to look scanned or photographed."""
    import cv2

    img = page_rgb.astype(np.float32)
    h, w = img.shape[:2]
    if seal:  # a red seal: a ring, an inner ring, a star, stamped (multiplied) over the form
        cx, cy = int(w * rng.uniform(0.45, 0.8)), int(h * rng.uniform(0.2, 0.8))
        r = int(min(w, h) * rng.uniform(0.09, 0.13))
        stamp = np.full_like(img, 255)
        red = (225, 40, 40)
        cv2.circle(stamp, (cx, cy), r, red, max(3, r // 14))
        cv2.circle(stamp, (cx, cy), int(r * 0.8), red, max(1, r // 40))
        star = np.array([(cx + r * 0.3 * np.cos(a) * (1 if k % 2 == 0 else 0.4),
                          cy - r * 0.3 * np.sin(a) * (1 if k % 2 == 0 else 0.4))
                         for k, a in enumerate(np.pi / 2 + np.arange(10) * np.pi / 5)], np.int32)
        cv2.fillPoly(stamp, [star], red)
        img = img * (stamp / 255.0)
    # uneven light: a gradient across the page
    gx = np.linspace(rng.uniform(0.82, 1.0), rng.uniform(0.82, 1.0), w, dtype=np.float32)
    gy = np.linspace(rng.uniform(0.85, 1.0), rng.uniform(0.85, 1.0), h, dtype=np.float32)
    img = img * (gy[:, None] * gx[None, :])[..., None]
    # a slight perspective (a phone held not quite square) and a turn
    d = perspective * min(w, h)  # how far each corner may move, as a share of the page
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[x + rng.uniform(-d, d), y + rng.uniform(-d, d)] for x, y in src])
    m = cv2.getPerspectiveTransform(src, dst)
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-turn, turn), 1.0)
    m = np.vstack([turn, [0, 0, 1]]) @ m
    img = cv2.warpPerspective(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(250, 250, 250))
    # sensor noise, then JPEG
    nprng = np.random.default_rng(rng.randrange(1 << 30))
    img = img + nprng.normal(0, rng.uniform(3, 9), img.shape)
    out = np.clip(img, 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", out[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, rng.randint(35, 75)])
    return cv2.imdecode(jpeg, cv2.IMREAD_COLOR)[..., ::-1]


def make(src: Path, dst: Path, rng: random.Random, perspective: float = 0.012, turn: float = 1.5) -> None:
    """`src` rendered, scanned and wrapped into `dst`, a PDF of images only."""
    import pypdfium2 as pdfium
    from PIL import Image

    dpi = rng.choice((150, 150, 200, 240, 300))
    seal = rng.random() < 0.5
    grey = not seal and rng.random() < 0.7
    doc = pdfium.PdfDocument(str(src))
    pages = []
    for k in range(len(doc)):
        rgb = doc[k].render(scale=dpi / 72).to_numpy()[..., :3].copy()
        image = Image.fromarray(scanned(rgb, rng, seal and k == 0, perspective, turn))
        pages.append(image.convert("L") if grey else image)
    doc.close()
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    dst.write_bytes(buf.getvalue())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--perspective", type=float, default=0.012, help="corner shift, share of the page")
    ap.add_argument("--turn", type=float, default=1.5, help="degrees, at most, either way")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    for i, src in enumerate(sources(args.seed, args.count)):
        half = args.out / ("tune" if i % 2 == 0 else "held")
        half.mkdir(parents=True, exist_ok=True)
        dst = half / f"{src.name.split('.')[0]}.made-scan.pdf"
        make(src, dst, rng, args.perspective, args.turn)
        print(dst, f"{dst.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
