"""The run launcher of `make ui` (dagster.yaml): Dagster's DefaultRunLauncher, which run monitoring can
ask whether a run's worker process still lives.

Dagster's run monitoring (the daemon's MONITORING loop) marks a STARTED run failed when the launcher
reports its worker dead, and with `free_slots_after_run_end_seconds` frees the pool slots a failed
run still holds. The DefaultRunLauncher cannot answer (`supports_check_run_worker_health` is False):
only the code server that started a run notices its process die, and only while that code server
lives. So a run whose whole `dagster dev` was killed stayed STARTED for good, holding the `duckdb`
slot, and every later run queued behind it. This launcher answers from the pid the run worker
recorded on its RUN_START event: the run is on this machine (the DefaultRunLauncher's runs are, and
so is a `dagster job execute`), so a pid that is gone, a zombie, or a newer process under that pid
means the worker is dead.
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster._core.launcher import CheckRunHealthResult, WorkerStatus  # the base class's types

_STARTED_SLACK = 1.0  # seconds: /proc gives a process's start in clock ticks, its boot time in seconds


class LocalRunLauncher(dg.DefaultRunLauncher):
    """DefaultRunLauncher plus a health check of the run worker's process."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: dg.DagsterRun) -> CheckRunHealthResult:
        started = worker_start(self._instance, run.run_id)
        if started is None:  # not started yet: the start timeout of run monitoring covers it
            return CheckRunHealthResult(WorkerStatus.RUNNING, "no RUN_START event yet")
        pid, at = started
        if process_alive(pid, at):
            return CheckRunHealthResult(WorkerStatus.RUNNING, f"run worker pid {pid} is alive")
        return CheckRunHealthResult(WorkerStatus.FAILED, f"run worker pid {pid} is gone (killed, or its "
                                                         f"machine or `dagster dev` stopped)")

    def get_run_worker_debug_info(self, run: dg.DagsterRun, include_container_logs: bool | None = True) -> str | None:
        started = worker_start(self._instance, run.run_id)
        return f"run worker pid {started[0]}" if started else None


def worker_start(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The pid of the process that started the run and when: its RUN_START event, which the run
    worker itself writes."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_START, limit=1).records
    if not records or records[0].event_log_entry.dagster_event is None:
        return None
    entry = records[0].event_log_entry
    return entry.dagster_event.pid, entry.timestamp


def process_alive(pid: int, since: float) -> bool:
    """Whether process `pid` runs and is the one that was running at `since` (not a zombie, not a
    newer process given the same pid). Where /proc is missing, only whether the pid exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process holds the pid
        pass
    if not Path("/proc/stat").is_file():
        return True  # no /proc (not Linux): the pid exists, which is all we can tell
    try:
        # after "pid (comm)", comm may hold spaces: field 3 is the state, field 22 the start time in ticks
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False  # gone since
    if fields[0] in ("Z", "X"):  # a zombie, or dead: not reaped yet
        return False
    boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                if line.startswith("btime "))
    started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return started <= since + _STARTED_SLACK
