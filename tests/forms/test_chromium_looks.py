"""Forms printed by a web browser (tests/fixtures/chromium/: corpus HTML pages printed by headless
Chromium), a producer the reader was not built on, read field for field; and the mechanisms they
needed, each on its own."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from conftest import CORPUS, HERE, code_of, differences, extracted

LOOKS = HERE / "fixtures" / "chromium"
READ = sorted(LOOKS.glob("*.pdf"))


def _truth(pdf: Path) -> dict:
    variant = pdf.name.split(".")[1]
    folder = "truth" if variant == "luohu" else f"truth-{variant}"
    return json.loads((CORPUS / folder / f"{code_of(pdf)}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("pdf", READ, ids=lambda p: p.stem)
def test_a_form_printed_by_a_browser_reads_field_for_field(pdf):
    forms = extracted(str(pdf))
    assert len(forms) == 1 and forms[0]["template"] == pdf.name.split(".")[1]
    assert differences(forms[0], _truth(pdf)) == []


def test_an_ideograph_pdfium_gives_no_advance_is_one_em_wide():
    """Chromium's fonts leave some ideographs without a width pdfium can read (目, 日): their box is
    their ink, narrower than the em, so the gaps either side read as spaces ("项 目"). Taken as one em
    from the glyph's origin, each touches its neighbours as printed."""
    import pypdfium2 as pdfium

    from pipeline.read import glyphs

    doc = pdfium.PdfDocument(LOOKS / "440303230300200079180.hubei.pdf")
    try:
        page_chars = [glyphs.chars(doc[i].get_textpage()) for i in range(len(doc))]
    finally:
        doc.close()
    mu = [c for chars in page_chars for c in chars if c.text == "目"]
    assert mu and all(abs((c.x1 - c.x0) - c.size) < 0.01 and c.x0 < c.ink0 for c in mu)
    form = extracted(str(LOOKS / "440303230300200079180.hubei.pdf"))[0]
    assert form["project_name"] == "罗湖区政务核心网升级改造项目"


def test_the_form_s_title_is_its_own_not_the_web_page_s_heading():
    """A page printed from a web site carries the site's heading above the form's own title; the
    title read is the one that ends as the variant's does, a wrapped heading joined first."""
    from pipeline.forms.outside import title
    from pipeline.forms.template import get

    hubei, central = get("hubei"), get("central")
    page = "某局门户网站\n某局2025年度项目支出绩效自评表\n2025年某某项目绩效目标自评表\n项目名称 某某项目"
    assert title(page, 0, hubei) == "绩效目标自评表"
    wrapped = "328012-某中心2025年度项目支出绩\n效自评表\n发布日期：2026-07-25\n附件1\n项目支出绩效自评表\n（2025年度）"
    assert title(wrapped, 0, central) == "项目支出绩效自评表"
    assert title("效自评表", 0, central) == "效自评表"  # no line ends as the variant's: as before


def test_two_whole_rows_meeting_at_a_page_break_stay_two():
    """A browser draws no border at a page break. Where the last row above it and the first below
    both print a number in one column (分值 "1" and "1"), they are two rows, not one cut by the break:
    their cells are not glued ("1\\n1" refused before); a merged cell spanning the break still is."""
    from pipeline.forms.rows import join_page_breaks
    from pipeline.read.grids import Grid

    cols = ((0.0, 50.0), (50.0, 100.0), (100.0, 120.0))
    a = Grid(1, (("产出指标", "甲", "2"), ("", "乙", "1")), ((500.0, 480.0), (480.0, 460.0)), cols,
             (((1.0, 40.0), (51.0, 60.0), (101.0, 110.0)), (None, (51.0, 60.0), (101.0, 110.0))),
             anchors=(((0, 0), (0, 1), (0, 2)), ((0, 0), (1, 1), (1, 2))),
             open_top=(False, False, False), open_bottom=(True, True, True))
    b = Grid(2, (("标", "丙", "1"),), ((700.0, 680.0),), cols, (((1.0, 40.0), (51.0, 60.0), (101.0, 110.0)),),
             anchors=(((0, 0), (0, 1), (0, 2)),), open_top=(True, True, True), open_bottom=(False, False, False))
    (ja, _), (jb, _) = join_page_breaks([(a, (1,)), (b, (2,))])
    assert ja.rows == (("产出指标\n标", "甲", "2"), ("", "乙", "1")) and jb.rows == (("", "丙", "1"),)


