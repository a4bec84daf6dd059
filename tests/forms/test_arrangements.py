"""Known parts in new arrangements (issue 21, item 1: "a variant made of known parts in a new arrangement
needs no new file"). The variants drawn again (tests/forms/_looks.py) with their blocks, columns, rows and
header rearranged as no fixture prints them, every label one the vocabulary knows: columns in another
order or missing, funds columns swapped, a source row missing or moved, the goals block after the
indicators, the header split, one template's header over another's indicator table, checkbox rows or a
closing row on a variant that usually prints none. Each reads field for field against its truth,
rearranged the same way (a column not printed is a field null, a row not printed a row absent); none is
refused, and nothing is loaded into a wrong field or dropped."""

from __future__ import annotations

import json
from typing import Callable

import pytest

import _looks
from _looks import RENDER, Cell
from conftest import CORPUS, differences
from pipeline.extract import extract
from test_variant_looks import LOOKS

SAMPLE = {"yunnan": "440303200301500094260", "langfang": "440303230301000061330", "hubei": "440303210301500004143"}
Rows = list[list[Cell]]
Edit = Callable[[list[str], Rows, Rows | None, int | None], tuple[list[str], Rows, Rows | None, int | None]]


# -- rearranging the drawn rows -------------------------------------------------------------------------

def _has(row: list[Cell], text: str) -> bool:
    return any(t == text for _, _, t in row)


def _where(rows: Rows, text: str) -> int:
    return next(i for i, r in enumerate(rows) if _has(r, text) or any(t.endswith(text) for _, _, t in r))


def _indicators(rows: Rows) -> set[int]:
    """The rows of the indicator table: from its header to the last."""
    return set(range(_where(rows, "一级指标"), len(rows)))


def _funds(rows: Rows) -> set[int]:
    """The rows of the funds table: its header and the source rows under it."""
    start = next(i for i, r in enumerate(rows) if any("执行数" in t for _, _, t in r))
    end = next(i for i, r in enumerate(rows) if i > start and not any(
        t.endswith(s) for _, _, t in r for s in ("总额", "拨款", "资金", "结转")))
    return set(range(start, end))


def _moved(cell: Cell, order: list[int]) -> list[Cell]:
    """A cell's columns moved to their places in `order` (old columns in their new order); a merged
    cell falling apart keeps its text in its first run."""
    a, b, text = cell
    new = sorted(order.index(k) for k in range(a, b + 1))
    runs = [[new[0]]]
    for k in new[1:]:
        if k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return [(r[0], r[-1], text if i == 0 else "") for i, r in enumerate(runs)]


def columns_moved(order: list[int], table: Callable[[Rows], set[int]]) -> Edit:
    """The columns of one table (its header, rows, total and repeated header) printed in `order`."""
    return _each_row(lambda row: [c for cell in row for c in _moved(cell, order)], table)


def column_dropped(col: int, table: Callable[[Rows], set[int]]) -> Edit:
    """Column `col` of one table not printed: its cells gone, the cell on its left widened over it."""
    def drop(row: list[Cell]) -> list[Cell]:
        kept = [c for c in row if (c[0], c[1]) != (col, col)]
        return [(a, col if b == col - 1 else b, t) for a, b, t in kept] if len(kept) < len(row) else row

    return _each_row(drop, table)


def _each_row(change: Callable[[list[Cell]], list[Cell]], table: Callable[[Rows], set[int]]) -> Edit:
    """`change` applied to every row of one table, and to the indicator header a page break repeats."""
    def edit(above, rows, repeat, start):
        chosen = table(rows)
        rows = [change(r) if i in chosen else r for i, r in enumerate(rows)]
        if repeat and table is _indicators:
            repeat = [change(r) for r in repeat]
        return above, rows, repeat, start
    return edit


def rows_moved(how: Callable[[Rows], Rows]) -> Edit:
    """The rows rearranged by `how`; the indicator header repeated after a page break as before."""
    def edit(above, rows, repeat, start):
        rows = how([list(r) for r in rows])
        return above, rows, repeat, _where(rows, "一级指标")
    return edit


