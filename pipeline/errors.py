"""One exception type per kind of bad input, each naming the file and, where known, the page.

A refusal is never caught and ignored: the CLI and the Dagster layer turn it into a message and a
quarantine entry (see `pipeline.ingest`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def shown(name: str | bytes | os.PathLike) -> str:
    """A file name or path as text that can be printed, written to JSON and stored: the bytes that are
    not UTF-8 (a GBK or latin-1 name from a Windows archive, which `os.fsdecode` turns into lone
    surrogates) as `\\xNN` escapes. The one place such names are made displayable."""
    raw = os.fspath(name)
    if isinstance(raw, str):
        try:
            raw = os.fsencode(raw)
        except UnicodeEncodeError:  # a lone surrogate that no file system byte gave
            return raw.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


class SettingError(ValueError):
    """An environment setting ($JIXIAO_…) that cannot mean anything: said with its name, never a
    traceback deep in a worker."""


def setting(name: str, parse: Callable[[str], T], default: T, what: str) -> T:
    """$`name` parsed by `parse`, or `default` where it is unset or empty; `what` says what it must
    be ("a number of seconds"), for the error naming it."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError:
        raise SettingError(f"${name} must be {what}, not {raw!r}") from None


def choice(name: str, choices: tuple[str, ...]) -> str:
    """$`name`, one of `choices` (the first where it is unset)."""
    def parse(raw: str) -> str:
        if raw not in choices:
            raise ValueError(raw)
        return raw

    return setting(name, parse, choices[0], " or ".join(choices))


class ReportError(Exception):
    """A report that cannot be loaded, with where and why."""

    kind = "report_error"

    def __init__(self, file: str, reason: str, page: int | None = None) -> None:
        # printed, stored and written as JSON: never a lone surrogate of an odd file name
        self.file = shown(file)
        self.page = page
        self.reason = shown(reason)
        where = f"{self.file}, page {page}" if page is not None else self.file
        super().__init__(f"{where}: {self.reason}")

    def __reduce__(self):
        """Picklable with its fields, so a refusal can travel between processes (Dagster steps)."""
        return (type(self), (self.file, self.reason, self.page))

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "file": self.file, "page": self.page, "reason": self.reason}


class NotAPdf(ReportError):
    kind = "not_a_pdf"


class UnsupportedFormat(ReportError):
    """A report in a format jixiao does not read (a legacy Word .doc): the message says what to save
    it as."""

    kind = "unsupported_format"


class BrokenPdf(ReportError):
    """A PDF file that is damaged or truncated: what could be read of it would be missing text."""

    kind = "broken"


class EncryptedPdf(ReportError):
    kind = "encrypted"


class EmptyPdf(ReportError):
    kind = "empty"


class ScannedPage(ReportError):
    kind = "scanned"


class NoFormFound(ReportError):
    kind = "no_form"


class IncompleteForm(ReportError):
    """A form whose sections could not all be found: half a form is never loaded."""

    kind = "incomplete_form"


class ExtractionFault(ReportError):
    """Cells that cannot be what the form printed: a misread, not a form that printed bad numbers."""

    kind = "extraction_fault"


class TextLayerUnreadable(ReportError):
    """A page whose text layer cannot be trusted (fonts mapping codes to no character, to private-use
    or control characters, or to characters that spell no label of any form) and that could not be
    read from its image either: refused rather than loaded from garbage."""

    kind = "text_layer_unreadable"


class Unreadable(ReportError):
    """A PDF library, or jixiao's own reader, failed on the file in a way no check foresaw (an
    exception, or the reading process dying). The report is refused with the library's message: one
    odd file never stops a batch."""

    kind = "unreadable"


class OverLimit(ReportError):
    """A report that needs more time, pages or memory than `pipeline.bounded.Limits` allows: refused
    rather than left to hang the nightly run or exhaust the machine."""

    kind = "over_limit"


class FileFault(ReportError):
    """The file, not its content, is the fault: it cannot be opened, is not a regular file, or changed
    while it was read. There is no content hash to key a dim_report row by and nothing whole to put
    aside, so the refusal is the run's only (its message, exit 1); the next run tries the file again."""


class UnreadableFile(FileFault):
    kind = "unreadable_file"


class NotAFile(FileFault):
    """A FIFO, a directory, a device or socket given as a report: never opened for reading (a FIFO
    would block the run, and the writers' lock, forever)."""

    kind = "not_a_file"


class NotWritten(ReportError):
    """A report not written because the run stopped while it, or the batch it was in, was being
    written: the warehouse could not be written (a full disk, an I/O error), or the readers failed.
    Nothing of it is stored, and it is not quarantined, for it is not the report's fault; running the
    command again loads it (`pipeline.ingest.ingest_many`, `_unwritten`: the reason names the error)."""

    kind = "not_written"


class FileChanged(FileFault):
    """A file whose size, time or inode changed between its hashing and its storing: a copy still
    being written, loaded now, would be stored under the sha256 of half a file."""

    kind = "file_changed"


class WarehouseOutdated(RuntimeError):
    """The file was built by an older jixiao whose tables lack columns this version writes.

    The warehouse is derived data: rebuilding it from the reports is the honest fix, so say that
    rather than half-migrate columns whose old rows would be silently null.
    """


class WarehouseFault(Exception):
    """The warehouse itself failed (a full disk, a damaged file), said with what is kept and how to
    finish: the CLI's exit 3. Not an OSError, whose exit 2 means nothing was done."""

    again = False  # the cause is put right: running the command again completes it (the CLI does, once)
