"""The variants printed in embedded TrueType fonts, at random geometry: a look never tuned on.

tests/forms/_looks.py draws the variant truths in STSong-Light, a CID font the PDF does not embed (pdfium
reads it with the machine's font). Here the same drawing embeds subsets of three fonts, as an office
suite printing with font substitution does: ideographs in Droid Sans Fallback, ASCII in Helvetica,
the signs (≥ ≤ “ ” □ ☑ ×) in DejaVu Sans; column widths, orientation, size, padding and brackets
drawn at random from the test looks (seeded). Each PDF is read by `extract` and compared field for
field with its truth.

    .venv/bin/python bench/font_looks.py OUT [--seed 7]

`--unmapped PDF OUT`: a copy of PDF with the ≥ and ≤ of its DejaVu subset left out of the font's
/ToUnicode (a producer's broken map: the glyphs print, their characters are named nowhere), as made
for tests/fixtures/pages/440303230300200079180.hubei.unmapped.pdf (from seed 7's hubei PDF of that code).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "forms")]

FONTS = {"Droid": "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
         "DejaVu": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}


def _font(ch: str) -> str:
    if ch <= "\x7e":
        return "Helvetica"
    if unicodedata.east_asian_width(ch) in "WF" and ch not in "□☑":
        return "Droid"
    return "DejaVu"


def _setup() -> None:
    """_looks drawing each run of a string in its font, and measuring so."""
    import _looks
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    for name, path in FONTS.items():
        pdfmetrics.registerFont(TTFont(name, path))
    plain = canvas.Canvas.drawString

    def width(text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(ch, _font(ch), size) for ch in text)

    def draw(self, x, y, text, *args, **kwargs):
        size = self._fontsize
        for font, run in ((f, "".join(g)) for f, g in itertools.groupby(text, _font)):
            self.setFont(font, size)
            plain(self, x, y, run)
            x += pdfmetrics.stringWidth(run, font, size)
        self.setFont("Droid", size)

    class Metrics:
        def __getattr__(self, name):
            return getattr(pdfmetrics, name)

        @staticmethod
        def stringWidth(text, font, size):  # noqa: N802 - reportlab's name
            return width(text, size)

    def wrap(text: str, room: float, size: float) -> list[str]:
        """By character, as _looks does, but a last character left alone on its line stays there (the
        lone-glyph rule of _looks is for pdfium and a CID font the PDF does not embed)."""
        lines: list[str] = []
        for para in text.split("\n"):
            line = ""
            for ch in para:
                if line and width(line + ch, size) > room:
                    lines.append(line)
                    line = ""
                line += ch
            lines.append(line)
        return lines

    _looks._wrap = wrap
    canvas.Canvas.drawString = draw
    canvas.Canvas.drawCentredString = lambda self, x, y, text, *a, **k: draw(
        self, x - width(text, self._fontsize) / 2, y, text)
    _looks.FONT, _looks.needs_cjk_font, _looks.pdfmetrics = "Droid", lambda: None, Metrics()


def run(out: Path, seed: int) -> int:
    _setup()
    from _looks import RENDER, Look
    from conftest import CORPUS, differences
    from test_variant_looks import LOOKS

    from pipeline.errors import ReportError
    from pipeline.extract import extract

    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    exact = refused = wrong = 0
    for variant in ("yunnan", "langfang", "hubei"):
        for truth in sorted((CORPUS / f"truth-{variant}").glob("*.json")):
            want = json.loads(truth.read_text(encoding="utf-8"))
            widths = tuple(w * rng.uniform(0.85, 1.2) for w in LOOKS[variant][rng.randrange(2)].widths)
            look = Look(widths, upright=rng.random() < 0.4, size=rng.choice([6.5, 7, 7.5, 8]),
                        pad=rng.uniform(2, 5), ascii_brackets=rng.random() < 0.5,
                        year_cell=variant == "langfang" and rng.random() < 0.5)
            pdf = RENDER[variant](want, out / f"{truth.stem}.{variant}.pdf", look)
            try:
                forms = [f.to_dict() for f in extract(pdf)[1]]
            except ReportError as err:
                refused += 1
                print(f"REFUSED {err}")
                continue
            found = differences(forms[0], want) if len(forms) == 1 else [f"{len(forms)} forms"]
            exact += not found
            wrong += bool(found)
            for d in found:
                print(f"{pdf.name}: {d}")
    print(f"seed {seed}: {exact} exact, {wrong} with a wrong field, {refused} refused")
    return 1 if wrong else 0


def unmapped(src: Path, dst: Path) -> None:
    """`src` with "≥" and "≤" taken out of its DejaVu font's /ToUnicode."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, StreamObject

    writer = PdfWriter(clone_from=PdfReader(src))
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "DejaVu" not in str(font["/BaseFont"]):
                continue
            cmap = font["/ToUnicode"].get_object()
            text = cmap.get_data().decode("latin-1")
            kept = [ln for ln in text.splitlines() if not re.search(r"<226[45]>", ln)]
            gone = len(text.splitlines()) - len(kept)
            text = re.sub(r"(\d+) beginbfchar", lambda m: f"{int(m.group(1)) - gone} beginbfchar", "\n".join(kept))
            stream = StreamObject()
            stream.set_data(text.encode("latin-1"))
            font[NameObject("/ToUnicode")] = writer._add_object(stream)
    writer.write(dst)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--unmapped", type=Path, metavar="PDF", help="write OUT as PDF with ≥ ≤ unmapped")
    args = ap.parse_args()
    if args.unmapped:
        unmapped(args.unmapped, args.out)
        return 0
    return run(args.out, args.seed)


if __name__ == "__main__":
    sys.exit(main())
