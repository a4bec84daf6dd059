"""The corrections OCR'd cells get (pipeline/read/ocr/corrections.py), as the pure functions they are: strings
in, strings and the recorded correction out. No image, no recogniser: each test runs in milliseconds.
What the corrections do to the scans themselves is tests/read/test_ocr.py's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline.read.ocr import corrections
from pipeline.read.ocr.corrections import DASH, correct, snap, snap_row


@pytest.mark.parametrize("read", ["一", "一一", "-", "--", "－", "_", "–"])
def test_a_cell_of_a_dash_like_stroke_is_the_forms_dash(read):
    assert correct(read) == (DASH, f"{read}→{DASH}")


def test_the_dash_itself_is_no_correction():
    assert correct(DASH) == (DASH, None)


@pytest.mark.parametrize("read,want", [("......", "……"), (".·....", "……"), ("...", "…"), ("…...", "……")])
def test_a_cell_of_dots_in_threes_is_the_ellipses_chinese_text_prints(read, want):
    """A placeholder row's "……" (two ellipses of three dots) is recognised as six dots."""
    assert correct(read) == (want, f"{read}→{want}")


@pytest.mark.parametrize("read", ["……", "…", "....", "。。", "见附件…"])
def test_dots_not_in_threes_or_among_other_text_are_left_as_read(read):
    assert correct(read)[0] == read


@pytest.mark.parametrize("read,want", [
    ("预算执行情况 (万元）\n10分）", "预算执行情况 (万元）\n（10分）"),  # 湖北's funds label, its weight's "（" lost
    ("产出指标\n50分）", "产出指标\n（50分）"),
    ("满意度指标(10分", "满意度指标(10分）"),  # its "）" lost at the cell's border
    ("满意度指标（10\n分", "满意度指标（10\n分）"),  # the same, its points wrapped before "分"
    ("产出指标50\n分）", "产出指标（50\n分）"),
])
def test_a_weight_whose_opening_bracket_was_lost_gets_it_back(read, want):
    """Forms print a weight in brackets; where a label's brackets do not pair up and it ends in "N分）",
    the lost "（" is put back, so the weight is found (the funds block is placed by it)."""
    assert correct(read) == (want, f"bracket {read!r}→{want!r}")


@pytest.mark.parametrize("read", ["预算执行情况（万元）（10分）", "产出指标(50分)", "得分 (分*执行率)", "（满分10分）", "10分"])
def test_a_weight_in_its_brackets_or_a_bare_score_is_left_as_read(read):
    assert correct(read) == (read, None)


@pytest.mark.parametrize("read,want", [
    ("00.00", "0.00"), ("0126934.40", "126934.40"), ("≥05%", "≥5%"),
    ("0 126934.40", "126934.40"),  # the last "0" of the amount on its left, flush against the border
])
def test_an_amount_or_rate_never_starts_with_a_zero_and_a_digit(read, want):
    assert correct(read) == (want, f"stray 0 {read!r}→{want!r}")


@pytest.mark.parametrize("read", ["0.00", "0", "0123456", "1 126934.40", "0 个"])
def test_a_code_a_zero_or_another_stray_digit_is_left_as_read(read):
    """A code may start with 0; a stray "1" would change the value, and is left to the sums."""
    assert correct(read) == (read, None)


@pytest.mark.parametrize("read,want,note", [
    ("1O.00", "10.00", "O→0"),
    ("8。63", "8.63", "。→."),
    ("12，5", "12.5", "，→."),
    ("l00", "100", "l→1"),
    ("95。5%", "95.5%", "。→."),
    ("≥9O%", "≥90%", "O→0"),
])
def test_a_number_but_for_a_look_alike_is_that_number(read, want, note):
    assert correct(read) == (want, note)


@pytest.mark.parametrize("read", ["O", "o"])
def test_a_letter_o_alone_in_a_cell_is_a_zero(read):
    """A 得分 of 0 alone in its cell is read "O": no form prints the letter alone (none of the
    corpus's 37,314 strings), and the checks then judge the number."""
    assert correct(read) == ("0", f"{read}→0")


@pytest.mark.parametrize("read", [
    "〇",  # the Chinese zero, printed as it is
    "1。2。3",  # two points: no number, left as read
    "1,000.00",  # a thousands comma is printed, not misread
    "1291532.65",
    "。",
])
def test_what_is_no_number_with_a_look_alike_is_left_as_read(read):
    assert correct(read) == (read, None)


@pytest.mark.parametrize("read,want", [
    (".5", "5"),  # no cell starts with a point
    ("5.", "5"),  # nor is "5." a printed number
    ("5·", "5"),
    (".≥5台", "≥5台"),
    ("·项目名称", "项目名称"),
    ("完成率·", "完成率"),  # a speck after text
    ("其中：当年财政拨\n款.", "其中：当年财政拨\n款"),  # after Chinese, a "." is a speck (its stop is "。")
])
def test_a_stray_mark_at_either_end_is_dropped_and_recorded(read, want):
    assert correct(read) == (want, f"stray mark {read!r}→{want!r}")


def test_punctuation_text_ends_with_is_kept():
    """After text (not a number) a full stop or a comma is printed punctuation, not a speck."""
    assert correct("已完成。") == ("已完成。", None)
    assert correct("已完成，") == ("已完成，", None)


def test_a_paragraph_keeps_its_marks():
    """Only a one-line cell loses a leading mark: a paragraph's first line is left as read."""
    assert correct(".第一行\n第二行") == (".第一行\n第二行", None)


