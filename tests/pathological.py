"""Pathological PDFs, made at test time from raw bytes, and misbehaving readers for `pipeline.bounded`.

Each file is small on disk (a few kB to a few hundred kB) and quick to make; what makes it
pathological is what a reader must do with it: count thousands of pages, sort a hundred thousand
ruled lines, inflate gigabytes, follow forms thousands deep, parse arrays nested past any stack.

The `misbehave` reader is picklable by reference (this module is importable in the worker
processes: pytest puts tests/ on sys.path, and each worker starts with the parent's sys.path).
"""

from __future__ import annotations

import os
import signal
import threading
import time
import zlib
from pathlib import Path

# -- a minimal PDF writer ------------------------------------------------------------------------

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def stream(data: bytes, extra: bytes = b"", *, flate: bool = True) -> bytes:
    """A stream object's body: `data` Flate-compressed (unless `flate` is False)."""
    if flate:
        data = zlib.compress(data, 9)
        extra = b"/Filter /FlateDecode " + extra
    return b"<< " + extra + b"/Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def write_pdf(path: Path, objects: list[bytes]) -> Path:
    """Objects numbered from 1 (object 1 is the catalog), with a correct xref table and trailer."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def _one_page(path: Path, content: bytes, resources: bytes = b"", more: list[bytes] = (),
              *, raw: bool = False, drawn: bytes = b"4 0 R") -> Path:
    """A one-page document drawing `content` (compressed here, or when `raw` a whole stream object
    already); objects 1–5 are catalog, pages, page, contents, font and `more` follow from object 6.
    `drawn` is the page's /Contents."""
    return write_pdf(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents " + drawn +
        b" /Resources << /Font << /F1 5 0 R >> " + resources + b">> >>",
        content if raw else stream(content),
        FONT,
        *more,
    ])


TEXT = b"BT /F1 12 Tf 72 800 Td (Not a form: made by tests/pathological.py) Tj ET\n"


# -- the pathological files ----------------------------------------------------------------------


def many_pages(path: Path, pages: int) -> Path:
    """`pages` pages, each an object of ~40 bytes (no contents of its own, so blank) but the first,
    which prints a line of text: 3,000 pages are ~200 kB."""
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> >>" % pages,
        stream(TEXT),
        FONT,
        b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>",
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R >>"] * (pages - 1)
    return write_pdf(path, objects)


def ruling_lines(path: Path, lines: int = 100_000) -> Path:
    """One page of `lines` tiny ruled segments (alternately horizontal and vertical, 2 pt long, on a
    grid of 250 columns), under a line of text: ~250 kB compressed."""
    ops = [TEXT, b"0.1 w\n"]
    for i in range(lines):
        x, y = 40 + (i % 500) * 1.03, 40 + (i // 500) * 3.7
        ops.append(b"%.2f %.2f m %.2f %.2f l S\n" % ((x, y, x + 1, y) if i % 2 else (x, y, x, y + 1)))
    return _one_page(path, b"".join(ops))


def _zeros_flate(gigabytes: float) -> bytes:
    """A valid zlib stream of that many GB of zero bytes, made without compressing them: one
    full-flushed deflate block of 1 MB of zeros, repeated (each such block stands alone), then the
    final block and the Adler-32 of n zeros, which is (n mod 65521) << 16 | 1."""
    mb = 1 << 20
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = deflate.compress(bytes(mb)) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(bytes(mb)) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert block == again  # a full flush resets the window: the block does not depend on what came before
    blocks = int(gigabytes * 1024)
    size = blocks * mb
    tail = deflate.flush(zlib.Z_FINISH)
    return b"\x78\xda" + block * blocks + tail + (((size % 65521) << 16) | 1).to_bytes(4, "big")


def bomb(path: Path, gigabytes: float = 6) -> Path:
    """A page whose content stream inflates to `gigabytes` GB of zeros (whitespace to a content
    parser) after its line of text. The stream is Flate twice over ([/FlateDecode /FlateDecode]), so
    the 6 MB of once-compressed data are a few kB on disk."""
    inner = _zeros_flate(gigabytes)
    assert zlib.decompressobj().decompress(inner[:4096], 64) == bytes(64)  # a real zlib stream
    data = zlib.compress(inner, 9)
    contents = (b"<< /Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n" % len(data) + data
                + b"\nendstream")
    return _one_page(path, contents, more=[stream(TEXT)], raw=True, drawn=b"[6 0 R 4 0 R]")


def bomb_once(path: Path, gigabytes: float = 6) -> Path:
    """The same bomb, Flate once: a plain `FlateDecode` stream (~1 kB per MB inflated, so ~6 MB)."""
    data = _zeros_flate(gigabytes)
    return _one_page(path, b"<< /Filter /FlateDecode /Length %d >>\nstream\n" % len(data) + data
                     + b"\nendstream", more=[stream(TEXT)], raw=True, drawn=b"[6 0 R 4 0 R]")


def image_bomb(path: Path, gigabytes: float = 6) -> Path:
    """The bomb as an image the page draws (a 64k × 96k grey image): pdfium leaves it alone while it
    reads text, `pipeline.read.pdf` decodes it strictly."""
    data = zlib.compress(_zeros_flate(gigabytes), 9)
    image = (b"<< /Type /XObject /Subtype /Image /Width 65536 /Height %d /ColorSpace /DeviceGray "
             b"/BitsPerComponent 8 /Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n"
             % (int(gigabytes * 1024 * 16), len(data)) + data + b"\nendstream")
    return _one_page(path, TEXT + b"q 100 0 0 100 100 100 cm /Im Do Q\n", b"/XObject << /Im 6 0 R >> ",
                     [image])


def nested_forms(path: Path, depth: int = 3_000) -> Path:
    """The page draws form X6, which draws X7, … `depth` Form XObjects deep; the last prints text."""
    first = 6
    forms = []
    for i in range(depth):
        n = first + i
        if i == depth - 1:
            forms.append(stream(TEXT, b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                      b"/Resources << /Font << /F1 5 0 R >> >> "))
        else:
            forms.append(stream(b"/X Do\n", b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] "
                                             b"/Resources << /XObject << /X %d 0 R >> >> " % (n + 1),
                                flate=False))
    return _one_page(path, TEXT + b"/X Do\n", b"/XObject << /X %d 0 R >> " % first, forms)


