"""Regenerate the README's screenshots (docs/img/): the review report's (report-*.png) and the Dagster
UI's (dagster-*.png). Runs the browser tests of tests/report/test_report.py and
tests/orchestration/test_dagster_ui.py, which write them where $JIXIAO_SCREENSHOTS says.

    python bench/screenshots.py [DIR]     # default docs/img

Needs chromium and chromium-driver (Debian) and a CJK font (fonts-noto-cjk) for the Chinese text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "img").resolve()
    env = {**os.environ, "JIXIAO_SCREENSHOTS": str(target), "JIXIAO_BROWSER_REQUIRED": "1"}
    status = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/report/test_report.py::test_the_report_in_a_real_browser",
                              "tests/orchestration/test_dagster_ui.py"], cwd=ROOT, env=env)
    if status == 0:
        print(f"screenshots -> {target}")
    return status


if __name__ == "__main__":
    sys.exit(main())
