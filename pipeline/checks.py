"""Runs the Great Expectations suites of expectations/ over the loaded facts and stores the findings.

`pipeline.facts.rules` computes, for every form, what each rule expects and what the form prints; the suites
(JSON data, one per concern) decide which rows pass. A failure is reported with the form, the rule and
both numbers; nothing is fixed and nothing raises. A row a rule cannot judge (a number missing on either
side) fails too, with the null shown: it is never dropped (the suites skip such rows, so it is decided
here).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import threading
import types
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from .facts.rules import check_rows
from . import SUITES_DIR
from .warehouse import read_frame, replace_checks

INDEX = ["form_id", "report_sha256", "subject"]


@dataclass(frozen=True)
class Rule:
    """How a rule is said to people: in Chinese (zh) and English (en, with {expected} and {observed}),
    the unit of its numbers, what its `expected` and `observed` are, and which of them the form
    prints (the review report outlines those on the page). `jixiao validate` and the review report
    both say a finding with it."""

    zh: str
    en: str
    unit: str  # 元, %, 分
    expected_is: str
    observed_is: str
    printed: tuple[str, ...] = ("observed",)


_SUM_OF_WEIGHTS = "分值合计 sum of the printed 分值"
RULES: dict[str, Rule] = {
    "weights_total": Rule("资金分值与各指标分值之和应为100分", "the printed 分值 add up to {observed}, not {expected}",
                          "分", "规定 required", _SUM_OF_WEIGHTS, ()),
    "total_weight": Rule("总分分值应为100分", "printed {observed}, not {expected}", "分",
                         "规定 required", "印刷 printed"),
    "funds_weight": Rule("资金使用情况分值应为10分", "printed {observed}, not {expected}", "分",
                         "规定 required", "印刷 printed"),
    "level1_sum": Rule("一级指标下各指标分值之和应等于其标注分值",
                       "printed ({expected}分), its printed 分值 add up to {observed}", "分",
                       "印刷（N分） printed", _SUM_OF_WEIGHTS, ("expected",)),
    "score_above_weight": Rule("得分不应高于分值", "printed 得分 {observed} above its printed 分值 {expected}",
                               "分", "印刷分值 printed 分值", "印刷得分 printed 得分", ("observed", "expected")),
    "total_score": Rule("总分得分应等于资金得分与各指标得分之和",
                        "printed {observed}, the printed 得分 add up to {expected}", "分",
                        "得分合计 sum of the printed 得分", "印刷 printed"),
    "fund_total": Rule("年度资金总额应等于各资金来源之和",
                       "printed {observed} 元, its other sources (当年财政拨款 + 上年结转资金 + 其他资金, …) "
                       "add up to {expected} 元", "元", "来源合计 sum of the sources", "印刷 printed"),
    "execution_rate": Rule("执行率应为全年执行数 ÷ 全年预算数 × 100",
                           "printed {observed}, 全年执行数 / 全年预算数 × 100 gives {expected}", "%",
                           "计算 computed", "印刷 printed"),
    "funds_score": Rule("资金得分应为 min(执行率, 100) ÷ 100 × 资金分值",
                        "printed {observed}, the printed 执行率 gives {expected}", "分",
                        "计算 computed", "印刷 printed"),
}


@dataclass(frozen=True)
class Suite:
    name: str
    expectations: tuple[dict[str, Any], ...]

    @property
    def rules(self) -> list[str]:
        return [e["meta"]["rule"] for e in self.expectations]


def load_suites(directory: Path = SUITES_DIR) -> list[Suite]:
    suites = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        suites.append(Suite(data["name"], tuple(data["expectations"])))
    return suites


def facts(con: duckdb.DuckDBPyConnection, reports: list[str] | None = None) -> tuple[pl.DataFrame, ...]:
    """dim_form, fact_fund_execution and fact_indicator_result of loaded reports (all, or `reports`)."""
    where = "WHERE list_contains(?, report_sha256)" if reports is not None else ""
    params = [reports] if reports is not None else []
    return tuple(
        read_frame(con, f"SELECT * FROM {table} {where}", params)
        for table in ("dim_form", "fact_fund_execution", "fact_indicator_result")
    )


def evaluate(checks: pl.DataFrame, suites: list[Suite] | None = None) -> pl.DataFrame:
    """Run the suites over the check rows; add `passed`. A row a rule cannot judge (expected or
    observed null) fails: the form reached the warehouse without a number the rule needs, which
    someone must look at; `pipeline.forms.reader` refuses scored rows without 分值/得分, so it is rare."""
    suites = suites if suites is not None else load_suites()
    judged = checks.drop_nulls(["expected", "observed"])
    failed: set[tuple[str, str, str, str]] = set(
        checks.filter(pl.col("expected").is_null() | pl.col("observed").is_null())
        .select("rule", "form_id", "report_sha256", "subject").iter_rows())
    if judged.height:
        for result in _gx_results(judged, suites):
            rule = result.expectation_config.meta["rule"]
            for row in result.result.get("unexpected_index_list") or []:
                failed.add((rule, row["form_id"], row["report_sha256"], row["subject"]))
    passed = [
        (r, f, s, sub) not in failed
        for r, f, s, sub in checks.select("rule", "form_id", "report_sha256", "subject").iter_rows()
    ]
    return checks.with_columns(pl.Series("passed", passed, dtype=pl.Boolean))


NO_BUDGET = "全年预算数 is 0: no budget to execute against"


def not_checked(forms: list[tuple[str, bool]]) -> list[tuple[str, int, str, str]]:
    """(variant, forms, rule, why) for each rule not run on some of `forms` ((variant, its 全年预算数 is
    0) per form): what its variant cannot print (its file's [unchecked]), and execution_rate where the
    form has no budget; so a rule never run is said, not silently absent."""
    from collections import Counter

    from .forms import template as templates

    out = []
    for name, count in sorted(Counter(name for name, _ in forms).items()):
        try:
            unchecked = templates.get(name).unchecked
        except KeyError:  # a template no longer installed: every rule was run
            unchecked = {}
        out += [(name, count, rule, why) for rule, why in unchecked.items()]
        zero = sum(1 for n, no_budget in forms if n == name and no_budget)
        if zero and "execution_rate" not in unchecked:
            out.append((name, zero, "execution_rate", NO_BUDGET))
    return out


def docs_index(docs: Path) -> Path:
    """The review report's index that `run(..., docs=docs)` rebuilds (`pipeline.report`)."""
    return docs / "report" / "index.html"


def run(con: duckdb.DuckDBPyConnection, reports: list[str] | None = None,
        docs: Path | None = None) -> pl.DataFrame:
    """Validate loaded reports (all, or `reports`), store the findings in check_result, return them;
    with `docs`, rebuild the review report there too (`pipeline.report`, over every current form).
    It replaces GX's Data Docs, whose index builds itself with scripts from public CDNs: empty on a
    machine without internet."""
    dim_form, funds, indicators = facts(con, reports)
    findings = evaluate(check_rows(dim_form, funds, indicators))
    findings = findings.with_columns(
        pl.lit(datetime.now(timezone.utc).replace(tzinfo=None)).cast(pl.Datetime("us")).alias("checked_at")
    )
    scope = reports if reports is not None else dim_form["report_sha256"].unique().to_list()
    replace_checks(con, findings, scope)
    if docs is not None:
        from .report import build

        build(con, docs_index(docs).parent)
    return findings


def _gx_results(checks: pl.DataFrame, suites: list[Suite]):
    """One GX checkpoint over the check rows, one validation per suite, in an ephemeral project."""
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch_definition = (
        context.data_sources.add_or_update_pandas("jixiao")
        .add_dataframe_asset("check_rows")
        .add_batch_definition_whole_dataframe("all")
    )
    definitions = []
    for suite in suites:
        gx_suite = gx.ExpectationSuite(name=suite.name)
        for e in suite.expectations:
            gx_suite.add_expectation_configuration(
                ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta"))
            )
        definitions.append(context.validation_definitions.add_or_update(gx.ValidationDefinition(
            name=suite.name, data=batch_definition, suite=context.suites.add_or_update(gx_suite))))
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name="jixiao",
        validation_definitions=definitions,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": INDEX},
    ))
    outcome = checkpoint.run(batch_parameters={"dataframe": _in_units(checks).to_pandas()})
    return [r for run in outcome.run_results.values() for r in run.results]


