"""The text printed around the ruled table: the title and its year, the lines above and below it
(部门, 填报日期, 总分, signatures), and checkbox choices (☑/□) read as the ticked one.
"""

from __future__ import annotations

import re

from .template import Template
from .text import flat
from .vocabulary import vocabulary

# the year on a line of its own: "（2022年度）", "2022年度", "年度：2022", "评价年度：2022年"; not another
# year's ("上年度：2022", "下年度：2024")
_YEAR_LINE = re.compile(r"^(?:[(（](?P<a>(?:19|20)\d{2})年度?[)）]|(?P<b>(?:19|20)\d{2})年度|"
                        r"(?:\S{0,5}[^\s上下前去明次往])?年度[:：](?P<c>(?:19|20)\d{2})年?)$")
_YEAR_IN_TITLE = re.compile(r"[(（]((?:19|20)\d{2})年度?[)）]")
_YEAR_BEFORE_TITLE = re.compile(r"^((?:19|20)\d{2})年度?")  # "2022年度项目支出绩效自评表", "2023年<项目>…"
# a space between an ideograph and a digit or Latin letter, as pdfium infers it from the gap a
# typesetter leaves there (Asian/Latin autospace: "公开 14 表", "2025 年 4 月 11 日"); see glyphs.SCRIPT_GAP
_AUTOSPACE = re.compile(r"(?<=[\u2e80-\uffff]) (?=[0-9A-Za-z])|(?<=[0-9A-Za-z]) (?=[\u2e80-\uffff])")
_TITLE_LINE = re.compile(r"^(?:附件\d*[:：]?)?(?P<title>\S{0,80}?自评表)(?:[(（][^)）]*[)）])?$")


def nth_of(found: list[str], nth: int) -> str | None:
    """The nth of a page's titles (forms printed one after another on it), else its first."""
    return found[nth] if nth < len(found) else (found[0] if found else None)


def lines_of(page_text: str) -> list[str]:
    """A page's lines without spaces; a title wrapped after its year or inside a long project name
    ("2023年<项目名称>绩效目" / "标自评表") is joined into one line."""
    lines = ["".join(line.split()) for line in page_text.splitlines()]
    out: list[str] = []
    for line in lines:
        if out and _YEAR_BEFORE_TITLE.match(out[-1]) and not _TITLE_LINE.match(out[-1]) \
                and _TITLE_LINE.match(line) and len(out[-1]) <= 100:
            out[-1] += line
        else:
            out.append(line)
    return out


def title(page_text: str, nth: int = 0, template: Template | None = None,
           name: str | None = None) -> str | None:
    """The title line ("项目支出绩效自评表", "部门预算项目支出绩效自评表（2023年度）" → without the year;
    "2023年度项目支出绩效自评表" → without the year before it; "2023年<项目名称>绩效目标自评表" →
    without the year and the project's name: the variant's title where the line ends with it)."""
    lines = lines_of(page_text)
    found = [m.group("title") for m in map(_TITLE_LINE.match, lines) if m]
    if template is not None and (own := _titles_of(lines, template.title)):
        found = own  # a web page's heading above the form's own title is not it
    title = nth_of(found, nth)
    if title is None:
        return None
    title = _YEAR_BEFORE_TITLE.sub("", title)
    if template is not None and title.endswith(template.title):
        return template.title
    if name and title.startswith(name) and len(title) > len(name):
        return title[len(name):]
    return title


def _titles_of(lines: list[str], own: str) -> list[str]:
    """The title lines that end with the variant's own title (its year and project name before it
    allowed), one wrapped onto a second line ("…年度项目支出绩" / "效自评表") joined: a page printed
    from a web site carries the site's heading ("某局2025年度项目支出绩效自评表") above the form's."""
    out = []
    for before, line in zip(["", *lines], lines):
        m = _TITLE_LINE.match(line)
        if not m:
            continue
        if _YEAR_BEFORE_TITLE.sub("", m.group("title")).endswith(own):
            out.append(m.group("title"))
        elif (joined := _TITLE_LINE.match(before + line)) and not _TITLE_LINE.match(before) \
                and joined.group("title").endswith(own) and not m.group("title").endswith(own):
            out.append(joined.group("title"))
    return out


