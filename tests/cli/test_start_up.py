"""What a command imports: Great Expectations (about 2.5 CPU-s to import) only when checks run, so a
rerun over reports already loaded and every `jixiao query` never pay for it."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import PDF

JIXIAO = [sys.executable, "-X", "importtime", "-m", "pipeline.cli"]


def imported(*args: str) -> tuple[subprocess.CompletedProcess, str]:
    """The command's result and the modules it imported (`-X importtime`, on stderr)."""
    done = subprocess.run([*JIXIAO, *args], capture_output=True, text=True, timeout=600, env=os.environ)
    return done, "\n".join(line for line in done.stderr.splitlines() if line.startswith("import time:"))


def test_checks_alone_import_great_expectations(tmp_path):
    pdfs = [str(p) for p in sorted((PDF / "xlsx").glob("*.pdf"))[:2]]
    where = ["--warehouse", str(tmp_path / "w.duckdb"), "--quarantine", str(tmp_path / "q")]
    first, modules = imported("ingest", *pdfs, *where)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "great_expectations" in modules  # new reports are checked: the import is real
    again, modules = imported("ingest", *pdfs, *where)
    assert again.returncode == 0 and again.stderr.count("already loaded") == 2, again.stderr[-2000:]
    assert "great_expectations" not in modules and "camelot" not in modules
    query, modules = imported("query", "--warehouse", str(tmp_path / "w.duckdb"),
                              "select count(*) as n from dim_report")
    assert query.returncode == 0 and "2" in query.stdout, query.stderr[-2000:]
    assert "great_expectations" not in modules
