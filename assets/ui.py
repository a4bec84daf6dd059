"""`make ui`: `dagster dev` in a process group of its own, stopped whole by one Ctrl-C.

`dagster dev` ignores SIGTERM, and on SIGINT waits up to a minute for each of its services; two
Ctrl-C did not stop it in 47 s. Here Ctrl-C (SIGINT) or SIGTERM is passed to its whole group (the
webserver, the daemon, the code server, the run workers): they start shutting down, and what is left
of the group after GRACE_SECONDS is killed. A run killed that way is marked failed and its reports
are asked for again when `make ui` starts next (dagster.yaml, run monitoring; assets/automation.py).

    python -m assets.ui -m assets.definitions -h 127.0.0.1 -p 3000   # the arguments of `dagster dev`
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

GRACE_SECONDS = 5.0


def main(argv: list[str] | None = None) -> int:
    # `dagster dev` warns at every start that it is superseded by `dg dev` (a package not installed)
    quiet = ",".join(filter(None, [os.environ.get("PYTHONWARNINGS"),
                                   "ignore:Function `dev_command` is superseded"]))
    dev = subprocess.Popen([str(Path(sys.executable).with_name("dagster")), "dev",
                            *(sys.argv[1:] if argv is None else argv)], start_new_session=True,
                           env={**os.environ, "PYTHONWARNINGS": quiet})
    asked = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: asked.set())
    while dev.poll() is None and not asked.wait(0.5):
        pass
    if asked.is_set():
        print(f"\nstopping dagster dev (process group {dev.pid}) ...", file=sys.stderr, flush=True)
    stop(dev)
    return 0 if asked.is_set() else dev.returncode


def stop(dev: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGINT to the group of `dev` (its leader), then, after `grace` seconds, SIGKILL to whatever of
    the group is left; also when `dev` has already exited, for the children it left behind."""
    try:
        os.killpg(dev.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        dev.poll()  # reap the leader, or the group never looks empty
        try:
            os.killpg(dev.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    try:
        os.killpg(dev.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    dev.wait()


if __name__ == "__main__":
    sys.exit(main())
