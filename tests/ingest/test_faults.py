"""A misread is an extraction fault; a form that printed inconsistent numbers is not.

Each misread is made by corrupting what the ruling reader returned (a table or a row lost at a page
break, a cell shifted a column, two cells run together, a row's values lost), and must be refused
naming file, page and the text that went astray. The synthetic forms that really print a broken rule
must still be read exactly; only their checks fail (tests/checks/test_validate.py).
"""

from __future__ import annotations

import dataclasses

import pytest

from conftest import PDF, SAMPLES, TRUTH, code_of, differences, extracted, truth
from pipeline import warehouse
from pipeline.errors import ExtractionFault
from pipeline.forms.reader import read_forms
from pipeline.ingest import ingest_file
from pipeline.read.pdf import inspect
from pipeline.read.grids import Grid, read_grids
from pipeline.read.held import check_held

OVERFLOW = PDF / "xlsx-overflow" / "441302221551500092553.xlsx-overflow.pdf"  # spills onto pages 3, 4
TWO_PAGES = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"


def _without_row(grid: Grid, r: int) -> Grid:
    """The grid as if its row r had not been ruled (geometry and text gone)."""
    cut = lambda t: t[:r] + t[r + 1:]  # noqa: E731
    return dataclasses.replace(grid, rows=cut(grid.rows), row_y=cut(grid.row_y), spans=cut(grid.spans))


def _first_text_row(grid: Grid) -> int:
    return next(r for r, row in enumerate(grid.rows) if any(t.strip() for t in row))


def test_the_unbroken_reads_pass_the_cross_checks():
    for pdf in (OVERFLOW, TWO_PAGES):
        grids, rulings = read_grids(pdf)
        check_held(pdf, grids, rulings)
        assert differences(read_forms(inspect(pdf), grids)[0].to_dict(), truth(code_of(pdf))) == []


def test_a_spill_page_without_its_table_is_a_fault():
    """What Camelot's near-empty-grid filter used to do: page 4's one-column table dropped, and with it
    the deviation note printed there."""
    grids, rulings = read_grids(OVERFLOW)
    with pytest.raises(ExtractionFault) as err:
        check_held(OVERFLOW, [g for g in grids if g.page != 4], rulings)
    assert err.value.page == 4 and err.value.file == str(OVERFLOW)
    assert "因设计变更" in err.value.reason


def test_a_row_lost_at_a_page_break_is_a_fault():
    grids, rulings = read_grids(TWO_PAGES)
    i = next(i for i, g in enumerate(grids) if g.page == 2)
    r = _first_text_row(grids[i])
    lost = "".join(grids[i].rows[r]).replace("\n", "")
    grids[i] = _without_row(grids[i], r)
    with pytest.raises(ExtractionFault) as err:
        check_held(TWO_PAGES, grids, rulings)
    assert err.value.page == 2
    assert lost[:4] in err.value.reason.replace("\n", "")


def test_a_row_lost_inside_a_table_is_a_fault():
    grids, rulings = read_grids(TWO_PAGES)
    g = grids[0]
    r = max(r for r, row in enumerate(g.rows) if sum(bool(t.strip()) for t in row) >= 4)
    rows = g.rows[:r] + (("",) * len(g.rows[r]),) + g.rows[r + 1:]
    grids[0] = dataclasses.replace(g, rows=rows)
    with pytest.raises(ExtractionFault, match="in none of its cells") as err:
        check_held(TWO_PAGES, grids, rulings)
    assert err.value.page == g.page


def _indicator_cell(grids: list[Grid], text: str) -> tuple[int, int, int]:
    for i, g in enumerate(grids):
        for r, row in enumerate(g.rows):
            if text in row:
                return i, r, row.index(text)
    raise AssertionError(text)


def _with_cells(grid: Grid, r: int, cells: dict[int, tuple[str, tuple[float, float] | None]]) -> Grid:
    texts, spans = list(grid.rows[r]), list(grid.spans[r])
    for c, (t, sp) in cells.items():
        texts[c], spans[c] = t, sp
    return dataclasses.replace(grid, rows=grid.rows[:r] + (tuple(texts),) + grid.rows[r + 1:],
                               spans=grid.spans[:r] + (tuple(spans),) + grid.spans[r + 1:])


