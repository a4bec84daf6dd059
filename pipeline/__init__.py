"""jixiao: performance self-evaluation reports (项目支出绩效自评表) into an analytical warehouse.

The library. Data flows one way: pdf → tables → forms → normalise → warehouse → validate.
Nothing here imports Dagster; `assets/` is the orchestration layer on top.
"""

__version__ = "0.1.0"
