"""Which form a table is: the variant whose labels it prints (`template_of`), a table that is no
self-evaluation form at all (`not_a_form`: a summary, a targets table, a 部门整体 table, named and
skipped), and the labels the vocabulary does not know (`unknown_labels`), which a refusal lists so
that adding them is the whole fix.
"""

from __future__ import annotations

import re

from . import template as templates
from ..errors import ExtractionFault, IncompleteForm, NoFormFound
from ..lines import passed_over
from ..model import TITLE
from ..read.pdf import PdfInfo
from .columns import match_label
from .outside import checkbox, lines_of, nth_of
from .rows import Row
from .template import Template, TemplateError, header_label
from .text import WEIGHT, label
from .vocabulary import vocabulary

_ANY_TITLE = re.compile(r"^(?:附件\d*[:：]?)?(?P<title>\S{0,80}?表)(?:[(（][^)）]*[)）])?$")
_LABEL_LIKE = re.compile(r"^[^\d%％.,，。；;]{2,16}$")
_BRACKETS = re.compile(r"([(（][^()（）]*[)）])+$")
WEIGHT_NOTE = re.compile(WEIGHT)  # "预算执行情况（万元）（10分）"


def printed_labels(rows: list[Row]) -> set[str]:
    """Every cell label of a form, each line of a cell's text also on its own (merged cells)."""
    out: set[str] = set()
    for row in rows:
        for cell in row.cells:
            if cell.text.strip():
                out.add(label(cell.text))
                out.add(header_label(label(cell.text)))
                out.update(label(line) for line in cell.text.splitlines())
    return out


def template_of(info: PdfInfo, rows: list[Row]) -> Template:
    printed = printed_labels(rows)
    try:
        found = templates.choose(printed)
    except TemplateError as err:
        raise ExtractionFault(str(info.path), str(err), rows[0].page) from None
    if found is None:
        why = "; ".join(f"{t.name}: {', '.join(templates.misfit(t, printed))}" for t in templates.templates())
        unknown = unknown_labels(rows)
        raise IncompleteForm(str(info.path), "a form header is printed, but no variant fits its labels; "
                             + (f"labels not in the vocabulary: {', '.join(unknown)} " if unknown else
                                "every label it prints is in the vocabulary ")
                             + f"(what each variant misses: {why})", rows[0].page)
    return found


def _header_fields() -> set[str]:
    return {*vocabulary().header, *(lab for t in templates.templates() for lab in t.header)}


def _known() -> set[str]:
    return vocabulary().labels | _header_fields() | {lab for t in templates.templates() for lab in (
        *t.fund_columns, *t.goal_columns, *t.indicator_columns, *t.total_labels, *t.narrative)}


def _is_known(text: str, known: set[str]) -> bool:
    """A label of the vocabulary or of an installed variant (`known`; with its weight or note in
    brackets, a 一级 name's stem, a label ending in a known one, a closing or outside label and its value)."""
    voc = vocabulary()
    bare = WEIGHT_NOTE.sub("", _BRACKETS.sub("", text))
    return text in known or bare in known or voc.placeholder(text) \
        or any(bare.startswith(k) for k in voc.level1) \
        or any(text.endswith(k) for k in known if len(k) >= 4) \
        or any(text.startswith(k) for k in (*voc.narrative, *voc.outside))  # "项目负责人：…"


def unknown_words(page_text: str, most: int = 5) -> list[str]:
    """The words opening the page's header lines (under its title, above the first line printing a
    label of another block) that the vocabulary does not know, in printed order: where no table was
    read (a page with no 项目编码 or 项目名称 is passed over unread), the labels its header opens with."""
    known, header = _known(), _header_fields()
    out: list[str] = []
    for raw in page_text.splitlines()[1:]:
        words = [w.rstrip(":：") for w in raw.split()]
        if any(w in known and w not in header for w in words):
            break  # the funds block's columns, the indicators': the header is above
        word = words[0] if len(words) > 1 else ""
        if _LABEL_LIKE.match(word) and word.count("（") + word.count("(") == word.count("）") + word.count(")") \
                and not _is_known(word, known) and not checkbox(word) and word not in out:
            out.append(word)
    return out[:most]


def unknown_labels(rows: list[Row], most: int = 15) -> list[str]:
    """The printed labels of a form that the vocabulary does not know, in printed order: before the
    indicator table, the first cell of every row and every cell of a row of labels (a value beside a
    header label is not one); from it on, the cells of rows made of labels only (a header repeated, a
    total row). Adding them to vocabulary.toml, or a variant's own file, is what reading the form takes."""
    voc = vocabulary()
    fields, known = _header_fields(), _known()

    def is_known(text: str) -> bool:
        return _is_known(text, known)

    out: list[str] = []
    in_indicators = False
    for row in rows:
        cells = [c for c in row.cells if c.text.strip()]
        texts = [header_label(label(c.text)) for c in cells]
        if header_fields(texts, voc.indicator_columns) >= 3:
            in_indicators = True
        digits = any(ch.isdigit() for t in texts for ch in _BRACKETS.sub("", t))
        labels_only = len(texts) >= 2 and not digits and all(_LABEL_LIKE.match(t) for t in texts)
        if in_indicators and not (labels_only and any(is_known(t) for t in texts)):
            first = header_label(label(row.cells[0].text)) if row.cells else ""
            if _LABEL_LIKE.match(first) and not is_known(first) and first not in out:
                out.append(first)  # a row's label in the table's first column: a total, a 一级指标
            continue
        header_row = any(t in fields for t in texts)
        named = -2  # the cell last named unknown
        for i, (cell, text) in enumerate(zip(cells, texts)):
            if not labels_only and i and not is_known(texts[i - 1]):
                break  # a data row: its first cell after the block's title only
            if not _LABEL_LIKE.match(text) or is_known(text) or text in out or checkbox(cell.text):
                continue
            if i and (texts[i - 1] in fields or ((header_row or len(cells) == 2) and named == i - 1)):
                continue  # the value of a header label ("主管机关 | 深圳市… | 实施单位 | …": an unknown one's)
            out.append(text)
            named = i
    return out[:most]


