"""A page with no text layer (a scan) → the same `Grid` and `Ruling` objects `tables` reads from text.

The module became a package (issue 19); `page` holds it while it is cut into its parts. What the
rest of jixiao imports is exported here, so callers keep working."""

from .corrections import DASH, correct  # noqa: F401
from .image import MAX_DPI, MIN_DPI  # noqa: F401
from .page import (  # noqa: F401
    ENGINE, FULL_STOP, PAGE_SECONDS, Box, OcrGrid, OcrPage, attach, engine_version,
    models_in_wheel, page_seconds, read_page, read_scanned,
)
# the pieces tests/test_ocr.py reaches into, until they get public names in their own modules
from .page import _colons, _engine, _full_stop, _Line, _marks, _quotes, _spaced  # noqa: F401
from .ruling import borders as _borders, on_lines as _only  # noqa: F401
from .corrections import snap as _snap  # noqa: F401
