"""Deterministic mutants of the corpus PDFs: damaged copies as a fuzzer makes them, each reproducible.

A mutant is (kind, source file, seed); its bytes are a pure function of the three, so an id printed by
a failing test (`digit_content/440303221550216305000.xlsx.pdf/3861052214`) rebuilds the same file:
`python bench/fuzz.py --only ID --write out.pdf`. The kinds work on the file's raw bytes:

- `truncate`: the file cut at a random offset;
- `bitflip_stream`: one to three bits flipped inside one stream's (compressed) data;
- `zero_run`: a run of 1–512 bytes set to 0;
- `duplicate_chunk`: a chunk of 1–1024 bytes copied in again at a random offset;
- `digit`: one ASCII digit changed anywhere in the file (mostly compressed data, as a fuzzer hits it);
- `digit_content`: one digit of a number operand of a page's content stream changed (a coordinate,
  a line width, a font size), not of a string it shows: the stream is decoded, edited, re-encoded with
  its filters, its /Length and the xref offsets after it mended, so only the drawing moved;
- `digit_widths`, `digit_mediabox`, `digit_xref`, `digit_dict`: one digit changed outside streams,
  inside a font's /Widths or /W array, a /MediaBox, the xref table (or startxref), or any dictionary
  or array. Offsets still hold (same length).

A kind that finds nothing to aim at in a file (no /Widths outside streams, say) falls back to
`digit_dict` and says so in its note.
"""

from __future__ import annotations

import base64
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "fixtures" / "corpus"
LAYOUTS = ("xlsx", "reportlab", "xlsx-noise", "xlsx-overflow")

KINDS = ("truncate", "bitflip_stream", "zero_run", "duplicate_chunk", "digit", "digit_content",
         "digit_widths", "digit_mediabox", "digit_xref", "digit_dict")

DIGITS = b"0123456789"


@dataclass(frozen=True)
class Mutant:
    kind: str
    source: Path
    seed: int

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.source.name}/{self.seed}"

    @property
    def code(self) -> str:
        """The project code of the source's form: its truth is tests/fixtures/corpus/truth/<code>.json."""
        return self.source.name.split(".")[0]

    def build(self) -> tuple[bytes, str]:
        """The mutant's bytes and a note of what was changed."""
        return mutate(self.source.read_bytes(), self.kind, random.Random(self.id))

    @classmethod
    def parse(cls, mutant_id: str) -> "Mutant":
        kind, name, seed = mutant_id.split("/")
        if kind not in KINDS:
            raise ValueError(f"unknown mutation kind {kind!r} (one of {', '.join(KINDS)})")
        layout = name.split(".", 1)[1].removesuffix(".pdf")
        return cls(kind, CORPUS / "pdf" / layout / name, int(seed))


def sources(layouts: tuple[str, ...] = LAYOUTS, per_layout: int | None = None) -> list[Path]:
    """The corpus PDFs of the layouts, smallest first within a layout (`per_layout` of each)."""
    out: list[Path] = []
    for layout in layouts:
        files = sorted((CORPUS / "pdf" / layout).glob("*.pdf"), key=lambda p: (p.stat().st_size, p.name))
        out.extend(files[:per_layout])
    return out


def mutants(count: int, seed: int, files: list[Path], kinds: tuple[str, ...] = KINDS) -> list[Mutant]:
    """`count` mutants, the kinds in turn, each on a source and with a seed drawn from `seed`."""
    rng = random.Random(seed)
    return [Mutant(kinds[i % len(kinds)], rng.choice(files), rng.randrange(1 << 32)) for i in range(count)]


# ----------------------------------------------------------------------------------------------


def mutate(data: bytes, kind: str, rng: random.Random) -> tuple[bytes, str]:
    return _MUTATORS[kind](data, rng)


def _truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    at = rng.randrange(1, len(data))
    return data[:at], f"cut at byte {at} of {len(data)}"


