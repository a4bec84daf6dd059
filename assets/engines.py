"""Where the steps of `ingest_report` run: chosen by $JIXIAO_EXECUTOR, read when the code location
loads (the webserver, the daemon and each run process read the same environment).

- `multiprocess` (default): each step a process of its own on this machine;
- `in_process`: every step in the run's process;
- `dask`: each step a task on a `dask.distributed` cluster (dagster-dask): the scheduler at
  $JIXIAO_DASK_SCHEDULER (`tcp://host:8786`), or, unset, a LocalCluster the run starts
  ($JIXIAO_DASK_WORKERS workers, default one per core).

The warehouse has one writer whatever the engine: every step that writes DuckDB takes the writers'
lock (a flock on the warehouse's own file system) and is in the pool "duckdb". On a dask cluster those
steps also ask for the worker resource `warehouse` (`writer_tags`), so they run only on a worker
started with `--resources warehouse=1`: the one beside the warehouse file, one such step at a time.
Reading runs on any worker. `ingest_batch`, the sensor's run, keeps its in-process executor on every
engine: its parallelism is its reading pool.
"""

from __future__ import annotations

import json
import os

import dagster as dg

EXECUTORS = ("multiprocess", "in_process", "dask")
WAREHOUSE_RESOURCE = "warehouse"  # the dask worker resource of the writer


def engine() -> str:
    name = os.environ.get("JIXIAO_EXECUTOR", "multiprocess")
    if name not in EXECUTORS:
        raise ValueError(f"JIXIAO_EXECUTOR={name!r}: one of {', '.join(EXECUTORS)}")
    return name


def executor() -> dg.ExecutorDefinition:
    name = engine()
    if name == "in_process":
        return dg.in_process_executor
    if name == "dask":
        from dagster_dask import dask_executor

        address = os.environ.get("JIXIAO_DASK_SCHEDULER")
        if address:
            cluster = {"existing": {"address": address}}
        else:
            workers = int(os.environ.get("JIXIAO_DASK_WORKERS", 0)) or os.cpu_count() or 1
            cluster = {"local": {"n_workers": workers, "threads_per_worker": 1,
                                 "resources": {WAREHOUSE_RESOURCE: 1}}}
        return dask_executor.configured({"cluster": cluster}, name="dask")
    return dg.multiprocess_executor


def writer_tags() -> dict[str, str]:
    """Op tags of a step that writes the warehouse: on dask, the worker resource `warehouse`."""
    if engine() != "dask":
        return {}
    return {"dagster-dask/resource_requirements": json.dumps({WAREHOUSE_RESOURCE: 1})}
