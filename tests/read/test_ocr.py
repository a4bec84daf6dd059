"""Scanned reports (issue 12): read by OCR through the one form reader, every number checked before
it is trusted. Each scan fixture is read once, in the worker pool (module fixture)."""

from __future__ import annotations

import dataclasses
import socket
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from conftest import PDF, code_of, truth
from pipeline import bounded, errors, warehouse
from tools import compare
from pipeline.facts import frames as facts
from pipeline.read import ocr
from pipeline.facts import ocr_trust
from pipeline.extract import extract
from pipeline.read.ocr import cells, corrections, image, recognise, ruling

SCANS = sorted((PDF / "scan").glob("*.pdf")) + sorted((PDF / "scan-seal").glob("*.pdf"))
TEXT_FORM = PDF / "xlsx" / "440305210300200065020.xlsx.pdf"  # one page, read from its text layer
MIXED_SCAN = PDF / "scan" / "440303210301500001278.scan.pdf"  # one page
NUMBER_GROUPS = ("funds", "fund_rows", "totals")  # every number a check covers; plus 分值/得分 below


def _mixed(dst: Path) -> Path:
    """A text form followed by a scanned one: each page read its own way."""
    writer = PdfWriter()
    for src in (TEXT_FORM, MIXED_SCAN):
        for page in PdfReader(src).pages:
            writer.add_page(page)
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def _turned(dst: Path, angle: int) -> Path:
    """MIXED_SCAN shown turned (/Rotate `angle`, clockwise): a sheet scanned on its side or upside down."""
    writer = PdfWriter()
    for page in PdfReader(MIXED_SCAN).pages:
        writer.add_page(page.rotate(angle))
    with dst.open("wb") as fh:
        writer.write(fh)
    return dst


