"""Bad input gets a clear error naming file and page, is quarantined, and nothing else is lost."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from conftest import PDF, SAMPLES, code_of, differences, truth
from pipeline import errors, warehouse
from pipeline.extract import extract
from pipeline.ingest import ingest_file

TWO_PAGE_FORM = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
DAMAGED_FROM = SAMPLES / "440303210301000048529.xlsx.pdf"
DAMAGED = 6


def _damaged(dst: Path, variant: int) -> Path:
    """The sample with 200 random bytes written over its middle half (seeded: variant n is always the
    same file). Most of this file is one embedded font, so most damage lands there."""
    rng, data = random.Random(1), bytearray(DAMAGED_FROM.read_bytes())
    for _ in range(variant + 1):
        at = rng.randint(len(data) // 4, 3 * len(data) // 4)
        noise = bytes(rng.randrange(256) for _ in range(200))
    data[at:at + 200] = noise
    dst.write_bytes(bytes(data))
    return dst


def _pages(src: Path, dst: Path, pages: list[int], password: str | None = None) -> Path:
    reader, writer = PdfReader(src), PdfWriter()
    for i in pages:
        writer.add_page(reader.pages[i])
    if password:
        writer.encrypt(password)
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def _image_pdf(dst: Path) -> Path:
    """An image-only PDF of a blank, speckled page: a scan of no form."""
    from PIL import Image

    rng = random.Random(7)
    img = Image.new("L", (1241, 1754), 245)
    for _ in range(300):
        img.putpixel((rng.randrange(1241), rng.randrange(1754)), 40)
    img.save(dst, "PDF", resolution=150)
    return dst


def _text_pdf(dst: Path) -> Path:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(dst))
    c.drawString(72, 720, "Quarterly newsletter: no tables here.")
    c.save()
    return dst


@pytest.fixture()
def bad_files(tmp_path) -> dict[str, Path]:
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "notes.pdf").write_text("this is not a pdf", encoding="utf-8")
    (tmp_path / "truncated.pdf").write_bytes(TWO_PAGE_FORM.read_bytes()[:2000])
    return {
        "empty": tmp_path / "empty.pdf",
        "not_a_pdf": tmp_path / "notes.pdf",
        "broken": tmp_path / "truncated.pdf",
        "damaged": _damaged(tmp_path / "damaged.pdf", 0),
        "encrypted": _pages(TWO_PAGE_FORM, tmp_path / "locked.pdf", [0, 1], password="secret"),
        "scan_no_form": _image_pdf(tmp_path / "photo.pdf"),
        "no_form": _text_pdf(tmp_path / "newsletter.pdf"),
        "half": _pages(TWO_PAGE_FORM, tmp_path / "half.pdf", [0]),
        "duplicate": _pages(PDF / "xlsx" / "440305210300200065020.xlsx.pdf", tmp_path / "twice.pdf",
                            [0, 0]),
    }


@pytest.mark.parametrize("case,error,kind,page,words", [
    ("empty", errors.EmptyPdf, "empty", None, "empty"),
    ("not_a_pdf", errors.NotAPdf, "not_a_pdf", None, "not a PDF"),
    ("broken", errors.BrokenPdf, "broken", None, "cannot be read: damaged or truncated"),
    ("damaged", errors.BrokenPdf, "broken", 1, "cannot be read: damaged or truncated: stream object"),
    ("encrypted", errors.EncryptedPdf, "encrypted", None, "encrypted"),
    # a scan is read by OCR now (tests/read/test_ocr.py); an image of no form is refused as no form
    ("scan_no_form", errors.NoFormFound, "no_form", None, "no 项目支出绩效自评表 found"),
    ("no_form", errors.NoFormFound, "no_form", None, "no 项目支出绩效自评表 found"),
    ("half", errors.IncompleteForm, "incomplete_form", 1, "ends without its 总分"),
    ("duplicate", errors.ExtractionFault, "extraction_fault", 2, "appears twice"),
])
def test_refusal_names_file_page_and_reason(bad_files, tmp_path, case, error, kind, page, words):
    path = bad_files[case]
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcome = ingest_file(con, path, quarantine_dir=tmp_path / "quarantine")
    assert outcome.status == "quarantined"
    assert isinstance(outcome.error, error)
    assert outcome.error.kind == kind and outcome.error.page == page
    message = str(outcome.error)
    assert str(path) in message and words in message
    if page is not None:
        assert f"page {page}" in message
    # recorded, with nothing of it in the facts
    rows = con.execute("SELECT status, error_kind, error FROM dim_report").fetchall()
    assert rows == [("quarantined", kind, message)]
    assert con.execute("SELECT count(*) FROM dim_form").fetchall()[0][0] == 0
    # and put aside with its reason
    sidecars = list((tmp_path / "quarantine").glob("*.json"))
    assert len(sidecars) == 1
    assert json.loads(sidecars[0].read_text(encoding="utf-8"))["kind"] == kind


@pytest.mark.parametrize("variant", range(DAMAGED))
def test_a_damaged_file_is_refused_or_read_exactly(tmp_path, variant):
    """Readers repair a damaged file and read on, losing characters ("1份" read as "份"): such a
    file is refused, never loaded with differences."""
    path = _damaged(tmp_path / f"damaged-{variant}.pdf", variant)
    try:
        _, forms = extract(path)
    except (errors.BrokenPdf, errors.ExtractionFault) as refusal:
        assert refusal.file == str(path) and refusal.page == 1
    else:
        assert [differences(f.to_dict(), truth(code_of(DAMAGED_FROM))) for f in forms] == [[]]


REPORTLAB_FORM = PDF / "reportlab" / "440303210301500004143.reportlab.pdf"


@pytest.mark.parametrize("src,printed,damaged,words", [
    (TWO_PAGE_FORM, b"/Widths[0 1000 ", b"/Widths[0 1 00 ", "has 56 widths for codes 0–54"),
    (REPORTLAB_FORM, b"\n9 0 obj", b"\n9 0 xbj", "object 9 is referred to but cannot be read"),
    (REPORTLAB_FORM, b"/Name /F2+1", b"      /F2+1", "an object does not parse"),
], ids=["font widths", "object lost", "dictionary"])
def test_a_damaged_object_is_broken(tmp_path, src, printed, damaged, words):
    """Damage outside a compressed stream (same length, so every offset still holds): a font's widths
    no longer match its codes (characters would move), an object the parser loses, or one it
    repairs. Readers go on regardless; the file is refused naming the page."""
    data = src.read_bytes()
    assert data.count(printed) >= 1
    path = tmp_path / "damaged.pdf"
    path.write_bytes(data.replace(printed, damaged, 1))
    with pytest.raises(errors.BrokenPdf, match=words) as refusal:
        extract(path)
    assert refusal.value.page == 1 and refusal.value.kind == "broken"


def test_a_damaged_font_is_caught_by_the_cells_too(tmp_path, monkeypatch):
    """Without the stream check the same damage reaches the cells as empty 分值/得分, which the form
    reader refuses: the second line of defence holds on its own (the glyphs left without an outline,
    `glyphs.MissingFont`, and the text objects pdfium leaves out for it, `glyphs.Drawn`, others, are
    left out here)."""
    import pipeline.read.glyphs
    import pipeline.read.pdf

    monkeypatch.setattr(pipeline.read.pdf, "_check_objects", lambda path, pages=None: None)
    monkeypatch.setattr(pipeline.read.glyphs, "_check_fonts", lambda *found: None)
    monkeypatch.setattr(pipeline.read.glyphs, "_unshown", lambda objects: [])
    with pytest.raises(errors.ExtractionFault, match="has no 分值 or 得分") as refusal:
        extract(_damaged(tmp_path / "damaged.pdf", 0))
    assert refusal.value.page == 1


def test_other_reports_still_load(bad_files, tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    good = SAMPLES / "440305210300200065020.xlsx.pdf"
    statuses = [ingest_file(con, p).status for p in (bad_files["half"], good, bad_files["not_a_pdf"])]
    assert statuses == ["quarantined", "loaded", "quarantined"]
    assert con.execute("SELECT form_id FROM dim_form").fetchall() == [("440305210300200065020-2023",)]


def test_a_report_that_later_fails_loses_its_old_rows(tmp_path):
    """A re-read that is refused leaves the report quarantined, never half old and half new."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    good = SAMPLES / "440305210300200065020.xlsx.pdf"
    ingest_file(con, good)
    from pipeline import ingest as ingest_module

    def boom(path):
        raise errors.ExtractionFault(str(path), "cell shifted", 1)

    original = ingest_module.extract
    ingest_module.extract = boom
    try:
        assert ingest_file(con, good, force=True).status == "quarantined"
    finally:
        ingest_module.extract = original
    assert con.execute("SELECT count(*) FROM fact_indicator_result").fetchall()[0][0] == 0
    assert con.execute("SELECT status FROM dim_report").fetchall() == [("quarantined",)]


