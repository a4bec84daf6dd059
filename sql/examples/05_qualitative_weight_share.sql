-- How much of each form's score rests on indicators no number can check?
-- 分值 of qualitative rows (满足, 有效提供, …; 不适用 rows excluded) against all indicator 分值, per form
-- (forms printing no project code may share a name; a form printing no indicator 分值, hubei, is left out).
SELECT project_code, project_name,
       sum(weight) FILTER (WHERE target_value IS NULL AND target <> '不适用') AS qualitative_weight,
       sum(weight) AS indicator_weight,
       div_half_up(coalesce(sum(weight) FILTER (WHERE target_value IS NULL AND target <> '不适用'), 0) * 100,
                   sum(weight)) AS qualitative_pct
FROM v_indicator_results
GROUP BY form_id, report_sha256, project_code, project_name
HAVING sum(weight) IS NOT NULL
ORDER BY qualitative_pct DESC, project_code;