def _searchable(dst: Path, mode: int = 3) -> Path:
    """MIXED_SCAN made searchable as a scanner or ocrmypdf does: its page image, and over it the
    words of a recognition in text render `mode` (3: invisible), some wrong ("3165.46" for the
    printed 3165.45), as such layers are."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = pdfium.PdfDocument(str(MIXED_SCAN))[0]
    width, height = page.get_size()
    sheet = canvas.Canvas(str(dst), pagesize=(width, height))
    sheet.drawImage(ImageReader(page.render(scale=150 / 72).to_pil()), 0, 0, width, height)
    words = sheet.beginText()
    words.setTextRenderMode(mode)
    words.setFont("STSong-Light", 9)
    words.setTextOrigin(50, 760)
    words.textLine("项目支出绩效自评表 项目名称 大数据建设管理工作 项目编码 440303210301500001278")
    words.setTextOrigin(50, 700)
    words.textLine("年度资金总额 18900.00 18900.00 3165.46")
    sheet.drawText(words)
    sheet.showPage()
    sheet.save()
    return dst


@pytest.fixture(scope="module")
def read(tmp_path_factory) -> dict[Path, tuple]:
    """Every scan fixture, one mixed PDF and one scan on its side each way read once, in parallel in
    the bounded worker pool, as `jixiao ingest` reads them: path → (info, forms) or the refusal."""
    folder = tmp_path_factory.mktemp("mixed")
    made = [_mixed(folder / "mixed.pdf"), *(_turned(folder / f"turned{a}.pdf", a) for a in (90, 180, 270)),
            _searchable(folder / f"{code_of(MIXED_SCAN)}.searchable.pdf")]
    return dict(bounded.run(extract, SCANS + made, limits=bounded.Limits(seconds=600)))


def test_a_scan_made_searchable_is_read_from_its_image_not_its_invisible_words(read, tmp_path):
    """A scan with a recognition laid invisible over it (render mode 3) was refused as holding no form
    (its words carry no ruling); it is read from its image, saying why, and its fields are the
    printed ones, not the layer's ("3165.46" for the 执行数 3165.45). A page showing its text
    over an image (a logo, a seal) is read from its text as before."""
    from pipeline.read.pdf import inspect

    [(info, [form])] = [v for k, v in read.items() if k.name.endswith(".searchable.pdf")]
    assert info.scanned == (1,) and "drawn invisible over an image" in info.unreadable[0][1]
    assert form.ocr.reason == "text_layer_unreadable"
    got, want = form.to_dict(), truth(code_of(MIXED_SCAN))
    assert got["funds"]["rows"][0]["executed"] == want["funds"]["rows"][0]["executed"] == "3165.45"
    right, total = map(sum, zip(*compare.score(got, want).values()))
    assert right >= 0.99 * total
    shown = inspect(_searchable(tmp_path / "shown.pdf", mode=0))
    assert shown.scanned == () and shown.unreadable == ()


def test_a_page_is_on_its_side_only_where_its_rows_run_up_and_down_it():
    """Vertical ruling far longer than horizontal says a form's rows run up the page, but only with
    rows: a page edge's shadow or a fold (one or two long vertical lines, no horizontal ruling) is no
    sideways table, and such a page is read upright."""
    from pipeline.read.ocr.page import _sideways

    rows = [(x, 100.0, 1700.0) for x in range(100, 1100, 100)]  # ten long lines down the page
    columns = [(y, 100.0, 400.0) for y in range(200, 1000, 200)]  # four short ones across
    assert _sideways(columns, rows)
    assert not _sideways(rows, columns)  # the same page upright
    assert not _sideways([], [(5.0, 0.0, 1754.0), (1230.0, 0.0, 1754.0)])  # two edges' shadows, nothing across


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_a_sheet_scanned_on_its_side_or_upside_down_reads_as_upright(read, angle):
    """A page whose ruling runs up and down it is read turned a quarter, the way the recogniser reads
    with more confidence (`page._sideways`); one read with little confidence is read turned over too
    (`page.UPSIDE_DOWN`): every field as read upright, and each cell's box given where the page, as
    it shows, prints it (the evidence outlined on its image)."""
    [(_, [upright])] = [v for k, v in read.items() if k == MIXED_SCAN]
    [(info, [turned])] = [v for k, v in read.items() if k.name == f"turned{angle}.pdf"]
    assert info.scanned == (1,)
    mine, theirs = upright.to_dict(), turned.to_dict()
    assert {k: v for k, v in theirs.items() if k != "source"} == {k: v for k, v in mine.items() if k != "source"}
    width, height = 595.68, 841.92  # the upright page, A4; shown turned, its sides swap
    cells = {(c.row, c.col, c.text): c.box for c in turned.ocr.cells}
    same = [(a.box, cells[a.row, a.col, a.text]) for a in upright.ocr.cells if (a.row, a.col, a.text) in cells]
    assert len(same) >= 0.9 * len(upright.ocr.cells)  # a label's "*" read or not: other pixels, another read
    near = 0
    for (x0, y0, x1, y1), box in same:
        want = {90: (y0, width - x1, y1, width - x0), 180: (width - x1, height - y1, width - x0, height - y0),
                270: (height - y1, x0, height - y0, x1)}[angle]
        near += all(abs(p - q) <= 5.0 for p, q in zip(box, want))
    assert near >= 0.95 * len(same)


def _loaded(read) -> list[tuple[Path, object, dict, dict]]:
    """(pdf, form, its dict, its truth) for every scan that was read."""
    out = []
    for pdf in SCANS:
        result = read[pdf]
        if isinstance(result, errors.ReportError):
            continue
        _, forms = result
        assert len(forms) == 1, pdf
        out.append((pdf, forms[0], forms[0].to_dict(), truth(code_of(pdf))))
    return out


def _status(read, pdf: Path) -> tuple[str, str | None]:
    info, forms = read[pdf]
    frames = facts.frames(forms, file_path=str(pdf), pages=info.pages)
    return frames.dim_form["status"][0], frames.dim_form["ocr_failed_rules"][0]


def test_the_engine_reads_offline_with_the_models_of_its_wheel(monkeypatch):
    """rapidocr-onnxruntime 1.4.x ships its models: loading and reading never touch the network."""
    assert ocr.engine_version().startswith("1.4.")
    models = ocr.models_in_wheel()
    assert {m.name.split("_")[-2] for m in models} >= {"det", "rec"}
    assert all("site-packages" in str(m) or ".venv" in str(m) for m in models)

    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    recognise.forget_engine()
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(MIXED_SCAN))
    image = doc[0].render(scale=150 / 72, grayscale=True).to_numpy()
    doc.close()
    header = image[100:240].copy()  # the title and the header block of the scan
    texts = {text: confidence for _, text, confidence in recognise.engine()(header)[0]}
    assert texts.get("项目支出绩效自评表", 0) > 0.9 and texts.get("440303210301500001278", 0) > 0.9
    recognise.forget_engine()


def test_every_scan_is_read_or_refused_by_name(read):
    for pdf in SCANS:
        result = read[pdf]
        if isinstance(result, errors.ReportError):  # never loaded: said with file and reason
            assert str(pdf) in str(result) and result.kind in ("extraction_fault", "incomplete_form")
        else:
            info, forms = result
            assert info.scanned == tuple(range(1, info.pages + 1))
            assert [f.read_method for f in forms] == ["ocr"]
    # all 9 since issue 12's second round (440306211551500055181 seal was refused for a 分值 lost)
    assert sum(not isinstance(read[p], errors.ReportError) for p in SCANS) == len(SCANS)


def test_scans_are_read_field_by_field_against_the_truth(read):
    """The fields of the scans read, compared with the truth as every layout is. Measured 99.22%
    of 1,926 fields, 9 scans (99.07% before a seal's filled star was unmixed from the luma, 98.70% before the space before "（" and "；"/"：" were read from the
    glyphs, 98.86% before a lone wrapped "。" and a straight '"' were; bench/README.md): issue 12's
    99% is reached (still wrong: numbers and header texts under the seal, ≥ printed too faint, a
    "." after "1"); this bar guards what is reached against regressions."""
    right = total = 0
    for _, _, got, want in _loaded(read):
        for r, t in compare.score(got, want).values():
            right, total = right + r, total + t
    assert total > 600
    assert right / total >= 0.99, f"{right}/{total}"


# goal paragraphs whose lines cross the border between 年度目标 and 实际完成情况: each part is read
# from its own crop (recognise.split_read). Read as one line they came out with a "，" in the gap the
# erased border leaves ("提高工，作") and "；" read as "：" (measured 2026-12-02, bench/README.md)
READ_ACROSS_A_BORDER = [
    ("scan/440303200301500094260", "goal_expected"),
    ("scan/440303210301500004536", "goal_actual"),
    ("scan/440106191550216302646", "goal_actual"),
]


# fields read right by measuring the glyphs, not the recogniser's reading: the space printed before
# "（" (recognise.spaced) and "；" told from "：" (recognise.colons); each was wrong before (2026-12-02)
READ_FROM_THE_GLYPHS = [
    ("scan/440303200301500094260", "header", "budget_unit"),
    ("scan-seal/440306211551500055181", "header", "budget_unit"),
    ("scan-seal/440303231550216305001", "goals", "goal_expected"),
    # a "。" wrapped alone onto a line of its own (recognise.full_stop) and a straight '"' after "“"
    # (recognise.quotes): each was wrong before (2026-12-02, round 4)
    ("scan/440303200301500094260", "goals", "goal_actual"),
    ("scan/440303210301500001278", "goals", "goal_actual"),
    ("scan-seal/440303210301500004143", "indicators", "1.deviation_note"),
    ("scan-seal/440303210301500004143", "indicators", "4.deviation_note"),
]


@pytest.mark.parametrize("name,group,field", READ_FROM_THE_GLYPHS)
def test_fields_read_from_the_glyphs_are_right(read, name, group, field):
    pdf = next(p for p in SCANS if f"{p.parent.name}/{code_of(p)}" == name)
    _, [form] = read[pdf]
    assert compare.fields(form.to_dict())[(group, field)] == compare.fields(truth(code_of(pdf)))[(group, field)]


@pytest.mark.parametrize("name,field", READ_ACROSS_A_BORDER)
def test_a_line_across_two_cells_is_read_part_by_part(read, name, field):
    pdf = next(p for p in SCANS if f"{p.parent.name}/{code_of(p)}" == name)
    _, [form] = read[pdf]
    got = compare.fields(form.to_dict())[("goals", field)]
    assert got == compare.fields(truth(code_of(pdf)))[("goals", field)]


def test_only_the_ruling_is_erased_not_a_tall_glyph():
    """A vertical stroke that runs from one ruled line to another is a border and is erased; a
    title's tall stroke (目, 评), above the table, meets no line and stays ink."""
    import numpy as np

    mask = np.zeros((200, 300), np.uint8)
    mask[50:150, 100:103] = 255  # a border, from the line at y 50 to the line at y 150
    mask[5:40, 200:203] = 255  # a glyph's stroke above the table
    hlines = [(50.0, 20.0, 280.0), (150.0, 20.0, 280.0)]
    vlines = [(101.0, 50.0, 150.0), (201.0, 5.0, 40.0)]
    assert ruling.borders(hlines, vlines) == [(101.0, 50.0, 150.0)]
    kept = ruling.on_lines(mask, ruling.borders(hlines, vlines))
    assert kept[50:150, 100:103].all() and not kept[5:40, 200:203].any()


