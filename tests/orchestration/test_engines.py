"""The same definitions on a distributed engine ($JIXIAO_EXECUTOR=dask, assets/engines.py): a
`dask.distributed` LocalCluster started here, `ingest_report` run on it from the command line as a
user reruns a report (`dagster job execute`, what `make rerun` runs), its steps executed by the
cluster's workers. The warehouse gets what `jixiao ingest` loads from the file, the checks are
recorded against the report's partition, and a bad file fails its own partition into quarantine."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import ROOT, SAMPLES
from pipeline.read.pdf import sha256_of

REAL = SAMPLES / "luohu-2023-dev.xlsx.pdf"
FORMS = "SELECT form_id, report_sha256, template, execution_rate, total_score FROM dim_form ORDER BY 1"


def test_executor_is_chosen_by_the_environment(monkeypatch):
    from assets import engines

    monkeypatch.setenv("JIXIAO_EXECUTOR", "dask")
    monkeypatch.setenv("JIXIAO_DASK_SCHEDULER", "tcp://10.0.0.5:8786")
    dask = engines.executor()
    assert dask.name == "dask"
    assert json.loads(engines.writer_tags()["dagster-dask/resource_requirements"]) == {"warehouse": 1}
    monkeypatch.setenv("JIXIAO_EXECUTOR", "in_process")
    assert engines.executor() is dg.in_process_executor and engines.writer_tags() == {}
    monkeypatch.delenv("JIXIAO_EXECUTOR")
    assert engines.executor() is dg.multiprocess_executor
    monkeypatch.setenv("JIXIAO_EXECUTOR", "celery")
    with pytest.raises(ValueError, match="JIXIAO_EXECUTOR"):
        engines.executor()


@pytest.mark.slow
def test_ingest_report_runs_on_a_local_dask_cluster(tmp_path, monkeypatch):
    from dask.distributed import Client, LocalCluster

    from pipeline import warehouse
    from pipeline import checks
    from pipeline.ingest import ingest_many

    home, inbox, database = tmp_path / "home", tmp_path / "inbox", tmp_path / "warehouse.duckdb"
    home.mkdir()
    inbox.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    shutil.copy(REAL, inbox / REAL.name)
    (inbox / "not-a-report.pdf").write_text("项目支出绩效自评表", encoding="utf-8")
    env = {"DAGSTER_HOME": str(home), "JIXIAO_INBOX": str(inbox), "JIXIAO_QUARANTINE": str(tmp_path / "quarantine"),
           "JIXIAO_DOCS": str(tmp_path / "docs"), "JIXIAO_WAREHOUSE": str(database), "JIXIAO_EXECUTOR": "dask"}
    for key, value in env.items():  # the workers the cluster spawns read them too
        monkeypatch.setenv(key, value)
    real, bad = sha256_of(REAL), sha256_of(inbox / "not-a-report.pdf")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("reports", [real, bad])

    import dask

    with dask.config.set({"distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, resources={"warehouse": 1},
                         dashboard_address=None) as cluster, Client(cluster) as client:
        runs = {}
        for sha in (real, bad):
            runs[sha] = subprocess.run(
                [Path(sys.executable).with_name("dagster"), "job", "execute", "-m", "assets.definitions",
                 "-j", "ingest_report", "--tags", json.dumps({"dagster/partition": sha})],
                cwd=ROOT, env={**os.environ, "JIXIAO_DASK_SCHEDULER": cluster.scheduler_address},
                capture_output=True, text=True, timeout=900)
        ran = client.run_on_scheduler(lambda dask_scheduler: sorted(
            k for k, ts in dask_scheduler.task_prefixes.items()))
        workers = client.run(lambda: os.getpid())
    assert runs[real].returncode == 0, runs[real].stderr[-3000:]
    assert runs[bad].returncode != 0  # its partition fails at forms
    assert any("ingest_report.forms" in k or k.startswith("ingest_report") for k in ran), ran
    assert len(workers) == 2

    cli = tmp_path / "cli.duckdb"
    con = warehouse.connect(cli)
    list(ingest_many(con, [REAL]))
    checks.run(con)
    expected = con.execute(FORMS).fetchall()
    con.close()
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute(FORMS).fetchall() == expected and len(expected) == 12
        assert con.execute("SELECT count(*) FROM check_result WHERE report_sha256 = ?", [real]).fetchone()[0] > 0
        assert con.execute("SELECT status, error_kind FROM dim_report WHERE report_sha256 = ?",
                           [bad]).fetchall() in ([], [("quarantined", "not_a_pdf")])

    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.get_materialized_partitions(dg.AssetKey("dim_form")) == {real}
        key = dg.AssetCheckKey(dg.AssetKey("dim_form"), "scores")
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=10)
        # the bad report's checks were planned but never ran (its read failed): none passed over no rows
        assert {r.partition: r.status.value for r in history} == {real: "SUCCEEDED", bad: "PLANNED"}
    assert not (inbox / "not-a-report.pdf").exists()
    (moved,) = (tmp_path / "quarantine").glob("*.pdf")
    assert json.loads(moved.with_name(moved.name + ".json").read_text(encoding="utf-8"))["sha256"] == bad
