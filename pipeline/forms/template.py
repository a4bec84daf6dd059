"""Variants as data: one `pipeline/forms/templates/<name>.toml` per printed variant of the 项目支出绩效自评表,
over the one vocabulary of the form (`vocabulary.toml`, `vocabulary.py`).

The vocabulary names every part of the form with its synonyms (header labels, the columns of the funds,
goals and indicator tables, funding sources and their roles, total labels, grades, closing rows, what is
printed outside the table, checkboxes). A template says only what its variant does differently: how it
is recognised, its money unit, where its year, code and weights are printed, which sources it prints,
which rules (`pipeline.facts.rules`) apply, the keys its forms print beyond the luohu form's (or lack),
and labels of its own (added to the vocabulary's, and winning over them). `pipeline.forms.reader` has no
labels of its own; a variant made of known parts in a new arrangement is one short file.

Keys of a template file (see luohu.toml, central.toml, sichuan.toml, yunnan.toml, langfang.toml, hubei.toml):

    name, description, title          the variant's name (stored on every form), what it is, its title
    identify = [labels]               all printed (each a cell of its own; "re:<pattern>" a cell matching
    unless = [labels]                 it): the form is of this variant; none of `unless` printed; the
                                      variant with the most `identify` labels wins
    money_unit = "元" | "万元"         the unit of the amounts unless the funds table prints one ("（万元）")
    year = "header" | "title"         the year from a 年度 cell, else printed by the title ("（2022年度）",
                                      "2022年度项目支出绩效自评表")
    project_code = "header" | "name" | "none"
                                      the 项目编码 cell; the code before "-" in 项目名称; none printed
    rules = [names]                   the rules of pipeline.facts.rules that apply
    [unchecked] rule = "why"          each rule that cannot apply to what the variant prints, and why
    prints = [keys]                   extract-JSON keys beyond the luohu form's (OPTIONAL_KEYS)
    absent = [keys]                   keys of the luohu form its forms do not print (ABSENT_KEYS)
    [header]                          label = field, added to the vocabulary's
    [funds] sources = [roles]         the sources printed, in order, by role (the vocabulary's names), or
                                      [[funds.sources]] name, aliases, role; columns_needed, row_rates
                                      (every source row prints its own 执行率), [funds.columns] label = field
    [goals] columns_needed, [goals.columns]
    [indicators] title, columns_needed, weights = "level1" | "section", section_label,
                 placeholder_rows (a row of only its 一级/二级 labels is a placeholder, not a misread),
                 [indicators.columns] label = field
    [total] labels                    the row with the total 分值 and 得分 (default: the vocabulary's)
    [narrative] label = field         closing rows, added to the vocabulary's

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

from ..model import NARRATIVE_KEYS, TEXT_KEYS
from .vocabulary import Source as FundSource, vocabulary

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
ROLES = ("total", "appropriation", "carried_over", "special_account", "unit_funds", "other")
MONEY_UNITS = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}
HEADER_FIELDS = ("project_code", "project_name", "year", "implementing_unit", "budget_unit")
FUND_FIELDS = ("initial_budget", "annual_budget", "executed", "weight", "execution_rate", "score", "note")
GOAL_FIELDS = ("goal_expected", "goal_actual")
INDICATOR_FIELDS = ("level1", "level2", "level3", "nature", "target", "unit", "actual", "weight",
                    "score", "deviation_note")
NARRATIVE_FIELDS, TEXT_FIELDS = NARRATIVE_KEYS, TEXT_KEYS  # what a form may print besides its tables (model)
# keys of the extract JSON only some variants print (`prints`), or that some do not (`absent`)
OPTIONAL_KEYS = TEXT_FIELDS + ("checkboxes", "funds.note", "fund_rows.execution_rate", "indicators.nature",
                               "indicators.unit", "indicators.placeholder", "indicators_weight")
ABSENT_KEYS = ("goal_expected", "goal_actual", "total_weight", "fund_rows.initial_budget",
               "indicators.weight", "indicators.deviation_note")
RULES = ("weights_total", "total_weight", "funds_weight", "level1_sum", "score_above_weight",
         "total_score", "fund_total", "execution_rate", "funds_score")




class TemplateError(ValueError):
    """A template file that does not say what the reader needs (named with the file)."""


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
    prints: frozenset[str] = frozenset()
    absent: frozenset[str] = frozenset()
    unchecked: dict[str, str] = field(default_factory=dict)  # rule → why it cannot apply to this variant
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
        """The keys of the extract JSON that only some variants print (TEMPLATES.md, VARIANTS.md)."""
        return self.prints


def _need(data: dict, key: str, where: Path):
    if key not in data:
        raise TemplateError(f"{where}: no {key!r}")
    return data[key]


def _fields(mapping: dict, allowed: tuple[str, ...], what: str, where: Path) -> dict[str, str]:
    bad = sorted(set(mapping.values()) - set(allowed))
    if bad:
        raise TemplateError(f"{where}: [{what}] maps labels to unknown fields {bad}; known: {allowed}")
    return {str(k): str(v) for k, v in mapping.items()}


def _sources(funds: dict, where: Path) -> tuple[FundSource, ...]:
    """The funding sources a variant prints, in order: `sources = [roles]`, each read by every name the
    vocabulary gives that role; or `[[funds.sources]]` tables of its own (name, aliases, role)."""
    listed = funds.get("sources", ["total", "appropriation", "carried_over", "other"])
    out = []
    for s in listed:
        if isinstance(s, str):
            known = vocabulary().sources_of(s)
            if not known:
                raise TemplateError(f"{where}: source role {s!r} is not in the vocabulary; known: {ROLES}")
            out.append(FundSource(known[0].name, s, tuple(n for k in known for n in k.names)[1:]))
        else:
            out.append(FundSource(str(_need(s, "name", where)), str(_need(s, "role", where)),
                                  tuple(s.get("aliases", ()))))
    return tuple(out)


def _keys(data: dict, key: str, allowed: tuple[str, ...], where: Path) -> frozenset[str]:
    keys = frozenset(data.get(key, ()))
    if keys - set(allowed):
        raise TemplateError(f"{where}: {key} names unknown keys {sorted(keys - set(allowed))}; known: {allowed}")
    return keys


def parse(path: Path) -> Template:
    """A template file, over the vocabulary: its labels are added to (and win over) the vocabulary's."""
    voc = vocabulary()
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    funds = data.get("funds", {})
    goals = data.get("goals", {})
    ind = data.get("indicators", {})
    sources = _sources(funds, path)
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
        header={**voc.header, **_fields(data.get("header", {}), HEADER_FIELDS, "header", path)},
        fund_columns={**voc.fund_columns,
                      **_fields(funds.get("columns", {}), FUND_FIELDS, "funds.columns", path)},
        fund_columns_needed=int(funds.get("columns_needed", 3)),
        row_rates=bool(funds.get("row_rates", False)),
        sources=sources,
        goal_columns={**voc.goal_columns,
                      **_fields(goals.get("columns", {}), GOAL_FIELDS, "goals.columns", path)},
        goal_columns_needed=int(goals.get("columns_needed", 2)),
        indicators_title=ind.get("title"),
        indicator_columns={**voc.indicator_columns, **_fields(ind.get("columns", {}), INDICATOR_FIELDS,
                                                              "indicators.columns", path)},
        indicator_columns_needed=int(ind.get("columns_needed", 4)),
        weights=weights,
        section_label=ind.get("section_label"),
        placeholder_rows=bool(ind.get("placeholder_rows", False)),
        total_labels=tuple(data.get("total", {}).get("labels", voc.total_labels)),
        narrative={**voc.narrative, **_fields(data.get("narrative", {}), NARRATIVE_FIELDS, "narrative", path)},
        prints=_keys(data, "prints", OPTIONAL_KEYS, path),
        absent=_keys(data, "absent", ABSENT_KEYS, path),
        unchecked={str(k): str(v) for k, v in data.get("unchecked", {}).items()},
        path=path,
    )
    unsaid = sorted(set(RULES) - set(rules) - set(template.unchecked))
    if unsaid or set(template.unchecked) - set(RULES) or set(template.unchecked) & set(rules):
        raise TemplateError(f"{path}: every rule is either in `rules` or in [unchecked] with why it cannot "
                            f"apply (not said: {unsaid}; [unchecked]: {sorted(template.unchecked)})")
    if path.stem != template.name:
        raise TemplateError(f"{path}: name {template.name!r} is not the file's name")
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


