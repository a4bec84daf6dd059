"""A page with no text layer (a scan) → the same `Grid` and `Ruling` objects `tables` reads from text.

The module became a package (issue 19); `page` holds it while it is cut into its parts. What the
rest of jixiao imports is exported here, so callers keep working."""

from .corrections import DASH, correct  # noqa: F401
from .image import MAX_DPI, MIN_DPI  # noqa: F401
from .cells import Box, OcrGrid  # noqa: F401
from .page import PAGE_SECONDS, OcrPage, attach, page_seconds, read_page, read_scanned  # noqa: F401
from .recognise import ENGINE, FULL_STOP, engine_version, models_in_wheel  # noqa: F401
# the pieces tests/test_ocr.py reaches into, until they get public names in their own modules
from .cells import marks as _marks  # noqa: F401
from .recognise import Line as _Line, colons as _colons, engine as _engine, full_stop as _full_stop  # noqa: F401
from .recognise import quotes as _quotes, spaced as _spaced  # noqa: F401
from .ruling import borders as _borders, on_lines as _only  # noqa: F401
from .corrections import snap as _snap  # noqa: F401