def test_a_border_the_page_cuts_is_still_a_border():
    """A browser splits a tall cell over two pages and draws no border under its first part: the
    table's left border runs from the table's top line down past the last line into the air. It
    meets two ruled lines, so it is a border and the column it bounds is read (on a web page's
    form the label column was lost: no 项目名称, the page refused); a glyph's stroke crossing one
    line is not."""
    hlines = [(50.0, 100.0, 280.0), (100.0, 100.0, 280.0), (150.0, 160.0, 280.0)]
    cut = (101.0, 50.0, 190.0)  # the label column's left border, past the last line (x 160 on)
    inner = (161.0, 50.0, 190.0)
    stroke = (230.0, 130.0, 175.0)  # crosses the line at y 150 only
    assert ruling.borders(hlines, [cut, inner, stroke]) == [cut, inner]


def test_a_table_the_page_cuts_keeps_its_open_row():
    """A long table printed by a browser goes on at the next page's top with no line above its first
    row (the rest of a cell split by the page); its borders run up from the first line into the air.
    That row is a row, from where the borders start: its text is in it, not outside every row with
    the rows below taking its labels (a web page's form read with 二级 labels a row off, verified)."""
    import cv2
    import numpy as np

    page = np.full((1700, 1200), 245, np.uint8)
    ys, xs = [300, 400, 500, 600], [100, 400, 700, 1100]
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 30, 3)
    for x in xs:
        cv2.line(page, (x, 200), (x, ys[-1]), 30, 3)  # from y 200: no line there
    horizontal, vertical = ruling.strokes(image.binary(page))
    [(rows, cols, _)] = ruling.ruled_tables(ruling.lines_of(horizontal, 0), ruling.lines_of(vertical, 1),
                                            horizontal, vertical)
    assert [round(a / 10) * 10 for a, _ in rows] == [200, 300, 400, 500] and len(cols) == 3


def test_a_column_merged_over_the_whole_page_keeps_its_border():
    """A long table's page whose first columns are cells merged over the whole page (绩效指标, 一级指标
    running on from the page before to the page after): their borders meet no ruled line at all, but
    start and end where the table's other borders do, so they are borders and the columns are read
    (the page gave 9 of its 11 columns, and its form was refused)."""
    import cv2
    import numpy as np

    page = np.full((1700, 1200), 245, np.uint8)
    ys, xs = [300, 400, 500, 600], [100, 250, 400, 700, 1100]
    for y in ys:
        cv2.line(page, (xs[2], y), (xs[-1], y), 30, 3)  # the rows' lines start at the third border
    for x in xs:
        cv2.line(page, (x, 200), (x, 700), 30, 3)  # every border from the page's cut to the next
    horizontal, vertical = ruling.strokes(image.binary(page))
    [(rows, cols, _)] = ruling.ruled_tables(ruling.lines_of(horizontal, 0), ruling.lines_of(vertical, 1),
                                            horizontal, vertical)
    assert [round(a / 10) * 10 for a, _ in cols] == [100, 250, 400, 700] and len(rows) == 5


