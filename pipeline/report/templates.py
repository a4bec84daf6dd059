"""The review report's pages: Jinja2 templates (Jinja2 comes with Great Expectations and Dagster),
with their style and script inline. Nothing is fetched: no font, script or picture from elsewhere;
CJK text uses the fonts of the reader's system."""

from __future__ import annotations

from decimal import Decimal

import jinja2

STYLE = """
:root { --ink:#1d2733; --mute:#5d6b7a; --line:#dde3ea; --soft:#f5f7fa; --bad:#b42318; --badbg:#fef3f2;
  --good:#067647; --warn:#b54708; --warnbg:#fffaeb; --accent:#1f4e8c; }
* { box-sizing: border-box; }
body { margin:0; color:var(--ink); background:#fff; line-height:1.5; font-size:14px;
  font-family: "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei",
  "WenQuanYi Micro Hei",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
header { background:var(--accent); color:#fff; padding:18px 32px; }
header h1 { margin:0; font-size:22px; font-weight:600; letter-spacing:.02em; }
header .sub { opacity:.85; font-size:13px; }
header a { color:#fff; }
main { padding:20px 32px 48px; max-width:1500px; }
h2 { font-size:17px; margin:28px 0 10px; padding-bottom:4px; border-bottom:2px solid var(--line); }
h2 small, th small { font-weight:400; color:var(--mute); }
.cards { display:flex; gap:14px; flex-wrap:wrap; }
.card { border:1px solid var(--line); border-radius:8px; padding:10px 18px; min-width:150px; background:var(--soft); }
.card b { display:block; font-size:24px; font-variant-numeric:tabular-nums; }
.card.bad b { color:var(--bad); } .card.warn b { color:var(--warn); }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 9px; border-bottom:1px solid var(--line); text-align:left; vertical-align:top; }
th { background:var(--soft); position:sticky; top:0; cursor:pointer; user-select:none; white-space:nowrap; }
th[aria-sort=ascending]::after { content:" ▲"; font-size:10px; } th[aria-sort=descending]::after { content:" ▼"; font-size:10px; }
td.n, th.n { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.code { font-family: ui-monospace,"DejaVu Sans Mono",monospace; font-size:12px; white-space:nowrap; }
tr:hover td { background:#f0f5ff; }
tr.bad td.flag, .pill.bad { color:var(--bad); font-weight:600; }
.pill { display:inline-block; border-radius:10px; padding:0 8px; font-size:12px; background:var(--soft); border:1px solid var(--line); }
.pill.bad { background:var(--badbg); border-color:#fecdca; } .pill.warn { background:var(--warnbg); color:var(--warn); border-color:#fedf89; }
.pill.ok { color:var(--good); }
.filter { margin:4px 0 10px; padding:6px 10px; width:340px; max-width:100%; border:1px solid var(--line); border-radius:6px; font:inherit; }
a { color:var(--accent); }
.meta { display:grid; grid-template-columns: max-content 1fr; gap:4px 18px; margin:8px 0 16px; }
.meta dt { color:var(--mute); } .meta dd { margin:0; }
.numbers td, .numbers th { font-size:15px; } .numbers td.n { font-size:17px; }
.numbers tr.diff td { color:var(--bad); font-weight:600; background:var(--badbg); }
.rule { border-left:4px solid var(--bad); background:var(--badbg); padding:10px 14px; margin:12px 0; border-radius:0 6px 6px 0; }
.rule .zh { font-size:16px; font-weight:600; } .rule .en { color:var(--mute); }
figure { margin:16px 0; } figure img { max-width:100%; border:1px solid var(--line); border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.08); }
figcaption { color:var(--mute); font-size:12px; margin-top:4px; }
.key-red { color:#c81e1e; font-weight:600; } .key-blue { color:#1e5ac8; font-weight:600; }
.note { color:var(--warn); } .empty { color:var(--mute); font-style:italic; }
nav.pager { display:flex; justify-content:space-between; margin-top:20px; }
@media print { header { background:none; color:var(--ink); } th { position:static; } }
"""

