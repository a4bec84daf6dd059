-- Which projects' budgets changed most during the year?
-- 全年预算数 − 年初预算数 of 年度资金总额: positive when money was added, negative when cut.
SELECT project_code, project_name, initial_budget, annual_budget,
       annual_budget - initial_budget AS change
FROM v_form_scorecard
WHERE annual_budget <> initial_budget
ORDER BY abs(annual_budget - initial_budget) DESC, project_code
LIMIT 10;