def relabelled(old: str, new: str) -> Edit:
    def edit(above, rows, repeat, start):
        def swap(r):
            return [(a, b, new if t == old else t) for a, b, t in r]
        return above, [swap(r) for r in rows], [swap(r) for r in repeat] if repeat else repeat, start
    return edit


def both(*edits: Edit) -> Edit:
    def edit(above, rows, repeat, start):
        for e in edits:
            above, rows, repeat, start = e(above, rows, repeat, start)
        return above, rows, repeat, start
    return edit


def _goals_after(anchor: str | None) -> Callable[[Rows], Rows]:
    """The goals block (its heading and text row) moved before the row printing `anchor`, or last."""
    def how(rows):
        g = _where(rows, "年度总体目标")
        goals = rows[g:g + 2]
        del rows[g:g + 2]
        k = _where(rows, anchor) if anchor else len(rows)
        return rows[:k] + goals + rows[k:]
    return how


def _funds_after_goals(rows: Rows) -> Rows:
    span = sorted(_funds(rows))
    funds = rows[span[0]:span[-1] + 1]
    del rows[span[0]:span[-1] + 1]
    g = _where(rows, "年度总体目标")
    return rows[:g + 2] + funds + rows[g + 2:]


def _without(source: str) -> Callable[[Rows], Rows]:
    return lambda rows: [r for r in rows if not any(t.endswith(source) for _, _, t in r)]


def _swapped(x: str, y: str) -> Callable[[Rows], Rows]:
    def how(rows):
        i, j = _where(rows, x), _where(rows, y)
        rows[i], rows[j] = rows[j], rows[i]
        return rows
    return how


def _header_on_two_rows(rows: Rows) -> Rows:
    """主管部门 | … | 实施单位 | … printed as two rows of a label and its value."""
    k = _where(rows, "主管部门")
    last = rows[k][-1][1]
    unit, impl = rows[k][1][2], rows[k][-1][2]
    return rows[:k] + [[(0, 0, "主管部门"), (1, last, unit)], [(0, 0, "实施单位"), (1, last, impl)]] + rows[k + 1:]


def _header_on_one_row(rows: Rows) -> Rows:
    """项目名称, 主管部门 and 实施单位 with their values on one row."""
    name, j = rows[_where(rows, "项目名称")][1][2], _where(rows, "主管部门")
    last, unit, impl = rows[j][-1][1], rows[j][1][2], rows[j][-1][2]
    return [[(0, 0, "项目名称"), (1, 2, name), (3, 3, "主管部门"), (4, 6, unit), (7, 7, "实施单位"),
             (8, last, impl)]] + rows[j + 1:]


def _flat_header(rows: Rows) -> Rows:
    """年度指标值 over 指标性质 / 指标值 / 度量单位 printed as one header row (as 四川 prints it)."""
    k = _where(rows, "年度指标值")
    rows[k] = sorted([c for c in rows[k] if c[2] != "年度指标值"] + [c for c in rows[k + 1] if c[2]])
    del rows[k + 1]
    return rows


def _flat_repeat(above, rows, repeat, start):
    if repeat and len(repeat) == 2:
        repeat = [sorted([c for c in repeat[0] if c[2] != "年度指标值"] + [c for c in repeat[1] if c[2]])]
    return above, rows, repeat, start


def _row_added(anchor: str, row: list[Cell], before: bool = False) -> Callable[[Rows], Rows]:
    """`row` (a last column of -1: the table's last) printed after (before) the row printing `anchor`."""
    def how(rows):
        k = _where(rows, anchor) + (0 if before else 1)
        last = max(b for _, b, _ in rows[0])
        return rows[:k] + [[(a, last if b == -1 else b, t) for a, b, t in row]] + rows[k:]
    return how


TICKED = {q: options[0] for q, options in _looks.CHECKBOXES.items()}