# Sort a table by a header's column (numbers by data-v), filter its rows by the text of an input.
SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col], y = b.cells[col];
        var u = x.dataset.v, v = y.dataset.v, r;
        if (u !== undefined && v !== undefined) {
          r = (u === '' ? -Infinity : parseFloat(u)) - (v === '' ? -Infinity : parseFloat(v));
        } else { r = x.textContent.trim().localeCompare(y.textContent.trim(), 'zh'); }
        return asc ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
document.querySelectorAll('input.filter').forEach(function (input) {
  var table = document.getElementById(input.dataset.table);
  input.addEventListener('input', function () {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var text = row.textContent.toLowerCase();
      var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !keep; shown += keep;
    });
    var count = document.getElementById(input.dataset.table + '-count');
    if (count) { count.textContent = shown; }
  });
});
"""

BASE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data: file:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{% block title %}{% endblock %}</title>
<style>{{ style }}</style></head>
<body>
<header><h1>{% block heading %}{% endblock %}</h1>
<div class="sub">绩效自评复核报告 · Review report · 生成于 made {{ made }}</div></header>
<main>{% block main %}{% endblock %}</main>
<script>{{ script }}</script>
</body></html>
"""

INDEX = """{% extends "base" %}
{% block title %}绩效自评复核报告 Review report{% endblock %}
{% block heading %}项目支出绩效自评 复核报告 <small>Review report</small>{% endblock %}
{% block main %}
<div class="cards">
  <div class="card"><span>现行自评表 current forms</span><b>{{ forms|length }}</b></div>
  <div class="card {{ 'bad' if findings }}"><span>发现 findings</span><b>{{ findings|length }}</b></div>
  <div class="card {{ 'warn' if forms|selectattr('status', 'eq', 'ocr_unverified')|list }}"><span>OCR 未核验 unverified</span><b>{{ forms|selectattr('status', 'eq', 'ocr_unverified')|list|length }}</b></div>
  <div class="card {{ 'warn' if forms|selectattr('may_be_cut')|list }}"><span>可能截断 may be cut</span><b>{{ forms|selectattr('may_be_cut')|list|length }}</b></div>
  <div class="card {{ 'warn' if refused }}"><span>拒收文件 refused files</span><b>{{ refused|length }}</b></div>
</div>

<h2>按单位和年度 <small>By unit and year · 金额单位 元</small></h2>
<input class="filter" data-table="units" placeholder="筛选 filter: 单位, 年度 …">
<table class="sortable" id="units"><thead><tr>
<th>一级预算单位 <small>unit</small></th><th class="n">年度 <small>year</small></th><th class="n">自评表 <small>forms</small></th>
<th class="n">全年预算数 <small>budget</small></th><th class="n">全年执行数 <small>executed</small></th>
<th class="n">执行率 <small>rate %</small></th><th class="n">平均总分 <small>score</small></th>
<th class="n">发现 <small>findings</small></th><th class="n">OCR未核验 <small>unverified</small></th></tr></thead><tbody>
{% for u in units %}<tr class="{{ 'bad' if u.findings }}">
<td>{{ u.unit }}</td><td class="n" data-v="{{ u.year }}">{{ u.year }}</td><td class="n" data-v="{{ u.forms }}">{{ u.forms }}</td>
<td class="n" data-v="{{ u.budget }}">{{ u.budget|money }}</td><td class="n" data-v="{{ u.executed }}">{{ u.executed|money }}</td>
<td class="n" data-v="{{ u.rate if u.rate is not none }}">{{ u.rate|num }}</td><td class="n" data-v="{{ u.score if u.score is not none }}">{{ u.score|num }}</td>
<td class="n flag" data-v="{{ u.findings }}">{{ u.findings or '' }}</td><td class="n" data-v="{{ u.unverified }}">{{ u.unverified or '' }}</td></tr>
{% endfor %}</tbody></table>

<h2>发现 <small>Findings: the printed numbers that break a rule</small></h2>
{% if findings %}
<input class="filter" data-table="findings" placeholder="筛选 filter: 项目编码, 规则, 文件 …">
<table class="sortable" id="findings"><thead><tr>
<th>项目编码 <small>project code</small></th><th class="n">年度</th><th>规则 <small>rule</small></th><th>对象 <small>subject</small></th>
<th class="n">印刷 <small>printed</small></th><th class="n">计算 <small>computed</small></th><th class="n">差 <small>difference</small></th>
<th>文件 <small>file</small></th><th class="n">页 <small>page</small></th></tr></thead><tbody>
{% for f in findings %}<tr class="bad">
<td class="code"><a href="findings/{{ f.key }}.html">{{ f.form.project_code or f.form.form_id }}</a></td><td class="n">{{ f.form.year }}</td>
<td><a href="findings/{{ f.key }}.html">{{ f.zh }}</a><br><small class="code">{{ f.rule }}</small>{% if f.form.status == 'ocr_unverified' %} <span class="pill warn">OCR</span>{% endif %}</td>
<td>{{ f.subject }}</td>
<td class="n" data-v="{{ f.observed if f.observed is not none }}">{{ f.observed|num }} {{ f.unit }}</td>
<td class="n" data-v="{{ f.expected if f.expected is not none }}">{{ f.expected|num }} {{ f.unit }}</td>
<td class="n flag" data-v="{{ f.difference if f.difference is not none }}">{{ f.difference|signed }} {{ f.unit }}</td>
<td>{{ f.form.file_name }}</td><td class="n">{{ f.picture.page if f.picture else f.form.first_page }}</td></tr>
{% endfor %}</tbody></table>
{% else %}<p class="empty">没有发现 No findings: every check holds on every current form.</p>{% endif %}

<h2>自评表 <small>Forms (<span id="forms-count">{{ forms|length }}</span> shown) · 金额单位 元</small></h2>
<input class="filter" data-table="forms" placeholder="筛选 filter: 项目编码, 名称, 单位, 年度, 文件 …">
<table class="sortable" id="forms"><thead><tr>
<th>项目编码 <small>code</small></th><th>项目名称 <small>project</small></th><th>一级预算单位 <small>unit</small></th>
<th class="n">年度</th><th class="n">全年预算数 <small>budget</small></th><th class="n">全年执行数 <small>executed</small></th>
<th class="n">执行率 %</th><th class="n">总分 <small>score</small></th><th class="n">发现 <small>findings</small></th>
<th>核验 <small>status</small></th><th>文件 <small>file</small></th></tr></thead><tbody>
{% for f in forms %}<tr class="{{ 'bad' if f.findings }}">
<td class="code">{{ f.project_code or '—' }}</td><td>{{ f.project_name }}</td><td>{{ f.budget_unit }}</td>
<td class="n">{{ f.year }}</td><td class="n" data-v="{{ f.annual_budget if f.annual_budget is not none }}">{{ f.annual_budget|money }}</td>
<td class="n" data-v="{{ f.executed if f.executed is not none }}">{{ f.executed|money }}</td>
<td class="n" data-v="{{ f.execution_rate if f.execution_rate is not none }}">{{ f.execution_rate|num }}</td>
<td class="n" data-v="{{ f.total_score if f.total_score is not none }}">{{ f.total_score|num }}</td>
<td class="n flag" data-v="{{ f.findings }}">{{ f.findings or '' }}</td>
<td>{% if f.status == 'ocr_unverified' %}<span class="pill warn">OCR 未核验 unverified</span>{% elif f.status == 'ocr_verified' %}<span class="pill ok">OCR 已核验</span>{% elif not f.checks %}<span class="pill">未校验 not checked</span>{% else %}<span class="pill ok">文字层 text</span>{% endif %}{% if f.may_be_cut %} <span class="pill warn" title="printed by a program that clips text to its row, filling its cell, or cut by its border: more may have been written than printed (v_may_be_cut)">可能截断 may be cut: {{ f.may_be_cut }}</span>{% endif %}</td>
<td>{{ f.file_name }}</td></tr>
{% endfor %}</tbody></table>

<h2>拒收文件 <small>Refused files, with the reason</small></h2>
{% if refused %}
<table class="sortable" id="refused"><thead><tr><th>文件 <small>file</small></th><th>类型 <small>kind</small></th>
<th class="n">页 <small>page</small></th><th>原因 <small>reason</small></th></tr></thead><tbody>
{% for r in refused %}<tr class="bad"><td>{{ r.file_name }}</td><td class="code">{{ r.error_kind or '' }}</td>
<td class="n">{{ r.error_page or '' }}</td><td>{{ r.error or '' }}</td></tr>{% endfor %}
</tbody></table>
{% else %}<p class="empty">没有拒收文件 No file was refused.</p>{% endif %}
{% endblock %}
"""

