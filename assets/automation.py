"""What runs without a click: a sensor on the inbox and a nightly schedule.

The sensor registers each new or changed inbox file as a partition and requests its run, once the file
has stopped changing: its size and mtime are remembered in the cursor, and a file is taken when they
are the same as at the previous tick (a copy still being written waits), or at first sight when it is
plainly complete: a PDF ending in its `%%EOF` marker, not modified for QUIET_SECONDS.

A report whose run ended without finishing it (its run worker killed before the load or the checks)
is asked for again, by the sensor and by the nightly: `unfinished` compares the inbox, the partitions
and dim_report in the published snapshot (opened read-only; never the writers' file), once no run to
come holds the report, at most RETRIES times.
"""

import json
import os
import stat
import time
import uuid
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import duckdb

from pipeline import warehouse as warehouse_files
from pipeline.errors import ReportError, shown
from pipeline.read.pdf import file_type, sha256_of

from .batch import REPORTS_TAG, ingest_batch
from .reports import FINDINGS, TABLES, analyst_views, forms, report_checks
from .resources import FILE_TAG, REPORTS, ReportFolder, Warehouse

# One report: read, load, check, refresh the views and sum up every report's findings.
REPORT_ASSETS = (dg.AssetSelection.assets(forms).downstream().without_checks()
                 | dg.AssetSelection.checks_for_assets(*TABLES) | dg.AssetSelection.checks(FINDINGS))
ingest_report = dg.define_asset_job(
    "ingest_report", selection=REPORT_ASSETS, partitions_def=REPORTS,
    description="Read one report (partition = its sha256) into the warehouse, check it, refresh the views.",
)
# A file the nightly rescan finds modified this recently may still be being written: it is the sensor's.
SETTLED_SECONDS = 60
# How often the sensor looks ($JIXIAO_SENSOR_SECONDS): a file is taken at the second look that finds it
# unchanged, so between one and two intervals after it was dropped, or at the first look when it is
# complete (its %%EOF written) and was last modified QUIET_SECONDS before.
SENSOR_SECONDS = int(os.environ.get("JIXIAO_SENSOR_SECONDS", 10))
# The daemon looks at its sensors every 5 s and evaluates one when at least its minimum interval has
# passed since its last tick. A minimum of exactly SENSOR_SECONDS loses that race by a few ms one look
# in two, so the ticks came 10 or 15 s apart (measured: 15, 10, 15, 10, 10, 15). A second less lands
# each tick on the look SENSOR_SECONDS after the previous one (for a multiple of 5 s; others round up
# to the next look).
SENSOR_MINIMUM_INTERVAL = max(1, SENSOR_SECONDS - 1)
QUIET_SECONDS = 2.0
_TAIL = 1024  # a PDF ends in %%EOF (and perhaps some whitespace)
BATCH_MAX = 500  # reports in one batch run; more in a tick make several runs, which queue on the writer
# On every run the sensor asks for, the id of its request (in the cursor): a run that ended is told
# from one still to come. The nightly's retry of a report carries "unfinished-<sha256>".
REQUEST_TAG = "jixiao/request"
PARTITION_TAG = "dagster/partition"
# How often a report whose run ended without finishing it is asked for again; a report that keeps
# killing its run is then left to a rerun by hand, and the tick log says so.
RETRIES = 2
_ENDED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)
TO_COME = [s for s in dg.DagsterRunStatus if s not in _ENDED]  # queued, starting, started, …


