"""README "Adding a variant": a variant is one short file over the vocabulary, with no change to the
reader. Known parts in a new arrangement (湖北): refused without hubei.toml, read field for field with it.
New labels (the walkthrough's tests/fixtures/templates/example.toml, shown in README): the refusal names
them, and the file that adds them reads the form printed by tests/fixtures/templates/make.py."""

from __future__ import annotations

import importlib.util
import json
import re
import sys

import pytest

from conftest import HERE, ROOT, differences, needs_cjk_font
from pipeline.forms import template as templates
from pipeline import warehouse
from pipeline import checks
from pipeline.errors import IncompleteForm
from pipeline.extract import extract
from pipeline.ingest import ingest_file

FIXTURE = HERE / "fixtures" / "templates"
PDF = FIXTURE / "example.pdf"


@pytest.fixture(autouse=True)
def _cjk_font() -> None:
    """These PDFs do not embed their font (reportlab's STSong-Light): read with the machine's."""
    needs_cjk_font()


def _truth() -> dict:
    return json.loads((FIXTURE / "example.json").read_text(encoding="utf-8"))


@pytest.fixture
def with_example(monkeypatch):
    monkeypatch.setenv("JIXIAO_TEMPLATES", str(FIXTURE))
    yield
    templates._load.cache_clear()


def test_without_the_template_the_form_is_refused(monkeypatch):
    monkeypatch.delenv("JIXIAO_TEMPLATES", raising=False)
    with pytest.raises(IncompleteForm, match="no variant fits its labels") as refused:
        extract(PDF)
    unknown = str(refused.value).split("labels not in the vocabulary: ")[1].split(" (")[0].split(", ")
    # what the walkthrough's file adds is what the refusal names (and nothing the vocabulary knows)
    assert {"项目代码", "主管预算部门", "调整后预算", "实际支出", "资金合计", "结转结余", "偏差说明"} <= set(unknown)
    assert not {"项目名称", "实施单位", "分值", "得分", "一级指标", "其他资金"} & set(unknown)


def test_the_added_template_reads_the_form_exactly(with_example):
    assert [t.name for t in templates.templates()] == [
        "central", "hubei", "langfang", "luohu", "sichuan", "yunnan", "example"]
    forms = [f.to_dict() for f in extract(PDF)[1]]
    assert len(forms) == 1 and forms[0]["template"] == "example"
    assert differences(forms[0], _truth()) == []


def test_the_added_template_loads_and_its_rules_run(with_example, tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert ingest_file(con, PDF).status == "loaded"
    findings = checks.run(con)
    roles = con.execute("SELECT source, role FROM fact_fund_execution ORDER BY source_order").fetchall()
    con.close()
    assert roles == [("资金合计", "total"), ("财政拨款", "appropriation"), ("结转结余", "carried_over"),
                     ("其他资金", "other")]
    assert set(findings["rule"]) == set(templates.get("example").rules)
    assert findings.filter(~findings["passed"]).height == 0


def test_the_fixture_is_what_make_py_prints():
    spec = importlib.util.spec_from_file_location("templates_make", FIXTURE / "make.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    corpus = json.loads((module.V.TRUTH / f"{module.CODE}.json").read_text(encoding="utf-8"))
    assert _truth() == module.truth(corpus)


@pytest.mark.parametrize("name,path", [("example", FIXTURE / "example.toml"),
                                       ("hubei", templates.TEMPLATES_DIR / "hubei.toml")])
def test_the_readme_shows_the_variant_file_as_it_is(name, path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(rf"<!-- {name}\.toml -->\n```toml\n(.*?)```", readme, re.S)
    assert shown, f"README shows {path.name} in a ```toml block"
    assert shown.group(1) == path.read_text(encoding="utf-8")


@pytest.fixture
def without_hubei(monkeypatch, tmp_path):
    """The shipped variants but hubei's file (README "Adding a variant": known parts, new arrangement)."""
    for toml in templates.TEMPLATES_DIR.glob("*.toml"):
        if toml.stem != "hubei":
            (tmp_path / toml.name).write_text(toml.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(templates, "TEMPLATES_DIR", tmp_path)
    monkeypatch.delenv("JIXIAO_TEMPLATES", raising=False)
    templates._directories.cache_clear()
    yield
    templates._directories.cache_clear()
    templates._load.cache_clear()


def test_known_parts_in_a_new_arrangement_need_only_the_variant_s_file(without_hubei):
    from conftest import CORPUS, PDF as CORPUS_PDF

    pdf = CORPUS_PDF / "hubei" / "440303230300200079180.hubei.pdf"
    with pytest.raises(IncompleteForm, match="no variant fits its labels; every label it prints is in the "
                       "vocabulary") as refused:
        extract(pdf)
    # what each variant misses is named, so the variant's file is plainly what is needed
    assert "central: no 年度资金总额" in str(refused.value)
    assert "langfang: no 年度资金总额, no a cell matching ^指标\\d+" in str(refused.value)
    templates._directories.cache_clear()
    templates.TEMPLATES_DIR = templates.Path(templates.__file__).resolve().parent / "templates"  # hubei back
    forms = [f.to_dict() for f in extract(pdf)[1]]
    want = json.loads((CORPUS / "truth-hubei" / "440303230300200079180.json").read_text(encoding="utf-8"))
    assert forms[0]["template"] == "hubei" and differences(forms[0], want) == []


@pytest.mark.parametrize("change,says", [
    (('role = "carried_over"', 'role = "leftover"'), "role 'leftover'"),
    (('"偏差说明" = "deviation_note"', '"偏差说明" = "achieved"'), "unknown fields ['achieved']"),
    (('"funds_score"]', '"funds_score", "fun_score"]'), "unknown rules ['fun_score']"),
    (('money_unit = "元"', 'money_unit = "美元"'), "money_unit '美元'"),
])
def test_a_template_file_that_says_something_unknown_is_refused_naming_it(tmp_path, change, says):
    text = (FIXTURE / "example.toml").read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "example.toml"
    bad.write_text(text.replace(change[0], change[1]), encoding="utf-8")
    with pytest.raises(templates.TemplateError, match=re.escape(says)):
        templates.parse(bad)
