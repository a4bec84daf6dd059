"""Looks of our own of the new variants (yunnan, langfang, hubei): a truth file printed again with
other column widths, padding, page orientation and row heights than the corpus PDFs, the way another
unit's spreadsheet would print it. What the corpus PDFs print is kept (labels, text around the table,
values as the truth has them); only the geometry changes, so a reader fitted to the corpus geometry
fails here. Used by tests/forms/test_variant_looks.py.

A row is a list of (first column, last column, text); every border is drawn; text wraps by character.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4, landscape, portrait
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from conftest import needs_cjk_font

FONT = "STSong-Light"
Cell = tuple[int, int, str]


@dataclass(frozen=True)
class Look:
    widths: tuple[float, ...]     # relative column widths
    upright: bool = False         # portrait instead of landscape
    size: float = 7.5
    pad: float = 3.0
    ascii_brackets: bool = False  # labels printed "(万元)", "产出指标(50分)" (published forms do both)
    year_cell: bool = False       # the year in a 年度 cell of the header, not by the title

    def b(self, label: str) -> str:
        return label.replace("（", "(").replace("）", ")") if self.ascii_brackets else label


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and pdfmetrics.stringWidth(line + ch, FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        if lines and len(line) == 1:  # pdfium drops a lone glyph of reportlab's CID font (a UCS-2
            line = lines[-1][-1] + line  # string of one character): never print a line of one
            lines[-1] = lines[-1][:-1]
        lines.append(line)
    return lines


def draw(path: Path, above: list[str], rows: list[list[Cell]], look: Look,
         repeat: list[list[Cell]] | None = None, repeat_from: int | None = None) -> Path:
    """The table under the lines `above`; on a new page, the rows of `repeat` first when the page
    breaks at or after row `repeat_from` (a header printed again on continuation pages)."""
    needs_cjk_font()  # the font is not embedded: pdfium reads it with the machine's
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    page_w, page_h = portrait(A4) if look.upright else landscape(A4)
    margin = 30.0
    total = sum(look.widths)
    xs = [margin]
    for w in look.widths:
        xs.append(xs[-1] + w / total * (page_w - 2 * margin))
    leading = look.size * 1.3
    c = canvas.Canvas(str(path), pagesize=(page_w, page_h))
    y = page_h - margin
    for i, line in enumerate(above):
        size = 14 if i == (1 if line.startswith("附件") else 0) or "自评表" in line else look.size + 1
        c.setFont(FONT, size)
        if "自评表" in line or "年度）" in line:
            c.drawCentredString(page_w / 2, y - size, line)
        else:
            c.drawString(margin, y - size, line)
        y -= size + 8

    def height(row: list[Cell]) -> float:
        lines = max(len(_wrap(t, xs[b + 1] - xs[a] - 2 * look.pad, look.size)) for a, b, t in row)
        return lines * leading + 2 * look.pad

    def put(row: list[Cell], top: float) -> float:
        h = height(row)
        bottom = top - h
        c.setFont(FONT, look.size)
        c.line(xs[0], top, xs[-1], top)
        c.line(xs[0], bottom, xs[-1], bottom)
        c.line(xs[0], top, xs[0], bottom)
        for a, b, text in row:
            c.line(xs[b + 1], top, xs[b + 1], bottom)
            lines = _wrap(text, xs[b + 1] - xs[a] - 2 * look.pad, look.size) if text else []
            start = top - (h - len(lines) * leading) / 2 - look.size
            for k, line in enumerate(lines):
                c.drawString(xs[a] + look.pad, start - k * leading, line)
        return bottom

    for i, row in enumerate(rows):
        if y - height(row) < margin:
            c.showPage()
            y = page_h - margin
            if repeat and repeat_from is not None and i > repeat_from:
                for r in repeat:
                    y = put(r, y)
        y = put(row, y)
    c.showPage()
    c.save()
    return path


def _v(text: str | None) -> str:
    return "" if text is None else text


def _indicator_rows(t: dict, cells, look: Look) -> list[list[Cell]]:
    """Indicator rows, 一级/二级 printed on the first row of their block (the rest left empty)."""
    out, last1, last2 = [], None, None
    for r in t["indicators"]:
        l1 = r["level1"] + (look.b(f"（{r['level1_weight']}分）") if r.get("level1_weight") else "")
        show1 = l1 if l1 != last1 else ""
        show2 = r["level2"] if (r["level2"] != last2 or show1) else ""
        last1, last2 = l1, r["level2"]
        out.append(cells(r, show1, _v(show2)))
    return out


def yunnan(t: dict, path: Path, look: Look) -> Path:
    """11 columns: block | 一级 | 二级 | 三级 | 指标性质 | 指标值 | 度量单位 | 完成值 | 分值 | 得分 | 偏差."""
    f = t["funds"]
    above = [f"{t['year']}年度项目支出绩效自评表", f"部门：{t['department']}        {t['table_no']}"]
    rows: list[list[Cell]] = [
        [(0, 0, "项目名称"), (1, 10, t["project_name"])],
        [(0, 0, "主管部门"), (1, 4, t["budget_unit"]), (5, 6, "实施单位"), (7, 10, t["implementing_unit"])],
        [(0, 0, look.b("项目资金（元）")), (1, 3, ""), (4, 4, "年初预算数"), (5, 6, "全年预算数"), (7, 7, "全年执行数"),
         (8, 8, "分值"), (9, 9, "执行率"), (10, 10, "得分")],
    ]
    for k, s in enumerate(f["rows"]):
        name = ("其中：" if k == 1 else "") + s["source"]
        tail = [f["weight"], f["execution_rate"] + "%", f["score"]] if k == 0 else ["—", "—", "—"]
        rows.append([(0, 0, ""), (1, 3, name), (4, 4, _v(s["initial_budget"])), (5, 6, _v(s["annual_budget"])),
                     (7, 7, _v(s["executed"])), (8, 8, tail[0]), (9, 9, tail[1]), (10, 10, tail[2])])
    rows += [[(0, 0, "年度总体目标"), (1, 6, "预期目标"), (7, 10, "实际完成情况")],
             [(0, 0, ""), (1, 6, _v(t["goal_expected"])), (7, 10, _v(t["goal_actual"]))]]
    header = [[(0, 0, "绩效指标"), (1, 1, "一级指标"), (2, 2, "二级指标"), (3, 3, "三级指标"), (4, 6, "年度指标值"),
               (7, 7, "实际完成值"), (8, 8, "分值"), (9, 9, "得分"), (10, 10, "偏差原因分析及改进措施")],
              [(0, 0, ""), (1, 1, ""), (2, 2, ""), (3, 3, ""), (4, 4, "指标性质"), (5, 5, "指标值"),
               (6, 6, "度量单位"), (7, 7, ""), (8, 8, ""), (9, 9, ""), (10, 10, "")]]
    start = len(rows)
    rows += header
    rows += _indicator_rows(t, lambda r, l1, l2: [
        (0, 0, ""), (1, 1, l1), (2, 2, l2), (3, 3, _v(r["level3"])), (4, 4, _v(r["nature"])),
        (5, 5, _v(r["target"])), (6, 6, _v(r["unit"])), (7, 7, _v(r["actual"])), (8, 8, _v(r["weight"])),
        (9, 9, _v(r["score"])), (10, 10, _v(r["deviation_note"]))], look)
    rows += [[(0, 2, "其他需要说明事项"), (3, 10, _v(t["other_notes"]))],
             [(0, 7, "总分"), (8, 8, t["total_weight"]), (9, 9, t["total_score"]), (10, 10, _v(t["grade"]))]]
    return draw(path, above, rows, look, header, start)


def langfang(t: dict, path: Path, look: Look) -> Path:
    """9 columns: block | 一级 | 二级 | 三级 | 指标值 | 完成值 | 分值 | 得分 | 偏差."""
    f = t["funds"]
    above = ["附件1", "项目支出绩效自评表"] + ([] if look.year_cell else [f"（{t['year']}年度）"])
    rows: list[list[Cell]] = [
        [(0, 0, "项目名称"), (1, 5, t["project_name"]), (6, 6, "年度"), (7, 8, str(t["year"]))]
        if look.year_cell else [(0, 0, "项目名称"), (1, 8, t["project_name"])],
        [(0, 0, "主管部门"), (1, 3, t["budget_unit"]), (4, 4, "实施单位"), (5, 8, t["implementing_unit"])],
        [(0, 0, look.b("项目资金（万元）")), (1, 2, ""), (3, 3, "年初预算数"), (4, 4, "全年预算数"), (5, 5, "全年执行数"),
         (6, 6, "分值"), (7, 7, "执行率"), (8, 8, "得分")],
    ]
    for k, s in enumerate(f["rows"]):
        name = ("其中：" if k == 1 else "") + s["source"]
        tail = [f["weight"], f["execution_rate"] + "%", f["score"]] if k == 0 else ["", "", ""]
        rows.append([(0, 0, ""), (1, 2, name), (3, 3, _v(s["initial_budget"])), (4, 4, _v(s["annual_budget"])),
                     (5, 5, _v(s["executed"])), (6, 6, tail[0]), (7, 7, tail[1]), (8, 8, tail[2])])
    rows += [[(0, 0, "年度总体目标"), (1, 4, "预期目标"), (5, 8, "实际完成情况")],
             [(0, 0, ""), (1, 4, _v(t["goal_expected"])), (5, 8, _v(t["goal_actual"]))]]
    header = [[(0, 0, "绩效指标"), (1, 1, "一级指标"), (2, 2, "二级指标"), (3, 3, "三级指标"), (4, 4, "年度指标值"),
               (5, 5, "实际完成值"), (6, 6, "分值"), (7, 7, "得分"), (8, 8, "偏差原因分析及改进措施")]]
    start = len(rows)
    rows += header
    rows += _indicator_rows(t, lambda r, l1, l2: [
        (0, 0, ""), (1, 1, l1), (2, 2, l2), (3, 3, _v(r["level3"])), (4, 4, _v(r["target"])),
        (5, 5, _v(r["actual"])), (6, 6, _v(r["weight"])), (7, 7, _v(r["score"])), (8, 8, _v(r["deviation_note"]))],
        look)
    rows.append([(0, 5, "总分"), (6, 6, t["total_weight"]), (7, 7, t["total_score"]), (8, 8, "")])
    return draw(path, above, rows, look, header, start)


CHECKBOXES = {"项目类别": ["部门预算项目", "省直专项", "省对下转移支付项目"],
              "项目属性": ["持续性项目", "新增性项目"], "项目类型": ["常年性项目", "延续性项目", "一次性项目"]}


def hubei(t: dict, path: Path, look: Look) -> Path:
    """6 columns: 一级 | 二级 | 三级 | 年初目标值 | 完成值 | 得分."""
    f = t["funds"]
    above = [f"{t['year']}年{t['project_name']}绩效目标自评表",
             f"填报日期：{t['report_date']}              总分：{t['total_score']}分"]
    rows: list[list[Cell]] = [
        [(0, 0, "项目名称"), (1, 5, t["project_name"])],
        [(0, 0, "主管部门"), (1, 2, t["budget_unit"]), (3, 3, "项目实施单位"), (4, 5, t["implementing_unit"])],
    ]
    for question, options in CHECKBOXES.items():
        ticked = t["checkboxes"][question]
        rows.append([(0, 0, question), (1, 5, "".join(f"、{o}{'☑' if o == ticked else '□'}" for o in options))])
    total = f["rows"][0]
    rows += [[(0, 0, look.b(f"预算执行情况（万元）（{f['weight']}分）")), (1, 1, ""), (2, 2, "预算数"),
              (3, 3, "执行数"), (4, 4, "执行率"), (5, 5, look.b("得分（分*执行率）"))],
             [(0, 0, ""), (1, 1, total["source"]), (2, 2, total["annual_budget"]), (3, 3, total["executed"]),
              (4, 4, f["execution_rate"] + "%"), (5, 5, f["score"])]]
    header = [[(0, 0, "一级指标"), (1, 1, "二级指标"), (2, 2, "三级指标"), (3, 3, "年初目标值"), (4, 4, "实际完成值"),
               (5, 5, "得分")]]
    start = len(rows)
    rows += header
    rows += _indicator_rows(t, lambda r, l1, l2: [
        (0, 0, l1), (1, 1, l2), (2, 2, _v(r["level3"])), (3, 3, _v(r["target"])), (4, 4, _v(r["actual"])),
        (5, 5, _v(r["score"]))], look)
    return draw(path, above, rows, look, header, start)


RENDER = {"yunnan": yunnan, "langfang": langfang, "hubei": hubei}