def form_cycle(path: Path, length: int = 1, *, drawn: bool = True) -> Path:
    """Forms X6 → X7 → … → X(5+length) → X6, each drawing the next: an endless recursion for a reader
    that does not watch for it. With `drawn` False each form only lists the next in its resources and
    prints text instead (a shared resource dictionary does that): harmless."""
    forms = []
    for i in range(length):
        nxt = 6 + (i + 1) % length
        forms.append(stream(b"/X Do\n" if drawn else TEXT,
                            b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << "
                            b"/Font << /F1 5 0 R >> /XObject << /X %d 0 R >> >> " % nxt, flate=False))
    return _one_page(path, TEXT + b"/X Do\n", b"/XObject << /X 6 0 R >> ", forms)


def nested_arrays(path: Path, depth: int = 20_000) -> Path:
    """A page dictionary holding an array nested `depth` deep, and a dictionary nested as deep."""
    arrays = b"[" * depth + b"]" * depth
    dicts = b"<< /A " * depth + b"null" + b" >>" * depth
    return write_pdf(path, [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> /Deep 6 0 R /Deeper 7 0 R >>",
        stream(TEXT),
        FONT,
        arrays,
        dicts,
    ])


def nested_operands(path: Path, depth: int = 100_000) -> Path:
    """A content stream whose first operand is an array nested `depth` deep."""
    return _one_page(path, b"[" * depth + b"]" * depth + b" pop\n" + TEXT)


# -- misbehaving readers for bounded.run -----------------------------------------------------------


def misbehave(item: str, max_pages: int | None = None) -> str:
    """What the reader does is the item's name: `ok…` returns it, `segv` dies of SIGSEGV, `raise`
    raises, `sleep` sleeps for ten minutes, `hog` touches memory 50 MB at a time (for ever),
    `hog_once` touches 2 GB in one C call that holds the GIL (no thread of the worker can run), `spin`
    computes for ever, `frozen` says how many objects the garbage collector has set aside,
    `collector` its thresholds."""
    if item.startswith("ok"):
        return item.upper()
    if item == "frozen":
        import gc
        return str(gc.get_freeze_count())
    if item == "collector":
        import gc
        return " ".join(map(str, gc.get_threshold()))
    if item == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "raise":
        raise KeyError("Object with ID 1 not found")
    if item == "sleep":
        time.sleep(600)
    if item == "hog":
        hoard = []
        while True:
            hoard.append(b"x" * (50 << 20))
    if item == "hog_once":
        return str(len(b"x" * (2 << 30)))
    if item == "spin":
        while True:
            pass
    raise ValueError(f"unknown item {item!r}")


# -- measuring the workers ---------------------------------------------------------------------


class PeakRss:
    """`with PeakRss() as peak:` samples, every 20 ms, the resident memory of each process descending
    from this one (the forkserver, the pool's workers); `peak.mb` is the largest seen in one process."""

    def __init__(self) -> None:
        self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @property
    def mb(self) -> float:
        return self.bytes / 2**20

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        page, me = os.sysconf("SC_PAGE_SIZE"), os.getpid()
        while not self._stop.wait(0.02):
            children: dict[int, list[int]] = {}
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    try:
                        with open(f"/proc/{entry.name}/stat", "rb") as stat:
                            ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
                    except (OSError, ValueError, IndexError):
                        continue
                    children.setdefault(ppid, []).append(int(entry.name))
            todo = list(children.get(me, []))
            while todo:
                pid = todo.pop()
                todo += children.get(pid, [])
                try:
                    with open(f"/proc/{pid}/statm", "rb") as statm:
                        self.bytes = max(self.bytes, int(statm.read().split()[1]) * page)
                except (OSError, ValueError, IndexError):
                    pass
