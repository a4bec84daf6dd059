"""Forms given as .xlsx, .xls, .docx and saved web pages (pipeline/read/{workbook,docx,html}.py, through
read/tables.py into the PDF reader's grids) read field for field as their truth, through the same form
reader; a legacy .doc is refused with its advice; a workbook's number formats give the digits the cell
shows."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import CORPUS, PDF, differences
from pipeline.errors import NoFormFound, ReportError, UnsupportedFormat
from pipeline.extract import count_pages, extract, parts, read_part
from pipeline.ingest import archives_under, find_reports
from pipeline.read import tables
from pipeline.read.workbook import shown

FORMATS = ("xlsx", "xls", "docx", "html")
TRUTH_DIRS = {"luohu": CORPUS / "truth", "central": CORPUS / "truth-central",
              **{v: CORPUS / f"truth-{v}" for v in ("yunnan", "langfang", "hubei")}}
BUNDLES = [CORPUS / "xlsx" / f"dev.{t}.xlsx" for t in ("luohu", "central")]  # one form per sheet


def truth_of(code: str, template: str) -> dict:
    code = "anhui-tangxi-2022" if code == "weituoyewu" else code
    return json.loads((TRUTH_DIRS[template] / f"{code}.json").read_text(encoding="utf-8"))


def forms_of(path: Path) -> list[dict]:
    return [f.to_dict() for f in extract(path)[1]]


def _files():
    for fmt in FORMATS:
        for path in sorted((CORPUS / fmt).glob(f"*.{fmt}")):
            code, template = path.name.split(".")[:2]
            if code != "dev":  # the real forms in the fast tier, the synthetic ones (a "defect") slow
                marks = [pytest.mark.slow] if "defect" in truth_of(code, template) else []
                yield pytest.param(path, code, template, id=f"{fmt}/{path.name}", marks=marks)


@pytest.mark.parametrize("path,code,template", list(_files()))
def test_every_form_reads_as_its_truth(path, code, template):
    [form] = forms_of(path)
    assert form["template"] == template
    assert differences(form, truth_of(code, template)) == []
    assert form["source"]["first_page"] == form["source"]["last_page"] == 1
    assert form["source"]["place"]  # where in the file: a sheet's cells, or a table's rows


def test_each_format_is_in_the_fixtures():
    """The parametrized test above covers each format and template, GBK and UTF-8 pages among them."""
    cases = [(p.suffix, p.name.split(".")[1]) for p in (c.values[0] for c in _files())]
    assert {(f".{fmt}", t) for fmt in FORMATS for t in TRUTH_DIRS} <= set(cases)
    declared = {re.search(rb"charset=\"?([\w-]+)", p.read_bytes()[:2048]).group(1).lower()
                for p in (CORPUS / "html").glob("*.html")}
    assert declared == {b"gbk", b"utf-8"}


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name)
def test_workbook_with_a_form_per_sheet(bundle):
    """dev.<template>.xlsx: a sheet per form (52, and 棠溪镇's in the central one), named by project
    code; each sheet is a page."""
    sheets = openpyxl.load_workbook(bundle, read_only=True).sheetnames
    forms = forms_of(bundle)
    template = bundle.name.split(".")[1]
    assert len(forms) == len(sheets) >= 52
    for page, (form, sheet) in enumerate(zip(forms, sheets), start=1):
        assert differences(form, truth_of(sheet, template)) == [], sheet
        assert (form["source"]["first_page"], form["source"]["last_page"]) == (page, page)
        assert form["source"]["place"].startswith(f"'{sheet}'!A")


HIDDEN = Path(__file__).resolve().parent.parent / "fixtures" / "workbooks"  # see the README there


@pytest.mark.parametrize("path", sorted(HIDDEN.glob("*.xls*")), ids=lambda p: p.name)
def test_hidden_rows_and_columns_are_not_printed(path):
    """A row or column the workbook hides (a note, a helper column) is not printed, so not read: it
    ran into the form's cells ("9.19" and "辅助7" in one 得分 cell) and refused it. Where the form
    is in the sheet is said in the sheet's own numbers, the hidden row among them (the evidence's
    cells are named as Excel names them)."""
    [form] = forms_of(path)
    assert differences(form, truth_of("440106191550216302646", "central")) == []
    last = 27 if "hiddenrow" in path.name else 26  # the corpus form: A4:I26
    assert form["source"]["place"] == f"'项目支出绩效自评表'!A4:I{last}"
    if "hiddenrow" in path.name:
        from pipeline.read.workbook import read_xlsx

        [table] = read_xlsx(path)
        assert [table.sheet_row(r) for r in (6, 7, 8)] == [10, 12, 13]  # sheet row 11 is hidden
        assert table.row_at(12) == 7 and table.row_at(11) == 7


def test_an_xls_row_or_column_of_size_0_is_not_printed(tmp_path):
    """An .xls column of width 0 or a row of height 0, its hidden flag not set (as other writers than
    Excel leave them), is shown by nothing, as in an .xlsx: the helper column of the hiddencol fixture
    at width 0 ran into the form (refused), and the "附件2" of a row at height 0 was read."""
    import struct

    from pipeline.read.workbook import read_xls

    data = bytearray((HIDDEN / "440106191550216302646.central.hiddencol.xls").read_bytes())
    at = data.index(b"\x7d\x00\x0c\x00" + struct.pack("<HH", 9, 9)) + 4  # COLINFO of column J
    data[at + 4:at + 6] = struct.pack("<H", 0)  # width 0
    data[at + 8:at + 10] = struct.pack("<H", struct.unpack("<H", data[at + 8:at + 10])[0] & ~1)  # not hidden
    at = data.index(b"\x08\x02\x10\x00" + struct.pack("<H", 0)) + 4  # ROW of row 1
    data[at + 6:at + 8] = struct.pack("<H", 0x8000 & struct.unpack("<H", data[at + 6:at + 8])[0])  # height 0
    out = tmp_path / "sized.xls"
    out.write_bytes(bytes(data))
    [table] = read_xls(out)
    assert "附件2" not in table.before and not any("辅助" in t for t in table.cells.values())
    [form] = forms_of(out)
    assert differences(form, truth_of("440106191550216302646", "central")) == []


def test_a_hidden_sheet_and_a_hidden_column_are_not_read(tmp_path):
    """A hidden sheet (here a copy of the form with another 执行数) is not printed, nor a hidden column
    of helpers: the workbook holds the one form as printed."""
    src = CORPUS / "xlsx" / "440106191550216302646.central.xlsx"
    book = openpyxl.load_workbook(src)
    sheet = book.worksheets[0]
    draft = book.copy_worksheet(sheet)
    draft.sheet_state = "hidden"
    for row in draft.iter_rows():
        for cell in row:
            if cell.value == 24.32 or cell.value == "24.32":
                cell.value = 99.99
    helper = sheet.max_column + 1
    for r in range(1, sheet.max_row + 1):
        sheet.cell(r, helper, value=f"辅助{r}")
    sheet.column_dimensions[openpyxl.utils.get_column_letter(helper)].hidden = True
    book.save(tmp_path / "hidden.xlsx")
    [form] = forms_of(tmp_path / "hidden.xlsx")
    assert differences(form, truth_of("440106191550216302646", "central")) == []


def test_hidden_sheets_passed_over_are_said(tmp_path):
    """A workbook's hidden sheets are not read, and now said so among the tables passed over (what
    `jixiao extract --verbose` prints), and in a refusal: a form kept on a hidden sheet while the shown
    sheet holds another table was refused as holding no form, the hidden sheet not named. What is read
    does not change."""
    from openpyxl.styles import Border, Side

    from pipeline.extract import extract_verbose

    src = CORPUS / "xlsx" / "440106191550216302646.central.xlsx"
    book = openpyxl.load_workbook(src)
    book.copy_worksheet(book.worksheets[0]).sheet_state = "hidden"
    book.save(tmp_path / "draft.xlsx")
    found = extract_verbose(tmp_path / "draft.xlsx")
    assert [differences(f, truth_of("440106191550216302646", "central")) for f in found["forms"]] == [[]]
    assert [(s["page"], s["why"].split(", as")[0]) for s in found["skipped"]] == \
        [(0, "1 hidden sheet(s) ('项目支出绩效自评表 Copy')")]

    book = openpyxl.load_workbook(src)
    book.worksheets[0].sheet_state = "hidden"
    cover = book.create_sheet("汇总", 0)
    side = Side(style="thin")
    for r, row in enumerate([["说明", "名称", "金额"], ["1", "网络", "26.47"], ["2", "其他", "1.00"]], start=1):
        for c, value in enumerate(row, start=1):
            cover.cell(r, c, value).border = Border(left=side, right=side, top=side, bottom=side)
    book.active = 0
    book.save(tmp_path / "hidden.xlsx")
    with pytest.raises(NoFormFound, match=r"not read: 1 hidden sheet\(s\) \('项目支出绩效自评表'\)"):
        extract_verbose(tmp_path / "hidden.xlsx")
    cover["A1"] = "序号"  # a summary with a form's labels: refused as a form no variant fits, the sheet named
    cover["B1"] = "项目名称"
    book.save(tmp_path / "hidden.xlsx")
    with pytest.raises(ReportError, match=r"no variant fits.*; not read: 1 hidden sheet\(s\)"):
        extract_verbose(tmp_path / "hidden.xlsx")


def _rewritten(src: Path, dst: Path, edit) -> Path:
    """`src` with its first sheet's XML passed through `edit` (what other writers than openpyxl write)."""
    import zipfile

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                edited = edit(data.decode("utf-8")).encode("utf-8")
                assert edited != data, "the edit found nothing to change: the test would test nothing"
                data = edited
            zout.writestr(item, data)
    return dst


