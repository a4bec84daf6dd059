"""A page with no text layer (a scan) → the same `Grid` and `Ruling` objects `tables` reads from text.

Only pages without a text layer come here (`pdf.inspect` lists them), so a mixed PDF keeps its real
text. Per page (`page.read_page`, in this order):

1. `image`: rasterise at the scan's own resolution (pypdfium2), a red seal unmixed from the print by
   colour, grey; deskew: the angle of the long ruled lines (a sheet lies a little crooked on the
   scanner); flatten: a phone photo's perspective taken out by the homography that makes the
   table's frame a rectangle again;
2. `ruling`: horizontal and vertical strokes kept by a morphological opening (OpenCV), grouped into
   ruled lines; rows and columns are where they fall, and a cell border is drawn where a line covers
   it (merged cells are one region, as in `tables`); then the ruling erased;
3. `recognise`: the text recognised (rapidocr-onnxruntime, its models inside the wheel: it reads
   offline), with the glyphs it confuses measured on the page;
4. `cells`: each recognised line placed in the cell where it starts (a line that crosses a drawn
   border is recognised again, part by part, each part from its own crop), and each cell's text
   given the corrections the domain allows (`corrections`, pure functions on strings).

The grid that comes out is an `OcrGrid`: a `Grid` whose every cell also carries the confidence of its
weakest recognised line and its box, so the one form reader (`forms`) reads scans as it reads text,
and `pipeline.facts.ocr_trust` can say which cells a failed check rests on. Coordinates are PDF points of the
deskewed page, y growing upwards, like every other Grid's.

Exported here: what the rest of jixiao calls (`read_scanned`, `attach` from `pipeline.extract`) and
the engine's identity; the parts are imported from their modules.
"""

from .cells import Box, OcrGrid
from .corrections import DASH, correct
from .image import MAX_DPI, MIN_DPI
from .page import PAGE_SECONDS, OcrPage, attach, page_seconds, read_page, read_scanned
from .recognise import ENGINE, FULL_STOP, engine_version, models_in_wheel

__all__ = [
    "DASH", "ENGINE", "FULL_STOP", "MAX_DPI", "MIN_DPI", "PAGE_SECONDS", "Box", "OcrGrid", "OcrPage",
    "attach", "correct", "engine_version", "models_in_wheel", "page_seconds", "read_page", "read_scanned",
]