def test_inspect_lists_scanned_pages_instead_of_refusing():
    """A page with no text layer is no longer a refusal: inspect names it for pipeline.read.ocr, and a
    text PDF has none (its pages keep their text layer)."""
    from pipeline.read.pdf import inspect

    assert inspect(PDF / "scan" / "440303200301500094260.scan.pdf").scanned == (1, 2)
    assert inspect(PDF / "xlsx" / "440305210300200065020.xlsx.pdf").scanned == ()


def test_a_black_and_white_scan_is_a_scan_not_a_damaged_file(tmp_path):
    """A 1-bit scan, its image CCITT G4 encoded as black-and-white scanners write it (here by Pillow,
    with the end-of-block code), is listed for OCR: the image codecs are pdfium's to decode, and
    playa's CCITT decoder, which logs the end-of-block code as an unknown mode, no longer makes the
    page "damaged" (every damaged-stream case above is still refused)."""
    import pypdfium2 as pdfium

    from pipeline.read.pdf import inspect

    page = pdfium.PdfDocument(str(TWO_PAGE_FORM))[0]
    sheet = page.render(scale=200 / 72, grayscale=True).to_pil().convert("L").point(lambda v: 255 if v > 128 else 0)
    scan = tmp_path / "bw.pdf"
    sheet.convert("1").save(scan, resolution=200)
    assert b"/CCITTFaxDecode" in scan.read_bytes()
    assert inspect(scan).scanned == (1,)


