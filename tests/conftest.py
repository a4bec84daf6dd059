"""Shared fixtures: the corpus copied from the real forms (tests never read ../shared)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from pipeline.compare import differences  # noqa: F401  (re-exported for the tests)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "fixtures" / "corpus"
TRUTH = CORPUS / "truth"
PDF = CORPUS / "pdf"
SAMPLES = ROOT / "data" / "samples"


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
