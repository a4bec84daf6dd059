"""The printed variants of the form beyond luohu / central / sichuan (tests/fixtures/corpus/VARIANTS.md):
云南 公开14表 (yunnan), 河北 廊坊 (langfang), 湖北 省直 (hubei), read field for field through the one
vocabulary (pipeline/forms/vocabulary.toml) and a small file per variant; and a form no variant fits is
refused naming the labels the vocabulary does not know."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, PDF, code_of, differences, extracted
from pipeline.errors import IncompleteForm
from pipeline.extract import extract
from pipeline.forms import template as templates
from pipeline.forms.outside import checkbox as _checkbox, outside as _outside, title as _title, title_year as _title_year
from pipeline.forms.vocabulary import vocabulary

VARIANTS = ("yunnan", "langfang", "hubei")


def truth(variant: str, code: str) -> dict:
    return json.loads((CORPUS / f"truth-{variant}" / f"{code}.json").read_text(encoding="utf-8"))


def _cases():
    for variant in VARIANTS:
        for pdf in sorted((PDF / variant).glob("*.pdf")):
            yield pytest.param(pdf, variant, id=f"{variant}/{code_of(pdf)}")


@pytest.mark.parametrize("pdf,variant", list(_cases()))
def test_variant_form_equals_truth(pdf, variant):
    forms = extracted(str(pdf))
    assert len(forms) == 1
    assert forms[0]["template"] == variant
    assert differences(forms[0], truth(variant, code_of(pdf))) == []


def test_yunnan_reads_its_local_habits():
    form = extracted(str(PDF / "yunnan" / "440303210301500004536.yunnan.pdf"))[0]
    assert form["year"] == 2023 and form["title"] == "项目支出绩效自评表"  # "2023年度项目支出绩效自评表"
    assert form["department"] and form["table_no"] == "公开14表" and form["grade"] == "优"
    first = form["indicators"][0]  # 年度指标值 over 指标性质 / 指标值 / 度量单位: three fields, not one
    assert (first["level3"], first["nature"], first["target"], first["unit"]) == ("区系统数据归集", "≧", "15", "个")
    assert form["other_notes"] == "部分指标完成值以年末统计数据为准。"


def test_langfang_keeps_placeholder_rows_in_order_and_empty():
    form = extracted(str(PDF / "langfang" / "440303210301500004536.langfang.pdf"))[0]
    rows = form["indicators"]
    holders = [r for r in rows if r.get("placeholder")]
    assert {r["level3"] for r in holders} == {"指标2", "……"}
    assert all(r[k] is None for r in holders for k in ("target", "actual", "weight", "score"))
    assert all("placeholder" not in r for r in rows if not r.get("placeholder"))
    assert rows[0]["level3"].startswith("指标1：")
    # 效益指标 printed again at the top of a page: the block goes on, with its 二级指标
    assert [r["level2"] for r in rows if r["level1"] == "效益指标" and r.get("placeholder")][0] == "经济效益指标"
    assert form["funds"]["execution_rate"] == "76" and form["funds"]["score"] == "8"


def test_hubei_reads_checkboxes_dates_and_a_form_without_weights():
    form = extracted(str(PDF / "hubei" / "440303230300200079180.hubei.pdf"))[0]
    assert form["checkboxes"] == {"项目类别": "省直专项", "项目属性": "持续性项目", "项目类型": "常年性项目"}
    assert form["report_date"] == "2026年3月2日" and form["total_score"] == "73.55"
    assert form["title"] == "绩效目标自评表" and form["year"] == 2025
    assert form["funds"]["weight"] == "10"  # from 预算执行情况（万元）（10分）: no 分值 column
    assert "total_weight" not in form and "goal_expected" not in form
    assert all("weight" not in r for r in form["indicators"])
    assert form["indicators"][0]["level1_weight"] == "50"


def test_printed_text_around_the_table():
    page = "2022年度项目支出绩效自评表\n部门：永德县教育体育局 公开14表\n项目名称 …"
    assert _title(page) == "项目支出绩效自评表" and _title_year(page) == "2022"
    assert _outside(page)["department"] == ["永德县教育体育局"] and _outside(page)["table_no"] == ["公开14表"]
    top = "2023年学生资助项目绩效目标自评表\n填报日期：2024-03-12 总分：95.5分"
    assert _title(top, 0, templates.get("hubei")) == "绩效目标自评表" and _title_year(top) == "2023"
    assert _outside(top) == {"report_date": ["2024-03-12"], "total_score": ["95.5分"]}
    wrapped = "2023年\n湖北工程学院学生资助项目绩效目标自评表"  # a long title wrapped after its year
    assert _title_year(wrapped) == "2023"
    below = "合计 100 96\n项目负责人：张三  财务负责人：\n"  # 四川: signatures under the table
    assert _outside(below) == {"project_lead": ["张三"], "finance_lead": [None]}
    assert "主管部门" not in str(_outside("主管部门：某局"))  # a label inside another is not one


@pytest.mark.parametrize("text,answer", [
    ("、部门预算项目☑、省直专项□、省对下转移支付项目□", "部门预算项目"),
    ("☑持续性项目 □新增性项目", "持续性项目"),
    ("常年性项目□ 延续性项目■ 一次性项目□", "延续性项目"),
    ("、持续性项目□、新增性项目□", None),
])
def test_a_checkbox_row_is_read_as_the_ticked_choice(text, answer):
    assert _checkbox(text) == (answer, True)
    assert _checkbox("部门预算项目") is None


def test_every_comparison_sign_units_print_is_one_the_target_parser_reads():
    """≧ ≦ ═ ＞ ＜ ≥ ≤ = as printed (指标性质 keeps them); the parser compares them as ≥ ≤ = > <."""
    from decimal import Decimal

    from pipeline.facts.targets import reading

    signs = {"≧": "≥", "≦": "≤", "═": "=", "＞": ">", "＜": "<", "≥": "≥", "≤": "≤", "=": "=", "＝": "="}
    read = [reading(f"{s}15个") for s in signs]
    assert [comparator for comparator, _, _ in read] == list(signs.values())
    assert [value for _, value, _ in read] == [Decimal(15)] * len(signs)


def test_the_vocabulary_knows_each_variant_s_labels_once():
    voc = vocabulary()
    for names in (voc.fund_columns, voc.indicator_columns, voc.header):
        assert len(names) == len(set(names))
    assert voc.placeholder("指标2") and voc.placeholder("……") and not voc.placeholder("指标2：学生人数")
    # a variant's file says what differs: none of the new ones restates a vocabulary label
    for name in VARIANTS:
        text = templates.get(name).path.read_text(encoding="utf-8")
        assert "[indicators.columns]" not in text and "[funds.columns]" not in text


def test_a_form_from_outside_every_family_is_refused_naming_its_labels(tmp_path):
    """A 部门整体-like table that prints 项目名称 but no variant's blocks: never read into wrong fields."""
    from _tables import tables_pdf

    pdf = tables_pdf(tmp_path / "other.pdf", [(["某某项目绩效评价表"], [
        ["项目名称", "某项目", "评价机构", "某所"],
        ["资金结构", "预算安排", "拨付情况", "结余情况"],
        ["财政资金小计", "100", "90", "10"],
        ["评价内容", "绩效内容", "参考标准", "完成值"],
        ["投入", "时效目标", "按期", "按期"],
    ])])
    with pytest.raises(IncompleteForm, match="no variant fits its labels") as refused:
        extract(pdf)
    message = str(refused.value)
    for lab in ("评价机构", "资金结构", "预算安排", "拨付情况", "结余情况", "财政资金小计", "评价内容"):
        assert lab in message


