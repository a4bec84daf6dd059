"""An unknown variant is named, not guessed (issue 21, item 5): the variants drawn again
(tests/forms/_looks.py) with one label of one block printed as the vocabulary does not know it. Each
is refused naming that label, its file and page (whatever the reader stumbled on first), or read
field for field; never loaded with the label's value lost or glued to another."""

from __future__ import annotations

import json

import pytest

import _looks
from _looks import RENDER
from conftest import CORPUS, differences
from pipeline.errors import ReportError
from pipeline.extract import extract
from test_variant_looks import LOOKS

SAMPLE = {"yunnan": "440303200301500094260", "langfang": "440303230301000061330", "hubei": "440303210301500004143"}


def _drawn(monkeypatch, tmp_path, variant: str, printed: str, instead: str, within: bool = False,
           look: _looks.Look | None = None):
    """The sample form of `variant` with `printed` drawn as `instead` (a whole cell's label, or
    `within` any text), and its truth."""
    plain = _looks.draw

    def swap(text: str) -> str:
        return text.replace(printed, instead) if within or text.startswith(printed) else text

    def draw(path, above, rows, look, repeat=None, repeat_from=None):
        rows = [[(a, b, swap(t)) for a, b, t in r] for r in rows]
        repeat = [[(a, b, swap(t)) for a, b, t in r] for r in repeat] if repeat else repeat
        return plain(path, above, rows, look, repeat, repeat_from)

    monkeypatch.setattr(_looks, "draw", draw)
    truth = json.loads((CORPUS / f"truth-{variant}" / f"{SAMPLE[variant]}.json").read_text(encoding="utf-8"))
    return RENDER[variant](truth, tmp_path / f"{variant}.pdf", look or LOOKS[variant][0]), truth


@pytest.mark.parametrize("variant,printed,instead,page", [
    ("yunnan", "主管部门", "主管机关", 1),         # header: its value would be lost
    ("yunnan", "实施单位", "执行单位", 1),
    ("yunnan", "全年执行数", "全年实际支出数", 1),  # a funds column: refused at the numbers it shifts
    ("yunnan", "执行率", "支出进度", 1),
    ("hubei", "预算数", "预算金额", 1),
    ("yunnan", "上年结转资金", "以前年度结余资金", 1),  # a funds source row
    ("yunnan", "预期目标", "计划目标", 1),         # goals
    ("yunnan", "指标性质", "比较符", 1),           # an indicator column
    ("yunnan", "总分", "综合得分", 2),             # the total row
    ("yunnan", "其他需要说明事项", "其他说明", 2),
])
def test_a_refusal_names_the_label_not_recognised(monkeypatch, tmp_path, variant, printed, instead, page):
    pdf, _ = _drawn(monkeypatch, tmp_path, variant, printed, instead)
    with pytest.raises(ReportError) as refused:
        extract(pdf)
    err = refused.value
    assert err.file == str(pdf) and err.page == page
    assert f"labels not in the vocabulary: {instead}" in err.reason


# the 产出 block ends at the foot of page 1, 效益指标 heads page 2
AT_THE_BREAK = _looks.Look((1, 1.1, 1.3, 3.5, 1.2, 1.2, 0.7, 0.7, 2), pad=5)


@pytest.mark.parametrize("variant,printed,instead,look", [
    ("langfang", "产出指标", "产出目标", AT_THE_BREAK),  # a 一级指标 not ending as names do: kept, never
    ("hubei", "过程指标", "过程管理指标", None),          # glued to the next page's first 一级 name
])
def test_a_level_name_the_vocabulary_lacks_is_read_as_printed(monkeypatch, tmp_path, variant, printed, instead,
                                                              look):
    pdf, truth = _drawn(monkeypatch, tmp_path, variant, printed, instead, within=True, look=look)
    for row in truth["indicators"]:
        row["level1"] = row["level1"].replace(printed, instead)
    forms = [f.to_dict() for f in extract(pdf)[1]]
    assert len(forms) == 1 and differences(forms[0], truth) == []


def test_a_form_whose_project_label_is_unknown_is_refused_naming_it(monkeypatch, tmp_path):
    """项目名称 printed 项目全称: no table with a form's anchor, so no form is read; the page titled as a
    self-evaluation form says so, naming the label (its header's words the vocabulary lacks)."""
    from pipeline.errors import NoFormFound

    pdf, _ = _drawn(monkeypatch, tmp_path, "yunnan", "项目名称", "项目全称")
    with pytest.raises(NoFormFound) as refused:
        extract(pdf)
    assert refused.value.file == str(pdf)
    assert refused.value.reason.endswith("page 1: titled '2022年度项目支出绩效自评表', but it prints no 项目编码 or "
                                         "项目名称 label; labels not in the vocabulary: 项目全称")


def test_a_unit_label_printed_with_its_cell_empty_is_no_lost_value(monkeypatch, tmp_path):
    """主管部门 printed with its cell left empty, and a header row the vocabulary does not know (联系电话):
    the unknown label is not 主管部门's, so nothing is lost; the form reads with budget_unit empty. It was
    refused as 'its header prints no 一级预算单位/预算单位/主管部门…' (it prints it)."""
    truth = json.loads((CORPUS / "truth-yunnan" / f"{SAMPLE['yunnan']}.json").read_text(encoding="utf-8"))
    plain, unit = _looks.draw, truth["budget_unit"]

    def draw(path, above, rows, look, repeat=None, repeat_from=None):
        rows = [[(a, b, "" if t == unit else t) for a, b, t in r] for r in rows]
        rows.insert(1, [(0, 0, "联系电话"), (1, 10, "0755-12345678")])
        return plain(path, above, rows, look, repeat, repeat_from)

    monkeypatch.setattr(_looks, "draw", draw)
    pdf = RENDER["yunnan"](truth, tmp_path / "yunnan.pdf", LOOKS["yunnan"][0])
    forms = [f.to_dict() for f in extract(pdf)[1]]
    truth["budget_unit"] = None
    assert len(forms) == 1 and differences(forms[0], truth) == []