def scan(files: list[Path], cursor: dict[str, dict],
         warn: Callable[[str], None] | None = None) -> tuple[dict[str, dict], list[tuple[Path, str]]]:
    """The new cursor and the files ready to load: unchanged since the previous tick (same size and
    mtime), or complete and quiet at first sight (`_complete`), and with content not yet requested
    for that path. Files gone from the inbox are forgotten, also one that vanishes between the
    listing and its stat or hash (a run moved it to quarantine, a user deleted it): the tick goes on
    without it. One that cannot be read (no permission, a FIFO, any file system error) is skipped,
    said to `warn` once (not at every tick) and tried again at each tick: the tick never fails."""
    seen: dict[str, dict] = {}
    ready: list[tuple[Path, str]] = []
    say = warn or (lambda _: None)

    def skip(path: Path, before: dict, now: list | None, reason: str) -> None:
        if before.get("skipped") != reason:
            say(f"{shown(path)}: skipped, {reason}; tried again at each tick")
        seen[str(path)] = {**_asked(before), "stat": now, "sha256": before.get("sha256"), "done": False,
                           "skipped": reason}

    for path in files:
        before = cursor.get(str(path), {})
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            skip(path, before, None, f"cannot be read ({exc.strerror or exc})")
            continue
        now = [st.st_size, st.st_mtime_ns]
        if not stat.S_ISREG(st.st_mode):  # never opened: a FIFO would block the tick
            skip(path, before, now, f"not a regular file but {file_type(st)}")
            continue
        changed = before.get("stat") != now
        if changed and not _complete(path, st.st_mtime):  # new, or still being written: look again
            seen[str(path)] = {**_asked(before), "stat": now, "sha256": before.get("sha256"), "done": False}
        elif not changed and before.get("done"):
            seen[str(path)] = before
        else:
            try:
                sha = sha256_of(path)
            except FileNotFoundError:
                continue
            except ReportError as err:  # not a regular file, or changed while it was hashed
                skip(path, before, now, err.reason)
                continue
            except OSError as exc:
                skip(path, before, now, f"cannot be read ({exc.strerror or exc})")
                continue
            if sha != before.get("sha256"):
                ready.append((path, sha))
            seen[str(path)] = {**(_asked(before) if sha == before.get("sha256") else {}),
                               "stat": now, "sha256": sha, "done": True}
    return seen, ready


# what the cursor remembers of a report's runs (`inbox_sensor`, `unfinished`): kept while the file's
# content is the same, whatever else changed (a skipped tick, a touch), so RETRIES holds
_ASKED = ("request", "tries", "finished", "gave_up")


def _asked(entry: dict) -> dict:
    return {k: entry[k] for k in _ASKED if k in entry}


