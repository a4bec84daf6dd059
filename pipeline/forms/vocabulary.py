"""The vocabulary of the form as data (`vocabulary.toml`): every label that names a part of the
项目支出绩效自评表, with its synonyms, shared by every template. A template (`template.py`) adds only
what its variant does differently; the reader (`reader.py`) finds blocks, columns, sources, checkboxes,
grades and closing rows by these labels, and names the labels it does not know when it refuses a form.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "vocabulary.toml"


class VocabularyError(ValueError):
    """vocabulary.toml does not say what the reader needs (named with the file)."""


@dataclass(frozen=True)
class Source:
    name: str                   # the name a source is known by (the warehouse keeps the printed one)
    role: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Vocabulary:
    header: dict[str, str]
    outside: dict[str, str]
    table_no: re.Pattern
    questions: tuple[str, ...]
    ticked: tuple[str, ...]
    unticked: tuple[str, ...]
    fund_titles: tuple[str, ...]
    fund_columns: dict[str, str]
    sources: tuple[Source, ...]
    goal_titles: tuple[str, ...]
    goal_columns: dict[str, str]
    indicator_titles: tuple[str, ...]
    level1: tuple[str, ...]
    level2: tuple[str, ...]
    level_suffix: str
    placeholders: tuple[re.Pattern, ...]
    indicator_columns: dict[str, str]
    total_labels: tuple[str, ...]
    grades: tuple[str, ...]
    narrative: dict[str, str]
    not_forms: dict[str, str]
    clipping_producers: tuple[re.Pattern, ...] = ()
    whole_producers: tuple[re.Pattern, ...] = ()  # programs that print a cell's text whole
    clipped_fields: tuple[str, ...] = ()
    cut_fields: tuple[str, ...] = ()  # texts flagged only where their border certainly cuts them

    def sources_of(self, role: str) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.role == role)

    def placeholder(self, text: str | None) -> bool:
        """A template's row left empty: "指标2", "……"."""
        return bool(text) and any(p.match(text) for p in self.placeholders)

    def whole_level(self, text: str) -> bool:
        """A whole 一级/二级指标 label: it ends as every level's name does (`level_suffix`, "指标"), a
        weight in brackets after it or not ("产出指标（50分）")."""
        return re.fullmatch(r".*" + re.escape(self.level_suffix) + r"\s*(?:[(（][^()（）]*[)）])?",
                            text, re.S) is not None

    def clips(self, producer: tuple[str, ...]) -> bool:
        """The PDF may have been printed by a program that clips a cell's text to its row: its document
        info /Creator or /Producer (`producer`) names a spreadsheet program, or names no program known
        to print a text whole (a print driver or a merge passes a spreadsheet's print on unnamed: a
        cut unflagged is worse than a whole text flagged)."""
        def named(patterns: tuple[re.Pattern, ...]) -> bool:
            return any(p.search(name) for p in patterns for name in producer if name)
        return named(self.clipping_producers) or not named(self.whole_producers)

    @property
    def labels(self) -> frozenset[str]:
        """Every label the vocabulary knows (for naming the ones a form prints and it does not)."""
        out = {*self.header, *self.outside, *self.questions, *self.fund_titles, *self.fund_columns,
               *self.goal_titles, *self.goal_columns, *self.indicator_titles, *self.level1,
               *self.indicator_columns, *self.total_labels, *self.narrative}
        out.update(n for s in self.sources for n in s.names)
        return frozenset(out)


def _strings(data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key, ())
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise VocabularyError(f"{PATH}: {key} must be a list of labels")
    return tuple(value)


def parse(path: Path = PATH) -> Vocabulary:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        outside = dict(data["outside"])
        table_no = re.compile(outside.pop("table_no"))
        funds, goals, ind = data["funds"], data["goals"], data["indicators"]
        return Vocabulary(
            header=dict(data["header"]),
            outside=outside,
            table_no=table_no,
            questions=_strings(data["checkboxes"], "questions"),
            ticked=_strings(data["checkboxes"], "ticked"),
            unticked=_strings(data["checkboxes"], "unticked"),
            fund_titles=_strings(funds, "titles"),
            fund_columns=dict(funds["columns"]),
            sources=tuple(Source(s["name"], s["role"], tuple(s.get("aliases", ()))) for s in funds["sources"]),
            goal_titles=_strings(goals, "titles"),
            goal_columns=dict(goals["columns"]),
            indicator_titles=_strings(ind, "titles"),
            level1=_strings(ind, "level1"),
            level2=_strings(ind, "level2"),
            level_suffix=str(ind["level_suffix"]),
            placeholders=tuple(re.compile(p) for p in _strings(ind, "placeholders")),
            indicator_columns=dict(ind["columns"]),
            total_labels=_strings(data["total"], "labels"),
            grades=_strings(data["total"], "grades"),
            narrative=dict(data["narrative"]),
            not_forms=dict(data["not_forms"]),
            clipping_producers=tuple(re.compile(p, re.I) for p in _strings(data["clipping"], "producers")),
            whole_producers=tuple(re.compile(p, re.I) for p in _strings(data["clipping"], "whole")),
            clipped_fields=_strings(data["clipping"], "fields"),
            cut_fields=_strings(data["clipping"], "cut_fields"),
        )
    except KeyError as err:
        raise VocabularyError(f"{path}: no {err.args[0]!r}") from None


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    """The vocabulary, read once."""
    return parse()
