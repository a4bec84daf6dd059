"""The form model: one 项目支出绩效自评表 as printed, every value kept as the exact printed string.

`Form.to_dict()` gives the JSON shape of tests/fixtures/corpus/SCHEMA.md, plus provenance keys
(`source`, and `page` on every row) that the schema allows as extras.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FUND_SOURCES: tuple[str, ...] = ("年度资金总额", "当年财政拨款", "上年结转资金", "其他资金")
TITLE = "项目支出绩效自评表"


@dataclass(frozen=True)
class Source:
    """Where a form was read from."""

    file: str
    sha256: str
    first_page: int
    last_page: int


@dataclass(frozen=True)
class FundRow:
    source: str
    initial_budget: str | None
    annual_budget: str | None
    executed: str | None
    page: int


@dataclass(frozen=True)
class Funds:
    weight: str | None
    execution_rate: str | None
    score: str | None
    rows: tuple[FundRow, ...]


@dataclass(frozen=True)
class IndicatorRow:
    level1: str | None
    level1_weight: str | None
    level2: str | None
    level3: str | None
    target: str | None
    actual: str | None
    weight: str | None
    score: str | None
    deviation_note: str | None
    page: int


@dataclass(frozen=True)
class Form:
    title: str | None
    project_code: str
    project_name: str | None
    year: int
    implementing_unit: str | None
    budget_unit: str | None
    funds: Funds
    goal_expected: str | None
    goal_actual: str | None
    indicators: tuple[IndicatorRow, ...]
    total_weight: str | None
    total_score: str | None
    source: Source
    notes: tuple[str, ...] = field(default=())

    @property
    def form_id(self) -> str:
        """Stable across re-issues of the same project and year (versions differ by report sha256)."""
        return f"{self.project_code}-{self.year}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "form_id": self.form_id,
            "title": self.title,
            "project_code": self.project_code,
            "project_name": self.project_name,
            "year": self.year,
            "implementing_unit": self.implementing_unit,
            "budget_unit": self.budget_unit,
            "funds": {
                "weight": self.funds.weight,
                "execution_rate": self.funds.execution_rate,
                "score": self.funds.score,
                "rows": [_row_dict(r) for r in self.funds.rows],
            },
            "goal_expected": self.goal_expected,
            "goal_actual": self.goal_actual,
            "indicators": [_row_dict(r) for r in self.indicators],
            "total_weight": self.total_weight,
            "total_score": self.total_score,
            "notes": list(self.notes),
            "source": {
                "file": self.source.file,
                "sha256": self.source.sha256,
                "first_page": self.source.first_page,
                "last_page": self.source.last_page,
            },
        }


def _row_dict(row: FundRow | IndicatorRow) -> dict[str, Any]:
    return dict(row.__dict__)
