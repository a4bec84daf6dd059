-- Per 一级预算单位 (or 主管部门), year and template over current forms: how much was budgeted and spent
-- (in 元, whatever unit the forms print), and how they scored.
-- The unit is grouped by unit_key: forms print "…管理局 （本级）" and "…管理局（本级）" for one unit
-- (unit_norm), and other spellings of one unit (e.g. without 和) are listed in sql/unit_aliases.csv:
-- that is the user's to decide, as data. budget_unit shows one printed name of the group.
CREATE OR REPLACE VIEW v_unit_year_summary AS
SELECT
    min(regexp_replace(budget_unit, '\s+', '', 'g')) AS budget_unit, unit_key, year, template,
    count(*) AS forms,
    sum(annual_budget) AS annual_budget,
    sum(executed) AS executed,
    div_half_up(sum(executed) * 100, sum(annual_budget)) AS execution_rate,
    div_half_up(sum(total_score), count(total_score)) AS mean_total_score,
    min(total_score) AS min_total_score
FROM v_form_scorecard
GROUP BY unit_key, year, template
ORDER BY unit_key, year, template;
COMMENT ON VIEW v_unit_year_summary IS '单位年度汇总: per 一级预算单位 (主管部门), year and template over current forms — budget, executed, 执行率, mean and min 总分';
COMMENT ON COLUMN v_unit_year_summary.budget_unit IS '一级预算单位: one name the group is printed under (the first in sort order), whitespace removed';
COMMENT ON COLUMN v_unit_year_summary.forms IS '自评表数: current forms of the unit and year';
COMMENT ON COLUMN v_unit_year_summary.annual_budget IS '全年预算数合计: Σ 全年预算数 of 年度资金总额 (元)';
COMMENT ON COLUMN v_unit_year_summary.executed IS '全年执行数合计: Σ 全年执行数 of 年度资金总额 (元)';
COMMENT ON COLUMN v_unit_year_summary.execution_rate IS '执行率（%）: Σ 全年执行数 / Σ 全年预算数 × 100, rounded half up to 2 places';
COMMENT ON COLUMN v_unit_year_summary.mean_total_score IS '平均总分: mean 总分 得分, rounded half up to 2 places';
COMMENT ON COLUMN v_unit_year_summary.min_total_score IS '最低总分: lowest 总分 得分';
COMMENT ON COLUMN v_unit_year_summary.unit_key IS '单位键: the unit the rows are grouped by: no spaces, half-width brackets, no （本级）, mapped through unit_alias (sql/unit_aliases.csv)';
