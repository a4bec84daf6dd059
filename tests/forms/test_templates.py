"""Every template of the form: the national (`central`) and 四川 (`sichuan`) forms extract exactly,
from their one-form PDFs (two producers each) and their bundles, through pipeline/forms/templates/*.toml."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, PDF, code_of, differences, extracted
from pipeline.forms import template as templates

TRUTH_DIRS = {"central": CORPUS / "truth-central", "sichuan": CORPUS / "truth-sichuan"}
LAYOUTS = {"central": "central", "central-rl": "central", "sichuan": "sichuan", "sichuan-rl": "sichuan"}
TANGXI = PDF / "central" / "weituoyewu.central.pdf"  # the published 棠溪镇 2022 form
# sichuan/440303210301500004536 prints "满意度， 以" with the space as a gap and no glyph (pdfium
# infers it): tables.py reads such a gap inside a cell's line as the space it is
UNDRAWN_SPACE = PDF / "sichuan" / "440303210301500004536.sichuan.pdf"


def template_truth(template: str, name: str) -> dict:
    name = "anhui-tangxi-2022" if name == "weituoyewu" else name
    return json.loads((TRUTH_DIRS[template] / f"{name}.json").read_text(encoding="utf-8"))


def real_names(template: str) -> list[str]:
    """The converted real forms (no "defect", not the published 棠溪镇 form), in file-name order."""
    return [p.stem for p in sorted(TRUTH_DIRS[template].glob("*.json"))
            if "defect" not in json.loads(p.read_text(encoding="utf-8")) and p.stem != "anhui-tangxi-2022"]


def _cases():
    for layout, template in LAYOUTS.items():
        for pdf in sorted((PDF / layout).glob("*.pdf")):
            marks = [] if pdf == UNDRAWN_SPACE else [pytest.mark.slow]
            yield pytest.param(pdf, template, id=f"{layout}/{code_of(pdf)}", marks=marks)


@pytest.mark.parametrize("pdf,template", list(_cases()))
def test_template_form_equals_truth(pdf, template):
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert forms[0]["template"] == template
    assert differences(forms[0], template_truth(template, code_of(pdf))) == []


@pytest.mark.parametrize("template", ["central", "sichuan"])
def test_bundle_holds_every_real_form_in_order(template):
    forms = extracted(str(PDF / "bundle" / f"luohu-2023-dev.{template}.pdf"))
    names = real_names(template)
    assert len(forms) == len(names) == 12
    for form, name in zip(forms, names):
        want = template_truth(template, name)
        assert form["template"] == template and form["project_name"] == want["project_name"]
        assert differences(form, want) == []
    ranges = [(f["source"]["first_page"], f["source"]["last_page"]) for f in forms]
    assert ranges[0][0] == 1
    assert all(first == last + 1 for (_, last), (first, _) in zip(ranges, ranges[1:]))


def test_tangxi_form_reads_as_printed():
    """The published national form: no 项目编码, the year only under the title, 万元 with three
    decimals, a 年度资金总额 row printing 0, and a placeholder 经济效益指标 row."""
    form = extracted(str(TANGXI))[0]
    assert differences(form, template_truth("central", "weituoyewu")) == []
    assert form["project_code"] is None and form["year"] == 2022 and form["money_unit"] == "万元"
    assert form["form_id"].startswith("N") and form["form_id"].endswith("-2022")
    placeholder = [r for r in form["indicators"] if r["level2"] == "经济效益指标"]
    assert placeholder == [{**placeholder[0], "level3": None, "target": None, "actual": None,
                            "weight": None, "score": None}]


def test_the_template_is_chosen_by_printed_labels():
    forms = {t: extracted(str(PDF / t / f"440303210301500004143.{t}.pdf"))[0] for t in ("central", "sichuan")}
    luohu = extracted(str(PDF / "xlsx" / "440303210301500004143.xlsx.pdf"))[0]
    assert [forms["central"]["template"], forms["sichuan"]["template"], luohu["template"]] == [
        "central", "sichuan", "luohu"]
    assert forms["sichuan"]["project_code"] == luohu["project_code"] == "440303210301500004143"
    assert forms["sichuan"]["form_id"] == luohu["form_id"]  # the same project and year
    assert "indicators_weight" in forms["sichuan"] and "indicators_weight" not in luohu


def test_a_placeholder_row_is_a_fault_where_the_template_does_not_allow_it():
    """luohu says placeholder_rows = false: a row left with only its 一级/二级 labels (三级指标 and
    every number lost) is a misread there, never a placeholder; only central allows such rows."""
    import dataclasses

    from pipeline.errors import ExtractionFault
    from pipeline.forms.reader import read_forms
    from pipeline.read.pdf import inspect
    from pipeline.read.grids import read_grids

    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    grids, _ = read_grids(pdf)
    i, r, c = next((i, r, row.index("169")) for i, g in enumerate(grids)
                   for r, row in enumerate(g.rows) if "169" in row)
    g = grids[i]
    texts, spans = list(g.rows[r]), list(g.spans[r])
    for k in range(c - 2, c + 3):  # 三级指标, 年度指标值, 实际完成值, 分值, 得分
        texts[k], spans[k] = "", None
    grids[i] = dataclasses.replace(g, rows=g.rows[:r] + (tuple(texts),) + g.rows[r + 1:],
                                   spans=g.spans[:r] + (tuple(spans),) + g.spans[r + 1:])
    with pytest.raises(ExtractionFault, match="has no 指标值"):
        read_forms(inspect(pdf), grids)
    assert templates.get("central").placeholder_rows
    assert not templates.get("luohu").placeholder_rows and not templates.get("sichuan").placeholder_rows


def test_every_template_file_loads_and_names_known_rules():
    names = [t.name for t in templates.templates()]
    assert names == ["central", "hubei", "langfang", "luohu", "sichuan", "yunnan"]
    for t in templates.templates():
        assert t.rules and set(t.rules) <= set(templates.RULES)
        assert [s.role for s in t.sources].count("total") == 1


def test_a_narrative_run_on_to_another_row_is_kept():
    """A page break inside 评价结论: its text continues in a row of its own, in the same column, with
    no label. It belongs to 评价结论 (read, not dropped after the 合计 row)."""
    import dataclasses

    from pipeline.forms.reader import read_forms
    from pipeline.read.pdf import inspect
    from pipeline.read.grids import read_grids

    pdf = PDF / "sichuan" / "440303210301500004143.sichuan.pdf"
    want = template_truth("sichuan", "440303210301500004143")
    grids, _ = read_grids(pdf)
    i, r = next((i, r) for i, g in enumerate(grids) for r, row in enumerate(g.rows) if row[0] == "评价结论")
    g = grids[i]
    c = next(k for k in range(1, len(g.rows[r])) if g.rows[r][k])
    text = g.rows[r][c]
    first, rest = list(g.rows[r]), [""] * len(g.rows[r])
    first[c], rest[c] = text[:10], text[10:]
    grids[i] = dataclasses.replace(
        g, rows=g.rows[:r] + (tuple(first), tuple(rest)) + g.rows[r + 1:],
        row_y=g.row_y[:r + 1] + g.row_y[r:],
        spans=g.spans[:r] + (g.spans[r], g.spans[r]) + g.spans[r + 1:])
    form = read_forms(inspect(pdf), grids)[0].to_dict()
    assert form["conclusion"] == want["conclusion"] and form["problems"] == want["problems"]


def test_a_header_printed_on_two_rows_is_read_by_its_labels():
    """Another arrangement of the sichuan indicator header: a group label 指标值 over the three cells
    指标性质 / 指标值 / 度量单位, printed on a row of their own. Same fields."""
    import dataclasses

    from pipeline.forms.reader import read_forms
    from pipeline.read.pdf import inspect
    from pipeline.read.grids import read_grids

    pdf = PDF / "sichuan" / "440303210301500004143.sichuan.pdf"
    grids, _ = read_grids(pdf)
    for i, g in enumerate(grids):
        for r, row in enumerate(g.rows):
            if "度量单位" in row:
                c = row.index("度量单位") - 2
                top, below = list(row), [""] * len(row)
                below[c:c + 3], top[c:c + 3] = row[c:c + 3], ["指标值", "", ""]
                grids[i] = dataclasses.replace(
                    g, rows=g.rows[:r] + (tuple(top), tuple(below)) + g.rows[r + 1:],
                    row_y=g.row_y[:r + 1] + g.row_y[r:], spans=g.spans[:r] + (g.spans[r],) * 2 + g.spans[r + 1:])
                break
    assert sum("度量单位" in row for g in grids for row in g.rows) == 2  # on both pages
    form = read_forms(inspect(pdf), grids)[0].to_dict()
    assert differences(form, template_truth("sichuan", "440303210301500004143")) == []


def test_forms_sharing_a_page_take_its_titles_in_turn():
    """Two short national forms printed on one page: each has its own "（年度）" line."""
    from pipeline.forms.outside import title as _title, title_year as _title_year

    page = "附件\n项目支出绩效自评表\n（2021年度）\n项目名称 甲\n…\n项目支出绩效自评表\n（2022年度）\n项目名称 乙"
    assert [_title_year(page, 0), _title_year(page, 1)] == ["2021", "2022"]
    assert _title(page, 1) == "项目支出绩效自评表"
    assert _title_year("部门预算项目支出绩效自评表（2023年度）\n项目名称", 0) == "2023"
    assert _title_year("项目名称 x\n（2022年度）", 5) == "2022"  # fewer titles than forms: the first


@pytest.mark.parametrize("line", ["上年度：2022", "下年度：2024年", "前年度：2021"])
def test_another_year_on_a_line_of_its_own_is_not_the_form_s(line):
    """"上年度：2022" under a title printing no year is the year before's, not the form's: it was read as
    the form's year (review of session 20); "评价年度：2023" still is."""
    from pipeline.forms.outside import title_year as _title_year

    assert _title_year(f"项目支出绩效自评表\n{line}\n项目名称 x", 0) is None
    assert _title_year("项目支出绩效自评表\n评价年度：2023\n项目名称 x", 0) == "2023"