FINDING = """{% extends "base" %}
{% block title %}{{ f.form.project_code or f.form.form_id }} {{ f.zh }}{% endblock %}
{% block heading %}<a href="../index.html">复核报告</a> › {{ f.form.project_name }} {{ f.form.year }}{% endblock %}
{% block main %}
<div class="rule"><div class="zh">{{ f.zh }}</div>
<div class="en">{{ f.rule }} · {{ f.subject }}: {{ f.en }}</div></div>

<table class="numbers" style="max-width:720px"><thead><tr><th></th><th class="n">值 value</th><th>单位 unit</th></tr></thead><tbody>
<tr><td>{{ f.observed_is }}</td><td class="n">{{ f.observed|num }}</td><td>{{ f.unit }}</td></tr>
<tr><td>{{ f.expected_is }}</td><td class="n">{{ f.expected|num }}</td><td>{{ f.unit }}</td></tr>
<tr class="diff"><td>差 difference</td><td class="n">{{ f.difference|signed }}</td><td>{{ f.unit }}</td></tr>
</tbody></table>

<dl class="meta">
<dt>项目编码 project code</dt><dd class="code">{{ f.form.project_code or '—' }}</dd>
<dt>项目名称 project</dt><dd>{{ f.form.project_name }}</dd>
<dt>实施单位 implementing unit</dt><dd>{{ f.form.implementing_unit or '—' }}</dd>
<dt>一级预算单位 unit</dt><dd>{{ f.form.budget_unit or '—' }}</dd>
<dt>年度 year</dt><dd>{{ f.form.year }}</dd>
<dt>文件 file</dt><dd>{{ f.form.file_name }} <small class="code">sha256 {{ f.form.report_sha256[:12] }}…</small></dd>
{% if f.form.source_place %}<dt>位置 place</dt><dd class="code">{{ f.picture.place if f.picture and f.picture.place else f.form.source_place }}</dd>
{% else %}<dt>页 page</dt><dd>{{ f.picture.page if f.picture else (f.form.first_page ~ '–' ~ f.form.last_page) }}</dd>{% endif %}
<dt>读取 read</dt><dd>{{ f.form.read_method }}{% if f.form.status == 'ocr_unverified' %} · <span class="pill warn">OCR 未核验: a misread or the form's own error</span>{% endif %}</dd>
<dt>金额单位 printed in</dt><dd>{{ f.form.money_unit }}</dd>
</dl>

{% if f.picture %}
<figure><img src="../img/{{ f.key }}.{{ f.picture.suffix }}" width="{{ f.picture.width }}" alt="{{ f.picture.place or ('第' ~ f.picture.page ~ '页 page ' ~ f.picture.page) }}">
<figcaption>{% if f.picture.place %}单元格 cells {{ f.picture.place }} (据文件中的单元格绘制 drawn from the file's cells){% else %}第 {{ f.picture.page }} 页 page {{ f.picture.page }}{% endif %} ·
<span class="key-red">红框 red</span>: 本项印刷值 the printed number of this finding{% if f.related %} ·
<span class="key-blue">蓝框 blue</span>: 规则据以计算的印刷值 the printed numbers the rule computes from{% endif %}
{% if f.picture_note %}<br><span class="note">{{ f.picture_note }}</span>{% endif %}</figcaption></figure>
{% else %}<p class="note">{{ f.picture_note }}</p>{% endif %}
<nav class="pager"><a href="../index.html">← 返回索引 back to the index</a></nav>
{% endblock %}
"""


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def signed(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:+,.2f}"


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({"base": BASE, "index": INDEX, "finding": FINDING}),
        autoescape=True)
    env.filters.update(money=money, num=money, signed=signed)
    env.globals.update(style=jinja2.utils.markupsafe.Markup(STYLE), script=jinja2.utils.markupsafe.Markup(SCRIPT))
    return env
