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
Reading runs on any worker; `forms` starts its bounded reading process there, so the workers must
not be daemonic (`DASK_DISTRIBUTED__WORKER__DAEMON=False` in their environment; the LocalCluster
is started so). `ingest_batch`, the sensor's run, keeps its in-process executor on every
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
        address = os.environ.get("JIXIAO_DASK_SCHEDULER")
        if address:
            cluster = {"existing": {"address": address}}
        else:
            workers = int(os.environ.get("JIXIAO_DASK_WORKERS", 0)) or os.cpu_count() or 1
            cluster = {"local": {"n_workers": workers, "threads_per_worker": 1,
                                 "resources": {WAREHOUSE_RESOURCE: 1}}}
        return _dask_executor().configured({"cluster": cluster}, name="dask")
    return dg.multiprocess_executor


def writer_tags() -> dict[str, str]:
    """Op tags of a step that writes the warehouse: on dask, the worker resource `warehouse`."""
    if engine() != "dask":
        return {}
    return {"dagster-dask/resource_requirements": json.dumps({WAREHOUSE_RESOURCE: 1})}


def _dask_executor() -> dg.ExecutorDefinition:
    """dagster-dask's executor, its arguments to `Client.submit` wrapped so that dask (≥ 2024.12)
    passes them as they are: it walks tuples for futures, and Dagster's run and plan state are
    NamedTuple records that refuse iteration ("Iteration is not allowed on `@record`"). And a step
    whose upstream step failed is not run (dagster-dask runs it anyway: the checks of a report whose
    read failed would pass over no rows). Each step is a task on the cluster, run in a worker by
    `execute_plan`; the steps of one level of the plan run at once, a level after the previous."""
    import dask.distributed
    from dagster._core.definitions.executor_definition import executor as executor_decorator
    from dagster._core.errors import raise_execution_interrupts
    from dagster._core.events import DagsterEvent, EngineEventData
    from dagster._utils import iterate_with_context
    from dagster_dask import executor as dagster_dask

    class Executor(dagster_dask.DaskExecutor):
        def execute(self, plan_context, execution_plan):
            if not plan_context.instance.is_persistent:
                raise dg.DagsterInvariantViolationError("Dask execution needs a persistent DagsterInstance")
            if self.cluster_type == "existing":
                cluster = self.cluster_configuration["address"]
            elif self.cluster_type == "local":
                with dask.config.set({"distributed.worker.daemon": False}):  # readers start a pool
                    cluster = dask.distributed.LocalCluster(**self.build_dict(plan_context.job_name))
            else:
                raise ValueError(f"cluster {self.cluster_type!r}: jixiao runs on 'existing' or 'local'")
            with dask.distributed.Client(cluster) as client:
                failed: set[str] = set()  # steps failed or not run: their dependents do not run
                for level in execution_plan.get_steps_to_execute_by_level():
                    futures = []
                    for step in level:
                        upstream = {k for i in step.step_inputs for k in i.dependency_keys}
                        if upstream & failed:
                            failed.add(step.key)
                            yield DagsterEvent.engine_event(
                                plan_context, f"{step.key} not run: {', '.join(sorted(upstream & failed))} "
                                "failed or did not run", EngineEventData(), step_handle=step.handle)
                            continue
                        payload = _Opaque((plan_context.reconstructable_job, plan_context.dagster_run,
                                           plan_context.run_config, [step.key],
                                           plan_context.instance.get_ref(), execution_plan.known_state))
                        futures.append(client.submit(
                            _step_on_worker, payload, key=f"{plan_context.job_name}.{step.key}",
                            resources=dagster_dask.get_dask_resource_requirements(step.tags)))
                    done = dask.distributed.as_completed(futures, with_results=True)
                    for _, events in iterate_with_context(raise_execution_interrupts, done):
                        for event in events:
                            if event.is_step_failure:
                                failed.add(event.step_key)
                            yield event

    @executor_decorator(name="dask", config_schema=dagster_dask.dask_executor.config_schema,
                        requirements=dg.multiple_process_executor_requirements())
    def dask_executor(init_context):
        ((kind, config),) = init_context.executor_config["cluster"].items()
        return Executor(kind, config)

    return dask_executor


class _Opaque:
    """Arguments dask must not look into (see `_dask_executor`)."""

    def __init__(self, value) -> None:
        self.value = value


def _step_on_worker(payload: _Opaque):
    from dagster_dask.executor import query_on_dask_worker

    return query_on_dask_worker([], *payload.value)