@pytest.mark.parametrize("how", ["rows without r", "height 0", "width 0"])
def test_rows_and_columns_shown_nowhere_are_not_read(tmp_path, how):
    """A <row>'s number is optional (the row after the one before); a row of height 0 or a column of
    width 0 is shown nowhere, as a hidden one. Each was read as printed: the hidden note's row
    ("内部备注 | 999999.00") ran into the form, or the helper column into its 得分."""
    hiddenrow = HIDDEN / "440106191550216302646.central.hiddenrow.xlsx"
    if how == "rows without r":
        path = _rewritten(hiddenrow, tmp_path / "x.xlsx", lambda x: re.sub(r'<row r="\d+"', "<row", x))
    elif how == "height 0":
        path = _rewritten(hiddenrow, tmp_path / "x.xlsx",
                          lambda x: x.replace('hidden="1" ht="19.5"', 'ht="0"'))
    else:
        book = openpyxl.load_workbook(CORPUS / "xlsx" / "440106191550216302646.central.xlsx")
        sheet = book.worksheets[0]
        helper = openpyxl.utils.get_column_letter(sheet.max_column + 1)
        for r in range(1, sheet.max_row + 1):
            sheet[f"{helper}{r}"] = f"辅助{r}"
        sheet.column_dimensions[helper].hidden = True  # openpyxl writes no width 0: made from hidden
        book.save(tmp_path / "w.xlsx")
        path = _rewritten(tmp_path / "w.xlsx", tmp_path / "x.xlsx",
                          lambda x: re.sub(r'<col hidden="1" width="[\d.]+"', '<col width="0"', x))
    [form] = forms_of(path)
    assert differences(form, truth_of("440106191550216302646", "central")) == []


@pytest.mark.parametrize("colour", [{"rgb": "FFFFFFFF"}, {"theme": 0}, {"indexed": 9}])
def test_text_in_a_white_font_is_not_read_unless_on_a_fill(tmp_path, colour):
    """A helper column in a white font (RGB white, or the theme's Background 1) prints nowhere: not
    read (it ran into the 得分 cell, "9.19" and "辅助7", and refused the form). The same text on a dark
    fill shows, and is read."""
    from openpyxl.styles import Color, Font, PatternFill

    for filled in (False, True):
        book = openpyxl.load_workbook(CORPUS / "xlsx" / "440106191550216302646.central.xlsx")
        sheet = book.worksheets[0]
        helper = sheet.max_column + 1
        for r in range(1, sheet.max_row + 1):
            cell = sheet.cell(r, helper, value=f"辅助{r}")
            cell.font = Font(color=Color(**colour))
            if filled:
                cell.fill = PatternFill("solid", fgColor="FF1F3864")
        book.save(tmp_path / f"white{filled}.xlsx")
        if not filled:
            [form] = forms_of(tmp_path / f"white{filled}.xlsx")
            assert differences(form, truth_of("440106191550216302646", "central")) == []
        else:
            with pytest.raises(ReportError, match="辅助7"):
                forms_of(tmp_path / f"white{filled}.xlsx")


def test_grey_from_the_background_column_and_white_on_a_gradient_show(tmp_path):
    """Excel's palette offers greys as the theme's Background 1 darkened (theme 0, tint -0.05 to -0.5):
    text in such a grey prints, and white text on such a grey fill or on a gradient fill shows. The grey
    was taken for white, and the helper column's "辅助7" was dropped; the gradient fill refused the
    workbook ('GradientFill' object has no attribute 'fgColor'). Each is read: the helper column ran
    into the 得分 cell and refused the form, naming it."""
    from openpyxl.styles import Color, Font, GradientFill, PatternFill

    grey = Color(theme=0, tint=-0.499984740745262)  # "White, Background 1, Darker 50%"
    for how in ("grey font", "grey fill", "gradient"):
        book = openpyxl.load_workbook(CORPUS / "xlsx" / "440106191550216302646.central.xlsx")
        sheet = book.worksheets[0]
        helper = sheet.max_column + 1
        for r in range(1, sheet.max_row + 1):
            cell = sheet.cell(r, helper, value=f"辅助{r}")
            cell.font = Font(color=grey if how == "grey font" else Color(theme=0))
            if how == "grey fill":
                cell.fill = PatternFill("solid", fgColor=grey)
            elif how == "gradient":
                cell.fill = GradientFill(stop=("1F3864", "2F5496"))
        book.save(tmp_path / "helper.xlsx")
        with pytest.raises(ReportError, match="辅助7"):
            forms_of(tmp_path / "helper.xlsx")


