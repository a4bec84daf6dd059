-- How do units compare across templates?
-- Per template and 预算单位 (一级预算单位 / 主管部门, whitespace removed): the unit the forms print
-- their amounts in, then budget and spending in 元 (whatever that unit), the execution rate, the
-- share of the budget that is this year's appropriation (当年/本年财政拨款, 财政资金: role 'appropriation') and the mean 总分.
SELECT s.template, regexp_replace(s.budget_unit, '\s+', '', 'g') AS budget_unit,
       string_agg(DISTINCT s.money_unit, ',' ORDER BY s.money_unit) AS printed_unit,
       count(*) AS forms,
       sum(s.annual_budget) AS annual_budget,
       sum(s.executed) AS executed,
       div_half_up(sum(s.executed) * 100, sum(s.annual_budget)) AS execution_rate,
       div_half_up(sum(a.annual_budget) * 100, sum(s.annual_budget)) AS appropriation_pct,
       div_half_up(sum(s.total_score), count(s.total_score)) AS mean_total_score
FROM v_form_scorecard s
LEFT JOIN fact_fund_execution a
       ON a.form_id = s.form_id AND a.report_sha256 = s.report_sha256 AND a.role = 'appropriation'
GROUP BY ALL
ORDER BY s.template, annual_budget DESC, budget_unit;