@pytest.mark.parametrize("renamed,field,cells,header", [
    # the 实际完成值 header misread ("光疏霜", "美", as OCR did on made scans): its values fell into
    # 年度指标值, the column on its left ("16" and "16" read as target "1616")
    ({"* 实际完成值": "光疏霜"}, "target", ["≥100人次", "169"], ["光疏霜"]),
    ({"* 实际完成值": "美"}, "target", ["≥100人次", "169"], ["美"]),
    # both value headers misread: target and actual glued onto the 三级指标 text, every target and
    # actual None ("维修（护）办公电脑的数量≥100人次169")
    ({"年度指标值": "年度循标售", "* 实际完成值": "美"}, "level3",
     ["维修（护）办公电脑的数量", "≥100人次", "169"], ["年度循标售", "美"]),
    ({"年度指标值": "年度循标售"}, "level3", ["维修（护）办公电脑的数量", "≥100人次"], ["年度循标售"]),
    # a text column's own header misread: 三级指标 glued onto 二级指标
    ({"三级指标": "三级循标"}, "level2", ["数量指标", "维修（护）办公电脑的数量"], ["三级循标"]),
])
def test_a_column_whose_header_is_not_recognised_is_never_glued_to_its_left(renamed, field, cells, header):
    """A column whose header is not recognised (misread, or a label the vocabulary lacks) falls into
    the column on its left, its values glued onto that field's and loaded unflagged. Two cells read
    into one field, any field, are refused, naming them and the header cells over them."""
    import dataclasses

    from pipeline.errors import ExtractionFault
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    grids, _ = read_grids(pdf)
    assert read_forms(inspect(pdf), grids)[0].indicators[0].target == "≥100人次"  # as printed: read
    misread = [dataclasses.replace(g, rows=tuple(tuple(renamed.get(c, c) for c in r) for r in g.rows))
               for g in grids]
    assert misread != grids
    with pytest.raises(ExtractionFault) as refused:
        read_forms(inspect(pdf), misread)
    assert f"{len(cells)} cells {cells!r} are read into the {field} column" in refused.value.reason
    assert f"{header!r} over them took no column" in refused.value.reason
    assert refused.value.page == 1
