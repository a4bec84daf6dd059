"""The comparison behind test_extract, test_variations and bench/accuracy.py notices rows and fields
the extractor invents or drops, not only the truth's fields it gets wrong."""

from __future__ import annotations

import copy

import pytest

from conftest import PDF, code_of, differences, extracted, truth
from tools.compare import score

PDF_FILE = PDF / "xlsx" / "440303210301500004143.xlsx.pdf"


@pytest.fixture()
def pair() -> tuple[dict, dict]:
    """A real extraction (with its provenance keys) and its truth file (with notes, form_id)."""
    got = copy.deepcopy(extracted(str(PDF_FILE))[0])
    want = truth(code_of(PDF_FILE))
    assert differences(got, want) == []
    return got, want


def test_an_extra_indicator_row_is_a_difference(pair):
    got, want = pair
    got["indicators"].append(dict(got["indicators"][-1]))
    n = len(want["indicators"])
    assert f"indicators.{n}.level3: {got['indicators'][-1]['level3']!r} != '<absent>'" in differences(got, want)
    assert score(got, want)["indicators"][0] < score(got, want)["indicators"][1]


def test_an_extra_fund_row_is_a_difference(pair):
    got, want = pair
    got["funds"]["rows"].insert(1, dict(got["funds"]["rows"][1]))
    assert any(d.startswith("fund_rows.4.") for d in differences(got, want))


def test_a_missing_row_is_a_difference(pair):
    got, want = pair
    del got["indicators"][3]
    n = len(want["indicators"]) - 1
    assert f"indicators.{n}.weight: '<absent>' != {want['indicators'][n]['weight']!r}" in differences(got, want)


def test_an_extra_field_is_a_difference(pair):
    got, want = pair
    got["funds"]["budget_note"] = "x"
    got["indicators"][0]["unit"] = "台"
    assert differences(got, want) == ["funds.budget_note: 'x' != '<absent>'",
                                      "indicators.0.unit: '台' != '<absent>'"]


def test_a_may_be_cut_flag_is_no_field_and_names_the_fields_it_flags(pair):
    """The flag is the extraction's, which truth files lack: never a difference itself. `may_be_cut`
    keys the fields it flags as the comparison does, so bench/accuracy.py can tell a flagged wrong
    field from an unflagged one."""
    from tools.compare import may_be_cut, wrong

    got, want = pair
    for row in got["indicators"]:  # this Calc print flags some of its own
        row.pop("may_be_cut", None)
    got["may_be_cut"] = ["goal_expected", "funds.note"]
    got["indicators"][1]["may_be_cut"] = ["deviation_note"]
    assert differences(got, want) == []
    assert may_be_cut(got) == {("goals", "goal_expected"), ("funds", "note"), ("indicators", "1.deviation_note")}
    got["goal_expected"] = got["goal_expected"][:10]
    assert wrong(got, want) == {("goals", "goal_expected")} <= may_be_cut(got)