def _complete(path: Path, mtime: float) -> bool:
    """A PDF whose writer is done: it ends in %%EOF and it is QUIET_SECONDS old. A copy in
    progress has neither (its tail is not written yet, its mtime is now); anything else waits for
    the second look."""
    if time.time() - mtime < QUIET_SECONDS:
        return False
    try:
        with path.open("rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - _TAIL))
            return f.read().rstrip().endswith(b"%%EOF")  # not an earlier revision's, mid-file
    except OSError:
        return False


# Dagster passes its own `owners` to the sensor and warns that the parameter is in beta, at each load.
warnings.filterwarnings("ignore", message="Parameter `owners`", category=dg.BetaWarning)


@dg.sensor(jobs=[ingest_report, ingest_batch], minimum_interval_seconds=SENSOR_MINIMUM_INTERVAL,
           default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, report_folder: ReportFolder,
                 warehouse: Warehouse) -> dg.SensorResult:
    """New or changed PDFs in the inbox → one partition each; their runs: one `ingest_batch` run for
    the files settled in this tick (up to BATCH_MAX a run), or one `ingest_report` run per file
    (`report_folder.inbox_runs == "report"`). With them, the reports an ended run did not finish
    (`unfinished`)."""
    try:
        files = report_folder.inbox()
    except OSError as exc:  # the inbox itself cannot be listed: the next tick tries again
        context.log.warning(f"inbox {report_folder.inbox_dir}: cannot be listed ({exc}); nothing taken")
        return dg.SensorResult(run_requests=[], cursor=context.cursor)
    cursor, ready = scan(files, json.loads(context.cursor) if context.cursor else {},
                         warn=context.log.warning)
    paths = {sha: str(path) for path, sha in ready}  # two copies of one file are one report
    again = unfinished(context.instance, cursor, warehouse.path, context.log, skip=set(paths))
    runs = _requests(report_folder, {**paths, **again})
    asked = {sha: request.tags[REQUEST_TAG] for request, shas in runs for sha in shas}
    for entry in cursor.values():
        if entry.get("done") and entry["sha256"] in asked:
            entry["request"] = asked[entry["sha256"]]
            if entry["sha256"] in again:
                entry["tries"] = entry.get("tries", 0) + 1
    return dg.SensorResult(
        run_requests=[request for request, _ in runs],
        dynamic_partitions_requests=[REPORTS.build_add_request(list(paths))] if paths else [],
        cursor=json.dumps(cursor),
    )


def _requests(report_folder: ReportFolder, paths: dict[str, str]) -> list[tuple[dg.RunRequest, list[str]]]:
    """The runs for `paths` (sha256 → file), each with its request id and its reports."""
    if report_folder.inbox_runs == "report":
        return [(dg.RunRequest(job_name=ingest_report.name, partition_key=sha,
                               tags={FILE_TAG: p, REQUEST_TAG: uuid.uuid4().hex}), [sha])
                for sha, p in paths.items()]
    shas = list(paths)
    return [(dg.RunRequest(job_name=ingest_batch.name,
                           run_config={"ops": {"load_reports": {"config": {"reports": {s: paths[s] for s in part}}}}},
                           tags={REPORTS_TAG: str(len(part)), REQUEST_TAG: uuid.uuid4().hex}), part)
            for part in (shas[i:i + BATCH_MAX] for i in range(0, len(shas), BATCH_MAX))]


def unfinished(instance: dg.DagsterInstance, cursor: dict[str, dict], published: str, log,
               skip: set[str]) -> dict[str, str]:
    """sha256 → file of the inbox reports to ask for again: asked for before (not in `skip`), the run
    of that request has ended (or is unknown: a cursor older than REQUEST_TAG), and `to_finish` finds
    them unfinished. Marks in `cursor` the reports found finished (not looked at again) and those
    given up after RETRIES, which the log names."""
    waiting: dict[str, list[tuple[str, dict]]] = {}
    for path, entry in cursor.items():
        if entry.get("done") and not entry.get("finished") and not entry.get("gave_up") \
                and entry["sha256"] not in skip:
            waiting.setdefault(entry["sha256"], []).append((path, entry))
    ended: dict[str | None, bool] = {None: True}
    for entries in waiting.values():
        request = entries[0][1].get("request")
        if request not in ended:
            runs = instance.get_runs(filters=dg.RunsFilter(tags={REQUEST_TAG: request}), limit=1)
            ended[request] = bool(runs) and runs[0].is_finished  # no run yet: the daemon makes it
    todo = to_finish(instance, {sha for sha, entries in waiting.items() if ended[entries[0][1].get("request")]},
                     published, log)
    if todo is None:
        return {}
    again: dict[str, str] = {}
    for sha, entries in waiting.items():
        if sha in todo.finished:
            for _, entry in entries:
                entry["finished"] = True
        elif sha in todo.unfinished:
            tries = max(entry.get("tries", 0) for _, entry in entries)
            path = entries[0][0]
            if tries < RETRIES:
                again[sha] = path
                continue
            for _, entry in entries:
                entry["gave_up"] = True
            log.warning(f"{Path(path).name} (sha256 {sha}): {tries + 1} runs ended without loading and "
                        f"checking it, or refusing it; not asked for again. Find why in those runs' logs, "
                        f"then `make rerun REPORT={sha}`")
    if again:
        log.info(f"asking again for {len(again)} report(s) whose run ended before they were loaded and "
                 f"checked: {', '.join(sorted(Path(p).name for p in again.values()))}")
    return again


class Unfinished(NamedTuple):
    finished: set[str]  # refused, or loaded and checked
    unfinished: set[str]


def to_finish(instance: dg.DagsterInstance, shas: set[str], published: str, log) -> Unfinished | None:
    """Of `shas`, those no run to come (queued, starting, started) holds, split by the published
    snapshot into finished (refused, or loaded and checked) and unfinished; None (and a warning) when
    the snapshot cannot be read now, e.g. an analyst's read-write session holds it."""
    if shas:
        shas = shas - _held(instance)
    if not shas:
        return Unfinished(set(), set())
    try:
        finished = warehouse_files.finished_reports(published, sorted(shas))
    except (OSError, duckdb.Error) as err:
        log.warning(f"cannot read the published warehouse to find the reports a run left unfinished "
                    f"({err}); trying again at the next tick")
        return None
    return Unfinished(finished, shas - finished)


def _held(instance: dg.DagsterInstance) -> set[str]:
    """The reports of the runs still to come or running: a run's partition, or its batch's reports."""
    held: set[str] = set()
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=TO_COME)):
        if PARTITION_TAG in run.tags:
            held.add(run.tags[PARTITION_TAG])
        batch = (run.run_config or {}).get("ops", {}).get("load_reports", {}).get("config", {})
        held.update(batch.get("reports", {}))
    return held


