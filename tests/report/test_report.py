"""The review report (`jixiao report`, pipeline/report): every form and finding of the samples in it,
each finding with its numbers and a picture of its page, and nothing fetched from elsewhere, checked
in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium).

The browser test skips when chromium is absent, saying so, unless $JIXIAO_BROWSER_REQUIRED is set
(.ci/run sets it, after installing chromium): then it fails. With $JIXIAO_SCREENSHOTS=DIR it also
writes its screenshots there (`python bench/screenshots.py` regenerates docs/img/ so).
"""

from __future__ import annotations

import importlib
import json
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from conftest import CORPUS, PDF, chromium, keep_screenshots
from pipeline import report, warehouse
from pipeline.report.pictures import BLUE, RED

pytestmark = pytest.mark.slow  # the samples' warehouse; the browser

WORKBOOK = CORPUS / "xlsx" / "440304240300200076018.luohu.xlsx"


@pytest.fixture(scope="module")
def site(sample_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("review") / "report"
    con = warehouse.connect(sample_warehouse, read_only=True)
    try:
        built = report.build(con, out)
        current = con.execute("SELECT form_id, project_code FROM dim_form WHERE is_current").fetchall()
        failed = con.execute("SELECT count(*) FROM check_result JOIN dim_form USING (form_id, report_sha256) "
                             "WHERE is_current AND NOT passed").fetchone()[0]
    finally:
        con.close()
    return built, out, current, failed


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href", "action", "srcset") and v]


def test_every_current_form_and_finding_is_in_the_report(site):
    built, out, current, failed = site
    assert built.forms == len(current) == 22 and built.findings == failed == 10
    index = (out / "index.html").read_text(encoding="utf-8")
    table = index.split('id="forms"')[1].split("</table>")[0]
    assert table.count("<tr") - 1 == len(current)  # header + one row per form
    assert all(code in table for _, code in current)
    pages = sorted((out / "findings").glob("*.html"))
    assert len(pages) == failed
    assert all(f"findings/{p.name}" in index for p in pages)


def test_every_finding_of_the_samples_has_its_picture_with_the_number_outlined(site):
    """A picture for every finding; where the rule's number is printed, outlined in red on it."""
    built, out, _, _ = site
    assert built.pictures == built.findings
    for page in (out / "findings").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        [src] = re.findall(r'<img src="([^"]+)"', html)
        image = Image.open((page.parent / src).resolve()).convert("RGB")
        assert image.width > 500 and image.height > 200
        red = sum(1 for p in image.getdata() if p == RED)
        if "weights_total" not in page.name:  # the sum of all 分值: no one printed number to outline
            assert red > 50, page.name


def test_a_finding_page_says_printed_computed_difference_unit_file_and_page(site):
    _, out, _, _ = site
    [page] = (out / "findings").glob("440306230301000026512-fund_total-*.html")
    text = _text(page)
    assert "年度资金总额应等于各资金来源之和" in text and "printed 43,778.47 元" in text  # zh and en
    assert "印刷 printed 43,778.47 元" in text and "来源合计 sum of the sources 43,878.47 元" in text
    assert "差 difference -100.00 元" in text
    assert "440306230301000026512.xlsx.pdf" in text and "页 page 1" in text
    [rate] = (out / "findings").glob("440307251551500032553-execution_rate-*.html")
    assert "差 difference +0.27 %" in _text(rate)


def _text(page: Path) -> str:
    """The page's words, tags and runs of white space each one space."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


def test_nothing_in_the_report_points_elsewhere(site):
    """Every src and href is a file beside it (or in-page): no CDN, font or logo from a host."""
    _, out, _, _ = site
    for page in out.rglob("*.html"):
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.refs, page
        for ref in parser.refs:
            assert not re.match(r"^[a-z]+:|^//", ref), (page.name, ref)
            assert (page.parent / ref.split("#")[0]).resolve().is_file(), (page.name, ref)
        assert "@import" not in page.read_text(encoding="utf-8") and "url(" not in page.read_text(encoding="utf-8")


def test_a_folder_holding_something_else_is_never_replaced(site, tmp_path, sample_warehouse):
    (tmp_path / "mine.txt").write_text("keep me")
    con = warehouse.connect(sample_warehouse, read_only=True)
    try:
        with pytest.raises(report.NotAReport, match="not a review report"):
            report.build(con, tmp_path)
        again = report.build(con, site[1])  # an earlier report is replaced, whole
    finally:
        con.close()
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    assert again.findings == site[0].findings and not list(site[1].parent.glob(".report*"))


def _requests(browser) -> list[str]:
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_the_report_in_a_real_browser(site, tmp_path):
    """The index renders every form of the samples, filters and sorts; a finding page renders with
    its picture loaded; and every request the browser made is file: or data:."""
    from selenium.webdriver.common.by import By

    _, out, current, _ = site
    browser = chromium(tmp_path / "profile")
    shots = tmp_path / "shots"
    shots.mkdir()
    try:
        browser.get("about:blank")
        _requests(browser)  # the browser's own start (its new-tab page, chrome://): not the report's
        browser.get((out / "index.html").as_uri())
        rows = browser.find_elements(By.CSS_SELECTOR, "#forms tbody tr")
        assert len(rows) == len(current) and all(r.is_displayed() for r in rows)
        assert browser.find_element(By.CSS_SELECTOR, ".card.bad b").text == "10"
        browser.save_screenshot(str(shots / "report-index.png"))

        box = browser.find_element(By.CSS_SELECTOR, 'input[data-table="forms"]')
        box.send_keys("440306230301000026512")
        shown = [r for r in browser.find_elements(By.CSS_SELECTOR, "#forms tbody tr") if r.is_displayed()]
        assert len(shown) == 1 and "440306230301000026512" in shown[0].text
        box.clear()
        box.send_keys(" ")  # cleared: every row again

        header = browser.find_elements(By.CSS_SELECTOR, "#forms thead th")[7]  # 总分
        header.click()
        header.click()  # descending
        scores = [r.find_elements(By.TAG_NAME, "td")[7].text for r in
                  browser.find_elements(By.CSS_SELECTOR, "#forms tbody tr")]
        numbers = [Decimal(s.replace(",", "")) for s in scores if s != "—"]
        assert numbers == sorted(numbers, reverse=True) and len(numbers) == len(current)

        link = browser.find_element(By.CSS_SELECTOR, '#findings a[href*="fund_total"]')
        link.click()
        image = browser.find_element(By.CSS_SELECTOR, "figure img")
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 0
        assert "43,778.47" in browser.find_element(By.CSS_SELECTOR, "table.numbers").text
        browser.set_window_size(1440, 1250)
        browser.save_screenshot(str(shots / "report-finding.png"))
        urls = _requests(browser)
    finally:
        browser.quit()
    assert any(u.endswith(".png") for u in urls) and any(u.endswith("index.html") for u in urls)
    assert all(u.startswith(("file://", "data:")) for u in urls), [u for u in urls
                                                                   if not u.startswith(("file://", "data:"))]
    keep_screenshots(shots)


def test_the_next_report_takes_the_pictures_it_has_and_draws_only_new_ones(site, sample_warehouse,
                                                                            monkeypatch):
    """A picture depends on the report file, the finding and the drawing code only: a rebuild (each
    checked Dagster step makes one) draws nothing it has drawn before."""
    module = importlib.import_module("pipeline.report.build")  # the package exports its function build

    built, out, _, _ = site
    monkeypatch.setattr(module, "render", lambda *a, **k: pytest.fail("drawn again"))
    con = warehouse.connect(sample_warehouse, read_only=True)
    try:
        again = report.build(con, out)
    finally:
        con.close()
    assert again.pictures == built.pictures == len(list((out / "img").glob("*.png")))
    monkeypatch.setattr(module, "PICTURES_VERSION", module.PICTURES_VERSION + 1)
    drawn = []
    from pipeline.report.pictures import render

    monkeypatch.setattr(module, "render", lambda *a, **k: drawn.append(a[4].name) or render(*a, **k))
    con = warehouse.connect(sample_warehouse, read_only=True)
    try:
        assert report.build(con, out).pictures == built.pictures
    finally:
        con.close()
    assert len(drawn) == built.pictures  # another drawing code draws every picture again


def test_a_scanned_page_is_outlined_from_the_ocr_boxes(tmp_path):
    """An OCR'd form has no text layer to search: its cells' boxes (ocr_cell, PDF points) are drawn.
    The box is the one ocr_cell holds for 总分 得分 97.91 of this scan."""
    from pipeline.report.pictures import render

    scan = PDF / "scan" / "440106191550216302646.scan.pdf"
    cells = {1: [("97.91", (470.4, 214.1, 489.1, 223.2)), ("8", (560.0, 400.0, 566.0, 409.0))]}
    picture = render(scan, [1], [Decimal("97.91")], [], tmp_path / "p.png", ocr=cells)
    assert (picture.page, picture.found) == (1, 1)
    image = Image.open(tmp_path / "p.png").convert("RGB")
    assert image.height < 1000 and sum(1 for p in image.getdata() if p == RED) > 50  # cropped, outlined
    assert render(scan, [1], [Decimal("12.34")], [], tmp_path / "q.png", ocr=cells).found == 0


def test_refused_files_are_listed_with_their_reason(tmp_path):
    from pipeline.ingest import ingest_file

    bad = tmp_path / "notes.pdf"
    bad.write_text("this is not a pdf", encoding="utf-8")
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        assert ingest_file(con, bad, quarantine_dir=tmp_path / "q").status == "quarantined"
        built = report.build(con, tmp_path / "report")
    finally:
        con.close()
    assert (built.forms, built.findings, built.refused) == (0, 0, 1)
    table = (tmp_path / "report" / "index.html").read_text(encoding="utf-8").split('id="refused"')[1]
    assert "notes.pdf" in table and "not_a_pdf" in table and "not a PDF file" in table
    assert "**1** refused files" in report.markdown(tmp_path / "report")


def _outlined(svg: Path) -> dict[str, list[str]]:
    """The texts inside each colour's outlines of a drawn grid: {"red": [...], "blue": [...]}."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    root = ET.parse(svg).getroot()
    texts = [(float(t.get("x")), float(t.get("y")), "".join(t.itertext()).strip()) for t in root.iter(f"{ns}text")]
    colours = {f"rgb{RED}": "red", f"rgb{BLUE}": "blue"}
    out: dict[str, list[str]] = {"red": [], "blue": []}
    for rect in root.iter(f"{ns}rect"):
        if (colour := colours.get(rect.get("stroke"))) is None:
            continue
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        out[colour] += [text for tx, ty, text in texts if x <= tx <= x + w and y <= ty <= y + h]
    return out


def test_a_workbook_finding_is_drawn_as_its_grid_with_the_cells_outlined(tmp_path):
    """A workbook has no page to render: the finding's cells are drawn from the file's own cells
    (an SVG of the sheet region, Excel's column letters and row numbers), the printed total in red,
    the sources it should add up to in blue, named by dim_form.source_place's sheet and cells."""
    import openpyxl

    from pipeline import checks
    from pipeline.ingest import ingest_file

    book = openpyxl.load_workbook(WORKBOOK)
    book.active["D6"] = "631743.00"  # 全年预算数 of 年度资金总额: 10,000 more than its sources
    wrong = tmp_path / "wrong-total.xlsx"
    book.save(wrong)
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        assert ingest_file(con, wrong).status == "loaded"
        checks.run(con)
        built = report.build(con, tmp_path / "report")
    finally:
        con.close()
    assert built.findings == built.pictures == 2  # the total, and the execution rate it changes
    [page] = (tmp_path / "report" / "findings").glob("*-fund_total-*.html")
    html = page.read_text(encoding="utf-8")
    [src] = re.findall(r'<img src="([^"]+)"', html)
    svg = (page.parent / src).resolve()
    assert svg.suffix == ".svg" and svg.is_file()
    assert "'项目支出绩效自评表'!A3:H10" in unescape(_text(page))  # the sheet rows shown: 3 around rows 6–7
    drawn = svg.read_text(encoding="utf-8")
    assert ">D<" in drawn and ">6<" in drawn and "年度资金总额" in drawn  # the sheet's names and labels
    outlined = _outlined(svg)
    assert outlined["red"] == ["631743.00"]
    assert "621743.00" in outlined["blue"] and "631743.00" not in outlined["blue"]
    parser = _Refs()
    parser.feed(drawn)
    assert not parser.refs and "url(" not in drawn  # nothing fetched
    [rate] = (tmp_path / "report" / "findings").glob("*-execution_rate-*.html")
    [src] = re.findall(r'<img src="([^"]+)"', rate.read_text(encoding="utf-8"))
    assert _outlined((rate.parent / src).resolve())["red"] == ["34.5"]


    from selenium.webdriver.common.by import By

    browser = chromium(tmp_path / "profile")  # the SVG renders in a browser, beside its page
    try:
        browser.get("about:blank")
        _requests(browser)  # the browser's own start: not the report's
        browser.get(page.as_uri())
        image = browser.find_element(By.CSS_SELECTOR, "figure img")
        assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) > 500
        urls = _requests(browser)
    finally:
        browser.quit()
    assert any(u.endswith(".svg") for u in urls) and all(u.startswith(("file://", "data:")) for u in urls), urls


def test_a_form_whose_text_may_be_cut_is_marked_with_its_fields(tmp_path):
    """A form with a field flagged `may_be_cut` (a 预期目标 Calc cut by its border, read as far as
    printed) is counted and marked in the forms table with the fields, from v_may_be_cut; a form
    with none is not."""
    from conftest import HERE
    from pipeline.ingest import ingest_file

    cut = HERE / "fixtures" / "libreoffice" / "cut" / "440309200301000043738.luohu.pdf"
    whole = PDF / "reportlab" / "440303210301500004143.reportlab.pdf"
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        for pdf in (cut, whole):
            assert ingest_file(con, pdf, quarantine_dir=tmp_path / "q").status == "loaded"
        built = report.build(con, tmp_path / "report")
    finally:
        con.close()
    assert built.forms == 2
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<span>可能截断 may be cut</span><b>1</b>", page)
    rows = page.split('id="forms"')[1].split("</table>")[0].split("<tr")
    [marked] = [r for r in rows if "可能截断" in r]
    assert "440309200301000043738" in marked and "may be cut: goal_actual, goal_expected" in marked
    assert not any("可能截断" in r for r in rows if "440303210301500004143" in r)
