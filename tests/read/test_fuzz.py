"""Damaged copies of the corpus PDFs (tests/mutants.py): each is refused clearly or read exactly.

300 mutants with a fixed seed, every kind in turn, over the three smallest forms of each layout
(xlsx, reportlab, xlsx-noise, xlsx-overflow). Each is read in a worker process with a timeout. A
mutant passes when it is refused with a `ReportError` of a named kind whose message names the file,
or when it gives its source's one form, equal to the truth field for field. A form that parses but
differs, any other exception, a refusal that does not say which file, and a hang all fail the test.
The larger run is bench/fuzz.py; a failing id here rebuilds its file with
`python bench/fuzz.py --only ID --write out.pdf`.
"""

from __future__ import annotations

import dataclasses
import os
import re

import pytest

import mutants
from conftest import PDF, code_of, differences, truth
from pipeline.errors import BrokenPdf, ExtractionFault
from pipeline.extract import extract
from pipeline.forms.reader import read_forms
from pipeline.read.pdf import inspect
from pipeline.read.grids import Grid, read_grids

SEED = 9  # issue 9
COUNT = 300
TIMEOUT = 60.0  # seconds per mutant; a good one of these forms reads in well under one


@pytest.mark.slow
def test_every_mutant_is_refused_or_read_exactly(tmp_path):
    ids = [m.id for m in mutants.mutants(COUNT, SEED, mutants.sources(per_layout=3))]
    outcomes = list(mutants.run(ids, str(tmp_path), workers=min(2, os.cpu_count() or 1),
                                timeout=TIMEOUT))
    failed = [o for o in outcomes if o.status not in mutants.PASSING]
    report = "\n".join(f"{o.status} {o.mutant}: {o.note}\n    {o.detail[-600:]}" for o in failed[:10])
    assert len(outcomes) == COUNT and not failed, f"{mutants.tally(outcomes)}\n{report}"
    # the run means something: damage of every kind was tried, some read exactly, some refused
    assert {o.mutant.split("/")[0] for o in outcomes} == set(mutants.KINDS)
    assert {"refused", "exact"} <= {o.status for o in outcomes}, mutants.tally(outcomes)


# -- the generator --------------------------------------------------------------------------------


def test_a_mutant_is_rebuilt_from_its_id():
    first = mutants.mutants(40, SEED, mutants.sources(per_layout=1))
    again = mutants.mutants(40, SEED, mutants.sources(per_layout=1))
    assert first == again
    for m in first:
        data, note = m.build()
        assert mutants.Mutant.parse(m.id) == m and m.build() == (data, note)
        assert data != m.source.read_bytes(), m.id


@pytest.mark.parametrize("source", mutants.sources(per_layout=1), ids=lambda p: p.name)
def test_a_content_stream_edit_keeps_the_file_whole(source):
    """digit_content changes one number of the drawing and nothing else: the stream decodes, its
    /Length and every xref offset still hold, so no reader has to repair anything."""
    for seed in range(5):
        data, note = mutants.Mutant("digit_content", source, seed).build()
        assert "content stream object" in note, note
        xref = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
        assert data[xref:xref + 4] == b"xref"
        for offset in re.findall(rb"(\d{10}) \d{5} n", data[xref:]):
            assert re.match(rb"\d+\s+\d+\s+obj", data[int(offset):int(offset) + 20]), (note, offset)
        before = {s.objid: s.decode(source.read_bytes()) for s in mutants._content_streams(source.read_bytes())}
        after = {s.objid: s.decode(data) for s in mutants._content_streams(data)}
        changed = [k for k in before if before[k] != after[k]]
        assert len(changed) == 1 and len(before[changed[0]]) == len(after[changed[0]])
        assert sum(a != b for a, b in zip(before[changed[0]], after[changed[0]])) == 1


# -- what the fuzz run found, each pinned --------------------------------------------------------


@pytest.mark.parametrize("mutant_id,words", [
    # playa loses the page tree: KeyError from doc.pages, ValueError from a zeroed xref entry
    ("duplicate_chunk/440305210300200065020.xlsx.pdf/2188234664",
     "the page tree cannot be read: damaged or truncated: KeyError: 'Object with ID 1 not found'"),
    ("zero_run/440303221550216305000.xlsx-overflow.pdf/3387541014",
     "the page tree cannot be read: damaged or truncated: ValueError: invalid literal for int()"),
    # a moved word drawn over its neighbour ("VPN" read "VP全N年"), a width changed (深市圳)
    ("digit_content/440307251551500032553.xlsx.pdf/4034213118", "is drawn over"),
    ("digit_widths/440307251551500032553.xlsx-overflow.pdf/576140187", "is drawn over"),
    # a line of the goals moved off the top of the page (read as if it had never been printed)
    ("digit_content/440305210300200065020.xlsx-overflow.pdf/4109328706", "is drawn above the page"),
    # "0.96" of a 年度指标值, a fund row's "0.00", moved past the right edge of a page no table spills
    # from (only a spreadsheet too wide for its paper prints there)
    ("digit_content/440303210300200001664.xlsx.pdf/2879409000",
     "text '0.96' is drawn past the right edge of the page"),
    ("digit_content/440309211551500085790.reportlab.pdf/1457194195",
     "text '0.00' is drawn past the right edge of the page"),
])
def test_a_damaged_file_found_by_the_fuzz_run_is_broken(tmp_path, mutant_id, words):
    path = tmp_path / "mutant.pdf"
    path.write_bytes(mutants.Mutant.parse(mutant_id).build()[0])
    with pytest.raises(BrokenPdf) as refusal:
        extract(path)
    assert words in str(refusal.value) and str(path) in str(refusal.value)
    assert refusal.value.kind == "broken"


