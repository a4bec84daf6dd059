"""Templates as data: one `pipeline/forms/templates/<name>.toml` per template of the 项目支出绩效自评表.

A template says which printed labels mean which field (header fields, the columns of the funds, goals
and indicator tables, with aliases), which funding sources the funds table prints and the role each
plays (the total, and the parts that add up to it), the money unit, where weights are printed, which
closing narrative rows exist, and which rules (`pipeline.facts.rules`) the form obeys. `pipeline.forms.reader`
reads every form through its template and has no labels of its own; adding a province is one file.

Keys of a template file (see luohu.toml, central.toml, sichuan.toml):

    name, description, title          the template's name (stored on every form), what it is, its title
    identify = [labels]               all printed (each a cell of its own): the form is of this template;
    unless = [labels]                 none of these printed; the template with the most `identify` wins
    money_unit = "元" | "万元"         the unit of the amounts unless the funds table prints one ("（万元）")
    year = "header" | "title"         the year from the 绩效自评年度 cell (else as for "title"), or
                                      from "（2022年度）" by the title
    project_code = "header" | "name" | "none"
                                      the 项目编码 cell; the code before "-" in 项目名称; none printed
    rules = [names]                   the rules of pipeline.facts.rules that apply
    [header]                          label = field (project_code, project_name, year, implementing_unit,
                                      budget_unit); the value is the next cell; "（盖章）" etc. ignored
    [funds] columns_needed, [funds.columns] label = field (initial_budget, annual_budget, executed,
                                      weight, execution_rate, score, note), row_rates (every source
                                      row prints its own 执行率), [[funds.sources]] name, aliases, role
    [goals] columns_needed, [goals.columns] label = goal_expected | goal_actual
    [indicators] title, columns_needed, weights = "level1" | "section", section_label,
                 placeholder_rows, [indicators.columns] label = field (level1, level2, level3, nature,
                                      target, unit, actual, weight, score, deviation_note)
    [total] labels                    the row with the total 分值 and 得分 (总分, 合计)
    [narrative] label = field         rows (or "label：value" cells) of closing text

Templates come from pipeline/forms/templates/ and from each folder of $JIXIAO_TEMPLATES.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ROLES = ("total", "appropriation", "carried_over", "special_account", "unit_funds", "other")
MONEY_UNITS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
HEADER_FIELDS = ("project_code", "project_name", "year", "implementing_unit", "budget_unit")
FUND_FIELDS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score", "note")
GOAL_FIELDS = ("goal_expected", "goal_actual")
INDICATOR_FIELDS = ("level1", "level2", "level3", "nature", "target", "unit", "actual", "weight",
                    "score", "deviation_note")
NARRATIVE_FIELDS = ("implementation_summary", "conclusion", "problems", "improvements",
                    "project_lead", "finance_lead")
RULES = ("weights_total", "total_weight", "funds_weight", "level1_sum", "score_above_weight",
         "total_score", "fund_total", "execution_rate", "funds_score")


class TemplateError(ValueError):
    """A template file that does not say what the reader needs (named with the file)."""


@dataclass(frozen=True)
class FundSource:
    name: str                   # the label the truth and the warehouse keep (as printed)
    role: str                   # one of ROLES
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each file is loaded once
class Template:
    name: str
    description: str
    title: str
    identify: tuple[str, ...]
    unless: tuple[str, ...]
    money_unit: str
    year: str
    project_code: str
    rules: tuple[str, ...]
    header: dict[str, str]
    fund_columns: dict[str, str]
    fund_columns_needed: int
    row_rates: bool
    sources: tuple[FundSource, ...]
    goal_columns: dict[str, str]
    goal_columns_needed: int
    indicators_title: str | None
    indicator_columns: dict[str, str]
    indicator_columns_needed: int
    weights: str
    section_label: str | None
    placeholder_rows: bool
    total_labels: tuple[str, ...]
    narrative: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    @property
    def total_source(self) -> FundSource:
        return next(s for s in self.sources if s.role == "total")

    def source_order(self, name: str) -> int:
        """1-based position of a printed source name in the template."""
        for i, s in enumerate(self.sources, start=1):
            if name in s.names:
                return i
        raise KeyError(name)

    def role_of(self, name: str) -> str:
        return self.sources[self.source_order(name) - 1].role

    @property
    def optional_keys(self) -> frozenset[str]:
        """The keys of the extract JSON that only some templates print (TEMPLATES.md)."""
        keys = set(self.narrative.values())
        if "note" in self.fund_columns.values():
            keys.add("funds.note")
        if self.row_rates:
            keys.add("fund_rows.execution_rate")
        for name in ("nature", "unit"):
            if name in self.indicator_columns.values():
                keys.add(f"indicators.{name}")
        if self.weights == "section":
            keys.add("indicators_weight")
        return frozenset(keys)


def _need(data: dict, key: str, where: Path):
    if key not in data:
        raise TemplateError(f"{where}: no {key!r}")
    return data[key]


def _fields(mapping: dict, allowed: tuple[str, ...], what: str, where: Path) -> dict[str, str]:
    bad = sorted(set(mapping.values()) - set(allowed))
    if bad:
        raise TemplateError(f"{where}: [{what}] maps labels to unknown fields {bad}; known: {allowed}")
    return {str(k): str(v) for k, v in mapping.items()}


def parse(path: Path) -> Template:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    funds = _need(data, "funds", path)
    goals = _need(data, "goals", path)
    ind = _need(data, "indicators", path)
    sources = tuple(
        FundSource(str(_need(s, "name", path)), str(_need(s, "role", path)), tuple(s.get("aliases", ())))
        for s in _need(funds, "sources", path))
    for s in sources:
        if s.role not in ROLES:
            raise TemplateError(f"{path}: source {s.name} has role {s.role!r}; known: {ROLES}")
    if sum(s.role == "total" for s in sources) != 1:
        raise TemplateError(f"{path}: exactly one funding source must have role 'total'")
    rules = tuple(data.get("rules", RULES))
    if set(rules) - set(RULES):
        raise TemplateError(f"{path}: unknown rules {sorted(set(rules) - set(RULES))}; known: {RULES}")
    money_unit = str(data.get("money_unit", "元"))
    if money_unit not in MONEY_UNITS:
        raise TemplateError(f"{path}: money_unit {money_unit!r}; known: {list(MONEY_UNITS)}")
    year = str(data.get("year", "header"))
    code = str(data.get("project_code", "header"))
    weights = str(ind.get("weights", "level1"))
    if year not in ("header", "title") or code not in ("header", "name", "none") \
            or weights not in ("level1", "section"):
        raise TemplateError(f"{path}: year, project_code or indicators.weights has an unknown value")
    template = Template(
        name=str(_need(data, "name", path)),
        description=str(data.get("description", "")),
        title=str(data.get("title", "项目支出绩效自评表")),
        identify=tuple(_need(data, "identify", path)),
        unless=tuple(data.get("unless", ())),
        money_unit=money_unit,
        year=year,
        project_code=code,
        rules=rules,
        header=_fields(_need(data, "header", path), HEADER_FIELDS, "header", path),
        fund_columns=_fields(_need(funds, "columns", path), FUND_FIELDS, "funds.columns", path),
        fund_columns_needed=int(funds.get("columns_needed", 3)),
        row_rates=bool(funds.get("row_rates", False)),
        sources=sources,
        goal_columns=_fields(_need(goals, "columns", path), GOAL_FIELDS, "goals.columns", path),
        goal_columns_needed=int(goals.get("columns_needed", 2)),
        indicators_title=ind.get("title"),
        indicator_columns=_fields(_need(ind, "columns", path), INDICATOR_FIELDS, "indicators.columns", path),
        indicator_columns_needed=int(ind.get("columns_needed", 4)),
        weights=weights,
        section_label=ind.get("section_label"),
        placeholder_rows=bool(ind.get("placeholder_rows", False)),
        total_labels=tuple(_need(_need(data, "total", path), "labels", path)),
        narrative=_fields(data.get("narrative", {}), NARRATIVE_FIELDS, "narrative", path),
        path=path,
    )
    if path.stem != template.name:
        raise TemplateError(f"{path}: name {template.name!r} is not the file's name")
    if code == "header" and "project_code" not in template.header.values():
        raise TemplateError(f"{path}: project_code = 'header' but no header label maps to project_code")
    if weights == "section" and not template.section_label:
        raise TemplateError(f"{path}: indicators.weights = 'section' needs indicators.section_label")
    return template


@lru_cache(maxsize=None)
def _load(directories: tuple[Path, ...]) -> tuple[Template, ...]:
    found: dict[str, Template] = {}
    for directory in directories:
        for p in sorted(directory.glob("*.toml")):
            t = parse(p)
            if t.name in found:
                raise TemplateError(f"{p}: template {t.name!r} is defined twice ({found[t.name].path})")
            found[t.name] = t
    return tuple(found.values())


def directories() -> tuple[Path, ...]:
    """pipeline/forms/templates/, then each folder of $JIXIAO_TEMPLATES (os.pathsep-separated): a template
    added there is read without touching the package."""
    return _directories(os.environ.get("JIXIAO_TEMPLATES", ""))


@lru_cache(maxsize=None)
def _directories(extra: str) -> tuple[Path, ...]:
    return tuple(d.resolve() for d in (TEMPLATES_DIR, *(Path(d) for d in extra.split(os.pathsep) if d)))


def templates(directory: Path | None = None) -> tuple[Template, ...]:
    """Every template (of `directory` only, when given), in file-name order."""
    return _load((directory.resolve(),) if directory else directories())


def get(name: str, directory: Path | None = None) -> Template:
    for t in templates(directory):
        if t.name == name:
            return t
    raise KeyError(f"no template {name!r} in {directory or TEMPLATES_DIR}")


def anchors(directory: Path | None = None) -> frozenset[str]:
    """Header labels a form can start with: every template's header labels for the code and name."""
    return _labels(templates(directory), ("project_code", "project_name"))


