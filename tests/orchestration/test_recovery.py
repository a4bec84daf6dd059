"""Dagster recovers by itself (issue 24): a run whose worker dies is marked failed and gives back its
`duckdb` slot, also across a restart of `dagster dev`; the reports it did not finish are asked for
again by the sensor (at most RETRIES times) and the nightly; a report stored but not checked is
published as unchecked, never as passing, and checked by the next run that checks; `make ui` stops
on one Ctrl-C. The slow tests start the real daemon (`dagster-daemon run`, as `make ui` does) or
`make ui`'s wrapper on a tmp DAGSTER_HOME with the repo's dagster.yaml, kill its processes with
SIGKILL, and kill their process groups whatever happens."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from filelock import FileLock

from assets.automation import REPORT_ASSETS, REQUEST_TAG, RETRIES, inbox_sensor, nightly
from assets.batch import ingest_batch
from assets.definitions import defs
from assets.launcher import process_alive, worker_start
from assets.reports import analyst_views
from assets.resources import FILE_TAG, ReportFolder, Warehouse
from assets.ui import stop
from conftest import ROOT, SAMPLES, until
from pipeline import lines, warehouse
from pipeline import checks
from pipeline.ingest import ingest_many
from pipeline.read.pdf import sha256_of

REAL = SAMPLES / "luohu-2023-dev.xlsx.pdf"  # passes every check
BROKEN = SAMPLES / "440306211550216301358.xlsx.pdf"  # prints a funds_score that breaks a blocking rule
BROKEN_FORM = "440306211550216301358-2024"

pytestmark = pytest.mark.usefixtures("first_sight_waits")  # scripted ticks: first sight waits


class Site:
    """A tmp inbox, quarantine, warehouse and instance; the sensor in batch mode, its log kept."""

    def __init__(self, root: Path) -> None:
        self.root, self.inbox = root, root / "inbox"
        self.inbox.mkdir(parents=True)
        self.database = root / "warehouse.duckdb"
        self.folder = ReportFolder(inbox_dir=str(self.inbox), quarantine_dir=str(root / "quarantine"),
                                   docs_dir=str(root / "docs"), inbox_runs="batch")
        self.resources = {"report_folder": self.folder, "warehouse": Warehouse(path=str(self.database))}
        (root / "dagster").mkdir()
        self.instance = dg.DagsterInstance.local_temp(str(root / "dagster"))
        self.cursor: str | None = None
        self.logged: list[str] = []

    def tick(self) -> list[dg.RunRequest]:
        context = dg.build_sensor_context(cursor=self.cursor, instance=self.instance, resources=self.resources)
        context.log.addHandler(_Kept(self.logged))
        result = inbox_sensor(context)
        self.cursor = result.cursor
        for request in result.dynamic_partitions_requests or []:
            self.instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
        return list(result.run_requests or [])

    def died(self, request: dg.RunRequest) -> dg.DagsterRun:
        """The run the daemon makes of `request`, whose worker died before it loaded anything."""
        run = self.instance.create_run_for_job(ingest_batch, run_config=request.run_config, tags=request.tags)
        self.instance.report_run_failed(run, "run worker pid 1234 is gone")
        return run

    def run(self, request: dg.RunRequest, **kwargs) -> dg.ExecuteInProcessResult:
        return ingest_batch.execute_in_process(run_config=request.run_config, tags=request.tags,
                                               instance=self.instance, raise_on_error=False,
                                               resources=self.resources, **kwargs)

    def scorecard(self) -> dict[str, tuple]:
        """form → (checked, failed_checks) as an analyst reads them from the published snapshot."""
        with duckdb.connect(str(self.database), read_only=True) as con:
            return {f: (c, n) for f, c, n in con.execute(
                "SELECT form_id, checked, failed_checks FROM v_form_scorecard").fetchall()}


class _Kept(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__()
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


def _reports(request: dg.RunRequest) -> set[str]:
    return set(request.run_config["ops"]["load_reports"]["config"]["reports"])


def test_sensor_asks_again_for_a_report_whose_run_died_then_gives_up(tmp_path):
    site = Site(tmp_path)
    shutil.copy(REAL, site.inbox / "a.pdf")
    sha = sha256_of(REAL)
    assert not site.tick()
    (first,) = site.tick()
    assert _reports(first) == {sha} and first.tags[REQUEST_TAG]
    assert not site.tick()  # no run made of the request yet: the daemon makes it
    asked = [first]
    for attempt in range(1, RETRIES + 1):
        run = site.died(asked[-1])
        again = site.tick()
        assert len(again) == 1, f"attempt {attempt}: not asked again after run {run.run_id} died"
        assert _reports(again[0]) == {sha}
        assert again[0].tags[REQUEST_TAG] not in {r.tags[REQUEST_TAG] for r in asked}
        assert any("asking again for 1 report(s)" in m and "a.pdf" in m for m in site.logged)
        to_come = site.instance.create_run_for_job(ingest_batch, run_config=again[0].run_config,
                                                   tags=again[0].tags)
        assert not site.tick()  # a run to come (NOT_STARTED) holds it: not asked meanwhile
        site.instance.delete_run(to_come.run_id)
        asked.append(again[0])
    site.died(asked[-1])
    assert not site.tick()  # RETRIES used: given up, and the tick log says so
    (gave_up,) = [m for m in site.logged if "not asked for again" in m]
    assert f"a.pdf (sha256 {sha}): {RETRIES + 1} runs ended" in gave_up
    assert f"make rerun REPORT={sha}" in gave_up
    assert not site.tick() and len([m for m in site.logged if "not asked for again" in m]) == 1
    assert json.loads(site.cursor)[str(site.inbox / "a.pdf")]["gave_up"] is True


def test_a_report_stored_but_not_checked_is_asked_again_and_checked_by_the_next_run(tmp_path):
    """A batch run killed between its load and its checks (here: its load alone) leaves rows without
    findings, unpublished. The sensor asks for them again, and that run checks them, the broken one
    failing its rule (a finding: the run succeeds)."""
    site = Site(tmp_path)
    for pdf in (REAL, BROKEN):
        shutil.copy(pdf, site.inbox / pdf.name)
    shas = {sha256_of(REAL), sha256_of(BROKEN)}
    site.tick()
    (request,) = site.tick()
    assert site.run(request, op_selection=["load_reports"]).success  # stored, then the run died

    (again,) = site.tick()  # its run ended, the snapshot does not hold them checked: asked again
    assert _reports(again) == shas
    result = site.run(again)  # nothing to read (both stored): both checked and materialized
    assert result.success
    assert {m.metadata["status"].value for m in result.asset_materializations_for_node("load_reports")} == {
        "already loaded"}
    assert {e.partition for e in result.get_asset_check_evaluations() if e.partition} == shas
    card = site.scorecard()
    assert {f: c for f, c in card.items() if f != BROKEN_FORM} == {f: (True, 0) for f in card if f != BROKEN_FORM}
    assert card[BROKEN_FORM][0] is True and card[BROKEN_FORM][1] >= 1
    with duckdb.connect(str(site.database), read_only=True) as con:
        (line,) = warehouse.read_frame(con, lines.FORM_LINES, [[sha256_of(BROKEN)]]).iter_rows(named=True)
    assert "1 failed" in lines.form_line(line) and "funds_score" in lines.form_line(line)
    assert not site.tick()  # finished: not asked again, nor looked at again
    assert all(e["finished"] for e in json.loads(site.cursor).values())


def test_a_views_refresh_checks_what_a_killed_run_stored_never_publishing_it_unchecked(tmp_path):
    """No check blocks the views, so `analyst_views` may run before a report's checks: it checks
    the reports stored unchecked itself, and the snapshot it publishes never shows "0 failed" for an
    unchecked form, nor "not checked" for one it could check."""
    site = Site(tmp_path)
    for pdf in (REAL, BROKEN):
        shutil.copy(pdf, site.inbox / pdf.name)
    site.tick()
    (request,) = site.tick()
    assert site.run(request, op_selection=["load_reports"]).success  # stored, then the run died
    result = dg.materialize([analyst_views], instance=site.instance, resources=site.resources)
    assert result.success
    card = site.scorecard()
    assert len(card) == 13 and all(checked for checked, _ in card.values()) and card[BROKEN_FORM][1] >= 1
    (summary,) = result.get_asset_check_evaluations()
    assert summary.check_name == "findings" and summary.metadata["reports_checked"].value == 2


def test_a_report_run_also_checks_what_a_killed_run_left_unchecked(tmp_path):
    """`ingest_report`'s checks check the reports left unchecked too, and record on its own
    partition only its own report's findings."""
    site = Site(tmp_path)
    shutil.copy(BROKEN, site.inbox / BROKEN.name)
    site.tick()
    (request,) = site.tick()
    assert site.run(request, op_selection=["load_reports"]).success  # stored, then the run died
    sha = sha256_of(REAL)
    site.instance.add_dynamic_partitions("reports", [sha])
    result = dg.materialize([*defs.assets, *defs.asset_checks],  # type: ignore[list-item]
                            selection=REPORT_ASSETS, partition_key=sha, tags={FILE_TAG: str(REAL)},
                            instance=site.instance, resources=site.resources, raise_on_error=False)
    assert result.success
    assert all(e.passed and e.partition == sha for e in result.get_asset_check_evaluations()
               if e.check_name != "findings")  # the summary of every report on analyst_views
    card = site.scorecard()
    assert all(checked for checked, _ in card.values()) and card[BROKEN_FORM][1] >= 1