@pytest.mark.parametrize("text", ["一级指标", "时效指标", "项目名称"])
def test_words_stay_words(text):
    """A label is left as printed, and data one character from a label ("时效指标" from "绩效指标",
    which no template's column or header prints) stays data."""
    assert correct(text) == (text, None)


def test_a_label_with_a_character_lost_is_the_label():
    assert correct("项名称：") == ("项目名称：", "label '项名称：'→'项目名称：'")
    assert snap("项名称") == "项目名称"


@pytest.mark.parametrize("text", ["AB", "ABCDE", "项目", "项目名称是\n数字政府", "绩效指标", "执行串"])
def test_snap_leaves_short_latin_paragraphs_titles_and_short_words_alone(text):
    assert snap(text) == text


@pytest.mark.parametrize("read,want", [
    ("服务对象满意度指旨标", "服务对象满意度指标"),  # a 二级 name with a character too many (a made scan)
    ("服务对象满意度指\n旨标", "服务对象满意度指标"),  # wrapped in its cell: matched whole, as the reader does
    ("产出指杯（50分）", "产出指标（50分）"),  # a 一级 name, its weight in brackets kept
    ("项名\n称", "项目名称"),
])
def test_a_level_name_or_a_wrapped_label_a_character_off_is_that_name(read, want):
    """The 一级/二级 names are the vocabulary's (pipeline/forms/vocabulary.toml), so they are snapped as
    labels are: to the only one a character away, recorded."""
    assert correct(read) == (want, f"label {read!r}→{want!r}")


def test_a_label_of_three_characters_is_snapped_only_in_a_row_of_labels_to_a_field_not_named():
    """"执行串" is a character from 执行率 and from 执行数: alone it is left as read (a made scan's
    fund header; its form was refused, the 执行率 column unplaced). In a row of column labels that
    already names the executed amount (全年执行数) it is 执行率; a row of data snaps nothing."""
    header = ["项目资金（元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行串（%）", "得分"]
    texts, notes = snap_row(header, [None] * len(header))
    assert texts[5] == "执行率（%）" and notes[5] == "label '执行串（%）'→'执行率（%）' (not another of its row)"
    assert [t for k, t in enumerate(texts) if k != 5] == [t for k, t in enumerate(header) if k != 5]
    assert snap_row(["年度资金总额", "100.00", "执行串"], [None] * 3)[0][2] == "执行串"
    both = ["年初预算数", "全年预算数", "分值", "执行串", "得分"]  # nothing says which: left
    assert snap_row(both, [None] * 5)[0][3] == "执行串"


def test_a_label_near_several_is_the_one_its_row_does_not_print():
    assert snap("级指标") == "级指标"  # near 一级, 二级 and 三级指标: ambiguous alone
    assert snap("级指标", frozenset({"二级指标", "三级指标"})) == "一级指标"
    row, fixes = ["级指标", "二级指标", "三级指标", ""], [None, None, None, None]
    assert snap_row(row, fixes) == (
        ["一级指标", "二级指标", "三级指标", ""],
        ["label '级指标'→'一级指标' (not another of its row)", None, None, None],
    )
    assert row == ["级指标", "二级指标", "三级指标", ""] and fixes == [None] * 4  # inputs untouched


def test_a_cell_already_corrected_is_not_snapped_again():
    assert snap_row(["级指标", "二级指标", "三级指标"], ["dropped a mark", None, None]) == (
        ["级指标", "二级指标", "三级指标"], ["dropped a mark", None, None])


def test_the_corrections_import_nothing_of_the_ocr():
    """Pure functions: no image library, no recogniser, no other part of pipeline/ocr."""
    tree = ast.parse(Path(corrections.__file__).read_text(encoding="utf-8"))
    imported = {(n.level, n.module or "") if isinstance(n, ast.ImportFrom) else (0, a.name)
                for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))
                for a in n.names}
    stdlib = {(0, "__future__"), (0, "re"), (0, "collections.abc"), (0, "functools")}
    # `from ...forms import template, vocabulary`: the labels it snaps to; `from ...forms.text import DASH`
    assert imported == stdlib | {(3, "forms"), (3, "forms.text")}


def test_a_page_nearly_all_black_with_a_seal_gives_finite_ink():
    """Paper is the page's 90th percentile of light; on a page nine tenths black it is 0, and the
    seal's unmixing divided by it (NaN and infinities, then a cast to uint8) before it was held at 1."""
    import numpy as np

    from pipeline.read.ocr import image

    rgb = np.zeros((100, 100, 3), dtype=np.uint8)
    rgb[:5, :, :] = (230, 40, 40)  # a red seal's strip on a black page
    rgb[5:8, :, :] = (250, 250, 250)
    with np.errstate(all="raise"):
        grey = image.ink(rgb)
    assert grey.shape == (100, 100) and grey.dtype == np.uint8


def test_a_half_width_mark_beside_an_ideograph_is_read_as_chinese_text_prints_it():
    """PP-OCRv6 reads "（本级）" as "(本级)" or "（本级)", "；" as ";": none of the corpus truth files holds
    such a mark next to an ideograph. A bracket goes with its partner; marks among digits and Latin stay."""
    from pipeline.read.ocr.corrections import full_width

    assert full_width("深圳市罗湖区政务服务数据管理局(本级)") == "深圳市罗湖区政务服务数据管理局（本级）"
    assert full_width("数据管理局（本级)") == "数据管理局（本级）"
    assert full_width("执行率(%)") == "执行率（%）"
    assert full_width("本年度完成:1.龙华区;2.加强") == "本年度完成：1.龙华区；2.加强"
    for kept in ("1,000.00", "(%)", "IS09001", "a(b)c", "≥95%"):
        assert full_width(kept) == kept
