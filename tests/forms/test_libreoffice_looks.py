"""Forms printed by LibreOffice (tests/fixtures/libreoffice/: Writer from the corpus .docx, Calc from the
.xlsx), a producer, fonts and page breaks the reader was not built on, read field for field; and the
mechanisms they needed, each on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, HERE, code_of, differences, extracted
from pipeline.read import glyphs

LOOKS = HERE / "fixtures" / "libreoffice"


def _truth(pdf: Path) -> dict:
    variant = pdf.name.split(".")[1]
    folder = "truth" if variant == "luohu" else f"truth-{variant}"
    return json.loads((CORPUS / folder / f"{code_of(pdf)}.json").read_text(encoding="utf-8"))


CUT = LOOKS / "cut"  # Calc looks whose 预期目标 a row too low for it cuts: read as printed, flagged
CUT_TARGET = LOOKS / "cut-target"  # a 年初目标值 cut so: read, flagged on its row
CUT_LAST = LOOKS / "cut-last"  # a target cut in the last row of a page's table (its text changed)
CLIPPED = LOOKS / "clipped"  # cut at a line boundary: read, flagged may_be_cut (test_may_be_cut.py)


@pytest.mark.parametrize("pdf", sorted(p for p in LOOKS.glob("*/*.pdf") if p.parent not in (CUT, CUT_TARGET, CUT_LAST, CLIPPED)),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_form_printed_by_libreoffice_reads_field_for_field(pdf):
    forms = extracted(str(pdf))
    assert len(forms) == 1 and forms[0]["template"] == pdf.name.split(".")[1]
    assert differences(forms[0], _truth(pdf)) == []


def _char(text: str, x0: float, *, spaced: bool = False) -> glyphs.Char:
    return glyphs.Char(text, x0, x0 + 9.0, x0 + 0.5, x0 + 8.5, 100.0, 9.0, spaced=spaced)


def test_the_gap_a_typesetter_leaves_between_scripts_is_no_space():
    """Writer and Word set about a quarter em between an ideograph and a digit (0.21 em measured):
    no space unless a space glyph is printed there or the gap is wider; between two ideographs, or
    two digits, a gap of 0.15 em is a space, as before."""
    assert glyphs.text([_char("0", 0.0), _char("个", 10.9)]) == "0个"               # 0.21 em
    assert glyphs.text([_char("0", 0.0), _char("个", 10.9, spaced=True)]) == "0 个"  # a space glyph
    assert glyphs.text([_char("0", 0.0), _char("个", 12.0)]) == "0 个"              # 0.33 em
    assert glyphs.text([_char("局", 0.0), _char("（", 10.9)]) == "局 （"
    assert glyphs.text([_char("1", 0.0), _char("2", 10.9)]) == "1 2"


def test_text_around_the_table_reads_through_autospace():
    from pipeline.forms.outside import outside

    assert outside("部门：佛山市南海区机关事务管理中心 公开 14 表") == {
        "table_no": ["公开14表"], "department": ["佛山市南海区机关事务管理中心"]}
    assert outside("填报日期：2025 年 4 月 11 日 总分：95.5 分")["report_date"] == ["2025年4月11日"]


def test_a_whole_level_label_ends_as_every_level_s_name():
    from pipeline.forms.vocabulary import vocabulary

    _whole_level = vocabulary().whole_level

    assert all(map(_whole_level, ("服务对象满意度指标", "产出指标（50分）", "效益指标(30分)", "度指标")))
    assert not any(map(_whole_level, ("服务对象满意", "效益指标(30", "(10分)", "分)")))


def test_a_merged_cell_cut_by_the_page_reads_as_one():
    """No border under a column at the bottom of a page's table and none over it at the top of the
    next: the cell's text on the next page is read after its part above, and the rows read on."""
    from pipeline.forms.rows import join_page_breaks
    from pipeline.read.grids import Grid

    cols = ((0.0, 50.0), (50.0, 100.0))
    a = Grid(1, (("产出指标", "x"), ("", "y")), ((500.0, 480.0), (480.0, 460.0)), cols,
             (((1.0, 40.0), (51.0, 60.0)), (None, (51.0, 60.0))),
             anchors=(((0, 0), (0, 1)), ((1, 0), (1, 1))), open_top=(False, False), open_bottom=(True, False))
    b = Grid(2, (("效益指标", "z"),), ((700.0, 680.0),), cols, (((1.0, 40.0), (51.0, 60.0)),),
             anchors=(((0, 0), (0, 1)),), open_top=(True, False), open_bottom=(False, False))
    (ja, _), (jb, _) = join_page_breaks([(a, (1,)), (b, (2,))])
    assert ja.rows == (("产出指标", "x"), ("效益指标", "y")) and jb.rows == (("", "z"),)
    closed = join_page_breaks([(a, (1,)), (dataclasses_replace(b, open_top=(False, False)), (2,))])
    assert [g.rows for g, _ in closed] == [a.rows, b.rows]


