"""docs/warehouse.md is generated from the DDL; a change to sql/ without regenerating it fails here."""

from __future__ import annotations

from conftest import ROOT
from pipeline import warehouse
from tools import docs


def test_warehouse_doc_is_current():
    committed = (ROOT / "docs" / "warehouse.md").read_text(encoding="utf-8")
    assert committed == docs.render(), (
        "docs/warehouse.md is stale: run `python -m tools.docs > docs/warehouse.md` and commit it")


def test_doc_names_every_table_view_and_relation():
    text = docs.render()
    for name in (*warehouse.TABLES, "v_form_scorecard", "v_indicator_results", "v_self_score_audit",
                 "v_unit_year_summary"):
        assert f"### `{name}`" in text
    assert 'dim_report ||--o{ dim_form : "report_sha256"' in text
    assert 'dim_form ||--o{ fact_indicator_result : "form_id, report_sha256"' in text
    assert "| `rule_score` | DECIMAL(9,2) | yes | 规则得分:" in text