def _checkboxes(rows: Rows) -> Rows:
    """湖北's checkbox rows (项目类别 | 、部门预算项目☑、省直专项□ …) under 主管部门."""
    k, last = _where(rows, "主管部门") + 1, max(b for _, b, _ in rows[0])
    boxes = [[(0, 0, q), (1, last, "".join(f"、{o}{'☑' if o == TICKED[q] else '□'}" for o in opts))]
             for q, opts in _looks.CHECKBOXES.items()]
    return rows[:k] + boxes + rows[k:]


def _checkboxes_above(rows: Rows) -> Rows:
    """The checkbox rows printed first, above 项目名称."""
    rows = _checkboxes(rows)
    k = _where(rows, "项目类别")
    return rows[k:k + 3] + rows[:k] + rows[k + 3:]


def _checkboxes_after_funds(rows: Rows) -> Rows:
    """湖北's checkbox rows printed between its funds block and its indicators."""
    k = _where(rows, "项目类别")
    boxes = rows[k:k + 3]
    del rows[k:k + 3]
    j = max(_funds(rows)) + 1
    return rows[:j] + boxes + rows[j:]


def _weight_column(above, rows, repeat, start):
    """湖北's table with a 分值 column before 得分 (its usual six columns, then one more): each row's
    weight printed as its score (a row scored in full)."""
    def row(r: list[Cell], head: bool) -> list[Cell]:
        score = next(t for a, _, t in r if a == 5)
        return [c for c in r if c[0] < 5] + [(5, 5, "分值" if head else score), (6, 6, score)]

    k = _where(rows, "一级指标")
    rows = [[(a, 6 if b == 5 else b, t) for a, b, t in r] if i < k else row(r, i == k) for i, r in enumerate(rows)]
    return above, rows, [row(r, True) for r in repeat] if repeat else repeat, start


def _weighed(t: dict) -> None:
    for r in t["indicators"]:
        r["weight"] = r["score"]


def _part_rates(above, rows, repeat, start):
    """云南's source rows each printing its own 执行率 (as 四川's do) where they print "—"."""
    parts = sorted(_funds(rows))[2:]  # the header and the total row first
    rows = [[(a, b, "100.00%" if (a, b) == (9, 9) else t) for a, b, t in r] if i in parts else r
            for i, r in enumerate(rows)]
    return above, rows, repeat, start


def _rated(t: dict) -> None:
    for k, r in enumerate(t["funds"]["rows"]):
        r["execution_rate"] = t["funds"]["execution_rate"] if k == 0 else "100.00"


SEVEN = _looks.Look((1.5, 1.3, 4, 1.3, 1.3, 1, 1), pad=4)


def _national_title(above, rows, repeat, start):
    """The national form's title and （2022年度） instead of 云南's year before the title, 部门 and 公开14表."""
    return ["项目支出绩效自评表", f"（{above[0][:4]}年度）"], rows, repeat, start


def _graded(above, rows, repeat, start):
    k = _where(rows, "总分")
    rows = list(rows)
    rows[k] = rows[k][:-1] + [(rows[k][-1][0], rows[k][-1][1], "优")]
    return above, rows, repeat, start


# -- the truth, rearranged the same way -------------------------------------------------------------------

def _set(**fields) -> Callable[[dict], None]:
    """Set form fields; "indicators.weight": every indicator row's."""
    def edit(t):
        for key, value in fields.items():
            outer, _, inner = key.partition("__")
            if inner:
                for row in t[outer]:
                    row[inner] = value
            else:
                t[key] = value
    return edit


def _fund_rows(how: Callable[[list], list]) -> Callable[[dict], None]:
    def edit(t):
        t["funds"]["rows"] = how(t["funds"]["rows"])
    return edit


NO_OTHER = _fund_rows(lambda rows: [r for r in rows if r["source"] != "其他资金"])
YUNNAN_INDICATORS = list(range(11))  # block | 一级 | 二级 | 三级 | 性质 | 指标值 | 单位 | 完成值 | 分值 | 得分 | 偏差


def _order(*moves: int, n: int = 11) -> list[int]:
    """Columns 0… in order, `moves` (old column indices) put where the first of them stood."""
    rest = [k for k in range(n) if k not in moves]
    at = min(moves)
    return rest[:at] + list(moves) + rest[at:]