def test_a_border_a_seal_breaks_is_still_a_border():
    """A seal's line across a short border (one row's: the cells above and below are merged) lightens
    a few pixels of it: what is left is shorter than the opening that finds strokes, and the two cells
    were read as one (a yunnan scan's 分值 and 执行率: the form refused). Ink along nearly all of the
    border, where a ruled line stands, draws it; text across a merged cell's border position does not."""
    import cv2
    import numpy as np

    page = np.full((1700, 1200), 245, np.uint8)
    ys, xs = [300, 340, 380, 420], [100, 400, 700, 1100]
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 30, 3)
    for x in (xs[0], xs[2], xs[3]):
        cv2.line(page, (x, ys[0]), (x, ys[-1]), 30, 3)
    cv2.line(page, (xs[1], ys[0]), (xs[1], ys[2]), 30, 2)  # rows 0 and 1: row 2's cells are merged
    page[360:363, xs[1] - 2:xs[1] + 3] = 245  # broken in row 1 by a seal's line
    cv2.putText(page, "12.5 12.5", (xs[1] - 80, ys[3] - 10), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 40, 3)  # row 2: across it
    horizontal, vertical = ruling.strokes(image.binary(page))
    hlines, vlines = ruling.lines_of(horizontal, 0), ruling.lines_of(vertical, 1)
    [(rows, cols, drawn)] = ruling.ruled_tables(hlines, vlines, horizontal, vertical, image.binary(page))
    assert len(rows) == 3 and len(cols) == 3
    assert drawn[0][0].right and drawn[1][0].right and not drawn[2][0].right
    [(_, _, before)] = ruling.ruled_tables(hlines, vlines, horizontal, vertical)
    assert not before[1][0].right  # the stroke alone: the cells run together


def _ruled_page(width: int = 1200, height: int = 1700):
    """A grey page with a ruled table of 12 rows and 6 columns (some borders broken, as merged
    cells leave them), text-like blots in its cells, and a dark line along the page's top edge
    that crosses no border (a scanner's shadow)."""
    import cv2
    import numpy as np

    page = np.full((height, width), 245, np.uint8)
    ys, xs = np.linspace(300, 1500, 13).astype(int), np.linspace(100, 1100, 7).astype(int)
    for y in ys:
        cv2.line(page, (xs[0], y), (xs[-1], y), 30, 3)
    for k, x in enumerate(xs):
        for r, (a, b) in enumerate(zip(ys, ys[1:])):
            if k in (0, len(xs) - 1) or (k + r) % 4:  # inner borders broken here and there
                cv2.line(page, (x, a), (x, b), 30, 3)
    for a, b in zip(ys, ys[1:]):
        for x in xs[:-1]:
            cv2.putText(page, "12.5", (x + 20, b - 30), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 40, 3)
    cv2.line(page, (0, 4), (width, 4), 20, 6)
    return page


def _table_shape(grey) -> list[tuple[int, int]]:
    horizontal, vertical = ruling.strokes(image.binary(grey))
    tables = ruling.ruled_tables(ruling.lines_of(horizontal, 0), ruling.lines_of(vertical, 1), horizontal, vertical)
    return [(len(rows), len(cols)) for rows, cols, _ in tables]


def test_print_under_a_seals_filled_star_keeps_its_ink():
    """A made scan's label "*实际完成值" under a seal's filled star (a crop of tune
    440303230301000061330, tests/fixtures/scans/): unmixed pixel by pixel from green and blue that
    the star leaves nearly black, the strokes went with the seal (the label read "光疏霜", the form
    refused). Measured smooth under a broad seal and taken out of the luma, the seal still becomes
    paper and the strokes keep their ink; print outside the seal is as before."""
    import cv2
    import numpy as np

    from pipeline.read.ocr import image

    rgb = cv2.cvtColor(cv2.imread(str(Path(__file__).parents[1] / "fixtures" / "scans" / "star-over-a-label.png")), cv2.COLOR_BGR2RGB)
    label, beside, star = (slice(64, 94), slice(40, 130)), (slice(64, 94), slice(162, 210)), (slice(20, 50), slice(70, 100))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JIXIAO_OCR_UNMIX", "red")
        before = image.ink(rgb).astype(float)
    after = image.ink(rgb).astype(float)
    assert np.percentile(after[label], 5) <= np.percentile(before[label], 5) - 15  # 111 against 133
    assert np.median(after[star]) >= 215 and np.median(before[star]) >= 215  # the star is paper
    assert abs(np.percentile(after[beside], 5) - np.percentile(before[beside], 5)) <= 12  # 82 against 90


def test_a_page_photographed_in_perspective_is_flattened_before_its_ruling():
    """A sheet not held square to the camera slants every ruled line its own way; after `deskew`
    the column borders still drift across the table and the ruling splits each in two. The table's
    frame is made a rectangle again (`image.flatten`), and the ruling finds the table's rows and
    columns as on the flat page; a flat page is left as it is, and a dark edge of the page that
    crosses no border is no part of the frame."""
    import cv2
    import numpy as np

    from pipeline.read.ocr import image

    flat = _ruled_page()
    assert _table_shape(flat) == [(12, 6)]
    same, moved = image.flatten(flat)
    assert moved == 0.0 and same is flat
    h, w = flat.shape
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    shifted = corners + np.float32([[14, -10], [-12, 8], [10, 14], [-16, -6]])  # ~1% of the page
    photo = cv2.warpPerspective(flat, cv2.getPerspectiveTransform(corners, shifted), (w, h),
                                flags=cv2.INTER_LINEAR, borderValue=245)
    photo, _ = image.deskew(photo)
    assert _table_shape(photo) != [(12, 6)]  # the ruling of the photo as it is: columns split
    flattened, moved = image.flatten(photo)
    assert moved > 5
    assert _table_shape(flattened) == [(12, 6)]