def header_labels(directory: Path | None = None) -> frozenset[str]:
    """Every template's header labels."""
    return _labels(templates(directory), HEADER_FIELDS)


@lru_cache(maxsize=None)
def _labels(loaded: tuple[Template, ...], fields: tuple[str, ...]) -> frozenset[str]:
    return frozenset(label for t in loaded for label, f in t.header.items() if f in fields)


_NOTE = re.compile(r"[(（][^()（）]*[)）]$")


def header_label(text: str) -> str:
    """A header label without a trailing note in brackets: "实施单位（盖章）" is 实施单位."""
    return _NOTE.sub("", text)


def choose(printed: set[str], directory: Path | None = None) -> Template | None:
    """The template whose `identify` labels are all in `printed` (cell labels) and none of whose
    `unless` labels are; the one with the most identify labels wins. None when no template fits."""
    fits = [t for t in templates(directory)
            if all(label in printed for label in t.identify) and not any(u in printed for u in t.unless)]
    if not fits:
        return None
    best = max(len(t.identify) for t in fits)
    winners = [t for t in fits if len(t.identify) == best]
    if len(winners) > 1:
        names = ", ".join(t.name for t in winners)
        raise TemplateError(f"templates {names} all fit this form equally: make their identify labels differ")
    return winners[0]