# (id, variant, look, how it is drawn, how its truth changes, read before session 20's fixes: bench/README.md)
CASES = [
    # indicator columns in another order, or missing
    ("yunnan/完成值 before 年度指标值", "yunnan", 0, columns_moved(_order(7, 4, 5, 6), _indicators), None, True),
    ("yunnan/得分 before 分值", "yunnan", 0, columns_moved(_order(9, 8), _indicators), None, True),
    ("yunnan/度量单位 before 指标值", "yunnan", 0, columns_moved(_order(6, 5), _indicators), None, True),
    ("yunnan/偏差原因 first", "yunnan", 0, columns_moved(_order(10, 1, 2, 3, 4, 5, 6, 7, 8, 9), _indicators), None,
     True),
    ("yunnan/no 偏差原因 column", "yunnan", 0, column_dropped(10, _indicators),
     _set(indicators__deviation_note=None, grade=None), True),
    ("yunnan/no 分值 column", "yunnan", 0, column_dropped(8, _indicators),
     _set(indicators__weight=None, total_weight=None), True),
    ("langfang/得分 before 分值", "langfang", 0, columns_moved(_order(7, 6, n=9), _indicators), None, True),
    ("langfang/完成值 before 指标值", "langfang", 0, columns_moved(_order(5, 4, n=9), _indicators), None, True),
    ("langfang/no 分值 column", "langfang", 0, column_dropped(6, _indicators),
     _set(indicators__weight=None, total_weight=None), True),
    ("langfang/no 偏差原因 column", "langfang", 0, column_dropped(8, _indicators),
     _set(indicators__deviation_note=None), True),
    ("hubei/完成值 before 年初目标值", "hubei", 0, columns_moved(_order(4, 3, n=6), _indicators), None, True),
    # funds columns in another order, a source row missing or moved, 分值 in the title
    ("yunnan/funds 全年执行数 before 全年预算数", "yunnan", 0, columns_moved(_order(7, 5, 6), _funds), None, True),
    ("yunnan/funds 执行率 after 得分", "yunnan", 0, columns_moved(_order(10, 9), _funds), None, True),
    ("langfang/funds 全年执行数 before 全年预算数", "langfang", 0, columns_moved(_order(5, 4, n=9), _funds), None,
     True),
    ("hubei/funds 执行数 before 预算数", "hubei", 0, columns_moved(_order(3, 2, n=6), _funds), None, True),
    ("hubei/funds 执行率 after 得分", "hubei", 0, columns_moved(_order(5, 4, n=6), _funds), None, True),
    ("yunnan/funds no 其他资金 row", "yunnan", 0, rows_moved(_without("其他资金")), NO_OTHER, False),
    ("langfang/funds no 其他资金 row", "langfang", 1, rows_moved(_without("其他资金")), NO_OTHER, False),
    ("yunnan/funds 其他资金 before 上年结转资金", "yunnan", 0, rows_moved(_swapped("上年结转资金", "其他资金")),
     _fund_rows(lambda r: [r[0], r[1], r[3], r[2]]), True),
    ("yunnan/funds 分值 in its title", "yunnan", 0,
     both(column_dropped(8, _funds), relabelled("项目资金（元）", "项目资金（元）（10分）")), None, True),
    ("langfang/funds 分值 in its title", "langfang", 1,
     both(column_dropped(6, _funds), relabelled("项目资金（万元）", "项目资金（万元）（10分）")), None, True),
    # blocks in another order, the header split or joined
    ("yunnan/goals after the indicators", "yunnan", 0, rows_moved(_goals_after("其他需要说明事项")), None, False),
    ("yunnan/goals after the total", "yunnan", 0, rows_moved(_goals_after(None)), None, False),
    ("langfang/goals before the total", "langfang", 0, rows_moved(_goals_after("总分")), None, False),
    ("langfang/goals after the total", "langfang", 1, rows_moved(_goals_after(None)), None, False),
    ("yunnan/funds after the goals", "yunnan", 0, rows_moved(_funds_after_goals), None, True),
    ("langfang/funds after the goals", "langfang", 0, rows_moved(_funds_after_goals), None, True),
    ("yunnan/header on two rows", "yunnan", 0, rows_moved(_header_on_two_rows), None, True),
    ("yunnan/header on one row", "yunnan", 0, rows_moved(_header_on_one_row), None, True),
    # one template's header over another's indicator table; parts a variant usually lacks
    ("yunnan/指标性质 指标值 度量单位 on one header row", "yunnan", 0, both(rows_moved(_flat_header), _flat_repeat),
     None, True),
    ("national title over a 指标性质/指标值/度量单位 table", "yunnan", 1,
     both(_national_title, rows_moved(_flat_header), _flat_repeat), _set(department=None, table_no=None), True),
    ("项目编码 header over a 指标性质/指标值/度量单位 table", "yunnan", 0,
     rows_moved(_row_added("项目名称", [(0, 0, "项目编码"), (1, -1, "440303200301500094260")], before=True)),
     _set(project_code="440303200301500094260", template="luohu"), False),
    ("langfang/湖北 checkbox rows", "langfang", 0, rows_moved(_checkboxes), _set(checkboxes=TICKED), False),
    ("yunnan/湖北 checkbox rows", "yunnan", 1, rows_moved(_checkboxes), _set(checkboxes=TICKED), False),
    ("langfang/湖北 checkbox rows above 项目名称", "langfang", 0, rows_moved(_checkboxes_above),
     _set(checkboxes=TICKED), False),
    ("hubei/checkbox rows after the funds", "hubei", 1, rows_moved(_checkboxes_after_funds), None, False),
    ("langfang/funds no 年初预算数 column", "langfang", 1, column_dropped(3, _funds),
     _fund_rows(lambda rows: [{**r, "initial_budget": None} for r in rows]), True),
    ("yunnan/no 二级指标 column", "yunnan", 0, column_dropped(2, _indicators), _set(indicators__level2=None), True),
    ("yunnan/合计 for 总分", "yunnan", 0, relabelled("总分", "合计"), None, True),
    ("hubei/a 分值 column", "hubei", SEVEN, _weight_column, _weighed, False),
    ("yunnan/funds every row's 执行率", "yunnan", 0, _part_rates, _rated, False),
    ("langfang/其他需要说明事项 before the total", "langfang", 0,
     rows_moved(_row_added("总分", [(0, 2, "其他需要说明事项"), (3, -1, "无")], before=True)),
     _set(other_notes="无"), False),
    ("langfang/其他需要说明事项 after the total", "langfang", 1,
     rows_moved(_row_added("总分", [(0, 2, "其他需要说明事项"), (3, -1, "无")])), _set(other_notes="无"), False),
    ("langfang/a grade after the total", "langfang", 0, _graded, _set(grade="优"), False),
]


