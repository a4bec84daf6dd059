"""The rules fit what each variant prints (issue 21, item 4): rates and scores compared at the precision
printed, rules that cannot apply left out and said why, and on every form of the new variants the
checks fail exactly on the defect its truth names: never a false alarm from our rounding, never a
silent pass."""

from __future__ import annotations

import json
from decimal import Decimal

import polars as pl
import pytest

from conftest import CORPUS, PDF
from pipeline import checks, warehouse
from pipeline.facts.frames import decimals
from pipeline.facts.rules import RULES, at_precision, printed_funds_score
from pipeline.forms import template as templates
from pipeline.ingest import ingest_file

D = Decimal


def test_the_precision_printed():
    assert [decimals(t) for t in ("86", "86%", "86.2", "8.63", "—", None, "/")] == [0, 0, 1, 2, None, None, None]
    assert at_precision(D("86.2037"), 0) == D("86") and at_precision(D("86.2037"), None) == D("86.20")


@pytest.mark.parametrize("rate,weight,observed,rate_dp,score_dp,expected", [
    ("86", "10", "9", 0, 0, "9"),        # langfang: 8.55–8.65 → 9
    ("95", "10", "9", 0, 0, "9"),        # 9.45–9.55 → 9 or 10: the form's 9 is no finding of ours
    ("95", "10", "10", 0, 0, "10"),
    ("95", "10", "8", 0, 0, "10"),       # outside what any rate within its rounding gives: fails
    ("86.25", "10", "8.62", 2, 2, "8.62"),  # 86.245–86.255 → 8.6245–8.6255: the form's 8.62 (from 86.248)
    ("86.25", "10", "8.63", 2, 2, "8.63"),
    ("86.25", "10", "8.61", 2, 2, "8.63"),  # no rate printed 86.25 gives it
    ("86.25", "10", "8.6", 2, 1, "8.6"),
    ("86.25", "10", "9", 2, 0, "9"),
    ("86.25", "10", "8", 2, 0, "9"),
    ("120", "10", "10", 0, 0, "10"),     # capped at 100%
])
def test_the_funds_score_a_printed_rate_allows(rate, weight, observed, rate_dp, score_dp, expected):
    assert printed_funds_score(D(rate), D(weight), D(observed), rate_dp, score_dp) == D(expected)


def test_a_rule_that_cannot_apply_is_said_with_why():
    hubei = templates.get("hubei")
    assert set(hubei.rules) | set(hubei.unchecked) == set(RULES)
    assert {"total_weight", "level1_sum", "fund_total"} == set(hubei.unchecked)
    assert all(why for why in hubei.unchecked.values())
    for t in templates.templates():
        assert set(t.rules) | set(t.unchecked) == set(RULES) and not set(t.rules) & set(t.unchecked)


def test_a_variant_file_that_leaves_a_rule_unsaid_is_refused(tmp_path):
    text = templates.get("hubei").path.read_text(encoding="utf-8")
    bad = tmp_path / "hubei.toml"
    bad.write_text(text.replace('fund_total = "one funding source', 'x_fund_total = "one funding source'),
                   encoding="utf-8")
    with pytest.raises(templates.TemplateError, match="fund_total"):
        templates.parse(bad)


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> dict[str, tuple[str | None, set[str]]]:
    """Every loadable form of the three variants, loaded and checked: name → (its defect, rules failed)."""
    con = warehouse.connect(tmp_path_factory.mktemp("variants") / "w.duckdb")
    for variant in ("yunnan", "langfang", "hubei"):
        for pdf in sorted((PDF / variant).glob("*.pdf")):
            ingest_file(con, pdf)
    found = checks.run(con)
    names = {(f, s): (t, n) for f, s, t, n in con.execute(
        "SELECT form_id, report_sha256, variant, project_name FROM dim_form").fetchall()}
    con.close()
    failed: dict[tuple[str, str], set[str]] = {}
    for r in found.filter(~pl.col("passed")).iter_rows(named=True):
        failed.setdefault(names[(r["form_id"], r["report_sha256"])], set()).add(r["rule"])
    out = {}
    for variant in ("yunnan", "langfang", "hubei"):
        for p in sorted((CORPUS / f"truth-{variant}").glob("*.json")):
            t = json.loads(p.read_text(encoding="utf-8"))
            if (variant, t["project_name"]) in names.values():
                out[f"{variant}/{p.stem}"] = ((t.get("defect") or {}).get("kind"), failed.get(
                    (variant, t["project_name"]), set()))
    return out


def test_every_variant_form_fails_exactly_its_defect(findings):
    assert len(findings) == 36  # every variant form of the corpus loads
    wrong = {name: (defect, failed) for name, (defect, failed) in findings.items()
             if failed != ({defect} if defect else set())}
    assert wrong == {}
    assert {d for d, _ in findings.values()} >= {None, "funds_score", "total_score", "weights_total",
                                                 "fund_total", "execution_rate"}
