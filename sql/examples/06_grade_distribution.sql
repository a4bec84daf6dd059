-- How are the forms graded, year by year?
-- 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60, on the printed 总分.
SELECT year, grade, count(*) AS forms
FROM v_form_scorecard
GROUP BY year, grade
ORDER BY year, grade;