def dataclasses_replace(grid, **changes):
    import dataclasses

    return dataclasses.replace(grid, **changes)


def test_an_indicator_row_without_its_level_1_is_refused_not_loaded():
    """A 一级指标 printed on no row of its block (a column not found, text drawn over its label):
    the form is refused, never loaded with level1 null."""
    import dataclasses

    from conftest import PDF
    from pipeline.errors import ExtractionFault
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "yunnan" / "440303210301500004536.yunnan.pdf"
    grids, _ = read_grids(pdf)
    names = {"产出指标", "效益指标", "满意度指标"}
    blanked = [dataclasses.replace(g, rows=tuple(tuple("" if c in names else c for c in r) for r in g.rows))
               for g in grids]
    assert blanked != grids
    with pytest.raises(ExtractionFault, match="has no 一级指标"):
        read_forms(inspect(pdf), blanked)


def test_a_row_read_on_across_a_page_never_glues_digits_to_digits():
    """Writer breaks a row across pages; its rest on the next page is read into it. But where both
    parts hold digits in a cell ("97" above the break, "98" below), they are two rows' values, never
    one number (9798 loaded with no flag): the row below is read as its own, or the form refused."""
    import dataclasses

    from pipeline.errors import ReportError
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = LOOKS / "writer" / "440306220301500065039.central.pdf"
    grids, _ = read_grids(pdf)
    [(i, last)] = [(i, g) for i, g in enumerate(grids) if g.page == 1]
    [(j, cont)] = [(j, g) for j, g in enumerate(grids) if g.page == 2]
    col = last.rows[-1].index("97%")  # 实际完成值 of 市民上网满意度, the row the break cuts
    assert cont.rows[0][col] == ""  # its rest below the break: labels only
    edited = list(grids)
    edited[i] = dataclasses.replace(last, rows=last.rows[:-1] + (
        last.rows[-1][:col] + ("97",) + last.rows[-1][col + 1:],))
    edited[j] = dataclasses.replace(cont, rows=(cont.rows[0][:col] + ("98",) + cont.rows[0][col + 1:],)
                                    + cont.rows[1:])
    assert read_forms(inspect(pdf), grids)[0].indicators[-2].actual == "97%"  # as printed: read on
    try:
        forms = read_forms(inspect(pdf), edited)
    except ReportError:
        return  # refused: never loaded
    assert all("9798" not in (row.actual or "") for row in forms[0].indicators)


@pytest.mark.parametrize("pdf", sorted(CUT.glob("*.pdf")), ids=lambda p: p.stem)
def test_a_goal_whose_text_calc_cut_is_read_as_far_as_printed_and_flagged(pdf):
    """Calc prints a cell's text clipped to a row too low for it, and writes the line its border cuts
    into the text layer all the same (where no viewer shows it), but none of the lines after it.
    Read as placed, that line went into the cell below; it is read into the cell it was clipped to,
    so the 预期目标 loads as far as the PDF holds it (all of it where the cut line is its last: the
    first two files; its first 3 of 5 items in the third), flagged `may_be_cut`, and the rest of
    the form loads field for field."""
    [form] = extracted(str(pdf))
    truth = _truth(pdf)
    assert "goal_expected" in form["may_be_cut"]
    assert truth["goal_expected"].startswith(form["goal_expected"])
    shown = len(form["goal_expected"].splitlines())
    assert shown >= 2  # the line the border cuts is read: without it, one line fewer
    assert differences({**form, "goal_expected": truth["goal_expected"]}, truth) == []
    assert (form["goal_expected"] == truth["goal_expected"]) == (pdf.stem != "440309200301000043738.luohu")