def test_a_refusal_survives_pickling():
    """Dagster passes values between steps by pickling; a refusal must keep its file and page."""
    import pickle

    err = pickle.loads(pickle.dumps(errors.ScannedPage("r.pdf", "page 2 has no text layer", 2)))
    assert (type(err), err.file, err.page, str(err)) == (
        errors.ScannedPage, "r.pdf", 2, "r.pdf, page 2: page 2 has no text layer")


def test_refusals_put_aside_elsewhere_are_recorded_once(bad_files, tmp_path):
    """A refusal quarantined without the warehouse open (the Dagster read step) reaches dim_report from
    its sidecar, once; one the warehouse already knows is left as it is."""
    from pipeline.ingest import quarantine, read_report, record_quarantined
    from pipeline.read.pdf import sha256_of

    folder = tmp_path / "quarantine"
    refused = {}
    for case in ("not_a_pdf", "no_form"):
        path = bad_files[case]
        refused[case] = (sha256_of(path), read_report(path))
        quarantine(path, refused[case][0], refused[case][1], folder)
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert sorted(record_quarantined(con, folder)) == sorted(sha for sha, _ in refused.values())
    assert record_quarantined(con, folder) == []
    rows = con.execute("SELECT report_sha256, status, error_kind, error_page, error FROM dim_report").fetchall()
    assert {r[0]: r[1:4] for r in rows} == {
        sha: ("quarantined", err.kind, err.page) for sha, err in refused.values()}
    messages = {r[0]: r[4] for r in rows}
    assert all(bad_files[case].name in messages[sha] for case, (sha, _) in refused.items())
    assert record_quarantined(con, tmp_path / "nowhere") == []


def test_a_workbook_hiding_columns_past_the_sheet_is_read(tmp_path):
    """A <col> hiding columns up to 2^31 (no sheet has more than 16,384: a damaged or crafted file)
    is read as hiding the sheet's columns, not every number up to it (that filled the memory until
    the worker died). Run under a memory limit, so that a regression fails instead of swapping."""
    import os
    import subprocess
    import sys
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for r in range(1, 4):
        for c in range(1, 4):
            sheet.cell(r, c, value=f"{r}{c}")
    sheet.column_dimensions["E"].hidden = True
    book.save(tmp_path / "plain.xlsx")
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as src, \
            zipfile.ZipFile(tmp_path / "wide.xlsx", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b'min="5" max="5"' in data
                data = data.replace(b'max="5"', b'max="2147483647"')
            dst.writestr(item, data)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)); "
            "from pathlib import Path; from pipeline.read.workbook import read_xlsx; "
            f"[t] = read_xlsx(Path({str(tmp_path / 'wide.xlsx')!r})); print(t.rows, t.cols)")
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=root,
                          env={**os.environ, "PYTHONPATH": root})
    assert (done.returncode, done.stdout.strip()) == (0, "3 3"), done.stderr[-500:]