def test_a_font_without_its_char_range_is_broken(tmp_path):
    """/Widths with its /FirstChar lost: was `TypeError: Integer required: None` from playa."""
    src = PDF / "xlsx" / "440303221550216305000.xlsx.pdf"
    data = src.read_bytes()
    assert b"/FirstChar 0\n" in data
    path = tmp_path / "damaged.pdf"
    path.write_bytes(data.replace(b"/FirstChar 0\n", b"/FirstXhar 0\n", 1))  # same length
    with pytest.raises(BrokenPdf, match="has /Widths but FirstChar None") as refusal:
        extract(path)
    assert refusal.value.page == 1


TWO_PAGES = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"


def _cell(grids: list[Grid], text: str) -> tuple[int, int, int]:
    for i, g in enumerate(grids):
        for r, row in enumerate(g.rows):
            if text in row:
                return i, r, row.index(text)
    raise AssertionError(text)


def _set(grid: Grid, r: int, cells: dict[int, str]) -> Grid:
    texts = list(grid.rows[r])
    for c, t in cells.items():
        texts[c] = t
    return dataclasses.replace(grid, rows=grid.rows[:r] + (tuple(texts),) + grid.rows[r + 1:])


def test_a_funds_row_without_its_execution_rate_is_a_fault():
    """The funds row prints 分值 10, 执行率 86.25, 得分 8.63: with 执行率 lost it is a misread, not a
    form (the fuzz run's "10100 and no 执行率" form)."""
    grids, _ = read_grids(TWO_PAGES)
    i, r, c = _cell(grids, "年度资金总额")
    assert grids[i].rows[r][c + 5] == "86.25"
    grids[i] = _set(grids[i], r, {c + 5: ""})
    with pytest.raises(ExtractionFault, match="has no 执行率") as refusal:
        read_forms(inspect(TWO_PAGES), grids)
    assert refusal.value.page == grids[i].page


@pytest.mark.parametrize("row,cell,merged", [
    ("年度资金总额", +4, "10\n100"),  # 分值 over 执行率's digits: a border lost between two rows
    ("169", +1, "2\n0"),             # an indicator's 分值 run into the row below
    ("总分", +6, "97.53\n1"),
    ("169", 0, "16\n9"),             # a 实际完成值 of bare numbers: two rows' values, never "169"
])
def test_a_number_cell_of_two_lines_is_a_fault(row, cell, merged):
    grids, _ = read_grids(TWO_PAGES)
    i, r, c = _cell(grids, row)
    grids[i] = _set(grids[i], r, {c + cell: merged})
    with pytest.raises(ExtractionFault, match="a number is printed on one") as refusal:
        read_forms(inspect(TWO_PAGES), grids)
    assert refusal.value.page == grids[i].page


def test_a_header_cell_of_two_columns_is_a_fault():
    """二级指标 and 三级指标 in one cell: the border between them was not seen, and every row's two
    levels would be read as one."""
    grids, _ = read_grids(TWO_PAGES)
    i, r, c = _cell(grids, "二级指标")
    assert grids[i].rows[r][c + 1] == "三级指标"
    grids[i] = _set(grids[i], r, {c: "二级指标\n三级指标", c + 1: ""})
    with pytest.raises(ExtractionFault, match="holds the labels of 2 columns"):
        read_forms(inspect(TWO_PAGES), grids)


def test_the_unmutated_sources_read_exactly():
    for source in mutants.sources(per_layout=3):
        _, forms = extract(source)
        assert [differences(f.to_dict(), truth(code_of(source))) for f in forms] == [[]], source.name


def test_a_number_drawn_into_a_column_label_is_a_fault(tmp_path):
    """A moved "0.00" lands in the goals header, "预期目标0.00": the 全年预算数 it left is empty, and the
    form would be read with that amount missing."""
    path = tmp_path / "mutant.pdf"
    path.write_bytes(mutants.Mutant.parse(
        "digit_content/440303231550216305003.xlsx-overflow.pdf/4063964356").build()[0])
    with pytest.raises(ExtractionFault, match="holds a column label and a number") as refusal:
        extract(path)
    said = str(refusal.value)  # the cell reads in page order: the number sits left of the label
    assert "0.00预期目标" in said and refusal.value.page == 1
