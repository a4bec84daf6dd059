-- Which kinds of indicator are most often unmet?
-- Per 二级指标: rows whose printed 实际完成值 falls short of the 年度指标值 (target_met = false),
-- out of the rows that can be compared by number.
SELECT level2,
       count(*) FILTER (WHERE NOT target_met) AS unmet,
       count(target_met) AS comparable,
       count(*) AS indicator_rows
FROM v_indicator_results
GROUP BY level2
HAVING count(*) FILTER (WHERE NOT target_met) > 0
ORDER BY unmet DESC, level2;