def test_two_whole_level_labels_meeting_at_a_page_break_stay_two():
    """Two merged 二级 cells meeting at a page break a browser draws no border at: "质量指标" above,
    "时效指标" below, each a whole label (ending as every level's name does), are two cells, never
    one "质量指标时效指标" (Chromium at A5, central/440310221551500040085: 10 rows' 二级指标 loaded so,
    unflagged). A label cut by the break ("效益指" / "标") is still joined."""
    from pipeline.forms.rows import join_page_breaks
    from pipeline.read.grids import Grid

    cols = ((0.0, 50.0), (50.0, 100.0), (100.0, 120.0))

    def pages(above: str, below: str) -> tuple:
        a = Grid(1, (("质量", above, "2"), ("", "", "1")), ((500.0, 480.0), (480.0, 460.0)), cols,
                 (((1.0, 40.0), (51.0, 60.0), (101.0, 110.0)), (None, None, (101.0, 110.0))),
                 anchors=(((0, 0), (0, 1), (0, 2)), ((0, 0), (0, 1), (1, 2))),
                 open_top=(False, False, False), open_bottom=(True, True, True))
        b = Grid(2, (("", below, "3"),), ((700.0, 680.0),), cols, ((None, (51.0, 60.0), (101.0, 110.0)),),
                 anchors=(((0, 0), (0, 1), (0, 2)),), open_top=(True, True, True),
                 open_bottom=(False, False, False))
        (ja, _), (jb, _) = join_page_breaks([(a, (1,)), (b, (2,))])
        return ja.rows[0][1], jb.rows[0][1]

    assert pages("质量指标", "时效指标") == ("质量指标", "时效指标")
    assert pages("效益指", "标") == ("效益指\n标", "")


def test_a_cut_cell_s_text_printed_under_the_table_is_read_into_it():
    """Chromium centres a merged 一级指标's text on the whole cell, across the page break: "标" of
    "效益指标" is printed under the page's last border, in that column alone. Where the next page's
    table goes on in that column (no border over it), that text is the cell's rest."""
    from pipeline.read.grids import read_grids

    pdf = LOOKS / "440303210301500004536.yunnan.pdf"
    grids, _ = read_grids(pdf)
    assert [u for g in grids for u in g.under if u] == ["标"]
    levels = {r["level1"] for r in extracted(str(pdf))[0]["indicators"]}
    assert levels == {"产出指标", "效益指标", "满意度指标"}


def test_a_level_label_cut_short_is_refused_naming_it():
    """Without that rest ("效益指"), the form is refused naming the label cut short, never loaded
    with 一级指标 "效益指"; so is a 二级 label ending in part of "指标", and a 一级 weight printed on
    some 一级 labels and lost from another."""
    import dataclasses

    from pipeline.errors import ExtractionFault
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = LOOKS / "440303210301500004536.yunnan.pdf"
    grids, _ = read_grids(pdf)
    lost = [dataclasses.replace(g, under=()) for g in grids]
    with pytest.raises(ExtractionFault, match="'效益指', cut short of '效益指标'"):
        read_forms(inspect(pdf), lost)
    two = [dataclasses.replace(g, rows=tuple(tuple("时效指" if c == "时效\n指标" else c for c in r) for r in g.rows))
           for g in grids]
    assert two != grids
    with pytest.raises(ExtractionFault, match="二级指标 '时效指', cut short of '时效指标'"):
        read_forms(inspect(pdf), two)