@dg.schedule(
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly(context: dg.ScheduleEvaluationContext, report_folder: ReportFolder, warehouse: Warehouse):
    """02:00 in Shanghai: load any inbox file that is not yet a partition (dropped while the sensor was
    off), or that is one but no run finished (`to_finish`; at most RETRIES nights), then recreate the
    views and run every suite over the whole warehouse (the checks on `analyst_views`). The runs share
    the schedule's asset job; each request selects its part."""
    when = context.scheduled_execution_time
    now = (when or datetime.now(timezone.utc)).timestamp()
    known = set(context.instance.get_dynamic_partitions(REPORTS.name))
    try:
        files = report_folder.inbox()
    except OSError as exc:  # the views are still refreshed
        context.log.warning(f"inbox {report_folder.inbox_dir}: cannot be listed ({exc})")
        files = []
    settled = {sha: p for p in files if (sha := _settled_sha256(p, now, context.log.warning)) is not None}
    missed = {sha: p for sha, p in settled.items() if sha not in known}
    if missed:
        context.instance.add_dynamic_partitions(REPORTS.name, list(missed))
    report_run = dict(asset_selection=[forms.key, *map(dg.AssetKey, TABLES), analyst_views.key],
                      asset_check_keys=[*report_checks.check_keys, FINDINGS])
    for sha, path in missed.items():
        yield dg.RunRequest(partition_key=sha, tags={FILE_TAG: str(path)}, run_key=f"missed-{sha}", **report_run)
    todo = to_finish(context.instance, set(settled) - set(missed), warehouse.path, context.log)
    for sha in sorted(todo.unfinished if todo else ()):
        request = f"unfinished-{sha}"
        tries = context.instance.get_runs_count(dg.RunsFilter(tags={REQUEST_TAG: request}))
        if tries >= RETRIES:
            context.log.warning(f"{settled[sha].name} (sha256 {sha}): {tries} nightly runs did not finish "
                                f"it; not asked for again: `make rerun REPORT={sha}`")
            continue
        yield dg.RunRequest(partition_key=sha, tags={FILE_TAG: str(settled[sha]), REQUEST_TAG: request},
                            run_key=f"{request}-{when.isoformat() if when else now}",
                            run_config=_reading_of_last_run(context.instance, sha), **report_run)
    yield dg.RunRequest(asset_selection=[analyst_views.key], run_key=when.isoformat() if when else None)


def _reading_of_last_run(instance: dg.DagsterInstance, sha: str) -> dict:
    """The run config of a retry: the `forms` reading the report's last run asked for (a rerun by
    hand with `prefer_ocr`, which ended unfinished, is retried reading from the pages' images too)."""
    runs = instance.get_runs(filters=dg.RunsFilter(tags={PARTITION_TAG: sha}), limit=1)
    forms_config = ((runs[0].run_config or {}).get("ops", {}).get("forms", {}).get("config", {})
                    if runs else {})
    return {"ops": {"forms": {"config": {"prefer_ocr": True}}}} if forms_config.get("prefer_ocr") else {}


def _settled_sha256(path: Path, now: float, warn: Callable[[str], None] | None = None) -> str | None:
    """The file's sha256 if it was last modified over SETTLED_SECONDS before `now`; None if it is
    newer, or gone since the listing (the nightly rescan must not fail on a file a run just moved), or
    cannot be read (said to `warn`)."""
    try:
        if path.stat().st_mtime >= now - SETTLED_SECONDS:
            return None
        return sha256_of(path)
    except FileNotFoundError:
        return None
    except (OSError, ReportError) as exc:
        if warn is not None:
            warn(f"{shown(path)}: skipped, cannot be read ({exc})")
        return None
