-- Which forms score their indicators higher than the rule (财预〔2020〕10号) allows?
-- Per form: rows where the self-assessed 得分 exceeds rule_score, and the points in excess.
SELECT project_code, project_name,
       count(*) AS rows_above_rule,
       sum(score_gap) AS points_above_rule
FROM v_indicator_results
WHERE score_gap > 0
GROUP BY form_id, report_sha256, project_code, project_name  -- per form: forms printing no code may share a name
ORDER BY points_above_rule DESC, project_code;
