-- Indicator rows of current forms with their parsed values, target_met, rule_score and the gap
-- between the self-assessed 得分 and the rule.
CREATE OR REPLACE VIEW v_indicator_results AS
SELECT
    f.form_id, f.report_sha256, f.template, f.variant, f.project_code, f.project_name, f.year, f.budget_unit,
    i.row_no, i.level1, i.level2, i.level3,
    i.nature, i.target, i.unit, i.target_comparator, i.target_value, i.target_unit,
    i.actual, i.actual_comparator, i.actual_value, i.actual_unit,
    i.target_met, i.weight, i.score, i.rule_score,
    i.score - i.rule_score AS score_gap,
    i.deviation_note, i.page, i.may_be_cut
FROM fact_indicator_result i
JOIN dim_form f ON f.form_id = i.form_id AND f.report_sha256 = i.report_sha256
WHERE f.is_current AND f.status <> 'ocr_unverified'
  AND NOT i.placeholder  -- a row the template left empty ("指标2", "……") is no indicator
ORDER BY f.project_code NULLS LAST, f.year, f.form_id, i.row_no;
COMMENT ON VIEW v_indicator_results IS '绩效指标结果: indicator rows of current forms (placeholder rows left out) with parsed values, target_met, rule_score and score_gap';
COMMENT ON COLUMN v_indicator_results.score_gap IS '得分差: 得分 − rule_score; above 0 the form scores itself higher than the rule';
COMMENT ON COLUMN v_indicator_results.may_be_cut IS '可能被截断: the row''s texts printed cut or filling a clipping program''s cell (fact_indicator_result.may_be_cut): target_met, rule_score and score_gap read from a target or actual named here may rest on text cut short';
