-- What would each form score by the rules?
-- Funds score from the printed 执行率 and funds 分值 (min(执行率, 100) / 100 × 分值, as the funds_score
-- check), quantitative indicators at rule_score, qualitative ones at their self-assessed 得分; against
-- the printed 总分, largest difference first. (The product is scaled by 100 so div_half_up, which takes
-- at most 2 decimals, divides it exactly.)
WITH by_rule AS (
    SELECT s.project_code, s.project_name, s.total_score,
           div_half_up(least(s.execution_rate, 100) * f.funds_weight * 100, 10000)
               + sum(coalesce(i.rule_score, i.score)) AS rule_total
    FROM v_form_scorecard s
    JOIN dim_form f ON f.form_id = s.form_id AND f.report_sha256 = s.report_sha256
    JOIN v_indicator_results i ON i.form_id = s.form_id AND i.report_sha256 = s.report_sha256
    GROUP BY s.project_code, s.project_name, s.total_score, s.execution_rate, f.funds_weight
)
SELECT project_code, project_name, total_score, rule_total, total_score - rule_total AS difference
FROM by_rule
ORDER BY difference DESC, project_code;