def _pdf(path: Path, text: str) -> Path:
    path.write_bytes(f"%PDF-1.4\n% {text}\n%%EOF\n".encode())
    return path


def test_nightly_asks_again_for_a_known_report_no_run_finished(tmp_path):
    site = Site(tmp_path)
    with warehouse.writing(site.database) as writer:  # REAL loaded and checked: finished
        assert [o.status for o in ingest_many(writer.con, [REAL])] == ["loaded"]
        checks.run(writer.con)
    when = datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    files = {"done": Path(shutil.copy(REAL, site.inbox / "done.pdf")),
             **{name: _pdf(site.inbox / f"{name}.pdf", name) for name in ("stuck", "killer", "held")}}
    for path in files.values():
        os.utime(path, (when.timestamp() - 3600,) * 2)
    sha = {name: sha256_of(path) for name, path in files.items()}
    site.instance.add_dynamic_partitions("reports", list(sha.values()))
    for _ in range(RETRIES):  # two nights' retries of `killer` died
        site.instance.report_run_failed(site.instance.create_run_for_job(
            _noop, tags={REQUEST_TAG: f"unfinished-{sha['killer']}"}))
    site.instance.create_run_for_job(_noop, tags={"dagster/partition": sha["held"]})  # to come
    # `stuck` was last rerun by hand reading from its pages' images, and that run died
    site.instance.report_run_failed(site.instance.create_run_for_job(
        _reads, run_config={"ops": {"forms": {"config": {"prefer_ocr": True}}}},
        tags={"dagster/partition": sha["stuck"]}))
    context = dg.build_schedule_context(instance=site.instance, scheduled_execution_time=when,
                                        resources=site.resources, repository_def=defs.get_repository_def())
    context.log.addHandler(_Kept(site.logged))
    asked = {r.partition_key: r for r in nightly.evaluate_tick(context).run_requests or []}
    assert set(asked) == {sha["stuck"], None}
    tags = asked[sha["stuck"]].tags
    assert (tags[FILE_TAG], tags[REQUEST_TAG]) == (str(files["stuck"]), f"unfinished-{sha['stuck']}")
    assert asked[sha["stuck"]].run_config == {"ops": {"forms": {"config": {"prefer_ocr": True}}}}
    (gave_up,) = [m for m in site.logged if "not asked for again" in m]
    assert f"killer.pdf (sha256 {sha['killer']}): {RETRIES} nightly runs" in gave_up


