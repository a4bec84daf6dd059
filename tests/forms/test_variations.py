"""Template variations real departments print and the corpus lacks (tests/fixtures/variations/make.py):
`extract` reproduces every truth field of each, with no code path of its own."""

from __future__ import annotations

import importlib.util
import json
import sys

import polars as pl
import pytest

from conftest import HERE, differences, extracted, needs_cjk_font
from pipeline import warehouse
from pipeline import checks
from pipeline.ingest import ingest_file

@pytest.fixture(autouse=True)
def _cjk_font() -> None:
    """These PDFs do not embed their font (reportlab's STSong-Light): read with the machine's."""
    needs_cjk_font()


VARIATIONS = HERE / "fixtures" / "variations"


def _make():
    spec = importlib.util.spec_from_file_location("variations_make", VARIATIONS / "make.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


MAKE = _make()


def _truth(name: str) -> dict:
    return json.loads((VARIATIONS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(MAKE.VARIATIONS))
def test_variation_form_equals_truth(name):
    forms = extracted(str(VARIATIONS / f"{name}.pdf"))
    assert len(forms) == 1
    assert differences(forms[0], _truth(name)) == []


@pytest.mark.parametrize("name", sorted(MAKE.VARIATIONS))
def test_variation_truth_is_the_corpus_truth_as_printed(name):
    """The committed truth is derived from the corpus truth by make.py, never edited by hand."""
    code, opts = MAKE.VARIATIONS[name]
    corpus = json.loads((MAKE.TRUTH / f"{code}.json").read_text(encoding="utf-8"))
    assert _truth(name) == MAKE.truth_of(name, corpus, opts)


def test_the_variations_print_what_they_claim():
    """Each fixture really carries its variation in its text layer (or lacks what it drops)."""
    from pipeline.read.pdf import inspect

    text = {name: "".join(inspect(VARIATIONS / f"{name}.pdf").page_texts) for name in MAKE.VARIATIONS}
    assert "1,210,000.00" in text["thousands"]
    assert f"{_truth('year-suffix')['year']}年" in text["year-suffix"]
    assert "单位：元" in text["unit-line"]
    assert "产出指标(50分)" in text["level1-one-line"]
    assert "分)" not in text["level1-no-weight"]
    assert "* 项目编码" in text["labels-starred"] and "*" not in text["labels-plain"]
    assert "偏差原因" not in text["no-deviation-column"]
    assert text["header-rows"].index("项目名称") < text["header-rows"].index("项目编码")


def test_level1_without_weight_loads_and_its_checks_run(tmp_path):
    """No "(N分)" printed: the level-1 weight is null (SCHEMA.md), level1_sum has nothing to compare,
    and every other check still runs and passes."""
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert ingest_file(con, VARIATIONS / "level1-no-weight.pdf").status == "loaded"
    findings = checks.run(con)
    con.close()
    assert findings.filter(pl.col("rule") == "level1_sum").height == 0
    assert set(findings["rule"]) == {"weights_total", "total_weight", "funds_weight", "score_above_weight",
                                     "total_score", "fund_total", "execution_rate", "funds_score"}
    assert findings.filter(~pl.col("passed")).height == 0
