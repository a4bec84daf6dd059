-- What would each form score by the rules?
-- Funds score from the printed 执行率 (min(执行率, 100) / 10), quantitative indicators at rule_score,
-- qualitative ones at their self-assessed 得分; against the printed 总分, largest difference first.
SELECT s.project_code, s.project_name, s.total_score,
       div_half_up(least(s.execution_rate, 100) * 10, 100) + sum(coalesce(i.rule_score, i.score)) AS rule_total,
       s.total_score - (div_half_up(least(s.execution_rate, 100) * 10, 100)
                        + sum(coalesce(i.rule_score, i.score))) AS difference
FROM v_form_scorecard s
JOIN v_indicator_results i ON i.form_id = s.form_id AND i.report_sha256 = s.report_sha256
GROUP BY s.project_code, s.project_name, s.total_score, s.execution_rate
ORDER BY difference DESC, s.project_code;
