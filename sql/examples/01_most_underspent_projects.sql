-- Which projects under-spent most?
-- Money left unspent (全年预算数 − 全年执行数 of 年度资金总额), largest first, with the execution rate.
SELECT project_code, project_name, budget_unit, annual_budget, executed,
       annual_budget - executed AS unspent, execution_rate
FROM v_form_scorecard
ORDER BY unspent DESC, project_code
LIMIT 10;