# the published forms whose variants are in the corpus with truth (read field for field above)
_IN_CORPUS = {"yunnan_yongde_2022", "hebei_langfang_2019", "hubei_student_aid"}


def _published_pages(path) -> list:
    """A published form's labels (tests/fixtures/corpus/published: one visual row a line, " | "
    between cells) as pages of a ruled table: the single cells before the table its title lines,
    the stored text's own notes ("[…]") left out."""
    rows: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").split("\n---\n", 1)[1].splitlines():
        line = line.replace("[excerpt ends]", "").replace("[sic]", "").strip()
        if not line or line.startswith("["):
            continue
        cells = [c.strip().strip("|").strip() for c in f" {line} ".split(" | ")]
        rows.append(cells[:-1] if len(cells) > 1 and not cells[-1] else cells)
    titles = []
    while rows and len(rows[0]) == 1 and len(titles) < 4:
        titles.append(rows.pop(0)[0])
    return [(titles if not k else [""], rows[k:k + 24]) for k in range(0, len(rows), 24)]


@pytest.mark.parametrize("name", sorted(p.stem for p in (CORPUS / "published").glob("*.txt")
                                        if p.stem not in _IN_CORPUS))
def test_a_published_form_of_no_known_family_is_never_loaded(name, tmp_path):
    """Each form found published outside the three variants (部门整体 self-evaluations, targets tables,
    report booklets, a rubric), drawn from its printed labels: passed over as not a form, saying
    what it is, or refused naming what was not recognised; never read into a project's fields."""
    from _tables import tables_pdf

    from pipeline.errors import NoFormFound

    pdf = tables_pdf(tmp_path / f"{name}.pdf", _published_pages(CORPUS / "published" / f"{name}.txt"), fit=True)
    with pytest.raises((NoFormFound, IncompleteForm)) as refused:
        extract(pdf)
    message = str(refused.value)
    assert ("passed over as not forms" in message or "no table with a 项目编码 or 项目名称 label" in message
            or "labels not in the vocabulary: " in message), message


def test_a_block_under_an_unknown_label_is_refused_naming_it():
    """A form of a known variant whose total row is printed under a label the vocabulary lacks: refused
    as incomplete, and the refusal names that label (adding it is the fix)."""
    import dataclasses

    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"
    grids, _ = read_grids(pdf)
    renamed = [dataclasses.replace(
        g, rows=tuple(tuple("综合得分" if c == "总分" else c for c in r) for r in g.rows),
        spans=tuple(tuple(None if c == "总分" else x for c, x in zip(r, sp)) for r, sp in zip(g.rows, g.spans)))
        for g in grids]
    with pytest.raises(IncompleteForm, match="ends without its 总分/合计 row; labels not in the vocabulary: 综合得分"):
        read_forms(inspect(pdf), renamed)


@pytest.mark.parametrize("layout", ["xlsx", "central", "sichuan", "yunnan", "langfang", "hubei", "reportlab"])
def test_the_vocabulary_knows_every_label_the_corpus_prints(layout):
    """Nothing a known form prints is named as unknown: a refusal's list is only what is new."""
    from pipeline.forms.reader import unknown_labels
    from pipeline.forms.rows import by_form, rows_of, stitch_overflow
    from pipeline.read.grids import read_grids

    pdf = sorted((PDF / layout).glob("*.pdf"))[0]
    grids, _ = read_grids(pdf)
    assert [unknown_labels(rows) for rows in by_form(rows_of(stitch_overflow(grids)))] == [[]]
