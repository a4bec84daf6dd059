"""Make pipeline/read/ocr/models/sign_shapes.npz: the prototypes `pipeline.read.ocr.signs` tells a lone
comparison sign by, rendered from fonts.

    python tools/sign_shapes.py [--fonts tune|held|all] [OUT.npz]

Each character of `CHARACTERS` in each font at several pixel sizes, black on white, its ink taken as a
scanned cell's is (grey below 205), its shape by `signs.features`: the signs a form prints (≥ ≤ ≧ ≦ = ═,
the strict ones and the full-width forms) and, so that no other glyph is taken for one, digits,
letters, marks and ideographs a cell holds alone. A font without a character (its .notdef drawn) gives
none; two bars a size runs together into one stroke give no "=" or "═" (that is a dash's shape).

The fonts are Debian's: fonts-noto-cjk, fonts-dejavu-core, fonts-droid-fallback, fonts-liberation,
and fonts-wqy-zenhei, fonts-wqy-microhei, fonts-arphic-uming, fonts-arphic-ukai, fonts-ipafont-gothic,
fonts-ipafont-mincho, fonts-unfonts-core (`apt-get download` them and `dpkg -x` into $FONT_ROOT, no
need to install them: installing fonts changes what pdfium substitutes for PDFs that do not embed
theirs). The committed file is made from the `tune` fonts; the `held` ones are kept to measure on
(bench/README.md "Signs alone in a cell, read from their shape").
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pipeline.read.ocr import signs  # noqa: E402

ROOT = os.environ.get("FONT_ROOT", "/tmp/fonts/x") + "/usr/share/fonts"
SYSTEM = "/usr/share/fonts"
FONTS = {
    "tune": [(f"{SYSTEM}/opentype/noto/NotoSansCJK-Regular.ttc", 2), (f"{ROOT}/truetype/wqy/wqy-zenhei.ttc", 0),
             (f"{ROOT}/truetype/arphic/uming.ttc", 0), (f"{ROOT}/opentype/ipafont-gothic/ipag.ttf", 0),
             (f"{SYSTEM}/truetype/dejavu/DejaVuSans.ttf", 0), (f"{ROOT}/truetype/unfonts-core/UnDotum.ttf", 0)],
    "held": [(f"{SYSTEM}/opentype/noto/NotoSerifCJK-Regular.ttc", 2), (f"{ROOT}/truetype/wqy/wqy-microhei.ttc", 0),
             (f"{ROOT}/truetype/arphic/ukai.ttc", 0), (f"{ROOT}/opentype/ipafont-mincho/ipam.ttf", 0),
             (f"{SYSTEM}/truetype/dejavu/DejaVuSerif.ttf", 0), (f"{ROOT}/truetype/unfonts-core/UnBatang.ttf", 0),
             (f"{SYSTEM}/truetype/droid/DroidSansFallbackFull.ttf", 0),
             (f"{SYSTEM}/truetype/liberation/LiberationSans-Regular.ttf", 0)],
}
FULL_WIDTH = {"＝": "=", "＞": ">", "＜": "<"}  # told as their half-width sign
OTHERS = ("0123456789%/—-_~+×÷·.,:;!?()（）《》〈〉[]VNMWAZLKXYvwnmxz"
          "人八几个是否无年月日次元件台份批所芯二三工士土上下正止目口米一丿乙乂之文七十千江")
CHARACTERS = list(signs.SIGNS) + list(FULL_WIDTH) + list(OTHERS)
SIZES = (10, 12, 14, 17, 20, 24, 32)  # pixels of the font size: a 9-point sign at 150 dpi is ~10 px tall
INK = 205  # grey below this is ink, as a scanned cell's is: below its paper's median less 50


def render(font: tuple[str, int], ch: str, size: int) -> np.ndarray | None:
    """`ch` drawn in `font` at `size` pixels: its ink, or None when nothing is drawn."""
    face = ImageFont.truetype(font[0], size, index=font[1])
    im = Image.new("L", (size * 4, size * 3), 255)
    ImageDraw.Draw(im).text((size, size // 2), ch, font=face, fill=0)
    ink = np.asarray(im) < INK
    return ink if ink.any() else None


def prototypes(fonts: list[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    feats, labels = [], []
    for font in fonts:
        notdef = [t for t in (render(font, "\ue000", 32), render(font, "\U0010fffd", 32)) if t is not None]
        for ch in CHARACTERS:
            big = render(font, ch, 32)
            if big is None or any(t.shape == big.shape and (t == big).all() for t in notdef):
                continue
            for size in SIZES:
                ink = render(font, ch, size)
                if ink is None or (FULL_WIDTH.get(ch, ch) in signs.BARS and signs.strokes(ink) != 2):
                    continue
                feats.append(signs.features(ink))
                labels.append(FULL_WIDTH.get(ch, ch))
    return np.array(feats, dtype=np.float16), np.array(labels)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", type=Path, default=signs.PROTOTYPES)
    ap.add_argument("--fonts", choices=("tune", "held", "all"), default="tune")
    args = ap.parse_args()
    fonts = FONTS["tune"] + FONTS["held"] if args.fonts == "all" else FONTS[args.fonts]
    feats, labels = prototypes(fonts)
    np.savez_compressed(args.out, features=feats, labels=labels)
    print(f"{args.out}: {len(labels)} prototypes from {len(fonts)} fonts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