def test_a_target_whose_text_calc_cut_is_read_and_flagged():
    """A cut cell read into an indicator row's text (a 年初目标值 and its 实际完成值, whose border cuts
    their last line "。") is read as far as printed and flagged on its row (`cut_fields`), though
    filling a cell alone flags no target: the cut is certain."""
    [pdf] = CUT_TARGET.glob("*.pdf")
    [form] = extracted(str(pdf))
    truth = _truth(pdf)
    assert differences(form, truth) == []  # the line cut is the last: the text layer holds it all
    flagged = [(r["level3"], r["may_be_cut"]) for r in form["indicators"] if r.get("may_be_cut")]
    assert flagged == [("政府网络保障及加强为民办事方面", ["target", "actual"])]


def test_a_cell_cut_in_the_last_row_of_a_page_s_table_is_read_and_flagged():
    """The luohu workbook with 硒鼓采购的数量's target (D18, the last row on page 1, 19.5 pt high)
    made too long for its row, printed by Calc: the line the border cuts lies under the table, not in
    it, so it was neither seen as cut nor read (the target loaded "≥20个（含彩色硒鼓", unflagged). It is
    the cell's own, by its clip and the border drawn under it: read, flagged; the merged label copies
    Calc draws at the page break (clipped to a part no border closes) are not."""
    [pdf] = CUT_LAST.glob("*.pdf")
    [form] = extracted(str(pdf))
    rows = [r for r in form["indicators"] if r.get("may_be_cut")]
    written = "≥20个（含彩色硒鼓与黑白硒鼓各半按季度分批采购入库由办公室统一验收登记）"
    assert [(r["level3"], r["target"]) for r in rows if "target" in r["may_be_cut"]] == [("硒鼓采购的数量", written)]
    truth = _truth(pdf)
    [k] = [i for i, r in enumerate(truth["indicators"]) if r["level3"] == "硒鼓采购的数量"]
    truth["indicators"][k]["target"] = written
    assert differences(form, truth) == []


def test_what_a_clip_path_hides_is_marked_and_read_into_the_cell_it_was_clipped_to():
    """The glyphs of a line Calc drew below the cell it clips to are `hidden`, with the cell's box;
    they are read into that cell, which the grid names as cut (`Grid.cut`) and full. Glyphs that
    show carry no clip."""
    import pypdfium2 as pdfium

    from pipeline.read.grids import read_grids

    pdf = CUT / "440306210300200057795.luohu.pdf"
    doc = pdfium.PdfDocument(pdf)
    try:
        chars = glyphs.chars(doc[0].get_textpage())
    finally:
        doc.close()
    assert 0 < sum(ch.hidden for ch in chars) < len(chars) // 10
    by_clip: dict = {}
    for ch in chars:
        if ch.hidden:
            by_clip.setdefault(ch.clip, []).append(ch)
    # the line cut away from the 预期目标, with that cell's box (the others: a merged label's copies
    # Calc draws off the page, as before)
    [(x0, y0, x1, y1)] = [box for box, cut in by_clip.items()
                          if "面深度覆盖" in glyphs.text(cut).replace("\n", "")]
    assert all((ch.inky0 + ch.inky1) / 2 < y0 for ch in by_clip[(x0, y0, x1, y1)])  # below its border
    shown = [ch for ch in chars if x0 <= ch.cx <= x1 and y0 <= ch.cy <= y1]
    assert shown and not any(ch.hidden for ch in shown)
    grids, _ = read_grids(pdf)
    [grid] = [g for g in grids if g.cut]
    [((r, c), why)] = grid.cut
    assert "面深度覆盖" in why and (r, c) in grid.full
    assert "面深度覆盖" in grid.rows[r][c].replace("\n", "")  # the cut line, in its own cell
    assert not any("面深度覆盖" in t.replace("\n", "") for k, row in enumerate(grid.rows) if k != r for t in row)