@dg.op
def _nothing() -> None:
    pass


@dg.job
def _noop():
    _nothing()


@dg.op(name="forms", config_schema={"prefer_ocr": bool})
def _forms_reading() -> None:
    pass


@dg.job
def _reads():  # a run whose `forms` asked for a reading, as a rerun by hand from the UI does
    _forms_reading()


# -- real processes --------------------------------------------------------------------------------


def _home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A DAGSTER_HOME with the repo's dagster.yaml (as `make ui` copies it), and the environment."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    (tmp_path / "inbox").mkdir()
    return home, {**os.environ, "DAGSTER_HOME": str(home), "JIXIAO_INBOX": str(tmp_path / "inbox"),
                  "JIXIAO_QUARANTINE": str(tmp_path / "quarantine"), "JIXIAO_DOCS": str(tmp_path / "docs"),
                  "JIXIAO_WAREHOUSE": str(tmp_path / "warehouse.duckdb"), "JIXIAO_SENSOR_SECONDS": "5",
                  "PYTHONPATH": str(ROOT)}


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@contextmanager
def _daemon(home: Path, env: dict[str, str], log: Path):
    """`dagster-daemon run` (the daemon of `make ui`: sensor, run queue, run monitoring, its code
    server and the run workers it launches), in a process group of its own, SIGKILLed whole at the end."""
    with log.open("a") as out:
        daemon = subprocess.Popen([str(Path(sys.executable).with_name("dagster-daemon")), "run",
                                   "-m", "assets.definitions"], cwd=ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield daemon
        finally:
            _kill_group(daemon.pid)
            daemon.wait()


def _claimed(instance: dg.DagsterInstance) -> set[str]:
    """The runs holding a slot of the pool `duckdb`."""
    return {slot.run_id for slot in instance.event_log_storage.get_concurrency_info("duckdb").claimed_slots}


def _waiting_for_the_lock(instance: dg.DagsterInstance) -> dg.DagsterRun | None:
    """A started run whose load step holds the `duckdb` slot and waits for the writers' lock."""
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
        if any("waiting for" in (e.user_message or "") for e in instance.all_logs(run.run_id)):
            return run
    return None


def _next_finished(instance: dg.DagsterInstance, dead: dg.DagsterRun) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE]))
    return next((r for r in runs if r.run_id != dead.run_id), None)


