-- Which consistency rules do current forms break, and which forms?
SELECT c.rule, count(*) AS failures,
       string_agg(DISTINCT f.project_code, ',' ORDER BY f.project_code) AS projects
FROM check_result c
JOIN dim_form f ON f.form_id = c.form_id AND f.report_sha256 = c.report_sha256
WHERE f.is_current AND NOT c.passed
GROUP BY c.rule
ORDER BY failures DESC, c.rule;