def _drawn_with(monkeypatch, edit) -> None:
    """`_looks` draws every form with `edit` applied to its rows (what it prints above, the table, the rows
    it repeats on a continuation page)."""
    plain = _looks.draw

    def draw(path, above, rows, look, repeat=None, repeat_from=None):
        above, rows, repeat, repeat_from = edit(above, rows, repeat, repeat_from)
        return plain(path, above, rows, look, repeat, repeat_from)

    monkeypatch.setattr(_looks, "draw", draw)


@pytest.mark.parametrize("variant,look,edit,change", [
    pytest.param(v, look, edit, change, id=name) for name, v, look, edit, change, _ in CASES])
def test_known_parts_in_a_new_arrangement_read_field_for_field(variant, look, edit, change, tmp_path, monkeypatch):
    _drawn_with(monkeypatch, edit)
    truth = json.loads((CORPUS / f"truth-{variant}" / f"{SAMPLE[variant]}.json").read_text(encoding="utf-8"))
    want = json.loads(json.dumps(truth))
    if change:
        change(want)
    look = LOOKS[variant][look] if isinstance(look, int) else look
    forms = [f.to_dict() for f in extract(RENDER[variant](truth, tmp_path / f"{variant}.pdf", look))[1]]
    assert len(forms) == 1 and differences(forms[0], want) == []