def test_no_wrong_number_reaches_a_verified_form(read):
    """A form is ocr_verified only when its checks hold, and then every number it gives is the
    printed one; a form with any number misread is ocr_unverified, naming the rules that failed."""
    verified = 0
    for pdf, form, got, want in _loaded(read):
        status, failed = _status(read, pdf)
        wanted = compare.checked_numbers(want)
        wrong = {k: (v, wanted.get(k)) for k, v in compare.checked_numbers(got).items() if v != wanted.get(k)}
        if status == ocr_trust.VERIFIED:
            verified += 1
            assert wrong == {}, pdf
            assert failed is None
        else:
            assert status == ocr_trust.UNVERIFIED and failed, pdf
            if set(failed.split(",")) <= {ocr_trust.SECOND_READ, ocr_trust.STRICT_SIGN}:
                continue  # a target or an actual read two ways or with ">" (no sum covers them): none checked here
            # the truth itself passes (no defect on these forms): the failure is a misread
            assert wrong or want.get("defect"), pdf
    assert verified >= 3


def test_only_the_numbers_no_check_covers_are_read_twice(read):
    """A second read is one more recognition (~20 ms of CPU each). Fund amounts, 分值, 得分, 总分 and
    执行率 are covered by the rules (a misread there breaks one), so only targets and actuals
    (`ocr_trust.unchecked`) are read again, and they are: on 440303210301500001278 10 second reads
    where every one-line number was read twice before (58)."""
    twice = 0
    for pdf, form, _, _ in _loaded(read):
        unchecked = {id(c) for c in ocr_trust.unchecked(form)}
        again = [c for c in form.ocr.cells if c.second is not None]
        assert [c.text for c in again if id(c) not in unchecked] == [], pdf
        twice += len(again)
    assert twice >= 20


def test_a_misread_digit_is_caught_and_its_cells_listed(read):
    """One digit changed in an OCR'd 分值: the checksum breaks, the form is ocr_unverified, and the
    cells the failed rule rests on are unverified. Nothing is 'fixed'."""
    pdf = next(p for p, _, _, _ in _loaded(read) if _status(read, p)[0] == ocr_trust.VERIFIED)
    info, [form] = read[pdf]
    row = form.indicators[0]
    wrong = str(Decimal(row.weight) + 1)
    misread = dataclasses.replace(form, indicators=(dataclasses.replace(row, weight=wrong),) + form.indicators[1:])
    frames = facts.frames([misread], file_path=str(pdf), pages=info.pages)
    assert frames.dim_form["status"][0] == ocr_trust.UNVERIFIED
    assert "weights_total" in frames.dim_form["ocr_failed_rules"][0]
    assert frames.fact_indicator_result["weight"][0] == Decimal(wrong)  # stored as read, flagged
    flagged = frames.ocr_cell.filter(frames.ocr_cell["unverified"])
    assert flagged.height > 0 and all("failed_check" in (r or "") or "low_confidence" in (r or "")
                                      or "corrected" in (r or "") for r in flagged["reason"])


def test_every_ocr_cell_carries_confidence_and_box(read):
    for pdf, form, got, _ in _loaded(read):
        cells = got["source"]["ocr"]["cells"]
        assert got["source"]["read"] == "ocr" and got["source"]["ocr"]["engine"] == ocr.ENGINE
        assert cells and all(0 < c["confidence"] <= 1 and len(c["box"]) == 4 for c in cells)
        assert all(c["box"][0] < c["box"][2] and c["box"][1] < c["box"][3] for c in cells)
        # a recorded correction is one the domain allows, and the raw text is kept beside it
        for c in cells:
            if c["correction"]:
                assert c["raw"] != c["text"]


def test_dashes_read_as_yi_are_corrected_and_recorded():
    assert ocr.correct("一") == ("—", "一→—")
    assert ocr.correct("1O.00") == ("10.00", "O→0")
    assert ocr.correct("8。63") == ("8.63", "。→.")
    assert ocr.correct(".5") == ("5", "stray mark '.5'→'5'")
    assert ocr.correct("一级指标") == ("一级指标", None)  # words stay words
    assert ocr.correct("时效指标") == ("时效指标", None)  # data one character from a label stays
    assert ocr.correct("1291532.65") == ("1291532.65", None)


def test_a_mixed_pdf_keeps_its_text_layer(read):
    mixed = next(p for p in read if p.name == "mixed.pdf")
    info, forms = read[mixed]
    assert info.scanned == (2,)
    text_form, scan_form = forms
    assert (text_form.read_method, scan_form.read_method) == ("text", "ocr")
    assert compare.differences(text_form.to_dict(), truth(code_of(TEXT_FORM))) == []
    assert scan_form.project_code == code_of(MIXED_SCAN)


def test_ocr_has_its_own_time_limit_per_page(monkeypatch):
    monkeypatch.setenv("JIXIAO_OCR_PAGE_SECONDS", "1")
    with pytest.raises(errors.OverLimit, match="page 1 took more than 1 s of CPU time to read by OCR"):
        extract(MIXED_SCAN)