def test_a_level_1_weight_lost_from_one_label_is_refused():
    import dataclasses

    from conftest import PDF
    from pipeline.errors import ExtractionFault
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    grids, _ = read_grids(pdf)
    bare = [dataclasses.replace(g, rows=tuple(tuple(c.split("\n")[0] if c.startswith("产出指标") else c for c in r)
                                              for r in g.rows)) for g in grids]
    assert bare != grids
    with pytest.raises(ExtractionFault, match="'产出指标' prints no weight while"):
        read_forms(inspect(pdf), bare)


def test_a_level_name_is_cut_short_only_below_its_stem_or_inside_the_suffix():
    from pipeline.forms.reader import cut_short
    from pipeline.forms.vocabulary import vocabulary

    level1, level2 = vocabulary().level1, vocabulary().level2
    assert cut_short("效益指", level1) == "效益指标" and cut_short("产", level1) == "产出指标"
    assert cut_short("时效指", level2) == "时效指标" and cut_short("服务对象满意", level2) == "服务对象满意度指标"
    # the stems are names of their own (产出 / 数量, as older and provincial forms print them)
    assert not any(cut_short(t, level1) for t in ("产出", "效益", "过程", "产出指标", "产出指标（50分）", "其他"))
    assert not any(cut_short(t, level2) for t in ("数量", "时效", "数量指标", "社会效益指标"))


A5 = LOOKS / "a5"  # printed at A5 in 9 pt Noto Serif CJK SC (make_chromium_looks.py --restyle a5)


def test_two_level_cells_meeting_at_a_page_break_read_as_two_at_a5():
    """"质量指标" ending at a page break and "时效指标" starting the next page, no border drawn between
    them: two 二级指标, every field as printed."""
    pdf = A5 / "440310221551500040085.central.pdf"
    [form] = extracted(str(pdf))
    assert differences(form, _truth(pdf)) == []


def test_a_page_of_rows_alone_is_read_from_its_text_at_a5():
    """Page 3 prints indicator rows only (its level cells merged from page 2): no label, so it was
    taken for a broken text layer and read by OCR, which lost its 10 rows. Read from its text, every
    row is there in order (the one field that differs is a space Chromium leaves out at a wrap)."""
    pdf = A5 / "440303210301500004536.central.pdf"
    [form] = extracted(str(pdf))
    truth = _truth(pdf)
    assert form.get("ocr") is None
    assert [(r["level3"] or "").replace(" ", "") for r in form["indicators"]] == \
        [(r["level3"] or "").replace(" ", "") for r in truth["indicators"]]
    assert [(r["target"], r["weight"], r["score"]) for r in form["indicators"]] == \
        [(r["target"], r["weight"], r["score"]) for r in truth["indicators"]]


WEB = LOOKS / "xlsx-web"  # a workbook saved as a web page by LibreOffice Calc, printed by Chromium


def test_a_header_label_and_its_value_set_on_across_their_border_are_parted():
    """"项目实施单位" fills its cell and the value is printed from the border on, with no gap: one run
    of text across the border, kept whole (text set on across a border is a cell's overflow). The
    label is the vocabulary's and ends at the border: the value is the rest (implementing_unit loaded
    None before, unflagged)."""
    pdf = WEB / "440303231550216305001.hubei.pdf"
    [form] = extracted(str(pdf))
    assert form["implementing_unit"] == "深圳市罗湖区智慧城市建设中心"
    assert differences(form, _truth(pdf)) == []


def _with_cell(grids: list, old: str, new: str, span=None) -> list:
    import dataclasses

    out = []
    for g in grids:
        rows = tuple(tuple(new if c == old else c for c in r) for r in g.rows)
        spans = tuple(tuple(span if span is not None and c == old else s for c, s in zip(r, sr))
                      for r, sr in zip(g.rows, g.spans))
        out.append(dataclasses.replace(g, rows=rows, spans=spans))
    assert out != grids
    return out