def load_gx() -> None:
    """Import Great Expectations here, in the calling thread, where a Ctrl-C interrupts it at once
    (in `warm_up`'s thread, a Ctrl-C waited seconds for the import to let go)."""
    _gx()


def warm_up() -> threading.Thread:
    """Import Great Expectations in a thread of its own, started once a run knows it will check
    something: its 1.6-1.8 CPU-s of imports overlap the reading, which runs in worker processes.
    Started once per process: a second call gives the first thread."""
    global _warming
    with _WARMING_LOCK:
        if _warming is None:
            _warming = threading.Thread(target=_gx, name="import great_expectations", daemon=True)
            _warming.start()
        return _warming


_warming: threading.Thread | None = None
_WARMING_LOCK = threading.Lock()


def _in_units(checks: pl.DataFrame) -> pl.DataFrame:
    """`expected` and `observed` as whole numbers of their last decimal place (cents, for DECIMAL(18,2)):
    equal and greater compare exactly as the decimals do, and GX's result store keeps them as they
    are, where it turns each Decimal into a float after inspecting the call stack (40 ms apiece)."""
    out = []
    for column in ("expected", "observed"):
        dtype = checks.schema[column]
        scale = dtype.scale if isinstance(dtype, pl.Decimal) and dtype.scale is not None else 0
        out.append((pl.col(column) * 10 ** scale).round(0).cast(pl.Int64).alias(column))
    return checks.with_columns(out)