def test_background_1_of_a_dark_theme_is_not_white(tmp_path):
    """Theme colour 0 (Background 1) is the theme's lt1, which a workbook's own theme may make dark:
    text in it prints, and a helper column in it is read (it ran into the 得分 cell and refused the
    form; taken for white it was dropped)."""
    import zipfile

    from openpyxl.styles import Color, Font

    book = openpyxl.load_workbook(CORPUS / "xlsx" / "440106191550216302646.central.xlsx")
    sheet = book.worksheets[0]
    helper = sheet.max_column + 1
    for r in range(1, sheet.max_row + 1):
        sheet.cell(r, helper, value=f"辅助{r}").font = Font(color=Color(theme=0))
    book.save(tmp_path / "light.xlsx")
    with zipfile.ZipFile(tmp_path / "light.xlsx") as zin, zipfile.ZipFile(tmp_path / "dark.xlsx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/theme/theme1.xml":
                dark = re.sub(rb"<a:lt1>.*?</a:lt1>", b'<a:lt1><a:srgbClr val="1F1F1F"/></a:lt1>', data, flags=re.S)
                assert dark != data
                data = dark
            zout.writestr(item, data)
    [form] = forms_of(tmp_path / "light.xlsx")  # white: not read
    assert differences(form, truth_of("440106191550216302646", "central")) == []
    with pytest.raises(ReportError, match="辅助7"):
        forms_of(tmp_path / "dark.xlsx")


def test_a_workbook_whose_forms_are_all_hidden_says_so(tmp_path):
    """Only a hidden sheet holds the form: refused, saying the hidden sheets are not read (and which),
    not a bare "no table found" in a workbook that plainly holds one."""
    book = openpyxl.load_workbook(CORPUS / "xlsx" / "440106191550216302646.central.xlsx")
    book.worksheets[0].sheet_state = "hidden"
    book.create_sheet("Sheet2")  # Excel keeps one sheet shown: here an empty one
    book.active = 1
    book.save(tmp_path / "hidden.xlsx")
    with pytest.raises(NoFormFound, match=r"1 hidden sheet\(s\) \('项目支出绩效自评表'\) are not read"):
        forms_of(tmp_path / "hidden.xlsx")


def test_a_merged_cell_whose_first_column_or_row_is_hidden_keeps_its_text():
    """A merged range shows its text in what shows of it: its first column or row hidden, the text
    (kept in that first cell) was dropped with it and the field read empty."""
    from pipeline.read.workbook import Sheet, sheet_tables

    bordered = {(r, c) for r in range(3) for c in range(5)}
    texts = {(0, 0): "单位", (0, 1): "广州中心", (0, 4): "z", (1, 0): "预算", (1, 1): "10", (1, 2): "11",
             (1, 3): "12", (1, 4): "13", (2, 0): "x", (2, 3): "y"}
    [table] = sheet_tables(Sheet("S", texts, bordered, [(0, 1, 0, 3)], hidden_cols={1}))
    assert table.merged == ((0, 1, 0, 2),) and table.cells[0, 1] == "广州中心"
    assert table.sheet_cols == (1, 3, 4, 5)
    [table] = sheet_tables(Sheet("S", texts, bordered, [(0, 1, 1, 1)], hidden_rows={0}))
    assert (0, 1, 0, 1) in table.merged and table.cells[0, 1] == "广州中心"


def test_a_word_cell_reads_as_word_prints_it(tmp_path):
    """A cell with tracked changes and hidden text: the inserted text is the cell's (python-docx's
    `.text` left out the runs inside w:ins, and the form loaded the hidden run as its 实施单位), the
    deleted text is not, nor hidden text (w:vanish)."""
    import docx
    from docx.oxml.ns import qn

    src = CORPUS / "docx" / "440105221551500060313.langfang.docx"
    document = docx.Document(str(src))
    paragraph = document.tables[0].rows[1].cells[6].paragraphs[0]
    [run] = paragraph.runs
    assert run.text == "广州市海珠区大数据资源管理中心"
    marked = {qn("w:id"): "1", qn("w:author"): "审核", qn("w:date"): "2024-01-01T00:00:00Z"}
    inserted, deleted = paragraph._p.makeelement(qn("w:ins"), marked), paragraph._p.makeelement(qn("w:del"), marked)
    run._r.addprevious(inserted)
    inserted.append(run._r)
    gone, hidden = copy.deepcopy(run._r), copy.deepcopy(run._r)
    gone.find(qn("w:t")).tag = qn("w:delText")
    gone.find(qn("w:delText")).text = "旧单位名称"
    deleted.append(gone)
    inserted.addprevious(deleted)
    hidden.find(qn("w:t")).text = "隐藏的批注"
    hidden.insert(0, hidden.makeelement(qn("w:rPr"), {}))
    hidden.find(qn("w:rPr")).append(hidden.makeelement(qn("w:vanish"), {}))
    inserted.addnext(hidden)
    document.save(str(tmp_path / "tracked.docx"))
    [form] = forms_of(tmp_path / "tracked.docx")
    assert form["implementing_unit"] == "广州市海珠区大数据资源管理中心"
    assert differences(form, truth_of("440105221551500060313", "langfang")) == []


def _table_style(document, style_id: str, xml: str, based_on: str = "TableNormal") -> None:
    """Add a table style `style_id` (its properties `xml`) to a python-docx `document`'s styles."""
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    document.styles.element.append(parse_xml(
        f'<w:style xmlns:w="{w}" w:type="table" w:styleId="{style_id}"><w:name w:val="{style_id}"/>'
        f'<w:basedOn w:val="{based_on}"/>{xml}</w:style>'))


def test_a_white_font_on_a_word_table_s_or_its_style_s_shading_shows(tmp_path):
    """A form in a white font on a dark table (the table's w:shd, or its table style's shading for every
    cell) prints: it was dropped as white on the paper ("no table found"), as only the cell's own w:shd
    was looked at. The same with the style's shading white: nothing shows, nothing is read."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    src = CORPUS / "docx" / "440105221551500060313.langfang.docx"
    for case in ("table", "style", "white style"):
        document = docx.Document(str(src))
        _table_style(document, "Dark", f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="1F3864"/></w:tcPr>')
        _table_style(document, "DarkToo", "", based_on="Dark")  # its shading from the style it is based on
        _table_style(document, "Paper", '<w:tblPr><w:shd w:val="clear" w:fill="auto"/></w:tblPr>'
                                        '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="FFFFFF"/></w:tcPr>')
        for table in document.tables:
            props = table._tbl.tblPr
            props.insert(0, parse_xml(f'<w:tblStyle xmlns:w="{w}" w:val="'
                                      f'{ {"table": "Paper", "style": "DarkToo", "white style": "Paper"}[case]}"/>'))
            if case == "table":  # the table's ground, under cells whose style paints nothing of its own
                props.append(parse_xml(f'<w:shd xmlns:w="{w}" w:val="clear" w:color="auto" w:fill="333333"/>'))
                for tc in table._tbl.iter(qn("w:tc")):
                    tc.get_or_add_tcPr().append(parse_xml(f'<w:shd xmlns:w="{w}" w:val="clear" w:fill="auto"/>'))
            for run in table._tbl.iter(qn("w:r")):
                run.insert(0, parse_xml(f'<w:rPr xmlns:w="{w}"><w:color w:val="FFFFFF"/></w:rPr>')) \
                    if run.find(qn("w:rPr")) is None else run.find(qn("w:rPr")).append(
                        parse_xml(f'<w:color xmlns:w="{w}" w:val="FFFFFF"/>'))
        document.save(str(tmp_path / "dark.docx"))
        if case == "white style":
            with pytest.raises(NoFormFound):
                forms_of(tmp_path / "dark.docx")
            continue
        [form] = forms_of(tmp_path / "dark.docx")
        assert differences(form, truth_of("440105221551500060313", "langfang")) == [], case


def test_a_white_font_on_a_word_table_style_s_dark_header_row_shows(tmp_path):
    """A table style's conditional shading (a dark header row: w:tblStylePr firstRow; banded rows), as the
    table's w:tblLook turns it on, and a row's own table properties (w:tblPrEx): a white label on them
    shows and is read (it was dropped); an anti-copy run in white on the rows they leave white is not."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    from pipeline.read.docx import read_docx

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    dark = '<w:shd w:val="clear" w:color="auto" w:fill="000000" w:themeFill="text1"/>'

    def cells(look: str, row_props: str = "", band: bool = False) -> dict:
        document = docx.Document()
        _table_style(document, "Head", f'<w:tblPr><w:tblStyleRowBandSize w:val="2"/></w:tblPr>'
                                       f'<w:tblStylePr w:type="firstRow"><w:tcPr>{dark}</w:tcPr></w:tblStylePr>'
                     + (f'<w:tblStylePr w:type="band2Horz"><w:tcPr>{dark}</w:tcPr></w:tblStylePr>' if band else ""))
        table = document.add_table(rows=4, cols=2)
        props = table._tbl.tblPr
        for old in (props.find(qn("w:tblStyle")), props.find(qn("w:tblLook"))):
            if old is not None:
                props.remove(old)
        props.insert(0, parse_xml(f'<w:tblStyle xmlns:w="{w}" w:val="Head"/>'))
        props.append(parse_xml(f'<w:tblLook xmlns:w="{w}" {look}/>'))
        for r, row in enumerate(table.rows):
            if row_props and r == 2:
                row._tr.insert(0, parse_xml(f'<w:tblPrEx xmlns:w="{w}">{row_props}</w:tblPrEx>'))
            for c, cell in enumerate(row.cells):
                cell.paragraphs[0].add_run(f"{r}{c}")
                cell.paragraphs[0].add_run("白").font.color.rgb = docx.shared.RGBColor(255, 255, 255)
        document.save(str(tmp_path / "head.docx"))
        [found] = read_docx(tmp_path / "head.docx")
        return [found.cells[r, 0] + found.cells[r, 1] for r in range(4)]

    assert cells('w:firstRow="1" w:noHBand="1"') == ["00白01白", "1011", "2021", "3031"]
    assert cells('w:val="0020"') == ["00白01白", "1011", "2021", "3031"]  # the older bits: 0x20 firstRow
    assert cells('w:firstRow="0" w:noHBand="1"') == ["0001", "1011", "2021", "3031"]
    assert cells('w:firstRow="0" w:noHBand="1"', dark) == ["0001", "1011", "20白21白", "3031"]
    # bands of 2 rows after the header: rows 1-2 the first band, row 3 the second (dark)
    assert cells('w:firstRow="1" w:noHBand="0"', band=True) == ["00白01白", "1011", "2021", "30白31白"]


def test_a_text_box_in_a_word_paragraph_is_not_its_text():
    """A text box anchored in a paragraph floats elsewhere on the page; Word keeps it twice (the
    drawing and a VML copy for older readers): read as the paragraph's text it came in twice, "单位框框"
    (python-docx's `.text` left it out, as now)."""
    from lxml import etree

    from pipeline.read.docx import _shown

    w, mc = "http://schemas.openxmlformats.org/wordprocessingml/2006/main", \
        "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>框</w:t></w:r></w:p></w:txbxContent>"
    paragraph = etree.fromstring(
        f'<w:p xmlns:w="{w}" xmlns:mc="{mc}"><w:r><w:t>单位</w:t></w:r><w:r><mc:AlternateContent>'
        f'<mc:Choice Requires="wps"><w:drawing>{box}</w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict>{box}</w:pict></mc:Fallback></mc:AlternateContent></w:r>'
        f'<w:hyperlink><w:ins><w:r><w:t>中心</w:t></w:r></w:ins></w:hyperlink></w:p>')
    assert _shown(paragraph) == "单位中心"


def test_text_in_a_white_font_in_word_is_read_only_on_shading():
    """A run in a white font (w:color FFFFFF, or the theme's background1) prints nowhere on the paper:
    not read (it loaded as part of the cell's text, "…中心9999"). On shading (the run's, its
    paragraph's or its cell's) or a highlight, it shows and is read."""
    from docx.oxml import parse_xml

    from pipeline.read.docx import _shown

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def cell(run_props: str, para_props: str = "", cell_props: str = "") -> str:
        return _shown(parse_xml(
            f'<w:tc xmlns:w="{w}"><w:tcPr>{cell_props}</w:tcPr><w:p><w:pPr>{para_props}</w:pPr>'
            f'<w:r><w:t>中心</w:t></w:r><w:r><w:rPr>{run_props}</w:rPr><w:t>9999</w:t></w:r></w:p></w:tc>'))

    assert cell('<w:color w:val="FFFFFF"/>') == "中心"
    assert cell('<w:color w:val="ffffff"/>', '<w:shd w:val="clear" w:fill="auto"/>') == "中心"
    assert cell('<w:color w:val="000000" w:themeColor="background1"/>') == "中心"
    assert cell('<w:color w:val="FFFFFF"/>', cell_props='<w:shd w:val="clear" w:fill="1F3864"/>') == "中心9999"
    assert cell('<w:color w:val="FFFFFF"/>', '<w:shd w:val="clear" w:fill="333333"/>') == "中心9999"
    assert cell('<w:color w:val="FFFFFF"/><w:highlight w:val="black"/>') == "中心9999"
    assert cell('<w:color w:val="FF0000"/>') == "中心9999"


def test_grey_from_word_s_background_column_and_white_on_patterned_shading_show():
    """Word's palette offers greys as the theme's background1 shaded (w:themeShade): text in such a grey
    prints; a theme colour decides over w:val (Word draws text1 black whatever w:val says); shading
    drawn by its pattern (w:val solid or pctN, the pattern's w:color over w:fill, as Word 2003 and
    converters write it) is a ground. Each was dropped as white on the paper."""
    from docx.oxml import parse_xml

    from pipeline.read.docx import _shown

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def cell(run_props: str, cell_props: str = "") -> str:
        return _shown(parse_xml(
            f'<w:tc xmlns:w="{w}"><w:tcPr>{cell_props}</w:tcPr><w:p>'
            f'<w:r><w:t>中心</w:t></w:r><w:r><w:rPr>{run_props}</w:rPr><w:t>9999</w:t></w:r></w:p></w:tc>'))

    assert cell('<w:color w:val="7F7F7F" w:themeColor="background1" w:themeShade="7F"/>') == "中心9999"
    assert cell('<w:color w:val="FFFFFF" w:themeColor="text1"/>') == "中心9999"
    white = '<w:color w:val="FFFFFF"/>'
    assert cell(white, '<w:shd w:val="solid" w:color="1F3864" w:fill="auto"/>') == "中心9999"
    assert cell(white, '<w:shd w:val="pct50" w:color="000000" w:fill="FFFFFF"/>') == "中心9999"
    assert cell(white, '<w:shd w:val="clear" w:color="000000" w:fill="FFFFFF"/>') == "中心"
    assert cell('<w:color w:val="FFFFFF" w:themeColor="background1" w:themeShade="FC"/>') == "中心"


def test_a_non_breaking_hyphen_in_word_is_a_hyphen():
    """Word's non-breaking hyphen (w:noBreakHyphen, Ctrl+Shift+-) prints "-": dropped, "‑5.00" read as
    5.00 and "2023‑2025" as 20232025 (python-docx's `.text` kept it, as now)."""
    from lxml import etree

    from pipeline.read.docx import _shown

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paragraph = etree.fromstring(f'<w:p xmlns:w="{w}"><w:r><w:noBreakHyphen/><w:t>5.00</w:t><w:ptab/>'
                                 f'<w:t>2023</w:t><w:noBreakHyphen/><w:t>2025</w:t></w:r></w:p>')
    assert _shown(paragraph) == "-5.00\t2023-2025"


def test_a_paragraph_s_tab_stops_are_no_text():
    """A tab stop defined in a paragraph's properties (w:pPr/w:tabs/w:tab) prints nothing; a tab in a
    run prints a tab: the cell's text is as python-docx gives it for plain runs."""
    import docx
    from docx.shared import Inches

    from pipeline.read.docx import _shown

    cell = docx.Document().add_table(rows=1, cols=1).rows[0].cells[0]
    cell.paragraphs[0].add_run("第一行")
    second = cell.add_paragraph()
    second.paragraph_format.tab_stops.add_tab_stop(Inches(1))
    second.add_run("第二\t行")
    assert _shown(cell._tc) == cell.text == "第一行\n第二\t行"


def _html_cells(tmp_path: Path, page: str) -> dict:
    """The cells of the one table `page` (a web page's text) holds, as read_html reads them."""
    from pipeline.read.html import read_html

    (tmp_path / "t.html").write_text(page, encoding="utf-8")
    [table] = read_html(tmp_path / "t.html")
    return table.cells


def test_what_a_web_page_hides_is_not_read(tmp_path):
    """Elements a browser does not show (display:none, visibility:hidden, the hidden attribute): a
    span inside a value cell (sites hide such text to spoil copying), a row, a cell. They were read
    as printed text ("广州市…中心9999" loaded as the 实施单位)."""
    src = CORPUS / "html" / "440105221551500060313.central.html"
    page = src.read_text(encoding="utf-8")
    unit = '<td colspan="3" style="text-align:left">广州市海珠区大数据资源管理中心</td>'
    assert page.count(unit) == 1
    page = page.replace(unit, unit.replace("管理中心<", '管理中心<span style="display: none">9999</span><'))
    first_row = page.index("<tr")
    page = (page[:first_row] + '<tr style="visibility:hidden"><td>内部备注</td><td>999999.00</td></tr>'
            + page[first_row:].replace("<tr>", '<tr><td hidden>隐藏</td>', 1))
    assert "<td hidden>" in page
    (tmp_path / "hidden.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "hidden.html")
    assert differences(form, truth_of("440105221551500060313", "central")) == []


def _central_page(after_unit: str, after_name: str, head: str) -> str:
    """The corpus central web page with `after_unit` written after the 实施单位's name, `after_name` after
    the project's, and `head` in its head (each once)."""
    page = (CORPUS / "html" / "440105221551500060313.central.html").read_text(encoding="utf-8")
    for old, new in (("大数据资源管理中心</td>", f"大数据资源管理中心{after_unit}</td>"),
                     ("智慧水务）</td>", f"智慧水务）{after_name}</td>"), ("</head>", f"{head}</head>")):
        assert page.count(old) == 1
        page = page.replace(old, new)
    return page


def test_what_a_page_s_stylesheets_hide_is_not_read(tmp_path):
    """A site's stylesheets hide too: a class on spans inside values (anti-copy characters, hidden by
    display:none or a font size of 0), a rule in a stylesheet saved beside the page (visibility:hidden
    on a note in the project's name). They were read as printed ("…中心9999" loaded as the 实施单位). What a rule does
    not hide on a screen stays: a rule for print only, a rule the element's own style overrides."""
    page = _central_page('<span class="jammer">9999</span><font class="tiny">8888</font>',
                         '<span id="notes">（内部备注7777）</span>',
                         '<style>/* anti-copy */ span.jammer { display : none !important }\n'
                         '.tiny{font-size:0px} @media print { table { display: none } }\n'
                         '.shown { display: none }</style><link rel="stylesheet" href="hidden_files/site.css?v=2">')
    page = page.replace("<table", '<table class="shown" style="display: table"', 1)
    (tmp_path / "hidden_files").mkdir()
    (tmp_path / "hidden_files" / "site.css").write_text("@charset 'utf-8'; #notes, a:hover { visibility: hidden }")
    (tmp_path / "hidden.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "hidden.html")
    assert differences(form, truth_of("440105221551500060313", "central")) == []
    (tmp_path / "hidden_files" / "site.css").unlink()  # the linked sheet is what hid the note
    [form] = forms_of(tmp_path / "hidden.html")
    assert form["project_name"].endswith("（内部备注7777）")


def test_what_an_imported_stylesheet_hides_is_not_read(tmp_path):
    """A stylesheet @imported (by the page's <style>, or by a linked sheet, resolved against the sheet
    that imports it) hides as the sheet importing it would: a class hiding anti-copy characters there
    was not followed ("…中心9999" loaded as the 实施单位). An import for print does not hide on a
    screen; a sheet importing itself is read once."""
    page = _central_page('<span class="jammer">9999</span>', '<span class="note">（内部备注7777）</span>'
                         '<span class="printed">（印）</span>',
                         '<style>@import url("page_files/jam.css") screen;</style>'
                         '<link rel="stylesheet" href="page_files/site.css">')
    (tmp_path / "page_files" / "more").mkdir(parents=True)
    (tmp_path / "page_files" / "jam.css").write_text("@import 'jam.css'; .jammer { display: none }")
    (tmp_path / "page_files" / "site.css").write_text('@charset "utf-8"; @import url(more/notes.css);\n'
                                                      '@import "more/print.css" print; td { color: #000 }')
    (tmp_path / "page_files" / "more" / "notes.css").write_text(".note { visibility: hidden }")
    (tmp_path / "page_files" / "more" / "print.css").write_text(".printed { display: none }")
    (tmp_path / "imported.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "imported.html")
    assert form["project_name"].endswith("智慧水务）（印）")
    assert form["implementing_unit"] == "广州市海珠区大数据资源管理中心"


def test_text_a_page_puts_where_nothing_of_it_shows_is_not_read(tmp_path):
    """Sites hide text (for screen readers, or to spoil copying) by placing it where nothing shows:
    far off the page's left (position:absolute; left:-9999px), clipped to nothing (the sr-only class:
    clip: rect(0 0 0 0) on an absolute 1px box), indented off its line (text-indent:-9999px), shrunk to
    nothing with its overflow hidden, scaled to 0. Each was read ("…中心9999" as the 实施单位)."""
    page = _central_page('<span style="position: absolute; left: -9999px">9999</span><i class="sr-only">8888</i>',
                         '<span class="sr-only">（内部备注）</span>',
                         "<style>.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;"
                         " overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0 }</style>")
    (tmp_path / "away.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "away.html")
    assert differences(form, truth_of("440105221551500060313", "central")) == []

    def shown(*spans: str) -> list[str]:
        cells = _html_cells(tmp_path, "<style>.x { text-indent: -9999em } .t { transform: scale(0, 1) }</style>"
                            "<table>" + "".join(f"<tr><td>a{s}</td><td>b</td></tr>" for s in spans) + "</table>")
        return [cells[r, 0] for r in range(len(spans))]

    assert shown('<div style="text-indent: -9999px">9</div>', '<div class="x">9</div>',
                 '<span style="display: inline-block; width: 0; overflow: hidden">9</span>',
                 '<div style="max-height: 0px; overflow-y: hidden">9</div>',
                 '<span style="display: block; transform: scale(0)">9</span>', '<p class="t">9</p>',
                 '<span style="position: relative; right: 10000px">9</span>',
                 '<span style="clip-path: inset(50%)">9</span>', '<div style="content-visibility: hidden">9</div>'
                 ) == ["a"] * 9
    # what still shows: an offset on a box not positioned, or up the page; a width or a transform on an
    # inline element; a text-indent with a line after it; a box of no height whose padding shows it
    assert shown('<span style="left: -9999px">9</span>', '<span style="position: absolute; top: -9999px">9</span>',
                 '<span style="width: 0; overflow: hidden">9</span>', '<span style="transform: scale(0)">9</span>',
                 '<div style="text-indent: -9999px">9<br>8</div>',
                 '<div style="height: 0; overflow: hidden; padding-bottom: 50%">9</div>',
                 '<span style="position: absolute; clip: rect(0, 10px, 10px, 0)">9</span>',
                 '<div style="transform: scale(0.5)">9</div>') == ["a9", "a9", "a9", "a9", "a\n9\n8", "a\n9", "a9", "a\n9"]


def test_stylesheet_rules_weigh_as_a_browser_weighs_them(tmp_path):
    """The cascade as browsers apply it: a more specific selector wins over a later, less specific one
    (a CMS's `#zoom td` over a later site-wide `td` rule), and a declaration marked !important over
    one not marked, the element's own style included. Rules taken in document order only, the form's
    cells were dropped white where their article's rule shows them black, and an anti-copy span a
    specific rule hides was read where a later generic rule showed spans."""
    page = ('<html><head><style>#zoom td { color: #333 } #zoom .jm { display: none }'
            '.v { color: #000 !important }</style>'
            '<style>td { color: #fff } span { display: inline } .n { color: #fff !important }</style></head>'
            '<body><div id="zoom"><table><tr><td>项目<span class="jm">9999</span></td><td>b</td></tr>'
            '<tr><td style="color: #fff" class="v">1</td><td style="color: #000" class="n">2</td></tr>'
            '</table></div></body></html>')
    assert _html_cells(tmp_path, page) == {(0, 0): "项目", (0, 1): "b", (1, 0): "1"}


def test_stylesheets_for_print_or_an_alternate_look_do_not_hide_on_screen(tmp_path):
    """A stylesheet a page links for print (`media="print"`, as CMS pages link print.css to hide their
    tools) or offers as an alternate look, and a <style media="print">, do not apply on a screen: a
    note they hide shows and is read (it was dropped). A rule under `@media screen, print` applies on a
    screen (it was skipped, its anti-copy span read)."""
    (tmp_path / "print.css").write_text(".note { display: none }", encoding="utf-8")
    (tmp_path / "contrast.css").write_text(".unit { color: #fff }", encoding="utf-8")
    page = ('<html><head><link rel="stylesheet" href="print.css" media="print">'
            '<link rel="alternate stylesheet" href="contrast.css" title="高对比度">'
            '<style media="print">td { visibility: hidden }</style>'
            '<style>@media screen, print { .jm { display: none } }</style></head><body><table>'
            '<tr><td>项目<span class="note">（备注）</span></td><td class="unit">单位<span class="jm">9</span></td></tr>'
            '<tr><td>1</td><td>2</td></tr></table></body></html>')
    assert _html_cells(tmp_path, page) == {(0, 0): "项目（备注）", (0, 1): "单位", (1, 0): "1", (1, 1): "2"}


def test_text_in_a_white_font_on_a_web_page_is_not_read(tmp_path):
    """White text on the paper (a <font color>, a style's or a stylesheet's color, inherited) is shown
    nowhere: an anti-copy "9999" after a value loaded as part of it. White on a ground of another
    colour (a bgcolor, a background around it) shows and is read, and so does a child that sets its
    own colour inside white text."""
    from pipeline.read.html import read_html

    page = _central_page('<font color="#FFFFFF">9999</font><span class="copy">8888<b>七</b></span>',
                         '<span style="color: rgb(255, 255, 255)">（<i>内部</i>）</span>',
                         "<style>.copy { color: #fff }</style>")
    (tmp_path / "white.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "white.html")
    assert differences(form, truth_of("440105221551500060313", "central")) == []  # the <b>, <i> white too

    page = ('<table><tr><td bgcolor="#1F3864"><font color="white">甲</font></td>'
            '<td style="background: #333 url(x.png)"><span style="color:#fff">乙</span></td>'
            '<td><span style="color:#fff">丙<em style="color:#000">丁</em>戊</span>己</td></tr>'
            '<tr><td>1</td><td>2</td><td>3</td></tr></table>')
    (tmp_path / "t.html").write_text(page, encoding="utf-8")
    [table] = read_html(tmp_path / "t.html")
    assert [table.cells[0, c] for c in range(3)] == ["甲", "乙", "丁己"]


def test_a_child_that_sets_its_own_size_or_visibility_shows(tmp_path):
    """font-size and visibility are inherited, and a child setting its own shows: a site closes the gaps
    between inline blocks with font-size:0 on their container and gives each block its size
    (`.box{font-size:0}.box table{font-size:12px}`); a cell made visible in a hidden row shows. The whole
    form was dropped with its container ("no table found"), the cell with its row. A size relative to
    the 0 (em, %) stays 0."""
    src = CORPUS / "html" / "440105221551500060313.central.html"
    page = src.read_text(encoding="utf-8")
    page = page.replace("<table", '<div class="box"><table', 1).replace("</body>", "</div></body>", 1)
    page = page.replace("</head>", "<style>.box { font-size: 0 } .box table { font-size: 12px }</style></head>", 1)
    (tmp_path / "boxed.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "boxed.html")
    assert differences(form, truth_of("440105221551500060313", "central")) == []

    page = ('<table><tr><td>a</td><td>b</td><td>c</td></tr>'
            '<tr style="visibility:hidden"><td>x</td><td style="visibility:visible">2</td><td>3</td></tr>'
            '<tr style="font-size:0"><td>1<span style="font-size:1.5em">9</span></td>'
            '<td style="font-size:9pt">2</td><td><b>3</b></td></tr></table>')
    assert _html_cells(tmp_path, page) == {(0, 0): "a", (0, 1): "b", (0, 2): "c", (1, 1): "2", (2, 1): "2"}


def test_white_grounds_as_pages_write_them_and_a_bad_link_are_no_ground_and_no_fault(tmp_path):
    """A white ground written `rgb(255, 255, 255)` (spaces, as browsers serialise it) or as a legacy
    bgcolor without its "#" (which browsers read as the colour) is the paper: white text on it is not
    read (the space split the colour, and the bgcolor was taken for a dark one). A <link> whose href
    no file can have (a NUL, %00), and a rule whose selector names a namespace (`svg|a`), are skipped:
    the page was refused as damaged."""
    page = ('<link rel="stylesheet" href="%00.css"><style>svg|a { display: none }</style><table>'
            '<tr><td style="background-color: rgb(255, 255, 255)">a<span style="color:#fff">9</span></td>'
            '<td bgcolor="FFFFFF">b<font color="FFFFFF">8</font></td>'
            '<td style="background: rgb(255, 255, 255) none">c<font color="#ffffff">7</font></td></tr>'
            '<tr><td bgcolor="1F3864"><font color="white">d</font></td><td>2</td><td>3</td></tr></table>')
    assert _html_cells(tmp_path, page) == {(0, 0): "a", (0, 1): "b", (0, 2): "c", (1, 0): "d", (1, 1): "2", (1, 2): "3"}


def test_white_text_on_a_background_image_shows(tmp_path):
    """A background image or gradient (background-image, a stylesheet's or the element's own, or the
    legacy `background` attribute of a cell) paints a ground: the white labels of a header row drawn
    over one show and are read (they were dropped as white on the paper)."""
    page = ('<html><head><style>th { background-image: url(th_bg.png); color: #fff }</style></head><body><table>'
            '<tr><th>项目名称</th><td style="background-image: linear-gradient(#1f3864, #2f5496); color: white">'
            '实施单位</td><td background="bg.gif"><font color="#ffffff">主管部门</font></td></tr>'
            '<tr><td>1</td><td>2</td><td style="background-image: none; color: #fff">9</td></tr></table></body></html>')
    assert _html_cells(tmp_path, page) == {(0, 0): "项目名称", (0, 1): "实施单位", (0, 2): "主管部门",
                                           (1, 0): "1", (1, 1): "2"}


def test_text_made_transparent_is_not_read(tmp_path):
    """Anti-copy characters made transparent (opacity:0 on their element, whose children cannot undo
    it, or a transparent colour: `transparent`, an alpha of 0) are shown nowhere, on any ground: they
    were read into the value. A child setting an opaque colour inside transparent text shows."""
    page = ('<html><head><style>.a { opacity: 0 } .b { color: transparent }</style></head><body><table>'
            '<tr><td>中心<span class="a">9<b style="opacity: 1; color: #000; visibility: visible">8</b></span></td>'
            '<td bgcolor="#1F3864">单位<span class="b">7<i style="color: #fff">六</i></span>'
            '<span style="color: rgba(0, 0, 0, 0)">5</span></td></tr>'
            '<tr><td style="opacity: 0.5">1</td><td style="color: rgb(0, 0, 0)">2</td></tr></table></body></html>')
    assert _html_cells(tmp_path, page) == {(0, 0): "中心", (0, 1): "单位六", (1, 0): "1", (1, 1): "2"}


MHTML = Path(__file__).resolve().parent.parent / "fixtures" / "mhtml"  # see the README there


@pytest.mark.parametrize("path", sorted(p for p in MHTML.iterdir() if p.suffix in (".mht", ".mhtml")),
                         ids=lambda p: p.name)
def test_a_web_page_saved_as_one_file_reads_as_the_page(path):
    """Chrome's "Webpage, Single File" (.mhtml) and Internet Explorer's "Web Archive" (.mht): a MIME
    multipart whose text/html part is the page, its stylesheets other parts (by cid:, or by address
    against the page's), the page in the charset its part declares. It was read as a web page of
    quoted-printable text, or not at all. Stylesheets within hide what they hide ("9999", "8888")."""
    code, template = path.name.split(".")[:2]
    assert tables.kind(path) == "mhtml"
    [form] = forms_of(path)
    assert differences(form, truth_of(code, template)) == []


def test_a_web_archive_without_a_page_is_refused_naming_it(tmp_path):
    archive = tmp_path / "a.mhtml"
    archive.write_bytes(b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n'
                        b"--b\r\nContent-Type: image/png\r\n\r\nxx\r\n--b--\r\n")
    renamed = tmp_path / "a.html"  # the first bytes decide, not the name
    renamed.write_bytes(archive.read_bytes())
    headless = tmp_path / "b.mhtml"  # its MIME header lost: named so, said so (it was "not a PDF file")
    headless.write_bytes(b"garbage\n<html><table><tr><td>x</td></tr></table>")
    for path in (archive, renamed, headless):
        with pytest.raises(ReportError, match="holds no web page") as err:
            extract(path)
        assert err.value.file == str(path)


def test_a_page_cannot_hide_its_text_with_the_reader_s_own_marks(tmp_path):
    """The reader marks what a browser does not show with attributes of its own; a page carrying them
    (to keep a value from jixiao that every browser shows) has them taken off first."""
    cell = '<td colspan="3" style="text-align:left">广州市海珠区'
    page = _central_page("", "", "").replace(cell, cell.replace(
        "<td ", '<td data-jixiao-unseen="1" data-jixiao-sheet="display:none" '), 1)
    assert "data-jixiao-unseen" in page
    (tmp_path / "marked.html").write_text(page, encoding="utf-8")
    [form] = forms_of(tmp_path / "marked.html")
    assert differences(form, truth_of("440105221551500060313", "central")) == []


def test_a_cell_hidden_by_visibility_keeps_its_column(tmp_path):
    """visibility:hidden hides a cell's text but not its place: the cells after it stay in their
    columns (left out of the layout, the row's values moved a column left, into the wrong fields);
    display:none leaves the cell out and the row closes up, as a browser shows it."""
    page = ('<table><tr><td>a</td><td>b</td><td>c</td></tr>'
            '<tr><td style="visibility:hidden">x</td><td>2</td><td>3</td></tr>'
            '<tr><td>1</td><td style="display:none">q</td><td>2</td><td>3</td></tr></table>')
    assert _html_cells(tmp_path, page) == {(0, 0): "a", (0, 1): "b", (0, 2): "c", (1, 1): "2", (1, 2): "3",
                           (2, 0): "1", (2, 1): "2", (2, 2): "3"}


def test_a_row_hidden_by_visibility_keeps_its_place_under_a_spanning_cell(tmp_path):
    """A row hidden by visibility:hidden keeps its place: a 一级指标 spanning three rows across it
    spans it, and the row after the span starts in the first column (left out, the span reached into
    that row and pushed its cells a column right)."""
    from pipeline.read.html import read_html

    page = ('<table><tr><td rowspan="3">一级</td><td>a</td><td>1</td></tr>'
            '<tr style="visibility:hidden"><td>b</td><td>2</td></tr>'
            '<tr><td>c</td><td>3</td></tr><tr><td>d</td><td>e</td><td>4</td></tr></table>')
    (tmp_path / "t.html").write_text(page, encoding="utf-8")
    [table] = read_html(tmp_path / "t.html")
    assert table.merged == ((0, 0, 2, 0),)
    assert table.cells == {(0, 0): "一级", (0, 1): "a", (0, 2): "1", (2, 1): "c", (2, 2): "3",
                           (3, 0): "d", (3, 1): "e", (3, 2): "4"}


def test_numbers_typed_full_width_are_the_same_numbers(tmp_path):
    """Amounts, rates and scores an input method typed full-width ("２６．４７", "９１．８８％") are the
    numbers they print: read as their ASCII, equal to the truth (a full-width point was "not a
    number" and refused the form). The funds rows' cells here; a target or actual is a text, kept as
    printed."""
    book = openpyxl.load_workbook(CORPUS / "xlsx" / "440106191550216302646.central.xlsx")
    wide = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")
    changed = 0
    for row in book.worksheets[0].iter_rows():  # the funds rows: 年度资金总额, its sources
        if any(isinstance(c.value, str) and ("资金" in c.value or "拨款" in c.value) for c in row[:2]):
            for cell in row:
                if isinstance(cell.value, str) and re.fullmatch(r"[\d.,]+%?", cell.value):
                    cell.value, changed = cell.value.translate(wide), changed + 1
    assert changed > 10
    book.save(tmp_path / "wide.xlsx")
    [form] = forms_of(tmp_path / "wide.xlsx")
    assert differences(form, truth_of("440106191550216302646", "central")) == []


def test_workbook_read_in_parts_as_a_pdf_is():
    """The bounded workers count a workbook's pages (its tables) and read it in parts: each part keeps
    the forms starting in it, together the forms `extract` reads."""
    bundle = BUNDLES[0]
    pages = count_pages(bundle)
    assert pages == 52 and len(parts(pages, 20)) == 3
    whole = [f.form_id for f in extract(bundle)[1]]
    by_part = [f.form_id for part in parts(pages, 20) for f in read_part(bundle, part)[1]]
    assert by_part == whole and len(whole) == 52


def test_gbk_page_read_with_and_without_its_declaration(tmp_path):
    page = next(p for p in sorted((CORPUS / "html").glob("*.luohu.html")) if b"charset=gbk" in p.read_bytes())
    data = page.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK
    want = truth_of(page.name.split(".")[0], "luohu")
    assert differences(forms_of(page)[0], want) == []
    undeclared = tmp_path / "page.htm"  # no charset: not UTF-8, so GB18030, which holds GBK
    undeclared.write_bytes(re.sub(rb"<meta[^>]*charset[^>]*>", b"", data))
    assert b"charset" not in undeclared.read_bytes()
    assert differences(forms_of(undeclared)[0], want) == []


def _stack(paths: list[Path], out: Path) -> None:
    """One sheet holding the forms of `paths` one under the other, a blank row between, each with its
    title rows, borders and merged cells."""
    book = openpyxl.Workbook()
    ws = book.active
    offset = 0
    for path in paths:
        src = openpyxl.load_workbook(path).worksheets[0]
        for row in src.iter_rows():
            for cell in row:
                if type(cell).__name__ == "MergedCell":
                    continue
                target = ws.cell(row=cell.row + offset, column=cell.column, value=cell.value)
                target.border = copy.copy(cell.border)
                target.number_format = cell.number_format
        for m in src.merged_cells.ranges:
            ws.merge_cells(start_row=m.min_row + offset, start_column=m.min_col,
                           end_row=m.max_row + offset, end_column=m.max_col)
        offset += src.max_row + 1
    book.save(out)


def test_several_forms_stacked_on_one_sheet(tmp_path):
    """Two central forms of different years and a luohu form on one sheet: three forms, each with the
    title and year printed above its own table, each's cell range."""
    codes = [("440106191550216302646", "central"), ("440105221551500060313", "central"),
             ("440303210301500004143", "luohu")]
    out = tmp_path / "stacked.xlsx"
    _stack([CORPUS / "xlsx" / f"{c}.{t}.xlsx" for c, t in codes], out)
    forms = forms_of(out)
    assert [f["year"] for f in forms] == [2021, 2025, 2023]
    for form, (code, template) in zip(forms, codes):
        assert differences(form, truth_of(code, template)) == []
    places = [f["source"]["place"] for f in forms]
    assert [f["source"]["first_page"] for f in forms] == [1, 2, 3]  # a page per table
    assert all(p.startswith("'Sheet'!A") for p in places)
    starts = [int(re.search(r"!A(\d+):", p).group(1)) for p in places]
    assert starts[0] == 4 and starts[0] < starts[1] < starts[2]


def test_numbers_typed_in_a_workbook_keep_the_digits_shown(tmp_path):
    """Amounts, rates and scores typed as numbers with number formats read as the cell shows them:
    1210000 in "0.00" is "1210000.00" (the float's repr would be "1210000.0"), 0.8624 in "0.00%" is
    "86.24%", 1497500 in "#,##0.00" is "1,497,500.00", read as 1497500.00."""
    src = CORPUS / "xlsx" / "440303210301500004143.central.xlsx"
    book = openpyxl.load_workbook(src)
    ws = book.worksheets[0]
    typed = {"D7": (121, "0"), "E7": (149.75, "#,##0.00"), "F7": (129.15, "0.00"), "G7": (10, "General"),
             "H7": (0.8624, "0.00%"), "I7": (8.62, "0.00"), "D9": (0, "0"), "H34": (2.9, "0.0"),
             "F34": (0.8625, "0.00%")}
    assert {k: ws[k].value for k in typed} == {"D7": "121", "E7": "149.75", "F7": "129.15", "G7": "10",
                                              "H7": "86.24%", "I7": "8.62", "D9": "0", "H34": "2.9",
                                              "F34": "86.25%"}
    for key, (value, fmt) in typed.items():
        ws[key].value, ws[key].number_format = value, fmt
    out = tmp_path / "numbers.xlsx"
    book.save(out)
    assert differences(forms_of(out)[0], truth_of("440303210301500004143", "central")) == []

    book = openpyxl.load_workbook(CORPUS / "xlsx" / "440303210301500004143.luohu.xlsx")
    ws = book.worksheets[0]
    for key, value in (("C6", 1210000), ("D6", 1497500.0), ("E6", 1291532.65)):
        ws[key].value, ws[key].number_format = value, "#,##0.00"
    ws["G6"].value = 86.25  # General: Excel shows 86.25
    out = tmp_path / "luohu.xlsx"
    book.save(out)
    [form] = forms_of(out)
    assert [form["funds"]["rows"][0][k] for k in ("initial_budget", "annual_budget", "executed")] == \
        ["1210000.00", "1497500.00", "1291532.65"]
    assert differences(form, truth_of("440303210301500004143", "luohu")) == []


@pytest.mark.parametrize("value,fmt,text", [
    (1210000, "0.00", "1210000.00"), (1210000.0, "General", "1210000"), (86.25, "General", "86.25"),
    (1497500.0, "#,##0.00", "1,497,500.00"), (0.8625, "0.00%", "86.25%"), (0.5, "0%", "50%"),
    (2.675, "0.00", "2.68"),  # Excel rounds the decimal it shows, half up; float's round gives 2.67
    (-3.5, "#,##0.00;[Red](#,##0.00)", "(3.50)"), (12, '0.0"万元"', "12.0万元"),
    (1234.5, '"¥"#,##0.00_);("¥"#,##0.00)', "¥1,234.50"), ("1210000.00", "0", "1210000.00"),
])
def test_number_format_shown(value, fmt, text):
    assert shown(value, fmt) == text


def test_merged_cells_are_spans_with_their_text_top_left():
    table = tables.Table(cells={(0, 0): "项目资金\n（万元）", (0, 1): "年初预算数", (1, 1): "121"},
                         merged=((0, 0, 1, 0), (2, 0, 2, 1)), rows=3, cols=2)
    grid = tables.grid(3, table)
    assert grid.page == 3 and grid.rows == (("项目资金\n（万元）", "年初预算数"), ("", "121"), ("", ""))
    assert grid.col_x == ((0.0, tables.COL_W), (tables.COL_W, 2 * tables.COL_W))
    assert grid.row_y[1] == (-tables.ROW_H, -2 * tables.ROW_H)
    assert grid.spans[0][0] == (1.0, tables.COL_W - 1.0) and grid.spans[1][0] is None
    assert table.place(0, 2) == "table 1, rows 1–3"
    sheet = tables.Table(cells={}, merged=(), rows=3, cols=28, sheet="O'Brien", origin=(4, 1))
    assert sheet.place(0, 2) == "'O''Brien'!A4:AB6"


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the header of a legacy .doc and .xls


@pytest.mark.parametrize("name", ["自评表.doc", "自评表.xls"])
def test_legacy_doc_is_refused_with_advice(tmp_path, name):
    """A Word 97 file (an OLE2 file with a WordDocument stream), also under a workbook's name."""
    doc = tmp_path / name
    doc.write_bytes(OLE2 + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(64))
    for call in (lambda: extract(doc), lambda: count_pages(doc)):
        with pytest.raises(UnsupportedFormat) as err:
            call()
        assert err.value.kind == "unsupported_format" and err.value.file == str(doc)
        assert "save it as .docx" in err.value.reason
    other = tmp_path / "other.xls"  # OLE2 without a Word stream: read as a workbook, refused as damaged
    other.write_bytes(OLE2 + bytes(504))
    with pytest.raises(ReportError) as err:
        extract(other)
    assert err.value.kind == "unreadable" and "workbook cannot be read" in err.value.reason


@pytest.mark.parametrize("name", ["加密.xlsx", "加密.docx", "加密.xls"])
def test_an_office_file_with_a_password_is_refused_as_encrypted(tmp_path, name):
    """An .xlsx or .docx saved with a password to open it is an OLE2 file holding an "EncryptedPackage"
    stream: it was read as a legacy .xls and refused as "damaged or not what its name says"; an .xls
    with one (a FILEPASS record) was refused so too ("XLRDError: Workbook is encrypted")."""
    locked = tmp_path / name
    locked.write_bytes(OLE2 + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(50)
                       + "EncryptedPackage".encode("utf-16-le") + bytes(64))
    assert tables.kind(locked) == "encrypted"
    for path in (locked, HIDDEN / "encrypted" / "password.xls"):  # the other: an .xls with a password
        for call in (lambda: extract(path), lambda: count_pages(path)):
            with pytest.raises(ReportError) as err:
                call()
            assert err.value.kind == "encrypted" and "remove the password" in err.value.reason


def test_the_file_is_sniffed_not_its_name(tmp_path):
    """A workbook named .pdf is read as a workbook, a web page named .xls as a web page; a damaged
    workbook and a page without a table are refused naming the file, never a traceback."""
    src = CORPUS / "xlsx" / "440303210301500004143.luohu.xlsx"
    misnamed = tmp_path / "report.pdf"
    shutil.copy(src, misnamed)
    assert tables.kind(misnamed) == "xlsx" and len(forms_of(misnamed)) == 1
    page = tmp_path / "report.xls"
    shutil.copy(CORPUS / "html" / "440303210301500004143.luohu.html", page)
    assert tables.kind(page) == "html" and len(forms_of(page)) == 1
    assert tables.kind(PDF / "cairo" / "440105221551500060313.xlsx.cairo.pdf") == "pdf"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(src.read_bytes()[:3000])
    with pytest.raises(ReportError) as err:
        extract(broken)
    assert err.value.file == str(broken) and "cannot be read" in err.value.reason
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><p>项目支出绩效自评表</p></body></html>", encoding="utf-8")
    with pytest.raises(NoFormFound):
        extract(empty)


def test_ingest_folder_finds_every_format(tmp_path):
    for name in ("a.pdf", "b.XLSX", "c.xls", "d.docx", "e.html", "f.htm", "g.doc", "h.txt", "i.csv", "j.zip",
                 "k.rar", "l.7z"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in find_reports([tmp_path])] == ["a.pdf", "b.XLSX", "c.xls", "d.docx", "e.html",
                                                          "f.htm", "g.doc"]
    assert [p.name for p in archives_under([tmp_path])] == ["j.zip", "k.rar", "l.7z"]  # said, not taken



def test_an_archive_is_refused_saying_what_it_holds(tmp_path):
    """Sites publish a unit's reports zipped: an archive is not unpacked but refused, naming the files it
    holds (a Chinese zip tool's GBK names read as written), with the advice to unpack it: given by name
    it was "not a PDF file", or, holding a PDF stored whole near its start, "the PDF cannot be read".
    RAR and 7z are named; a damaged zip is said so."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:  # stored: the PDF's %PDF is in the zip's first bytes
        z.writestr("abcdef2023.pdf", (PDF / "hubei" / "440303230300200079180.hubei.pdf").read_bytes())
        z.writestr("b.xlsx", b"x")
    archive = tmp_path / "附件.zip"
    archive.write_bytes(buffer.getvalue().replace(b"abcdef2023.pdf", "自评表2023.pdf".encode("gbk")))
    rar, damaged = tmp_path / "r.rar", tmp_path / "d.zip"
    rar.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    damaged.write_bytes(b"PK\x03\x04" + bytes(64))
    for path, said in ((archive, "a ZIP archive of 2 file(s): 自评表2023.pdf, b.xlsx"), (rar, "a RAR archive"),
                       (damaged, "a ZIP archive (damaged")):
        assert tables.kind(path) == "archive"
        for call in (lambda: extract(path), lambda: count_pages(path)):
            with pytest.raises(UnsupportedFormat) as err:
                call()
            assert err.value.reason.startswith(said) and "unpack it" in err.value.reason
    assert find_reports([archive]) == [archive]  # given by name: taken, and refused so


def test_a_zip_whose_directory_names_a_version_zipfile_lacks_is_refused_as_a_damaged_archive(tmp_path):
    """A zip whose central directory asks for a zip version Python's zipfile does not know (damaged:
    "version needed" 16.9) is refused as a damaged archive, as one zipfile cannot list: it was refused
    with zipfile's NotImplementedError for its reason."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("自评表.pdf", b"%PDF-1.4")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 169  # version needed to extract: 16.9
    (tmp_path / "d.zip").write_bytes(bytes(data))
    assert tables.kind(tmp_path / "d.zip") == "archive"
    with pytest.raises(UnsupportedFormat, match=r"a ZIP archive \(damaged: its list of files cannot be read\)"):
        extract(tmp_path / "d.zip")


def test_a_zip_s_utf8_names_written_without_their_flag_read_as_written(tmp_path):
    """macOS's Archive Utility (and Info-ZIP on Linux) writes UTF-8 names without the zip's UTF-8 flag:
    they were read as GBK, and the refusal named "鑷瘎琛..." for 自评表2023.pdf."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("abcdefghi2023.pdf", b"%PDF-1.4")
    archive = tmp_path / "附件.zip"
    archive.write_bytes(buffer.getvalue().replace(b"abcdefghi2023.pdf", "自评表2023.pdf".encode("utf-8")))
    with pytest.raises(UnsupportedFormat, match="a ZIP archive of 1 file\\(s\\): 自评表2023.pdf;"):
        extract(archive)


@pytest.mark.parametrize("borders", ["none", "everywhere"])
def test_the_form_is_found_whatever_the_borders(tmp_path, borders):
    """A sheet drawn without any border is one table; one with its title rows bordered too keeps them
    as the text above the form (附件1, the title, （2023年度）: the central form's year)."""
    from openpyxl.styles import Border, Side

    src = CORPUS / "xlsx" / "440303210301500004143.central.xlsx"
    book = openpyxl.load_workbook(src)
    ws = book.worksheets[0]
    thin = Side(style="thin")
    for row in ws.iter_rows():
        for cell in row:  # merged cells too: Excel keeps each one's borders
            cell.border = Border() if borders == "none" else Border(left=thin, right=thin, top=thin, bottom=thin)
    out = tmp_path / f"{borders}.xlsx"
    book.save(out)
    [form] = forms_of(out)
    assert differences(form, truth_of("440303210301500004143", "central")) == []
    assert form["source"]["place"] == "'项目支出绩效自评表'!A4:I42"


def test_a_page_of_several_tables(tmp_path):
    """A web page holding a layout table around two forms and a table after them: each form its own
    page, with its own title and year, and its place its own table; the table after is no form's."""
    from pipeline.read.html import decode

    central, other = (decode(p, p.read_bytes()) for p in (CORPUS / "html" / f"{code}.central.html" for code in
                                                           ("440106191550216302646", "440105221551500060313")))
    body = lambda html: html[html.index('<div class="article">'):html.index('<div id="footer">')]  # noqa: E731
    page = tmp_path / "two.html"
    page.write_text(f"<html><body><table><tr><td>栏目</td><td>{body(central)}<hr>{body(other)}</td></tr>"
                    "</table><table><tr><td>附件下载</td><td>点击</td></tr></table></body></html>",
                    encoding="utf-8")
    forms = forms_of(page)
    assert [f["year"] for f in forms] == [2021, 2025]
    for form, code in zip(forms, ("440106191550216302646", "440105221551500060313")):
        assert differences(form, truth_of(code, "central")) == []
    assert [re.sub(r"rows 1–\d+", "rows", f["source"]["place"]) for f in forms] == ["table 1, rows", "table 2, rows"]
    assert [(f["source"]["first_page"], f["source"]["last_page"]) for f in forms] == [(1, 1), (2, 2)]


def _typed_xls(src: Path, out: Path, numbers: dict[tuple[int, int], tuple[int, bool]], fmt: int) -> None:
    """`src` with the text cells at `numbers` (row, col from 0) turned into numbers (RK records: an
    integer, divided by 100 when the flag says so; the same length as the text record, so the file
    stays whole) and their cell format given built-in number format `fmt` (4: "#,##0.00")."""
    import struct

    data = bytearray(src.read_bytes())
    xfs = set()
    for (r, c), (value, hundredths) in numbers.items():
        key = b"\xfd\x00\x0a\x00" + struct.pack("<HH", r, c)  # LABELSST: row, col, xf, string index
        assert data.count(key) == 1
        at = data.index(key)
        (xf,) = struct.unpack("<H", data[at + 8:at + 10])
        xfs.add(xf)
        data[at:at + 14] = b"\x7e\x02\x0a\x00" + struct.pack("<HHHI", r, c, xf, value << 2 | 2 | hundredths)
    starts = [m.start() for m in re.finditer(re.escape(b"\xe0\x00\x14\x00"), bytes(data))]  # XF records
    for xf in xfs:
        data[starts[xf] + 6:starts[xf] + 8] = struct.pack("<H", fmt)
    out.write_bytes(bytes(data))


def test_numbers_typed_in_an_xls_keep_the_digits_shown(tmp_path):
    """The same through xlrd: 1210000 and 1291532.65 typed as numbers in "#,##0.00" read as the
    "1210000.00" and "1291532.65" the form shows, not "1210000.0"."""
    import xlrd

    out = tmp_path / "typed.xls"
    _typed_xls(CORPUS / "xls" / "440303210301500004143.luohu.xls", out,
               {(5, 2): (1210000, False), (5, 3): (1497500, False), (5, 4): (129153265, True),
                (5, 7): (863, True)}, fmt=4)
    book = xlrd.open_workbook(str(out), formatting_info=True)
    sheet = book.sheet_by_index(0)
    cells = [sheet.cell(5, c) for c in (2, 3, 4, 7)]
    assert [c.ctype for c in cells] == [xlrd.XL_CELL_NUMBER] * 4
    assert [c.value for c in cells] == [1210000, 1497500, 1291532.65, 8.63]
    assert {book.format_map[book.xf_list[c.xf_index].format_key].format_str for c in cells} == {"#,##0.00"}
    [form] = forms_of(out)
    assert [form["funds"]["rows"][0][k] for k in ("initial_budget", "annual_budget", "executed")] == \
        ["1210000.00", "1497500.00", "1291532.65"]
    assert differences(form, truth_of("440303210301500004143", "luohu")) == []