def test_a_header_label_run_on_within_its_cell_is_refused_and_a_colon_parts_it():
    """The same cell with its text printed inside it (no border where the label ends): which part
    is the label cannot be seen, and the field would load empty: refused, naming the cell. Parted by
    a colon, it is read whatever the border."""
    from pipeline.errors import ExtractionFault
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = WEB / "440303231550216305001.hubei.pdf"
    grids, _ = read_grids(pdf)
    cell = "项目实施单位深圳市罗湖区智慧城市建设中心"
    inside = _with_cell(grids, cell, cell, span=(403.9, 450.0))
    with pytest.raises(ExtractionFault, match="header cell '项目实施单位深圳市.*' starts with the label 项目实施单位"):
        read_forms(inspect(pdf), inside)
    colon = _with_cell(grids, cell, "项目实施单位：深圳市罗湖区智慧城市建设中心", span=(403.9, 450.0))
    [form] = read_forms(inspect(pdf), colon)
    assert form.implementing_unit == "深圳市罗湖区智慧城市建设中心"
    # a note in brackets between the label and its colon is the label's ("实施单位（盖章）：")
    noted = _with_cell(grids, cell, "项目实施单位（盖章）：深圳市罗湖区智慧城市建设中心", span=(403.9, 450.0))
    [form] = read_forms(inspect(pdf), noted)
    assert form.implementing_unit == "深圳市罗湖区智慧城市建设中心"
    with pytest.raises(ExtractionFault, match="starts with the label 项目实施单位 and runs on"):
        read_forms(inspect(pdf), _with_cell(grids, cell, "项目实施单位（盖章）深圳市罗湖区", span=(403.9, 450.0)))


def test_a_border_parts_a_label_only_where_the_label_ends():
    from pipeline.forms.text import set_on

    # 6 ideographs of label then 14 of value, one em = 9: middles 4.5 … 175.5; the label ends at 54
    assert set_on((4.5, 175.5), 54.0, "项目实施单位", "深圳市罗湖区智慧城市建设中心") == ((4.5, 49.5), (58.5, 175.5))
    assert set_on((4.5, 175.5), 54.0, "项目实施", "单位深圳市罗湖区智慧城市建设中心") is None  # two glyphs on
    assert set_on((4.5, 175.5), 200.0, "项目实施单位", "深圳市罗湖区智慧城市建设中心") is None  # inside
    # half-width glyphs are half an em: "AI" in the value
    assert set_on((4.5, 157.5), 54.0, "项目实施单位", "罗湖区AI视觉能力提升中心") is not None
    assert set_on((4.5, 157.5), 54.0, "项目实施单位", "罗湖区\n视觉能力提升中心") is None  # one line only


def test_a_level_label_set_on_into_the_next_cell_is_parted():
    """The same in an indicator row: "服务对象满意度指标" fills its 二级指标 cell and the 三级指标
    "辅助性人员的满意情况" is printed from the border on (refused before, as a cell shifted a column)."""
    from pipeline.forms.reader import _parted
    from pipeline.forms.rows import Cell, Row
    from pipeline.forms.template import get

    em = 6.92
    row = Row((1,), [Cell("满意度指标（10分）", 65.3, 158.9, (84.5, 139.6), border=158.9),
                     Cell("服务对象满意度指标辅助性人员的满意情况", 158.9, 221.5, (162.58, 162.58 + 18 * em), border=221.5),
                     Cell("", 221.5, 442.4, None, border=442.4), Cell("满意", 442.4, 484.3, (460.1, 467.0), border=484.3)])
    parted = _parted(row, get("hubei"))
    assert [c.text for c in parted.cells] == ["满意度指标（10分）", "服务对象满意度指标", "辅助性人员的满意情况", "满意"]
    # a text that starts with no known label, or whose next cell prints its own text, runs on
    other = Row((1,), [dataclasses.replace(row.cells[1], text="服务对象满意程度很高辅助性人员的满意情况"), row.cells[2]])
    assert _parted(other, get("hubei")) is other
    full = Row((1,), [row.cells[1], dataclasses.replace(row.cells[2], text="x")])
    assert _parted(full, get("hubei")) is full


