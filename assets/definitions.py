"""The Dagster code location: report files → forms → warehouse tables → analyst views, checked by the
GX suites, loaded without a click by the inbox sensor and refreshed by the nightly schedule.

Read in this order: `resources` (folders, partitions), `reports` (assets and checks), `automation`
(jobs, sensor, schedule).
"""

import dagster as dg

from .automation import inbox_sensor, ingest_report, nightly
from .batch import ingest_batch
from .engines import executor
from .events import report_refused
from .reports import analyst_views, forms, report_checks, warehouse_checks, warehouse_tables
from .resources import ReportFolder, Warehouse

defs = dg.Definitions(
    assets=[forms, warehouse_tables, analyst_views],
    asset_checks=[report_checks, warehouse_checks],
    jobs=[ingest_report, ingest_batch, report_refused],
    sensors=[inbox_sensor],
    schedules=[nightly],
    resources={
        "report_folder": ReportFolder(),
        "warehouse": Warehouse(),
    },
    # $JIXIAO_EXECUTOR (assets/engines.py): by default each step in its own process, or on a dask
    # cluster; the steps that write the warehouse queue on the pool "duckdb" (dagster.yaml) and take
    # its writers' lock, one at a time. `ingest_batch` runs in its run's process, reading in a pool.
    executor=executor(),
)
