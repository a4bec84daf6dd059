"""Runs the Great Expectations suites of expectations/ over the loaded facts and stores the findings.

`pipeline.facts.rules` computes, for every form, what each rule expects and what the form prints; the suites
(JSON data, one per concern) decide which rows pass. A failure is reported with the form, the rule and
both numbers; nothing is fixed and nothing raises. A row a rule cannot judge (a number missing on either
side) fails too, with the null shown: it is never dropped (the suites skip such rows, so it is decided
here).
"""

from __future__ import annotations

import json
import logging
import os
import threading
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


def evaluate(checks: pl.DataFrame, suites: list[Suite] | None = None, docs: Path | None = None) -> pl.DataFrame:
    """Run the suites over the check rows; add `passed`. A row a rule cannot judge (expected or
    observed null) fails: the form reached the warehouse without a number the rule needs, which
    someone must look at; `pipeline.forms.reader` refuses scored rows without 分值/得分, so it is rare.
    With `docs`, the results are also kept in a GX project there and its Data Docs (HTML) rebuilt:
    `docs_index(docs)`."""
    suites = suites if suites is not None else load_suites()
    judged = checks.drop_nulls(["expected", "observed"])
    failed: set[tuple[str, str, str, str]] = set(
        checks.filter(pl.col("expected").is_null() | pl.col("observed").is_null())
        .select("rule", "form_id", "report_sha256", "subject").iter_rows())
    if judged.height:
        for result in _gx_results(judged, suites, docs):
            rule = result.expectation_config.meta["rule"]
            for row in result.result.get("unexpected_index_list") or []:
                failed.add((rule, row["form_id"], row["report_sha256"], row["subject"]))
    passed = [
        (r, f, s, sub) not in failed
        for r, f, s, sub in checks.select("rule", "form_id", "report_sha256", "subject").iter_rows()
    ]
    return checks.with_columns(pl.Series("passed", passed, dtype=pl.Boolean))


def docs_index(docs: Path) -> Path:
    """The Data Docs page `evaluate(..., docs=docs)` rebuilds (GX's default local site)."""
    return docs / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def run(con: duckdb.DuckDBPyConnection, reports: list[str] | None = None,
        docs: Path | None = None) -> pl.DataFrame:
    """Validate loaded reports (all, or `reports`), store the findings in check_result, return them;
    with `docs`, rebuild the Data Docs there too."""
    dim_form, funds, indicators = facts(con, reports)
    findings = evaluate(check_rows(dim_form, funds, indicators), docs=docs)
    findings = findings.with_columns(
        pl.lit(datetime.now(timezone.utc).replace(tzinfo=None)).cast(pl.Datetime("us")).alias("checked_at")
    )
    scope = reports if reports is not None else dim_form["report_sha256"].unique().to_list()
    replace_checks(con, findings, scope)
    return findings


def _gx_results(checks: pl.DataFrame, suites: list[Suite], docs: Path | None):
    """One GX checkpoint over the check rows, one validation per suite; in a file project at `docs`
    (which keeps the results and rebuilds the Data Docs) or an ephemeral one."""
    gx = _gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    if docs is not None:
        docs.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(docs))
    else:
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
    if docs is not None:
        _build_docs(context, outcome)
    return [r for run in outcome.run_results.values() for r in run.results]


def _build_docs(context, outcome) -> None:
    """The Data Docs pages of this run's results and the index, built once. GX's UpdateDataDocsAction
    builds the site once per suite (the index each time too), compiling its templates anew each
    time: three builds a run; a validation with docs took 1.1–1.3 s with it, 1.0 s so."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    ids: list = []
    for key, result in outcome.run_results.items():
        ids += [key, ExpectationSuiteIdentifier(name=result.suite_name)]
    context.build_data_docs(resource_identifiers=ids)


def load_gx() -> None:
    """Import Great Expectations here, in the calling thread, where a Ctrl-C interrupts it at once
    (in `warm_up`'s thread, a Ctrl-C waited seconds for the import to let go)."""
    _gx()


def warm_up() -> threading.Thread:
    """Import Great Expectations in a thread of its own, started once a run knows it will check
    something: its 3–5 s of imports overlap the reading, which runs in worker processes."""
    thread = threading.Thread(target=_gx, name="import great_expectations", daemon=True)
    thread.start()
    return thread


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


def _gx():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    import great_expectations as gx  # deferred: importing GX takes ~5 s

    return gx