def test_a_label_starting_a_longer_one_is_not_parted_from_it():
    """A label column sized to its 4-character labels (项目名称) with "主管部门及代码" run on past
    its border into an empty value cell: 主管部门 ends at the border, but the text is the longer
    label, not 主管部门 and the value "及代码" (loaded as budget_unit, unflagged, before)."""
    from pipeline.forms.reader import _parted
    from pipeline.forms.rows import Cell, Row
    from pipeline.forms.template import get

    em = 10.0
    row = Row((1,), [Cell("主管部门及代码", 0.0, 44.0, (2 + em / 2, 2 + 6.5 * em), border=44.0),
                     Cell("", 44.0, 300.0, None, border=300.0)])
    assert _parted(row, get("central")) is row
    # the longer label set on with its value is parted where it ends, as any label
    valued = Row((1,), [Cell("主管部门及代码区财政局", 0.0, 74.0, (2 + em / 2, 2 + 10.5 * em), border=74.0),
                        Cell("", 74.0, 300.0, None, border=300.0)])
    assert [c.text for c in _parted(valued, get("central")).cells] == ["主管部门及代码", "区财政局"]
    # nor is a note in brackets after a label: "数量指标（20分）" in a column sized to 数量指标
    noted = Row((1,), [Cell("数量指标（20分）", 0.0, 44.0, (2 + em / 2, 2 + 7.5 * em), border=44.0),
                       Cell("", 44.0, 300.0, None, border=300.0)])
    assert _parted(noted, get("central")) is noted


def test_a_table_ruled_past_the_page_s_edge_is_refused_saying_so():
    """Calc saves a sheet as a web page with its table wider than a Letter page; Chromium prints the
    part on the page and nothing past its edge (the 得分 columns). Refused at the table, saying so,
    not at a symptom ("no 绩效自评年度 found")."""
    from pipeline.errors import ExtractionFault
    from pipeline.extract import extract

    with pytest.raises(ExtractionFault, match=r"the table is cut by the edge of what the page prints: ruled "
                                              r"from x 64 to 906, the page from 0 to 612"):
        extract(WEB / "440303231550216305001.luohu.pdf")


def test_two_merged_cells_side_by_side_spanning_a_page_are_both_columns():
    """Page 2 holds indicator rows only, inside two merged cells on their left (绩效指标, 一级指标)
    that span the whole page: no border crosses either, so Camelot makes neither a column. Each is
    one (`grids._with_page_high_cell`): the 一级指标, printed where the cell's middle falls, is read
    into its column, not into the 二级指标's."""
    from pipeline.read.grids import read_grids

    pdf = LOOKS / "wqy" / "440303210301500004536.central.pdf"
    grids, _ = read_grids(pdf)
    page2 = next(g for g in grids if g.page == 2)
    assert len(page2.col_x) == 9 and page2.rows[0][:3] == ("", "产出\n指标\n(50\n分)", "数量\n指标")
    [form] = extracted(str(pdf))
    assert differences(form, _truth(pdf)) == []


def test_quotes_and_dashes_are_one_em_wide_where_a_label_is_parted():
    """A CJK font draws “ ” — … as full-width glyphs: a value starting with a quote is parted at the
    label's end as any other (it was taken as half an em, the border missed, the form refused)."""
    from pipeline.forms.text import set_on

    # 项目实施单位 (6 em) then “智慧城市”中心 (8 em), one em = 9: middles 4.5 … 121.5
    assert set_on((4.5, 121.5), 54.0, "项目实施单位", "“智慧城市”中心") == ((4.5, 49.5), (58.5, 121.5))