def test_the_warehouse_says_how_each_form_was_read(read, tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    statuses = {}
    for pdf in SCANS + [p for p in read if p.name == "mixed.pdf"]:
        result = read[pdf]
        if isinstance(result, errors.ReportError):
            continue
        info, forms = result
        warehouse.load_report(con, facts.frames(forms, file_path=str(pdf), pages=info.pages))
    warehouse.refresh_views(con)
    rows = con.execute("SELECT form_id, read_method, ocr_engine, ocr_version, status FROM dim_form").fetchall()
    for form_id, method, engine, version, status in rows:
        statuses[form_id] = status
        if method == "ocr":
            assert (engine, version) == (ocr.ENGINE, ocr.engine_version())
            assert status in (ocr_trust.VERIFIED, ocr_trust.UNVERIFIED)
        else:
            assert (engine, version, status) == (None, None, ocr_trust.TEXT)
    assert "text" in {m for _, m, _, _, _ in rows} and "ocr" in {m for _, m, _, _, _ in rows}
    listed = dict(con.execute("SELECT form_id, status FROM v_ocr_forms").fetchall())
    assert listed == {f: s for f, s in statuses.items() if s != ocr_trust.TEXT}
    scorecard = {f for (f,) in con.execute("SELECT form_id FROM v_form_scorecard").fetchall()}
    unverified = {f for f, s in statuses.items() if s == ocr_trust.UNVERIFIED}
    assert scorecard == set(statuses) - unverified  # kept apart from verified forms
    cells = {f for (f,) in con.execute("SELECT DISTINCT form_id FROM v_ocr_unverified_cells").fetchall()}
    assert cells == unverified
    assert all(c for _, c in con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name IN "
        "('ocr_cell', 'v_ocr_forms', 'v_ocr_unverified_cells')").fetchall())
    con.close()


def _with_amount(form, column: str, value: str):
    """The form with its first fund row's `column` and the OCR cell holding it read as `value`."""
    row = form.funds.rows[0]
    old = getattr(row, column)
    cells, done = [], False
    for cell in form.ocr.cells:
        if not done and cell.text == old:
            cell, done = dataclasses.replace(cell, text=value, raw=value), True
        cells.append(cell)
    assert done
    funds = dataclasses.replace(form.funds, rows=(dataclasses.replace(row, **{column: value}),) + form.funds.rows[1:])
    return dataclasses.replace(form, funds=funds, ocr=dataclasses.replace(form.ocr, cells=tuple(cells)))


def test_a_lost_decimal_point_is_given_back_only_where_the_checks_then_hold(read):
    pdf = next(p for p, f, _, _ in _loaded(read) if _status(read, p)[0] == ocr_trust.VERIFIED
               and "." in f.funds.rows[0].executed and f.funds.rows[0].executed != "0.00")
    info, [form] = read[pdf]
    printed = form.funds.rows[0].executed
    lost = _with_amount(form, "executed", printed.replace(".", ""))
    frames = facts.frames([lost], file_path=str(pdf), pages=info.pages)
    assert frames.dim_form["status"][0] == ocr_trust.VERIFIED
    assert frames.fact_fund_execution.filter(frames.fact_fund_execution["source_order"] == 1)[
        "executed_printed"][0] == Decimal(printed)
    corrected = frames.ocr_cell.filter(frames.ocr_cell["text"] == printed)
    assert any(ocr_trust.MISSING_POINT in (c or "") for c in corrected["correction"])
    # another digit wrong as well: no point placement makes the checks hold, the number stays as read
    wrong = _with_amount(form, "executed", "9" + printed.replace(".", "")[1:])
    frames = facts.frames([wrong], file_path=str(pdf), pages=info.pages)
    assert frames.dim_form["status"][0] == ocr_trust.UNVERIFIED
    assert not any(ocr_trust.MISSING_POINT in (c or "") for c in frames.ocr_cell["correction"])


def test_a_label_near_several_is_the_one_its_row_does_not_print(read):
    """"级指标" (its 一 lost) is one character from 一级指标, 二级指标 and 三级指标; its row prints
    the other two, so it is 一级指标, recorded. 440306211551500055181 seal was refused without it,
    and its 一级指标 column is read now."""
    assert corrections.snap("级指标") == "级指标"  # alone: ambiguous, left as read
    assert corrections.snap("级指标", frozenset({"二级指标", "三级指标"})) == "一级指标"
    pdf = next(p for p in SCANS if code_of(p) == "440306211551500055181")
    _, [form] = read[pdf]
    want = truth(code_of(pdf))["indicators"]
    assert [(i.level1, i.level1_weight) for i in form.indicators] == \
        [(i["level1"], i["level1_weight"]) for i in want]
    fixed = [c for c in form.ocr.cells if c.raw == "级指标"]
    assert fixed and all(c.text == "一级指标" and "not another of its row" in c.correction for c in fixed)


def test_marks_a_seal_leaves_are_dropped_and_recorded(read):
    """The seal's outline over 项目名称 reads as "75" and "C": small, low-confidence, beside real
    text: dropped from the cell (kept in `raw`, the correction says so), and the name is exact."""
    line = lambda text, conf, y0, y1: recognise.Line(text, conf, 0.0, y0, 50.0, y1)  # noqa: E731
    text, mark = line("项目名称：", 0.92, 188, 212), line("75", 0.57, 177, 188)
    assert cells.marks([mark, text]) == [mark]
    assert cells.marks([mark]) == []  # a cell of one line keeps it: a number is for the checks
    assert cells.marks([line("75", 0.95, 177, 188), text]) == []  # read with confidence: text
    pdf = next(p for p in SCANS if code_of(p) == "440303231550216305001")
    _, [form] = read[pdf]
    assert form.project_name == truth(code_of(pdf))["project_name"]
    assert any("mark '75' dropped" in (c.correction or "") and "75" in c.raw for c in form.ocr.cells)