@pytest.mark.parametrize("misread", ["shifted right", "run together"])
def test_a_cell_out_of_its_column_is_a_fault(misread):
    """The first indicator printed 实际完成值 169, 分值 2: read as 分值 169, or as 实际完成值 1692."""
    info = inspect(TWO_PAGES)
    grids, _ = read_grids(TWO_PAGES)
    i, r, c = _indicator_cell(grids, "169")
    g = grids[i]
    assert g.rows[r][c + 1] == "2"
    actual, weight = g.spans[r][c], g.spans[r][c + 1]
    if misread == "shifted right":
        grids[i] = _with_cells(g, r, {c: ("", None), c + 1: ("169", actual)})
    else:
        grids[i] = _with_cells(g, r, {c: ("1692", (actual[0], weight[1])), c + 1: ("", None)})
    with pytest.raises(ExtractionFault) as err:
        read_forms(info, grids)
    assert err.value.page == g.page and "outside that column" in err.value.reason
    assert ("'169'" if misread == "shifted right" else "'1692'") in err.value.reason


def test_an_indicator_row_that_lost_its_values_is_a_fault():
    info = inspect(TWO_PAGES)
    grids, _ = read_grids(TWO_PAGES)
    i, r, c = _indicator_cell(grids, "169")
    g = grids[i]
    target = c - 1  # 年度指标值, then 实际完成值, 分值, 得分
    grids[i] = _with_cells(g, r, {k: ("", None) for k in range(target, c + 3)})
    with pytest.raises(ExtractionFault, match="维修（护）办公电脑的数量") as err:
        read_forms(info, grids)
    assert err.value.page == g.page


@pytest.mark.parametrize("row,cell,missing", [
    ("169", +2, "得分"),             # an indicator row: 实际完成值 169, 分值 2, 得分 2
    ("年度资金总额", +4, "分值"),     # the funds row: ..., 分值 10, 执行率 86.25, 得分 8.63
    ("总分", +6, "得分"),             # 总分: 分值 100, 得分 97.53
])
def test_a_scored_row_without_its_score_is_a_fault(row, cell, missing):
    """Every scored row prints 分值 and 得分 (不适用 rows a 0): an empty one is a number lost, which
    would otherwise reach the checks as a form that printed bad numbers."""
    info = inspect(TWO_PAGES)
    grids, _ = read_grids(TWO_PAGES)
    i, r, c = _indicator_cell(grids, row)
    g = grids[i]
    assert g.rows[r][c + cell]  # the cell emptied was printed
    grids[i] = _with_cells(g, r, {c + cell: ("", None)})
    with pytest.raises(ExtractionFault, match=f"has no {missing};") as err:
        read_forms(info, grids)
    assert err.value.page == g.page and err.value.file == str(TWO_PAGES)


def test_a_fault_is_quarantined_as_extraction_fault(tmp_path, monkeypatch):
    """End to end: `ingest` refuses the misread report and says which kind of refusal it is."""
    import pipeline.extract

    real = pipeline.extract.scan

    def lose_page_4(*args, **kwargs):
        layer = real(*args, **kwargs)
        return dataclasses.replace(layer, outlines={p: o for p, o in layer.outlines.items() if p != 4})

    monkeypatch.setattr(pipeline.extract, "scan", lose_page_4)
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcome = ingest_file(con, OVERFLOW)
    assert outcome.status == "quarantined" and outcome.error.kind == "extraction_fault"
    assert con.execute("SELECT status, error_kind, error_page FROM dim_report").fetchall() == [
        ("quarantined", "extraction_fault", 4)]
    assert con.execute("SELECT count(*) FROM dim_form").fetchall() == [(0,)]


def _printed_bad_numbers() -> list:
    """The bundled synthetic samples: each prints one broken rule (its truth's "defect")."""
    return [p for p in sorted(SAMPLES.glob("*.pdf"))
            if (TRUTH / f"{code_of(p)}.json").exists() and truth(code_of(p)).get("defect")]


def test_the_samples_include_forms_that_printed_bad_numbers():
    """As README says: besides the bundle of real forms, the samples are 10 synthetic forms, each
    with a truth file naming the one inconsistency it prints."""
    one_form = [p for p in sorted(SAMPLES.glob("*.pdf")) if (TRUTH / f"{code_of(p)}.json").exists()]
    assert _printed_bad_numbers() == one_form and len(one_form) == 10


@pytest.mark.parametrize("pdf", _printed_bad_numbers(), ids=lambda p: p.name)
def test_a_form_that_printed_bad_numbers_is_read_not_refused(pdf):
    forms = extracted(str(pdf))  # the whole extraction, cross-checks included
    assert differences(forms[0], truth(code_of(pdf))) == []