@lru_cache(maxsize=1 << 13)  # asked of every cell's label (the corpus prints ~2,400)
def header_label(text: str) -> str:
    """A header label without a trailing note in brackets: "实施单位（盖章）" is 实施单位."""
    return _NOTE.sub("", text)


def _printed(label: str, printed: set[str]) -> bool:
    """A label of `identify` / `unless` is printed: one of the cells, or with "re:", a pattern one of
    them matches ("re:^指标\\d+": a level-3 name keeping the template's "指标1：" prefix)."""
    if label.startswith("re:"):
        pattern = re.compile(label[3:])
        return any(pattern.search(p) for p in printed)
    return label in printed


def misfit(template: Template, printed: set[str]) -> list[str]:
    """Why `template` does not fit a form printing `printed`: each `identify` label it lacks, each
    `unless` label it prints; empty when it fits. A refusal says this, so the fix is plain."""
    def said(lab: str) -> str:
        return f"a cell matching {lab[3:]}" if lab.startswith("re:") else lab
    return ([f"no {said(lab)}" for lab in template.identify if not _printed(lab, printed)]
            + [f"prints {said(lab)}" for lab in template.unless if _printed(lab, printed)])


def choose(printed: set[str], directory: Path | None = None) -> Template | None:
    """The template whose `identify` labels are all in `printed` (cell labels) and none of whose
    `unless` labels are; the one with the most identify labels wins. None when no template fits."""
    fits = [t for t in templates(directory) if not misfit(t, printed)]
    if not fits:
        return None
    best = max(len(t.identify) for t in fits)
    winners = [t for t in fits if len(t.identify) == best]
    if len(winners) > 1:
        names = ", ".join(t.name for t in winners)
        raise TemplateError(f"templates {names} all fit this form equally: make their identify labels differ")
    return winners[0]