@pytest.mark.parametrize("bracket_at,spaced", [(52, False), (60, True)])
def test_a_space_before_a_bracket_is_measured_on_the_paper(bracket_at, spaced):
    """The recogniser reads "局 （本级）" without its space: the paper between an ideograph and a
    full-width "（" says whether one is printed (0.6–0.8 em without, about 1 em with)."""
    import numpy as np

    grey = np.full((30, 200), 240, np.uint8)
    for x in (1, 17, 21, 37):  # two ideographs of a 20-pixel em, inked nearly edge to edge
        grey[5:25, x:x + 2] = 30
    grey[5:25, bracket_at:bracket_at + 2] = 30  # the bracket's stroke, in the right half of its box
    grey[5:25, bracket_at + 10:bracket_at + 12] = 30  # 本
    line = recognise.Line("局局（本", 0.99, 0.0, 5.0, 20.0 * 4 + (bracket_at - 52), 25.0)
    assert recognise.spaced(line, grey).text == ("局局 （本" if spaced else "局局（本")


@pytest.mark.parametrize("tail,want", [(0, "："), (3, "；"), (2, "；")])  # 2: a comma blurred short (1.44)
@pytest.mark.parametrize("read_as", ["：", "；"])
def test_colon_and_semicolon_are_told_apart_by_their_shape(tail, want, read_as):
    """The recogniser confuses "；" and "：" in long paragraphs; the glyph decides: a colon's two dots
    carry the same ink, a semicolon's lower mark (a comma) about twice its dot's."""
    import numpy as np

    grey = np.full((30, 80), 240, np.uint8)
    for x in (2, 42):  # the ideographs either side: strokes wider than a mark
        grey[6, x:x + 16] = grey[22, x:x + 16] = 30
    grey[9:12, 24:27] = 30  # the upper dot
    grey[16:19, 24:27] = 30  # the lower dot ...
    grey[19:19 + tail, 24:26] = 30  # ... with a comma's tail, or none
    line = recognise.Line(f"甲{read_as}乙", 0.99, 0.0, 3.0, 60.0, 27.0)
    assert recognise.colons(line, grey).text == f"甲{want}乙"


@pytest.mark.parametrize("case,found", [("ring", True), ("speck", False), ("inside", False), ("short", False)])
def test_a_full_stop_wrapped_alone_is_read_from_its_ring(case, found):
    """The recogniser reads nothing in a "。" that wrapped alone onto the next line of a paragraph.
    It is given back where the last line runs to the cell's edge and the next line holds one light
    ring a third of an em wide where the lines start; not a dark speck, not a mark elsewhere on that
    line, not after a line that ended short (nothing wrapped)."""
    import numpy as np

    grey = np.full((60, 240), 240, np.uint8)
    for x in range(12, 190, 20):  # nine ideographs of a 20-pixel em, one stroke each
        grey[8:24, x:x + 3] = 30
    x0 = 100 if case == "inside" else 11
    if case == "speck":
        grey[33:38, x0:x0 + 5] = 60  # a solid dark dot
    else:
        grey[32:39, x0:x0 + 7] = 180  # a thin light ring ...
        grey[34:37, x0 + 2:x0 + 5] = 240  # ... with paper inside
    last = recognise.Line("甲" * 9, 0.99, 10.0, 6.0, 190.0, 26.0)
    right = 320.0 if case == "short" else 195.0
    stop = recognise.full_stop(grey, [last], right, 58.0)
    assert (stop is not None and stop.text == "。") == found


@pytest.mark.parametrize("text,after,ticks,want", [
    ("“子”要", 40, "apart", '"'),  # half-width: the next glyph right after the ticks
    ("“子”要", 52, "apart", "”"),  # full-width: paper after the ticks
    ("子”要", 40, "apart", "”"),  # no opening quote on the line: left as read
    ("“子”，要", 40, "apart", "”"),  # before a comma a full-width quote may be set half-width
    ("“子”要", 46, "merged", "”"),  # the two ticks run together into one blot: not measurable
])
def test_a_straight_quote_is_told_from_a_curly_one_by_the_paper_after_it(text, after, ticks, want):
    """The recogniser reads a straight '"' after "“紧日子" as "”". A full-width "”" has its ticks in
    the left half of its em, with paper after them (0.6 em); a half-width '"' has next to none. Only
    a quote after an opening one, before an ideograph, with two ticks found apart, is measured."""
    import numpy as np

    grey = np.full((30, 120), 240, np.uint8)
    if text.startswith("“"):
        grey[5:10, 2:4] = grey[5:10, 6:8] = 30  # the opening quote's ticks
    grey[5:25, 12:14] = grey[5:25, 24:26] = 30  # 子
    if ticks == "apart":
        grey[5:10, 32:34] = grey[5:10, 36:38] = 30  # the quote's two ticks, high on the line
    else:
        grey[5:10, 32:44] = 30
    grey[5:25, after:after + 2] = grey[5:25, after + 14:after + 16] = 30  # the next glyph
    x0 = 0.0 if text.startswith("“") else 10.0
    line = recognise.Line(text, 0.99, x0, 3.0, float(after + 16 + (10 if "，" in text else 0)), 27.0)
    assert recognise.quotes(line, grey).text == text.replace("”", want)