@pytest.mark.parametrize("titles", [["2023年度部门整体支出绩效自评表"], []], ids=["titled", "continued untitled"])
def test_a_goals_block_of_the_next_table_is_not_the_forms(tmp_path, titles):
    """What follows the total is read into the form (a goals block, 其他需要说明事项) only in the total's own
    table: a 部门整体 table on the next page printing 年度总体目标 | 预期目标 | 实际完成情况 and 其他需要说明事项,
    under its title or continued without it, is another table, its texts never the form's (untitled, they
    were appended to the form's goals, unflagged)."""
    from _tables import joined, tables_pdf
    from conftest import PDF

    central = PDF / "central" / "440303210301500004143.central.pdf"
    department = tables_pdf(tmp_path / "department.pdf", [(titles, [
        ["部门（单位）名称", "某局", "部门预算编码", "101"],
        ["年度总体目标", "预期目标", None, "实际完成情况"],
        ["", "完成全年工作", None, "已完成"],
        ["其他需要说明事项", "无", None, None],
    ])])
    forms = [f.to_dict() for f in extract(joined(tmp_path / "both.pdf", [central, department]))[1]]
    want = json.loads((CORPUS / "truth-central" / "440303210301500004143.json").read_text(encoding="utf-8"))
    assert len(forms) == 1 and differences(forms[0], want) == []


def test_an_untitled_table_after_the_form_is_passed_over_not_a_refusal(tmp_path):
    """A 决算 disclosure's next table, continued on a page that does not repeat its title, follows a form:
    its header row of labels the vocabulary does not know (科目编码, 决算数) is another table's, passed over
    as before; only a row of the total's own table that is not read refuses the form (below)."""
    from _tables import joined, tables_pdf
    from conftest import PDF

    central = PDF / "central" / "440303210301500004143.central.pdf"
    other = tables_pdf(tmp_path / "other.pdf", [([], [
        ["科目编码", "科目名称", "年初预算数", "调整预算数", "决算数"],
        ["2010101", "行政运行", "100.00", "120.00", "118.00"],
    ])])
    forms = [f.to_dict() for f in extract(joined(tmp_path / "both.pdf", [central, other]))[1]]
    want = json.loads((CORPUS / "truth-central" / "440303210301500004143.json").read_text(encoding="utf-8"))
    assert len(forms) == 1 and differences(forms[0], want) == []


@pytest.mark.parametrize("variant,edit,unknown,page", [
    pytest.param("yunnan", both(rows_moved(_goals_after(None)), relabelled("预期目标", "计划目标")), "计划目标", 2,
                 id="goals after the total under 计划目标"),
    pytest.param("yunnan", both(rows_moved(_goals_after("其他需要说明事项")), relabelled("预期目标", "计划目标")),
                 "计划目标", 2, id="goals before the total under 计划目标"),
    pytest.param("langfang", rows_moved(_row_added("总分", [(0, 2, "评价等级"), (3, -1, "优")])), "评价等级", 2,
                 id="评价等级 after the total"),
    pytest.param("langfang", rows_moved(_row_added("总分", [(0, 2, "评价等级"), (3, -1, "优")], before=True)),
                 "评价等级", 2, id="评价等级 before the total"),
])
def test_an_unknown_part_in_a_new_arrangement_is_refused_naming_it(variant, edit, unknown, page, tmp_path,
                                                                   monkeypatch):
    """The same arrangements with a label the vocabulary does not know: refused naming it, its file and
    page; a row after the total was passed over, its text lost (goals null, the grade row gone)."""
    from pipeline.errors import ReportError

    _drawn_with(monkeypatch, edit)
    truth = json.loads((CORPUS / f"truth-{variant}" / f"{SAMPLE[variant]}.json").read_text(encoding="utf-8"))
    pdf = RENDER[variant](truth, tmp_path / f"{variant}.pdf", LOOKS[variant][0])
    with pytest.raises(ReportError) as refused:
        extract(pdf)
    assert (refused.value.file, refused.value.page) == (str(pdf), page)
    assert refused.value.reason.endswith(f"labels not in the vocabulary: {unknown}")
