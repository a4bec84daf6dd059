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


LEAVE = """
import atexit, os, sys, threading, time
import duckdb
duckdb.connect(sys.argv[1]).close()

class Torn:
    def __del__(self, write=os.write):
        write(2, b"torn down")  # sys.stderr and the module's globals may be gone by then

torn = Torn()  # deleted only when the interpreter tears its modules down
atexit.register(lambda: print("atexit ran", file=sys.stderr, flush=True))
if sys.argv[2] == "thread":  # a non-daemon thread still running: the interpreter's exit waits for it
    threading.Thread(target=time.sleep, args=(3,)).start()
from pipeline.cli import main
sys.argv = ["jixiao", "query", "--warehouse", sys.argv[1], "--format", "csv",
            "SELECT range AS n FROM range(200000)"]
sys.exit(main())
"""


def test_the_command_leaves_without_tearing_the_interpreter_down(tmp_path):
    """Run as the command, `main` ends the process once its work is done and said: the atexit hooks
    run and the whole output is flushed, the modules are not torn down (1.2 s of an ingest's end);
    with another non-daemon thread running it exits as before, waiting for it."""
    for thread, torn in (("none", False), ("thread", True)):
        done = subprocess.run([sys.executable, "-c", LEAVE, str(tmp_path / f"{thread}.duckdb"), thread],
                              capture_output=True, text=True, timeout=300, env=os.environ)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.splitlines() == ["n", *map(str, range(200000))]  # all of it, flushed
        assert "atexit ran" in done.stderr
        assert ("torn down" in done.stderr) is torn, done.stderr[-2000:]