def test_a_ruled_line_down_a_table_s_left_at_its_height_is_a_merged_cell_s_column():
    """A merged cell filling a table's height on its left has no border across it: its column is
    added as one region, open above and below. A line that runs past the table (a frame), or one
    with ruling between it and the table, adds nothing."""
    from pipeline.read.grids import _Outline, _with_page_high_cell

    table = _Outline(((500.0, 480.0), (480.0, 460.0)), ((100.0, 200.0), (200.0, 300.0)),
                     {(0, 0): (0, 0), (0, 1): (0, 1), (1, 0): (1, 0), (1, 1): (1, 1)})
    wide = _with_page_high_cell(table, [(40.0, 460.0, 40.0, 500.0)], [])
    assert wide.cols == ((40.0, 100.0), (100.0, 200.0), (200.0, 300.0))
    assert wide.anchor == {(0, 0): (0, 0), (1, 0): (0, 0), (0, 1): (0, 1), (0, 2): (0, 2),
                           (1, 1): (1, 1), (1, 2): (1, 2)}
    assert _with_page_high_cell(table, [(40.0, 100.0, 40.0, 800.0)], []) == table  # a frame
    assert _with_page_high_cell(table, [(40.0, 460.0, 40.0, 500.0)], [(40.0, 480.0, 100.0, 480.0)]) == table
    # two such lines: two merged cells side by side (一级指标 beside 绩效指标), each a column of its own
    two = [(40.0, 460.0, 40.0, 500.0), (70.0, 460.0, 70.0, 500.0)]
    assert _with_page_high_cell(table, two, []).cols[:3] == ((40.0, 70.0), (70.0, 100.0), (100.0, 200.0))
    # ruling between the two: the nearest line's column only
    assert _with_page_high_cell(table, two, [(40.0, 480.0, 70.0, 480.0)]).cols[:2] == ((70.0, 100.0), (100.0, 200.0))


def test_a_cut_cell_in_a_table_that_is_no_form_costs_nothing():
    """A cell cut by its border in a table no form is read from (a summary beside the forms) refuses
    nothing: the report's forms load as before."""
    import dataclasses

    from conftest import PDF
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    grids, _ = read_grids(pdf)
    info = inspect(pdf)
    before = read_forms(info, grids)
    summary = dataclasses.replace(grids[-1], page=grids[-1].page + 1,
                                  rows=(("序号", "项目名称", "自评得分"),) + tuple(("", "", "") for _ in grids[-1].rows[1:]),
                                  cut=(((1, 1), "the text of a cell is cut by its border"),))
    summary = dataclasses.replace(summary, rows=tuple(r[:3] + ("",) * (len(grids[-1].col_x) - 3) for r in summary.rows))
    info = dataclasses.replace(info, pages=info.pages + 1, page_texts=info.page_texts + ("项目支出绩效自评结果汇总表",))
    assert read_forms(info, [*grids, summary]) == before


def test_a_cut_cell_is_flagged_in_a_free_text_field_and_refuses_its_form_in_any_other():
    """The reader's policy for a cell its border cuts (`Cell.cut`), whatever the producer: read into
    a free-text field ([clipping] fields: 预期目标, 偏差原因 …; cut_fields: a 三级指标, target or actual),
    the field is flagged `may_be_cut` and the form loads; read into a number (分值, an amount) or a
    一级/二级 label, the form is refused naming the cell, with the page."""
    import dataclasses

    from conftest import PDF
    from pipeline.errors import IncompleteForm
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    grids, _ = read_grids(pdf)
    info = dataclasses.replace(inspect(pdf), producer=("Writer", "LibreOffice 7.4"))  # grows its rows: no cell full
    [before] = read_forms(info, grids)
    assert before.may_be_cut == ()

    def cut_at(text: str) -> list:
        first = grids[0]
        r, c = next((r, c) for r, row in enumerate(first.rows) for c, t in enumerate(row) if t.startswith(text))
        return [dataclasses.replace(first, cut=(((r, c), f"the text of a cell is cut by its border: {text}"),)),
                *grids[1:]]

    [goal_cut] = read_forms(info, cut_at("1.保障区委区政府办公设"))
    assert goal_cut.may_be_cut == ("goal_expected",)
    assert dataclasses.replace(goal_cut, may_be_cut=()) == before  # every value as before
    assert read_forms(info, cut_at("落实过“紧日子"))[0].indicators[1].may_be_cut == ("deviation_note",)
    assert read_forms(info, cut_at("硒鼓采购的数量"))[0].indicators[2].may_be_cut == ("level3",)
    assert read_forms(info, cut_at("≥20个"))[0].indicators[2].may_be_cut == ("target",)
    for text in ("1291532.65", "质量指标"):
        with pytest.raises(IncompleteForm, match=f"page 1: the text of a cell is cut by its border: {text}"):
            read_forms(info, cut_at(text))


def _line(text: str, x0: float, base: float, *, spaced_first: bool = False, em: float = 9.0) -> list[glyphs.Char]:
    """Glyphs of one line, each `em` wide at full width and half that for digits and points."""
    out, x = [], x0
    for i, ch in enumerate(text):
        w = em / 2 if ch.isdigit() or ch == "." else em
        out.append(glyphs.Char(ch, x, x + w, x + 0.3, x + w - 0.3, base, em, spaced=spaced_first and i == 0))
        x += w
    return out