def title_year(page_text: str, nth: int = 0) -> str | None:
    """The year printed by the title: on the title line (in brackets after it, or before it), else a
    line of its own ("（2022年度）", "2022年度", "年度：2022")."""
    lines = lines_of(page_text)
    in_title = []
    for line in lines:
        if _TITLE_LINE.match(line):
            m = _YEAR_IN_TITLE.search(line) or _YEAR_BEFORE_TITLE.match(line)
            if m:
                in_title.append(m.group(1))
    alone = [m.group("a") or m.group("b") or m.group("c") for m in map(_YEAR_LINE.match, lines) if m]
    return nth_of(in_title, nth) or nth_of(alone, nth)


def outside(page_text: str) -> dict[str, list[str | None]]:
    """"label：value" printed outside the ruled table (vocabulary `outside`: 部门, 填报日期, 总分, 项目负责人 …)
    and the table number ("公开14表"), each label's values in printed order. A line is read only when it
    starts with such a label, or with another "label：value" the first such label follows after a space
    ("填报单位（盖章）：…  项目负责人：…"); several labels on one line split it."""
    voc = vocabulary()
    pattern = _outside_pattern()
    found: dict[str, list[str | None]] = {}
    for raw in page_text.splitlines():
        tokens = _AUTOSPACE.sub("", raw).split()
        for token in tokens:
            if voc.table_no.match(token):
                found.setdefault("table_no", []).append(token)
        line = " ".join(t for t in tokens if not voc.table_no.match(t))
        marks = _marks(pattern, line)
        if not marks:
            continue
        for m, nxt in zip(marks, marks[1:] + [None]):
            value = line[m.end():nxt.start() if nxt else len(line)].strip()
            found.setdefault(voc.outside[m.group(1)], []).append(value or None)
    return found


_LEAD = re.compile(r"^[^\s:：]{2,16}\s*[:：]")  # a line opening as "label：value" ("填报单位（盖章）：…")


def _outside_pattern() -> re.Pattern[str]:
    voc = vocabulary()
    return re.compile("(" + "|".join(map(re.escape, sorted(voc.outside, key=len, reverse=True))) + r")\s*[:：]")


def _marks(pattern: re.Pattern[str], line: str) -> list[re.Match[str]]:
    """The outside labels of a line it is read by (`outside`): none unless the line starts with one, or
    opens as another label and its value and the first one follows a space."""
    marks = list(pattern.finditer(line))
    if marks and marks[0].start() and not (_LEAD.match(line) and line[marks[0].start() - 1] == " "):
        return []
    return marks


def only_outside(page_text: str) -> bool:
    """A page printing nothing but "label：value" lines read by `outside` (and page numbers): the
    signatures and date of the form before it, printed on a page of their own."""
    pattern = _outside_pattern()
    lines = [" ".join(_AUTOSPACE.sub("", raw).split()) for raw in page_text.splitlines()]
    lines = [ln for ln in lines if ln and not _PAGE_NUMBER.fullmatch(ln)]
    return bool(lines) and all(_marks(pattern, ln) for ln in lines)


_PAGE_NUMBER = re.compile(r"[-—－\s]*(第\s*\d+\s*页(\s*共\s*\d+\s*页)?|\d+(\s*/\s*\d+)?)[-—－\s]*")


def checkbox(text: str) -> tuple[str | None, bool] | None:
    """The ticked option of a checkbox cell ("、部门预算项目☑、省直专项□" → 部门预算项目; "☑甲 □乙" → 甲),
    several joined by "、"; (None, True) when none is ticked; None when the cell has no boxes."""
    voc = vocabulary()
    marks = voc.ticked + voc.unticked
    flat_text = flat(text) or ""
    if not any(m in flat_text for m in marks):
        return None
    parts = re.split("(" + "|".join(map(re.escape, marks)) + ")", flat_text)
    mark_first = flat_text.lstrip("、,，;；")[:1] in marks
    options, ticked = [], []
    if mark_first:  # mark, option, mark, option …
        pairs = zip(parts[1::2], parts[2::2])
        options = [(m, o) for m, o in pairs]
    else:           # option, mark, option, mark …
        options = [(m, o) for o, m in zip(parts[0::2], parts[1::2])]
    for mark, option in options:
        option = option.strip("、,，;；: ：")
        if mark in voc.ticked and option:
            ticked.append(option)
    return ("、".join(ticked) or None), True
