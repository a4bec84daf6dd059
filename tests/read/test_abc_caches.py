"""playa's ContentStream no longer shares `collections.abc.Mapping`'s ABC caches (`read.pdf._own_abc_data`):
asking whether a dict is a stream first used to make every dict a non-mapping for the rest of the
process, and polars then failed on the frames of a report (the forkserver preloading Camelot)."""

from __future__ import annotations

import subprocess
import sys

ASKED_FIRST = """
import collections.abc as abc
import pipeline.read.pdf  # noqa: F401
import polars as pl
from playa.pdftypes import ContentStream, InlineImage
assert not isinstance({}, ContentStream) and not isinstance({}, InlineImage)
assert isinstance({}, abc.Mapping) and issubclass(dict, abc.MutableMapping)
assert not issubclass(dict, ContentStream)
assert pl.Series(["<", ">"]).replace_strict({"<": "lt", ">": "gt"}).to_list() == ["lt", "gt"]
print("ok")
"""


def test_a_dict_asked_first_whether_it_is_a_stream_stays_a_mapping():
    # a fresh interpreter: which of the two questions a process asks first is what mattered
    out = subprocess.run([sys.executable, "-c", ASKED_FIRST], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
