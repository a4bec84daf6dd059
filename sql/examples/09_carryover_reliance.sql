-- Which projects live on last year's money?
-- 上年结转资金 as a share of 年度资金总额 (全年预算数), in %, rounded half up.
SELECT f.project_code, f.project_name, carry.annual_budget AS carryover, whole.annual_budget,
       div_half_up(carry.annual_budget * 100, whole.annual_budget) AS carryover_pct
FROM dim_form f
JOIN fact_fund_execution whole
  ON whole.form_id = f.form_id AND whole.report_sha256 = f.report_sha256 AND whole.role = 'total'
JOIN fact_fund_execution carry
  ON carry.form_id = f.form_id AND carry.report_sha256 = f.report_sha256 AND carry.role = 'carried_over'
WHERE f.is_current AND carry.annual_budget > 0
ORDER BY carryover_pct DESC, f.project_code;
