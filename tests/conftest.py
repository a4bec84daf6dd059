"""Shared fixtures: the corpus copied from the real forms (tests never read ../shared)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "fixtures" / "corpus"
TRUTH = CORPUS / "truth"
PDF = CORPUS / "pdf"
SAMPLES = ROOT / "data" / "samples"
LONG_TEXTS = ("goal_expected", "goal_actual")
SCHEMA_KEYS = ("title", "project_code", "project_name", "year", "implementing_unit", "budget_unit",
               "goal_expected", "goal_actual", "total_weight", "total_score")
FUND_KEYS = ("weight", "execution_rate", "score")
ROW_KEYS = ("level1", "level1_weight", "level2", "level3", "target", "actual", "weight", "score",
            "deviation_note")


def truth(code: str) -> dict:
    return json.loads((TRUTH / f"{code}.json").read_text(encoding="utf-8"))


def all_truth() -> dict[str, dict]:
    return {p.stem: truth(p.stem) for p in sorted(TRUTH.glob("*.json"))}


def real_codes() -> list[str]:
    """The published forms (no "defect" key), in file-name order: the order of the bundles."""
    return [code for code, t in all_truth().items() if "defect" not in t]


def code_of(pdf: Path) -> str:
    return pdf.name.split(".")[0]


@lru_cache(maxsize=None)
def extracted(path: str) -> list[dict]:
    """Each PDF is read once per test session."""
    from pipeline.extract import extract

    return [f.to_dict() for f in extract(path)[1]]


def differences(got: dict, want: dict) -> list[str]:
    """Every field of a truth file that the extracted form gets wrong (long texts compared without
    whitespace, as SCHEMA.md says; everything else exactly)."""
    def norm(key: str, value):
        return re.sub(r"\s", "", value) if key in LONG_TEXTS and isinstance(value, str) else value

    out = [f"{k}: {got.get(k)!r} != {want[k]!r}" for k in SCHEMA_KEYS
           if norm(k, got.get(k)) != norm(k, want[k])]
    out += [f"funds.{k}: {got['funds'][k]!r} != {want['funds'][k]!r}" for k in FUND_KEYS
            if got["funds"][k] != want["funds"][k]]
    got_rows = [{k: r[k] for k in ("source", "initial_budget", "annual_budget", "executed")}
                for r in got["funds"]["rows"]]
    if got_rows != want["funds"]["rows"]:
        out.append(f"funds.rows: {got_rows!r} != {want['funds']['rows']!r}")
    if len(got["indicators"]) != len(want["indicators"]):
        out.append(f"indicators: {len(got['indicators'])} rows != {len(want['indicators'])}")
    for i, (g, w) in enumerate(zip(got["indicators"], want["indicators"]), start=1):
        out += [f"indicator {i}.{k}: {g[k]!r} != {w[k]!r}" for k in ROW_KEYS if g[k] != w[k]]
    return out


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """data/samples ingested once into a fresh warehouse, checks run."""
    from pipeline import validate, warehouse
    from pipeline.ingest import find_reports, ingest_file

    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    con = warehouse.connect(path)
    outcomes = [ingest_file(con, f) for f in find_reports([SAMPLES])]
    assert all(o.status == "loaded" for o in outcomes), [str(o.error) for o in outcomes]
    validate.run(con)
    con.close()
    return path