# What importing Great Expectations imports that the suites never use, and what it costs here: its
# optional SQL support (sqlalchemy and the dialects GX registers, ~0.4 CPU-s; GX's own
# `compatibility.sqlalchemy` stands in when it is missing), and for one expectation we do not run
# (expect_column_kl_divergence_to_be_less_than) scipy.stats and altair (~0.65 + 0.27 CPU-s).
# Together 3.1-3.2 -> 1.6-1.8 CPU-s (bench/README.md, issue 25).
_NOT_IMPORTED = ("sqlalchemy",)
_IMPORTED_AT_USE = ("scipy.stats", "altair")
_GX_LOCK = threading.Lock()  # the warm-up thread and the checks may both ask for it


class _AtUse(types.ModuleType):
    """A module GX's modules bind at import but use only in expectations jixiao does not run: the
    real module is imported at its first use, by whoever uses it."""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:  # used while GX is still being imported
            sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), attr)


def _gx():
    """`great_expectations`, imported once, without what it would import for nothing
    (`_NOT_IMPORTED`, `_IMPORTED_AT_USE`). The stand-ins are gone from sys.modules once GX is
    imported, so what imports those modules later gets the real ones. During GX's import (1–2 s),
    another thread importing scipy.stats or altair gets the stand-in, which imports the real module
    at its first use, and one importing sqlalchemy for the first time gets ModuleNotFoundError: the
    CLI and the Dagster steps import neither then. Should GX no longer import without them (an
    upgrade), it is imported again whole."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    with _GX_LOCK:
        if "great_expectations" in sys.modules:
            import great_expectations as gx

            return gx
        put = {name: None if name in _NOT_IMPORTED else _AtUse(name)
               for name in (*_NOT_IMPORTED, *_IMPORTED_AT_USE) if name not in sys.modules}
        sys.modules.update(put)  # type: ignore[arg-type]
        try:
            import great_expectations as gx  # deferred: 1.6-1.8 CPU-s even so
        except ImportError:
            gx = None
        finally:
            for name, stand_in in put.items():
                if sys.modules.get(name, stand_in) is stand_in:
                    sys.modules.pop(name, None)
        if gx is None:  # it needs one of them after all: its half-imported modules go, and it is imported whole
            for name in [n for n in sys.modules if n == "great_expectations" or n.startswith("great_expectations.")]:
                del sys.modules[name]
            import great_expectations as gx
    return gx