def _published(tmp_path: Path) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("SELECT report_sha256, checked, failed_checks FROM v_form_scorecard").fetchall()


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


def _kill_mid_run(tmp_path: Path, monkeypatch, whole_group: bool) -> None:
    """The inbox sensor's run of REAL, stopped by SIGKILL while its load step holds the `duckdb`
    slot (waiting for the writers' lock, which this test holds): of the run worker alone, or of the
    whole daemon with its code server and run worker, which is then started again. The dead run
    must end failed, its slot come free, and the sensor's new run load and check REAL."""
    home, env = _home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # the instance's storage, read here too
    shutil.copy2(REAL, tmp_path / "inbox" / "a.pdf")  # complete and old: taken at the first tick
    log = tmp_path / "daemon.log"
    lock = FileLock(warehouse.lock_path(tmp_path / "warehouse.duckdb"))
    lock.acquire()
    with dg.DagsterInstance.from_config(str(home)) as instance:
        try:
            with _daemon(home, env, log):
                run = until("the sensor's run waiting for the writers' lock",
                             lambda: _waiting_for_the_lock(instance), 300)
                pid, _ = worker_start(instance, run.run_id)
                assert _claimed(instance) == {run.run_id}
                if not whole_group:
                    os.kill(pid, signal.SIGKILL)
                    lock.release()
                    failed = until("the dead run marked failed", lambda: (
                        r := instance.get_run_by_id(run.run_id)).status == dg.DagsterRunStatus.FAILURE and r, 60)
                    assert failed.is_failure
                    until("its slot freed", lambda: run.run_id not in _claimed(instance), 90)
                    again = until("the sensor's new run to end", lambda: _next_finished(instance, run), 420)
            if whole_group:  # the daemon's group was SIGKILLed on leaving the block, mid-run
                # a killed process ends when next scheduled: on a busy machine, not at once
                until("the run worker gone", lambda: not process_alive(pid, time.time()), 60)
                assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED  # for good, before
                assert _claimed(instance) == {run.run_id}
                lock.release()
                with _daemon(home, env, log):  # `make ui` again
                    until("the dead run marked failed", lambda: instance.get_run_by_id(
                        run.run_id).status == dg.DagsterRunStatus.FAILURE, 120)
                    (failure,) = [e for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)]
                    assert f"run worker pid {pid} is gone" in failure.message
                    until("its slot freed", lambda: run.run_id not in _claimed(instance), 90)
                    again = until("the sensor's new run to end", lambda: _next_finished(instance, run), 420)
        finally:
            if lock.is_locked:
                lock.release()
        assert again.status == dg.DagsterRunStatus.SUCCESS, _tail(log)
        assert again.tags[REQUEST_TAG] != run.tags[REQUEST_TAG]
        assert _reports_of(again) == {sha256_of(REAL)}
    published = _published(tmp_path)
    assert len(published) == 12 and set(published) == {(sha256_of(REAL), True, 0)}


def _reports_of(run: dg.DagsterRun) -> set[str]:
    return set(run.run_config["ops"]["load_reports"]["config"]["reports"])


@pytest.mark.slow
def test_a_killed_run_worker_gives_back_its_slot_and_a_new_run_loads_its_reports(tmp_path, monkeypatch):
    _kill_mid_run(tmp_path, monkeypatch, whole_group=False)


@pytest.mark.slow
def test_a_run_left_started_by_a_killed_daemon_is_failed_after_a_restart(tmp_path, monkeypatch):
    _kill_mid_run(tmp_path, monkeypatch, whole_group=True)


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, process group, state) of every process, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        found[int(stat.parent.name)] = (int(fields[1]), int(fields[2]), fields[0])
    return found


