"""Shared fixtures: the corpus copied from the real forms (tests never read ../shared)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from tools.compare import differences  # noqa: F401  (re-exported for the tests)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "fixtures" / "corpus"
TRUTH = CORPUS / "truth"
PDF = CORPUS / "pdf"
SAMPLES = ROOT / "data" / "samples"


# The fast tier (`make test-fast`) is what runs in this process on pure functions and in-process
# reading. These start processes (the CLI, worker pools, Dagster) or run OCR: the whole suite only.
PROCESS_FOLDERS = {"cli", "ingest", "orchestration"}
PROCESS_FILES = {"test_ocr.py", "test_fuzz.py", "test_bench.py", "test_parts.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        if path.parent.name in PROCESS_FOLDERS or path.name in PROCESS_FILES:
            item.add_marker(pytest.mark.processes)


def truth(code: str) -> dict:
    return json.loads((TRUTH / f"{code}.json").read_text(encoding="utf-8"))


def all_truth() -> dict[str, dict]:
    return {p.stem: truth(p.stem) for p in sorted(TRUTH.glob("*.json"))}


@lru_cache(maxsize=None)
def target_readings() -> dict[str, tuple[str | None, Decimal, str | None] | None]:
    """Every corpus 指标值 / 完成值 string → its hand-written expected reading (comparator, value, unit),
    or None when it is qualitative: tests/fixtures/targets.json, the truth side for parsed values."""
    data = json.loads((HERE / "fixtures" / "targets.json").read_text(encoding="utf-8"))
    readings: dict[str, tuple[str | None, Decimal, str | None] | None] = {
        text: (cmp, Decimal(value), unit) for text, cmp, value, unit in data["quantitative"]}
    readings.update({text: None for text in data["qualitative"]})
    if len(readings) != len(data["quantitative"]) + len(data["qualitative"]):
        raise ValueError("tests/fixtures/targets.json: a string is listed twice")
    return readings


def real_codes() -> list[str]:
    """The published forms (no "defect" key), in file-name order: the order of the bundles."""
    return [code for code, t in all_truth().items() if "defect" not in t]


# The bundles printed from the 罗湖区 template; the central and 四川 ones await issue 11.
LUOHU_BUNDLES = [PDF / "bundle" / f"luohu-2023-dev.{layout}.pdf" for layout in ("reportlab", "xlsx")]


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
    from pipeline import warehouse
    from pipeline import checks
    from pipeline.ingest import find_reports, ingest_file

    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    con = warehouse.connect(path)
    outcomes = [ingest_file(con, f) for f in find_reports([SAMPLES])]
    assert all(o.status == "loaded" for o in outcomes), [str(o.error) for o in outcomes]
    checks.run(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def first_sight_waits():
    """For tests that script the inbox sensor's ticks: a file copied just before a tick is at its
    first sight however long the copy took on a loaded machine (the rule that takes a complete, quiet
    PDF at first sight has its own test, which sets QUIET_SECONDS back)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("assets.automation.QUIET_SECONDS", 3600.0)
        yield
