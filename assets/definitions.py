"""The Dagster code location: report files → forms → warehouse tables → analyst views, checked by the
GX suites, loaded without a click by the inbox sensor and refreshed by the nightly schedule.

Read in this order: `resources` (folders, partitions), `reports` (assets and checks), `automation`
(jobs, sensor, schedule).
"""

import dagster as dg

from .automation import inbox_sensor, ingest_report, nightly
from .reports import analyst_views, forms, report_checks, warehouse_checks, warehouse_tables
from .resources import ReportFolder, Warehouse

defs = dg.Definitions(
    assets=[forms, warehouse_tables, analyst_views],
    asset_checks=[report_checks, warehouse_checks],
    jobs=[ingest_report],
    sensors=[inbox_sensor],
    schedules=[nightly],
    resources={
        "report_folder": ReportFolder(),
        "warehouse": Warehouse(),
    },
    # Each step in its own process: reports are read in parallel; the steps that write the warehouse
    # queue on the pool "duckdb" (dagster.yaml) and take its writers' lock, one at a time.
    executor=dg.multiprocess_executor,
)