def _alive(groups: set[int]) -> bool:
    """Whether a process of one of the process `groups` runs (a zombie does not count)."""
    return any(group in groups and state != "Z" for _, group, state in _processes().values())


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_make_ui_stops_on_one_ctrl_c(tmp_path, monkeypatch, dagster_webserver):
    """The wrapper of `make ui` (assets/ui.py) on a free port, a run waiting for the writers' lock:
    one SIGINT to the wrapper's group (what Ctrl-C sends to the foreground group) ends every process
    of `dagster dev`'s group, its run worker too, within 15 s."""
    home, env = _home(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    shutil.copy2(REAL, tmp_path / "inbox" / "a.pdf")
    lock = FileLock(warehouse.lock_path(tmp_path / "warehouse.duckdb"))
    lock.acquire()
    groups: set[int] = set()
    try:
        ui = dagster_webserver(env, program=[sys.executable, "-m", "assets.ui"], log=tmp_path / "ui.log").process
        with dg.DagsterInstance.from_config(str(home)) as instance:
            run = until("a run waiting for the writers' lock", lambda: _waiting_for_the_lock(instance), 300)
            worker, _ = worker_start(instance, run.run_id)
        tree, family = _processes(), {ui.pid}
        while grown := {p for p, (parent, _, _) in tree.items() if parent in family} - family:
            family |= grown
        groups = {tree[p][1] for p in family if p in tree} - {ui.pid}
        members = {p for p, (_, group, _) in tree.items() if group in groups}
        assert len(groups) == 1 and worker in members  # dagster dev, webserver, daemon, code server, run
        os.killpg(ui.pid, signal.SIGINT)  # one Ctrl-C
        until("every process of dagster dev's group to end", lambda: not _alive(groups), 15)
        assert ui.wait(timeout=5) == 0
    finally:
        for group in groups:  # dagster dev's own; the wrapper's is the fixture's to kill
            _kill_group(group)
        lock.release()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_stop_kills_what_ignores_the_interrupt():
    """`assets.ui.stop`: SIGINT to the group, then SIGKILL to whatever of it is left after the grace
    (`dagster dev` may wait a minute per service; a process may ignore SIGINT)."""
    stubborn = ("import signal, subprocess, sys, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
                "signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(600)']); "
                "print('up', flush=True); time.sleep(600)")
    leader = subprocess.Popen([sys.executable, "-c", stubborn], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert leader.stdout.readline().strip() == "up"
        time.sleep(0.5)  # the child has set its handler
        started = time.monotonic()
        stop(leader, grace=1.0)
        assert leader.returncode == -signal.SIGKILL and time.monotonic() - started < 10
        until("its child, which ignored SIGINT too, to end", lambda: not _alive({leader.pid}), 5)
    finally:
        _kill_group(leader.pid)
        leader.wait()



def test_a_skipped_or_touched_file_keeps_its_retry_bookkeeping(tmp_path, monkeypatch):
    """A file the sensor once could not read (or whose mtime alone changed) is still the same report:
    its request, tries and gave_up stay in the cursor, so a flapping file is not asked for again past
    RETRIES (before, a skip or a touch dropped them and the count began again)."""
    from assets import automation

    path = tmp_path / "a.pdf"
    shutil.copy(REAL, path)
    os.utime(path, (time.time() - 60, time.time() - 60))
    sha = sha256_of(path)
    st = path.stat()
    kept = {"request": "r1", "tries": RETRIES, "gave_up": True}
    cursor = {str(path): {"stat": [st.st_size, st.st_mtime_ns], "sha256": sha, "done": True, **kept}}

    os.utime(path, (time.time() - 30, time.time() - 30))  # touched: same content
    for _ in range(2):  # looked at again once unchanged, if not plainly complete at first sight
        cursor, ready = automation.scan([path], cursor)
        assert not ready and {k: cursor[str(path)].get(k) for k in kept} == kept

    def unreadable(p):
        raise PermissionError(13, "Permission denied", str(p))

    os.utime(path, (time.time() - 20, time.time() - 20))
    with monkeypatch.context() as m:
        m.setattr(automation, "sha256_of", unreadable)
        for _ in range(2):
            cursor, ready = automation.scan([path], cursor)
    assert not ready and cursor[str(path)]["skipped"]
    cursor, ready = automation.scan([path], cursor)  # readable again
    assert not ready and {k: cursor[str(path)].get(k) for k in kept} == kept