def not_a_form(info: PdfInfo, rows: list[Row], nth: int) -> str | None:
    """Why a table holding a form's anchor labels is not a project's self-evaluation form, or None when
    it may be one: its title names another kind of table (a summary of several projects, a targets
    table, a 部门整体 table: vocabulary `not_forms`), it lists projects one per row (项目编码 and
    项目名称 as column labels), or it prints nothing evaluated (no 完成值, no 执行数)."""
    voc = vocabulary()
    titled = titled_not_a_form(info.page_texts[rows[0].page - 1], nth)
    if titled:
        return titled
    for row in rows[:6]:
        labels = [header_label(lab) for lab in row.labels()]
        if {"项目编码", "项目名称"} <= set(labels) and abs(labels.index("项目编码") - labels.index("项目名称")) == 1 \
                and len(labels) >= 3 and not any(ch.isdigit() for lab in labels for ch in lab):
            return ("a table listing projects one per row (项目编码 and 项目名称 are column labels), not one "
                    "project's self-evaluation form")
    printed = printed_labels(rows)
    done = [lab for lab, f in {**voc.indicator_columns, **voc.fund_columns}.items() if f in ("actual", "executed")]
    # its indicator header read (so nothing was lost from it), and no column of results in the table
    header = any(header_fields(row.labels(), voc.indicator_columns) >= 3 for row in rows)
    if header and not any(d in lab for lab in printed for d in done) and not any("完成" in lab for lab in printed):
        return ("a table with targets and no results (no 完成值, no 执行数): a targets table, "
                "not a self-evaluation form")
    return None


def titled_not_a_form(page_text: str, nth: int = 0) -> str | None:
    """Why the page's table is not a form, by its title; only when no title on the page may be a
    form's, so that a title never costs a form."""
    titles = titles_of(page_text)
    kinds = [next((why for key, why in vocabulary().not_forms.items() if key in t), None) for t in titles]
    if titles and all(kinds):
        return f"{nth_of(kinds, nth)}: titled {nth_of(titles, nth)!r}"
    return None


def unanchored(page_text: str, unknown: list[str] | None = None) -> str | None:
    """Why a page titled as a self-evaluation form ("…项目支出绩效自评表") read no form: it prints no
    项目编码 or 项目名称 label; with the labels the vocabulary does not know (`unknown`, else the words
    opening its lines, `unknown_words`): the project's own label among them (项目全称 …), the fix."""
    titles = [t for t in titles_of(page_text) if "自评表" in t]
    if not titles:
        return None
    unknown = unknown_words(page_text) if unknown is None else unknown
    return (f"titled {titles[0]!r}, but it prints no 项目编码 or 项目名称 label"
            + (f"; labels not in the vocabulary: {', '.join(unknown)}" if unknown else ""))


def titles_of(page_text: str) -> list[str]:
    """The titles printed on a page, in order: every line that is one (…表, short, not a cell of a table
    row), the year before it and "（2022年度）" after it removed."""
    out = []
    for line in lines_of(page_text):
        m = _ANY_TITLE.match(line)
        if m and ("自评表" in line or any(k in line for k in vocabulary().not_forms)):
            out.append(m.group("title"))
    return out


def no_form_found(file: str, pages: int, skipped: list[tuple[int, str]] | None = None) -> NoFormFound:
    if skipped:
        said = "; ".join(f"{passed_over(page)}: {why}" for page, why in skipped)
        return NoFormFound(file, f"no {TITLE} found on any of its {pages} pages; tables passed over as not "
                           f"forms: {said}")
    return NoFormFound(
        file, f"no {TITLE} found: no table with a 项目编码 or 项目名称 label on any of its {pages} pages")


def hidden_sheets(names: tuple[str, ...]) -> str:
    """What is said of a workbook's hidden sheets, passed over (a form kept on one is not read)."""
    shown = ", ".join(f"'{n}'" for n in names[:5]) + (" …" if len(names) > 5 else "")
    return (f"{len(names)} hidden sheet(s) ({shown}), as they are not printed: a form on one is read once "
            f"its sheet is unhidden")


def header_fields(labels: list[str], names: dict[str, str]) -> int:
    """How many distinct fields of a table the row's labels name."""
    return len({match_label(lab, names) for lab in labels} - {None})