def _bitflip_stream(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    streams = [s for s in _streams(data) if s.end > s.start]
    s = rng.choice(streams)
    out = bytearray(data)
    flips = []
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(s.start, s.end)
        bit = rng.randrange(8)
        out[at] ^= 1 << bit
        flips.append(f"{at}.{bit}")
    return bytes(out), f"stream object {s.objid}: bits flipped at {', '.join(flips)}"


def _zero_run(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    n = rng.randint(1, 512)
    at = rng.randrange(len(data))
    out = bytearray(data)
    out[at:at + n] = bytes(len(out[at:at + n]))
    return bytes(out), f"{n} bytes zeroed at {at}"


def _duplicate_chunk(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    n = rng.randint(1, 1024)
    at = rng.randrange(len(data))
    chunk = data[at:at + n]
    to = rng.randrange(len(data) + 1)
    return data[:to] + chunk + data[to:], f"{len(chunk)} bytes from {at} copied in at {to}"


def _digit_at(data: bytes, rng: random.Random, positions: list[int], where: str) -> tuple[bytes, str]:
    at = rng.choice(positions)
    old = data[at]
    new = rng.choice([d for d in DIGITS if d != old])
    context = data[max(0, at - 12):at + 12]
    return data[:at] + bytes([new]) + data[at + 1:], (
        f"{where}: digit {chr(old)} → {chr(new)} at {at} (near {context!r})")


def _digit(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    return _digit_at(data, rng, [i for i, b in enumerate(data) if b in DIGITS], "anywhere")


def _outside_streams(data: bytes) -> list[tuple[int, int]]:
    """Byte ranges outside every stream's data."""
    ranges, pos = [], 0
    for s in _streams(data):
        ranges.append((pos, s.start))
        pos = s.end
    ranges.append((pos, len(data)))
    return ranges


def _digits_in(data: bytes, ranges) -> list[int]:
    return [i for a, b in ranges for i in range(a, b) if data[i] in DIGITS]


def _digit_dict(data: bytes, rng: random.Random, note: str = "") -> tuple[bytes, str]:
    out, what = _digit_at(data, rng, _digits_in(data, _outside_streams(data)), "outside streams")
    return out, note + what


def _digit_in_pattern(pattern: bytes, where: str):
    def mutator(data: bytes, rng: random.Random) -> tuple[bytes, str]:
        outside = _outside_streams(data)
        spans = [(m.start(), m.end()) for m in re.finditer(pattern, data, re.S)
                 if any(a <= m.start() and m.end() <= b for a, b in outside)]
        positions = _digits_in(data, spans)
        if not positions:
            return _digit_dict(data, rng, note=f"no {where} outside streams; ")
        return _digit_at(data, rng, positions, where)
    return mutator


_digit_widths = _digit_in_pattern(rb"/W(?:idths)?\s*\[(?:[^\[\]]|\[[^\[\]]*\])*\]", "/Widths")
_digit_mediabox = _digit_in_pattern(rb"/MediaBox\s*\[[^\]]*\]", "/MediaBox")
_digit_xref = _digit_in_pattern(rb"\bxref\s.*?trailer|startxref\s+\d+", "xref")


def _digit_content(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    contents = _content_streams(data)
    candidates = []
    for s in contents:
        decoded = s.decode(data)
        if decoded is not None:
            positions = _operand_digits(decoded)
            if positions:
                candidates.append((s, decoded, positions))
    if not candidates:
        return _digit_dict(data, rng, note="no decodable content stream; ")
    s, decoded, positions = rng.choice(candidates)
    at = rng.choice(positions)
    old = decoded[at]
    new = rng.choice([d for d in DIGITS if d != old])
    lo = decoded.rfind(b"\n", 0, at) + 1
    hi = decoded.find(b"\n", at)
    line = decoded[lo:hi if hi >= 0 else len(decoded)][:80]
    edited = decoded[:at] + bytes([new]) + decoded[at + 1:]
    out = s.replace(data, s.encode(edited))
    return out, (f"content stream object {s.objid}: digit {chr(old)} → {chr(new)} "
                 f"at {at - lo} of line {line!r}")


_MUTATORS = {
    "truncate": _truncate, "bitflip_stream": _bitflip_stream, "zero_run": _zero_run,
    "duplicate_chunk": _duplicate_chunk, "digit": _digit, "digit_content": _digit_content,
    "digit_widths": _digit_widths, "digit_mediabox": _digit_mediabox, "digit_xref": _digit_xref,
    "digit_dict": _digit_dict,
}

# ----------------------------------------------------------------------------------------------
# a minimal reading of the file's own bytes: streams, their filters, the classic xref table

_STREAM = re.compile(rb"(\d+)\s+(\d+)\s+obj\s*<<((?:[^<>]|<<(?:[^<>]|<[^<>]*>)*>>|<[^<>]*>)*)>>\s*stream(?:\r\n|\n|\r)",
                     re.S)


@dataclass(frozen=True)
class _Stream:
    objid: int
    dict_start: int
    dict_end: int
    start: int  # first byte of the data
    end: int  # one past its last byte (the EOL before endstream excluded)
    attrs: bytes

    def filters(self) -> list[bytes]:
        m = re.search(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)", self.attrs)
        return re.findall(rb"/([A-Za-z0-9]+)", m.group(1)) if m else []

    def decode(self, data: bytes) -> bytes | None:
        raw = data[self.start:self.end]
        try:
            for f in self.filters():
                if f == b"FlateDecode":
                    raw = zlib.decompress(raw)
                elif f == b"ASCII85Decode":
                    text = re.sub(rb"\s", b"", raw).removeprefix(b"<~").removesuffix(b"~>")
                    raw = base64.a85decode(text)
                else:
                    return None
        except (zlib.error, ValueError):
            return None
        return raw

    def encode(self, decoded: bytes) -> bytes:
        raw = decoded
        for f in reversed(self.filters()):
            if f == b"FlateDecode":
                raw = zlib.compress(raw)
            elif f == b"ASCII85Decode":
                raw = base64.a85encode(raw, wrapcol=72) + b"~>"
        return raw

    def replace(self, data: bytes, raw: bytes) -> bytes:
        """The file with this stream's data replaced by `raw`: /Length and xref offsets mended."""
        edits = [(self.start, self.end, raw)]
        length = re.search(rb"/Length\s+(\d+)(\s+(\d+)\s+R)?", self.attrs)
        if length and not length.group(2):
            at = self.dict_start + length.start(1)
            edits.append((at, at + len(length.group(1)), str(len(raw)).encode()))
        elif length:  # an indirect length: its own object holds the number
            obj = re.search(rb"\b" + length.group(1) + rb"\s+" + length.group(3) + rb"\s+obj\s*(\d+)", data)
            if obj:
                edits.append((obj.start(1), obj.end(1), str(len(raw)).encode()))
        for start, end, new in sorted(edits, reverse=True):
            data = _splice(data, start, end, new)
        return data


def _streams(data: bytes) -> list[_Stream]:
    out, pos = [], 0
    while True:
        m = _STREAM.search(data, pos)
        if not m:
            return out
        end = data.find(b"endstream", m.end())
        if end < 0:
            return out
        data_end = end
        if data[data_end - 2:data_end] == b"\r\n":
            data_end -= 2
        elif data[data_end - 1:data_end] in (b"\n", b"\r"):
            data_end -= 1
        out.append(_Stream(int(m.group(1)), m.start(3), m.end(3), m.end(), max(data_end, m.end()),
                           m.group(3)))
        pos = end


def _content_streams(data: bytes) -> list[_Stream]:
    ids: set[int] = set()
    for m in re.finditer(rb"/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)", data):
        ids.update(int(n) for n in re.findall(rb"(\d+)\s+\d+\s+R", m.group(1)))
    return [s for s in _streams(data) if s.objid in ids]


_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")


def _operand_digits(content: bytes) -> list[int]:
    """Positions of the digits of number operands in a content stream: not inside a string
    (literal or hex), a name or a comment."""
    positions: list[int] = []
    i, n = 0, len(content)
    while i < n:
        c = content[i:i + 1]
        if c == b"(":  # literal string, nested parentheses and escapes
            depth, i = 1, i + 1
            while i < n and depth:
                ch = content[i:i + 1]
                if ch == b"\\":
                    i += 1
                elif ch == b"(":
                    depth += 1
                elif ch == b")":
                    depth -= 1
                i += 1
        elif c == b"<" and content[i + 1:i + 2] != b"<":  # hex string
            end = content.find(b">", i)
            i = n if end < 0 else end + 1
        elif c == b"%":
            end = content.find(b"\n", i)
            i = n if end < 0 else end + 1
        elif c == b"/" or c.isalpha():  # a name or an operator: skip the token
            i += 1
            while i < n and content[i:i + 1] not in b" \t\r\n()<>[]{}/%":
                i += 1
        else:
            m = _NUMBER.match(content, i)
            if m:
                positions.extend(j for j in range(m.start(), m.end()) if content[j] in DIGITS)
                i = m.end()
            else:
                i += 1
    return positions


def _splice(data: bytes, start: int, end: int, new: bytes) -> bytes:
    """Replace data[start:end] by `new`, shifting the classic xref table's offsets and startxref."""
    delta = len(new) - (end - start)
    out = data[:start] + new + data[end:]
    if delta == 0:
        return out
    sx = list(re.finditer(rb"startxref\s+(\d+)", out))
    if not sx:
        return out
    last = sx[-1]
    xref_at = int(last.group(1))
    if xref_at > start:
        xref_at += delta
    table = re.match(rb"xref\s+", out[xref_at:xref_at + 5 + 16])
    if not table:  # an xref stream: left as it is (readers rebuild what they need)
        return out
    buf = bytearray(out)
    pos = xref_at + table.end()
    header = re.compile(rb"(\d+)\s+(\d+)\s*?(?:\r\n|\n|\r| )")
    while True:
        h = header.match(out, pos)
        if not h:
            break
        pos = h.end()
        for _ in range(int(h.group(2))):
            entry = re.match(rb"(\d{10}) (\d{5}) ([nf])", out[pos:pos + 18])
            if not entry:
                break
            offset = int(entry.group(1))
            if entry.group(3) == b"n" and offset > start:
                buf[pos:pos + 10] = b"%010d" % (offset + delta)
            pos += 20
    return bytes(buf[:last.start(1)]) + str(xref_at).encode() + bytes(buf[last.end(1):])


# ----------------------------------------------------------------------------------------------
# running mutants: each in a worker process, with a timeout


@dataclass(frozen=True)
class Outcome:
    """What reading one mutant gave. `status` is one of STATUSES; only refused and exact pass."""

    mutant: str  # its id
    status: str
    kind: str | None = None  # the refusal's kind
    detail: str = ""  # the refusal's message, the differences, the traceback
    note: str = ""  # what the mutation changed
    seconds: float = 0.0


STATUSES = ("refused", "exact", "wrong", "unclear", "crash", "hang")
PASSING = ("refused", "exact")


_NOT_A_READING = {"unreadable": "crash", "over_limit": "hang"}


def _kinds() -> set[str]:
    from pipeline import errors

    def walk(cls):
        yield cls
        for sub in cls.__subclasses__():
            yield from walk(sub)

    return {c.kind for c in walk(errors.ReportError) if c is not errors.ReportError}


def read_mutant(mutant_id: str, workdir: str) -> Outcome:
    """Write the mutant to `workdir`, read it as `jixiao ingest` does (extract, then type the values:
    a number cell that is not a number is refused there) and judge the result against its source's
    truth.

    refused: a `ReportError` of a named kind whose message names the file; exact: the source's one
    form, equal to its truth field for field; wrong: anything else that parsed; unclear: a refusal
    that does not say which file or is of no named kind; crash: any other exception.
    """
    import json
    import time
    import traceback

    from tools.compare import differences
    from pipeline.errors import ReportError
    from pipeline.extract import extract
    from pipeline.facts.frames import frames

    mutant = Mutant.parse(mutant_id)
    data, note = mutant.build()
    path = Path(workdir) / f"{mutant.kind}-{mutant.seed}-{mutant.source.name}"
    path.write_bytes(data)
    truth = json.loads((CORPUS / "truth" / f"{mutant.code}.json").read_text(encoding="utf-8"))
    start = time.perf_counter()

    def outcome(status: str, kind: str | None = None, detail: str = "") -> Outcome:
        return Outcome(mutant_id, status, kind, detail, note, time.perf_counter() - start)

    try:
        try:
            info, forms = extract(path)
            frames(forms, file_path=str(path), pages=info.pages)  # typed as ingest loads them
        except ReportError as err:
            if err.kind in _NOT_A_READING:  # what pipeline.bounded makes of a crash or a hang
                return outcome(_NOT_A_READING[err.kind], err.kind, f"{type(err).__name__}: {err}")
            if err.kind in _kinds() and str(path) in str(err):
                return outcome("refused", err.kind, str(err))
            return outcome("unclear", err.kind, f"{type(err).__name__}: {err}")
        except Exception:
            return outcome("crash", None, traceback.format_exc(limit=-8))
        diffs = [differences(f.to_dict(), truth) for f in forms]
        if diffs == [[]]:
            return outcome("exact")
        return outcome("wrong", None, f"{len(forms)} forms; " + "; ".join(
            "; ".join(d[:6]) + (f" (+{len(d) - 6} more)" if len(d) > 6 else "") for d in diffs))
    finally:
        path.unlink(missing_ok=True)


def run(ids: list[str], workdir: str, *, workers: int = 2, timeout: float = 60.0, reader=None):
    """Each mutant read in a worker process (`read_mutant`, or `reader`: a module-level function of
    the same arguments), yielding its `Outcome` in order. A mutant that takes longer than `timeout`
    seconds is a hang; a worker that dies (a segfault in a PDF library) is a crash."""
    from concurrent.futures import TimeoutError as Timeout

    from pebble import ProcessExpired, ProcessPool

    import multiprocessing

    # forkserver, as pipeline.bounded: a worker forked from a process with threads (pytest's, after
    # DuckDB and GX ran in it) may crash in the libraries for no fault of the mutant
    context = multiprocessing.get_context("forkserver")
    with ProcessPool(max_workers=workers, max_tasks=200, context=context) as pool:
        futures = [pool.schedule(reader or read_mutant, args=(i, workdir), timeout=timeout) for i in ids]
        for mutant_id, future in zip(ids, futures):
            try:
                yield future.result()
            except Timeout:
                yield Outcome(mutant_id, "hang", detail=f"no answer in {timeout:.0f} s")
            except ProcessExpired as exc:
                yield Outcome(mutant_id, "crash", detail=f"the worker died: {exc}")
            except Exception as exc:  # a failure of the harness itself, reported, not hidden
                yield Outcome(mutant_id, "crash", detail=f"{type(exc).__name__}: {exc}")


def tally(outcomes: list[Outcome]) -> str:
    """tried 300: refused 250 (broken 240, extraction_fault 10), exact 50, wrong 0, ..."""
    from collections import Counter

    status = Counter(o.status for o in outcomes)
    kinds = Counter(o.kind for o in outcomes if o.status == "refused")
    by_kind = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
    parts = [f"tried {len(outcomes)}", f"refused {status['refused']}" + (f" ({by_kind})" if by_kind else "")]
    parts += [f"{s} {status[s]}" for s in STATUSES[1:]]
    return ", ".join(parts)


def pdfium_signals(path: Path) -> list[str]:
    """Everything pdfium's API tells of damage in a file: a failed open, a cross-reference table it
    had to rebuild, a page or text page that fails to load, a character its fonts map to nothing.
    Empty when pdfium reads the file on as sound (it repairs a stream or an object without a word)."""
    import pypdfium2 as pdfium

    from pipeline.read.glyphs import address, bare

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        return [f"open: {exc}"]
    said = [] if pdfium.raw.FPDF_DocumentHasValidCrossReferenceTable(doc.raw) else ["xref rebuilt"]
    unmapped = bare("FPDFText_HasUnicodeMapError")
    try:
        for i in range(len(doc)):
            try:
                textpage = doc[i].get_textpage()
            except pdfium.PdfiumError as exc:
                said.append(f"page {i + 1}: {exc}")
                continue
            if any(unmapped(address(textpage.raw), k) == 1 for k in range(textpage.count_chars())):
                said.append(f"page {i + 1}: unmapped characters")
    finally:
        doc.close()
    return said
