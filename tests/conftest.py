"""Shared fixtures: the corpus copied from the real forms (tests never read ../shared)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Sequence

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
PROCESS_FILES = {"test_ocr.py", "test_fuzz.py", "test_bench.py", "test_parts.py", "test_missing_font.py"}


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


# -- real processes: Dagster's webserver, a headless browser -------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def until(what: str, probe: Callable, seconds: float):
    """Poll `probe` until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := probe():
            return found
        time.sleep(1)
    pytest.fail(f"gave up waiting for {what}")


@dataclass(frozen=True)
class Webserver:
    process: subprocess.Popen  # the leader of a process group of its own
    url: str  # http://127.0.0.1:<port>
    log: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        """SIGKILL the whole group (`dagster dev` ignores SIGTERM) and reap its leader."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


@pytest.fixture
def dagster_webserver(tmp_path) -> Iterator[Callable[..., Webserver]]:
    """Start Dagster's webserver on the code location `assets.definitions`, on a free loopback port:
    `start(env)` runs `dagster dev` (webserver, daemon, code server); `program` another command taking
    `-m -h -p` (`dagster-webserver` alone, `python -m assets.ui` as `make ui` runs it). Each returns
    once /server_info answers. Every group started is SIGKILLed whole at the end (`dagster dev`
    ignores SIGTERM; the group is the test's alone)."""
    started: list[Webserver] = []

    def start(env: dict[str, str], program: Sequence[str] = (), log: Path | None = None,
              seconds: float = 180) -> Webserver:
        import requests

        command = list(program) or [str(Path(sys.executable).with_name("dagster")), "dev"]
        port = free_port()
        log = log or tmp_path / f"dagster-{len(started)}.log"
        with log.open("a") as out:
            process = subprocess.Popen([*command, "-m", "assets.definitions", "-h", "127.0.0.1", "-p", str(port)],
                                       cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        server = Webserver(process, f"http://127.0.0.1:{port}", log)
        started.append(server)

        def answers() -> bool:
            if process.poll() is not None:
                pytest.fail(f"{command[-1]} ended ({process.returncode}): {log.read_text()[-2000:]}")
            try:
                return requests.get(f"{server.url}/server_info", timeout=2).ok
            except requests.ConnectionError:
                return False

        until(f"the webserver ({' '.join(command[-2:])})", answers, seconds)
        return server

    yield start
    for server in started:
        server.stop()


@lru_cache(maxsize=None)
def _cjk_font() -> bool:
    """Whether pdfium finds a CJK font on this machine for text in a font a PDF does not embed (the
    looks the tests draw with reportlab's STSong-Light, and 10 committed fixtures): without one,
    jixiao refuses such pages (`glyphs.MissingFont`), rightly, since pdfium drops glyphs standing alone."""
    import io

    import pypdfium2 as pdfium
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from pipeline.read import glyphs

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    probe = canvas.Canvas(out)
    probe.setFont("STSong-Light", 12)
    probe.drawString(72, 720, "项目支出")
    probe.save()
    doc = pdfium.PdfDocument(out.getvalue())
    try:
        glyphs.chars(doc[0].get_textpage())
        return True
    except glyphs.MissingFont:
        return False
    finally:
        doc.close()


def needs_cjk_font() -> None:
    """Skip the test, saying why, on a machine with no CJK font (Debian's fonts-noto-cjk), unless
    $JIXIAO_FONTS_REQUIRED is set (.ci/run sets it): then it fails. For tests reading PDFs that do
    not embed their CJK font, whose reading depends on the machine's (tests/read/test_missing_font.py
    shows what jixiao does without one)."""
    if not _cjk_font():
        why = ("no CJK font on this machine for PDFs that do not embed theirs (apt-get install "
               "fonts-noto-cjk): jixiao refuses such pages here")
        if os.environ.get("JIXIAO_FONTS_REQUIRED"):
            pytest.fail(why)
        pytest.skip(why)


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1440,1100", "--hide-scrollbars"]


def chromium(profile: Path):
    """A headless Chromium driven by selenium (Debian's chromium and chromium-driver), its profile in
    `profile`, logging the requests it makes. Skips the test, saying why, where they are missing,
    unless $JIXIAO_BROWSER_REQUIRED is set (.ci/run sets it): then it fails."""
    required = bool(os.environ.get("JIXIAO_BROWSER_REQUIRED"))
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    if not (binary and driver and webdriver):
        why = ("no chromium / chromedriver / selenium here (apt-get install chromium chromium-driver; "
               "pip install selenium): nothing was opened in a browser")
        if required:
            pytest.fail(why)
        pytest.skip(why)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # the driver is given: selenium then looks nothing up (its manager would download one)
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def keep_screenshots(shots: Path) -> None:
    """Copy the test's screenshots where $JIXIAO_SCREENSHOTS says (`python bench/screenshots.py`
    regenerates the README's docs/img/ so)."""
    if target := os.environ.get("JIXIAO_SCREENSHOTS"):
        Path(target).mkdir(parents=True, exist_ok=True)
        for shot in shots.iterdir():
            shutil.copy(shot, Path(target) / shot.name)