def test_a_cells_lines_are_found_by_their_ink_without_a_detector():
    """Read by the ruling, a cell's printed lines are found from its glyph blots alone: the strokes
    of 二 (one above the other, each short) stay one line, the next line of a paragraph is another,
    a "、" joins the line it sits in and so does the glyph after it, a speck a little off the end of
    a line is left out, paper 2.5 ems wide parts a line, and specks alone (what is left where erased
    borders crossed) are no line."""
    import numpy as np

    em = 13.0

    def blot(x, y, w, h):
        return [x, y, w, h, w * h]

    blots = np.array([
        blot(0, 0, 12, 13), blot(14, 0, 12, 13),  # 项目, first line
        blot(28, 1, 11, 2), blot(28, 10, 11, 2),  # 二: two level strokes
        blot(40, 10, 3, 3),  # a "、" after it, smaller than a glyph
        blot(52, 0, 12, 13),  # the glyph after the "、", an em past the mark's ink
        blot(78, 6, 2, 2),  # a speck of noise off the line's end: no "."
        blot(0, 18, 12, 13), blot(14, 18, 12, 13),  # the paragraph's next line
        blot(60, 18, 12, 13),  # the same line, past 2.5 ems of paper
        blot(120, 40, 3, 2),  # a speck alone, low in the cell
    ], np.int32)
    assert recognise.ink_lines(blots, em) == [(0, 0, 64, 13), (0, 18, 26, 31), (60, 18, 72, 31)]


def test_a_scan_read_by_its_ruling_without_the_detector_is_read_as_well(monkeypatch):
    """$JIXIAO_OCR_READ=cells: no text detector, each cell's lines found by their ink and recognised
    alone (about half the CPU time, bench/README.md). On a corpus scan every field is read as the
    detector reads it (157 of 157 exact, 2026-12-06), the "。" wrapped alone onto a line included;
    its numbers are read twice as before."""
    monkeypatch.setenv("JIXIAO_OCR_READ", "cells")
    _, [form] = extract(MIXED_SCAN)
    got, want = form.to_dict(), truth(code_of(MIXED_SCAN))
    assert compare.differences(got, want) == []
    assert any(c.second is not None for c in form.ocr.cells)


def test_a_line_read_by_the_ruling_stays_inside_its_cell(monkeypatch):
    """Read by the ruling, a line's box (its ink grown as the detector grows a line's) is kept inside
    the cell it was found in: at 300 dpi the growth (~0.3 of the ink's height) reaches over a border
    when the text starts near it, and the line was then taken for one across two cells and
    recognised again part by part (52 lines of a made 300-dpi scan, a fifth of its CPU time; the
    same fields)."""
    import cv2
    import numpy as np

    monkeypatch.setenv("JIXIAO_OCR_READ", "cells")
    clean = np.full((200, 420), 255, np.uint8)
    cv2.putText(clean, "2023", (106, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 0, 3)  # ink ~40 px tall
    region = (50.0, 150.0, 100.0, 400.0)  # top, bottom, left, right: the text 6 px inside the left border
    [line] = recognise.read_regions(clean, [region])
    assert line.text and region[2] < line.x0 and line.x1 < region[3]
    borders = [region[2], region[3]]
    assert recognise.split_read(line, borders, clean) == [line]


def test_pages_aligned_by_their_columns_keep_each_cell_s_box_where_the_page_shows_it():
    """A second sheet that lay 6 pt further right on the scanner has its columns moved onto the first
    page's (the reader places cells by the header's columns), but its boxes, the evidence outlined on
    the page's own image (`report.pictures`), stay where that page prints them."""
    from pipeline.read.ocr.cells import OcrGrid
    from pipeline.read.ocr.page import OcrPage, _aligned
    from pipeline.read.grids import Ruling

    def page(no: int, dx: float) -> OcrPage:
        grid = OcrGrid(page=no, rows=(("项目名称", "x"),), row_y=((700.0, 680.0),),
                       col_x=((50.0 + dx, 150.0 + dx), (150.0 + dx, 500.0 + dx)),
                       spans=(((52.0 + dx, 90.0 + dx), (152.0 + dx, 160.0 + dx)),),
                       confidence=((0.99, 0.99),), boxes=(((52.0 + dx, 682.0, 90.0 + dx, 698.0),
                                                           (152.0 + dx, 682.0, 160.0 + dx, 698.0)),),
                       raw=(("项目名称", "x"),), corrections=((None, None),))
        return OcrPage(no, (grid,), Ruling(no, (), ()), "", 0.0, 0.0)

    first, second = page(1, 0.0), page(2, 6.0)
    aligned = _aligned({1: first, 2: second})
    assert aligned[2].grids[0].col_x == first.grids[0].col_x
    assert aligned[2].grids[0].spans == first.grids[0].spans
    assert aligned[2].grids[0].boxes == second.grids[0].boxes


@pytest.mark.parametrize("offset", [(0, 0), (700, 900)])
def test_a_scan_whose_crop_box_lies_off_its_page_is_read_as_its_media_box(tmp_path, offset):
    """A CropBox wholly outside the MediaBox shows the MediaBox (as pdf.js does, and as the text layer's
    pages are read: `glyphs.shown_box`); pdfium renders such a page as nothing, and the report was refused
    "a PDF library failed on it: Crop exceeds page dimensions"."""
    from pypdf.generic import RectangleObject

    writer = PdfWriter()
    for page in PdfReader(SCANS[0]).pages:
        right, top = float(page.mediabox.right), float(page.mediabox.top)
        page.cropbox = RectangleObject([offset[0], offset[1], offset[0] + right, offset[1] + top])
        writer.add_page(page)
    moved = tmp_path / "moved.pdf"
    writer.write(moved)
    rgb, height_pt, scale = image.render(moved, 1)
    want, want_height, want_scale = image.render(SCANS[0], 1)
    assert (height_pt, scale, rgb.shape) == (want_height, want_scale, want.shape)
    assert (rgb == want).all()