def test_a_number_the_cell_was_too_narrow_for_is_one_line_again():
    """Writer wraps a number mid-way in a cell too narrow for it ("272127700.7" over "5", right
    aligned): the line above is full, less the table's margins, so the two are one number. Two numbers
    a lost border runs together, "10" over "0" with room to spare for another digit, stay two lines
    (the reader refuses them), as do two lines a row apart."""
    wrapped = _line("272127700.7", 101.0, 100.0) + _line("5", 150.0, 89.5)  # 50.5 wide; cell 100–154
    assert glyphs.text(wrapped, (100.0, 154.0), 2.0) == "272127700.75"
    assert glyphs.text(wrapped) == "272127700.7\n5"  # no cell given: lines as printed
    spare = _line("10", 110.0, 100.0) + _line("0", 112.0, 89.5)  # 9 wide in a cell of 30
    assert glyphs.text(spare, (100.0, 130.0), 2.0) == "10\n0"
    tight = _line("10", 110.0, 100.0) + _line("9", 114.5, 88.0)  # Word's rows: no room above or below
    assert glyphs.text(tight, (100.0, 124.0), 10.8) == "10\n9"  # "109" no wider than one wrapped: two
    assert glyphs.margins([((0.0, 10.0), [])]) == 0.0  # a cell without glyphs says nothing
    apart = _line("272127700.7", 101.0, 100.0) + _line("5", 150.0, 80.0)  # a row below, not a line
    assert glyphs.text(apart, (100.0, 154.0), 2.0) == "272127700.7\n5"
    wide_margins = _line("103.4", 105.0, 100.0) + _line("7", 127.0, 89.5)  # Word's margins: 5 pt each
    assert glyphs.text(wide_margins, (100.0, 137.0), 10.0) == "103.47"
    assert glyphs.text(wide_margins, (100.0, 137.0), 2.0) == "103.4\n7"  # as much room, no margins


def test_a_space_printed_where_a_line_was_wrapped_is_kept():
    """Writer breaks "…管理局 （本级）" at its space and prints the space at the line's end: the text
    keeps it. A line that was not full was broken by the text itself: no space is made up."""
    from pipeline.forms.text import flat, paragraph

    full = _line("数据管理局", 101.0, 100.0) + _line("（本级）", 101.0, 88.0, spaced_first=True)
    assert glyphs.text(full, (100.0, 150.0), 2.0) == "数据管理局 \n（本级）"
    assert flat(glyphs.text(full, (100.0, 150.0), 2.0)) == "数据管理局 （本级）"
    assert flat(glyphs.text(full, (100.0, 200.0), 2.0)) == "数据管理局（本级）"  # room for "（本"
    assert flat("数据管理局\n（本级）") == flat(" 数据管理局 \n （本级） ".replace(" \n", "\n")) == "数据管理局（本级）"
    assert paragraph("满意度， \n以用户投诉为依据。 \n2.其他") == "满意度， 以用户投诉为依据。\n2.其他"


def test_a_line_the_page_break_cuts_in_two_is_read_once():
    """A merged cell's line drawn across the page break, half on each page (Calc draws the cell's
    text on every page it spans), is in the text layer of both: read once where the text above fills
    its part to the border; two lines that do not meet at the break are both kept."""
    from pipeline.forms.rows import join_page_breaks
    from pipeline.read.grids import Grid

    cols = ((0.0, 50.0), (50.0, 100.0))

    def joined(full: frozenset) -> str:
        a = Grid(1, (("产出指标\n(50分)", "甲"),), ((100.0, 60.0),), cols, (((1.0, 40.0), (51.0, 60.0)),),
                 anchors=(((0, 0), (0, 1)),), full=full,
                 open_top=(False, False), open_bottom=(True, False))
        b = Grid(2, (("(50分)", "乙"),), ((700.0, 680.0),), cols, (((1.0, 40.0), (51.0, 60.0)),),
                 anchors=(((0, 0), (0, 1)),), open_top=(True, False), open_bottom=(False, False))
        (ja, _), _ = join_page_breaks([(a, (1,)), (b, (2,))])
        return ja.rows[0][0]

    assert joined(frozenset({(0, 0)})) == "产出指标\n(50分)"
    assert joined(frozenset()) == "产出指标\n(50分)\n(50分)"
