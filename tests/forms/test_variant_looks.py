"""Generalise, never fit: the new variants printed again in looks of our own (tests/forms/_looks.py:
other column widths, padding, orientation, font size, brackets) read field for field, as the corpus PDFs
do; and the 四川 signatures printed below the table instead of in a ruled cell are read."""

from __future__ import annotations

import dataclasses
import json

import pytest

from _looks import RENDER, Look
from conftest import CORPUS, PDF, differences, extracted
from pipeline.extract import extract

LOOKS = {
    "yunnan": [Look((1, 1.2, 1.2, 3, 1.0, 0.9, 0.9, 1.3, 0.7, 0.7, 2), pad=4),
               Look((1.4, 1, 1, 2.5, 0.9, 0.9, 0.8, 1, 0.6, 0.6, 1.6), upright=True, size=6.5, pad=2,
                    ascii_brackets=True)],
    "langfang": [Look((1, 1.1, 1.3, 3.5, 1.2, 1.2, 0.7, 0.7, 2), pad=5, ascii_brackets=True, year_cell=True),
                 Look((0.9, 1, 1, 2.2, 1, 1, 0.6, 0.6, 1.4), upright=True, size=6.5, pad=2)],
    "hubei": [Look((1.5, 1.3, 4, 1.3, 1.3, 1), pad=4, ascii_brackets=True),
              Look((1.2, 1.1, 2.6, 1.1, 1.1, 0.8), upright=True, size=6.5, pad=2)],
}
FAST = {"yunnan": "440303210301500004536", "langfang": "440303230301000061330", "hubei": "440303230300200079180"}


def _cases():
    for variant, looks in LOOKS.items():
        for truth in sorted((CORPUS / f"truth-{variant}").glob("*.json")):
            for k in range(len(looks)):
                marks = [] if truth.stem == FAST[variant] else [pytest.mark.slow]
                yield pytest.param(variant, truth, k, id=f"{variant}/{truth.stem}/look{k}", marks=marks)


@pytest.mark.parametrize("variant,truth,look", list(_cases()))
def test_a_look_of_our_own_reads_field_for_field(variant, truth, look, tmp_path):
    want = json.loads(truth.read_text(encoding="utf-8"))
    pdf = RENDER[variant](want, tmp_path / f"{truth.stem}.{variant}.pdf", LOOKS[variant][look])
    forms = [f.to_dict() for f in extract(pdf)[1]]
    assert len(forms) == 1 and forms[0]["template"] == variant
    assert differences(forms[0], want) == []


def test_sichuan_signatures_below_the_table_are_read():
    """The held-out 四川 look prints 项目负责人 / 财务负责人 under the ruled table: the grids lose the row
    of signatures, the page's text keeps it, and both are read from there."""
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "sichuan" / "440303210301500004143.sichuan.pdf"
    want = extracted(str(pdf))[0]
    assert want["project_lead"] or want["finance_lead"]
    grids, _ = read_grids(pdf)
    cut = [dataclasses.replace(g, rows=tuple(r for r in g.rows if not any("负责人" in c for c in r)),
                               spans=tuple(s for r, s in zip(g.rows, g.spans) if not any("负责人" in c for c in r)),
                               row_y=tuple(y for r, y in zip(g.rows, g.row_y) if not any("负责人" in c for c in r)))
           for g in grids]
    assert sum(len(g.rows) for g in cut) < sum(len(g.rows) for g in grids)
    form = read_forms(inspect(pdf), cut)[0].to_dict()
    assert (form["project_lead"], form["finance_lead"]) == (want["project_lead"], want["finance_lead"])


@pytest.mark.parametrize("where", ["above", "below", "after another label", "on the next page"])
def test_sichuan_signatures_printed_anywhere_outside_the_table_are_read(where):
    """项目负责人 / 财务负责人 printed outside the ruled table: above it, below it, on one line after
    another "label：value" (填报单位（盖章）：…), or on a page of their own after the table's last."""
    from pipeline.forms.reader import read_forms
    from pipeline.read.grids import read_grids
    from pipeline.read.pdf import inspect

    pdf = PDF / "sichuan" / "440303210301500004143.sichuan.pdf"
    info, (grids, _) = inspect(pdf), read_grids(pdf)
    want = read_forms(info, grids)[0].narrative
    assert want["project_lead"] and want["finance_lead"]

    def keep(row) -> bool:
        return not any("负责人" in c for c in row)

    cut = [dataclasses.replace(g, rows=tuple(r for r in g.rows if keep(r)),
                               spans=tuple(s for r, s in zip(g.rows, g.spans) if keep(r)),
                               row_y=tuple(y for r, y in zip(g.rows, g.row_y) if keep(r))) for g in grids]
    texts = ["\n".join(ln for ln in t.splitlines() if "负责人" not in ln) for t in info.page_texts]
    said = f"项目负责人：{want['project_lead']}    财务负责人：{want['finance_lead']}"
    texts = {"above": [said + "\n" + texts[0], *texts[1:]],
             "below": [*texts[:-1], texts[-1] + "\n" + said],
             "after another label": [*texts[:-1], texts[-1] + "\n填报单位（盖章）：某某局    " + said],
             "on the next page": [*texts, said + "\n- 3 -"]}[where]
    got = read_forms(dataclasses.replace(info, page_texts=tuple(texts), pages=len(texts)), cut)[0].narrative
    assert (got["project_lead"], got["finance_lead"]) == (want["project_lead"], want["finance_lead"])


@pytest.mark.parametrize("line", ["(2023年度)", "（2023年）", "2023年度", "年度：2023", "评价年度：2023年"])
def test_the_year_printed_on_a_line_of_its_own_under_the_title(line, tmp_path, monkeypatch):
    """The national form's "（2023年度）" under its title, as units print it: other brackets, none, or
    as a label and its value."""
    import _looks

    plain = _looks.draw

    def draw(path, above, rows, look, repeat=None, repeat_from=None):
        above = [line if x.startswith("（") and "年度" in x else x for x in above]
        return plain(path, above, rows, look, repeat, repeat_from)

    monkeypatch.setattr(_looks, "draw", draw)
    want = json.loads((CORPUS / "truth-langfang" / "440303230301000061330.json").read_text(encoding="utf-8"))
    assert want["year"] == 2023
    forms = [f.to_dict() for f in extract(RENDER["langfang"](want, tmp_path / "y.pdf", LOOKS["langfang"][1]))[1]]
    assert len(forms) == 1 and differences(forms[0], want) == []
