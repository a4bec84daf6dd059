-- One row per current form: money, execution, scores, grade and the checks it failed. Every template:
-- the amounts are the total source's (年度资金总额, 总额), in 元 whatever unit the form printed.
CREATE OR REPLACE VIEW v_form_scorecard AS
SELECT
    f.form_id, f.report_sha256, f.template, f.variant, f.project_code, f.project_name, f.year,
    f.budget_unit, f.implementing_unit, f.money_unit,
    m.initial_budget, m.annual_budget, m.executed,
    f.execution_rate, f.funds_score, f.total_score,
    CASE WHEN f.total_score >= 90 THEN '优' WHEN f.total_score >= 80 THEN '良'
         WHEN f.total_score >= 60 THEN '中' WHEN f.total_score IS NOT NULL THEN '差' END AS grade,
    f.grade AS printed_grade, f.report_date, printed_date(f.report_date) AS report_day,
    count(c.rule) > 0 AS checked,  -- every form checked has findings; none: stored, not yet checked
    CASE WHEN count(c.rule) > 0 THEN count(c.rule) FILTER (WHERE NOT c.passed) END AS failed_checks,
    string_agg(DISTINCT c.rule, ',' ORDER BY c.rule) FILTER (WHERE NOT c.passed) AS failed_rules,
    unit_key(f.budget_unit) AS unit_key
FROM dim_form f
LEFT JOIN fact_fund_execution m
       ON m.form_id = f.form_id AND m.report_sha256 = f.report_sha256 AND m.role = 'total'
LEFT JOIN check_result c ON c.form_id = f.form_id AND c.report_sha256 = f.report_sha256
WHERE f.is_current AND f.status <> 'ocr_unverified'  -- OCR'd numbers a check refutes: v_ocr_forms
GROUP BY ALL
ORDER BY f.project_code NULLS LAST, f.year, f.form_id;
COMMENT ON VIEW v_form_scorecard IS '自评表记分卡: one row per current form — budget, executed, 执行率, 资金得分, 总分, grade and failed checks';
COMMENT ON COLUMN v_form_scorecard.initial_budget IS '年初预算数: 年度资金总额 row (元)';
COMMENT ON COLUMN v_form_scorecard.annual_budget IS '全年预算数: 年度资金总额 row (元)';
COMMENT ON COLUMN v_form_scorecard.executed IS '全年执行数: 年度资金总额 row (元)';
COMMENT ON COLUMN v_form_scorecard.grade IS '等级: 优 ≥ 90, 良 80–90, 中 60–80, 差 < 60 (总分 得分 as printed)';
COMMENT ON COLUMN v_form_scorecard.printed_grade IS '评价等级（表上）: the grade the form itself prints after its total (yunnan); null where none is printed';
COMMENT ON COLUMN v_form_scorecard.report_date IS '填报日期: as printed (hubei); null where none is printed';
COMMENT ON COLUMN v_form_scorecard.report_day IS '填报日: report_date as a DATE ("2024年3月22日", "2024.3.22", "2024-03-22" alike), to sort and filter by; null where none is printed or it is no date';
COMMENT ON COLUMN v_form_scorecard.checked IS '已校验: the checks ran on this form; false for a form stored by a run stopped before its checks, until the next run that checks';
COMMENT ON COLUMN v_form_scorecard.failed_checks IS '未通过校验数: failed rows in check_result for this form; null while it is not checked';
COMMENT ON COLUMN v_form_scorecard.failed_rules IS '未通过规则: the rules that failed, comma-separated';
COMMENT ON COLUMN v_form_scorecard.unit_key IS '单位键: budget_unit for grouping: no spaces, half-width brackets, no （本级）, mapped through unit_alias (sql/unit_aliases.csv)';
