-- One row per finding an auditor should look at, with a reason code. Current forms only.
-- score_above_rule allows for the form's printed precision: a form that prints its indicator 得分 to
-- one decimal writes 2.9 for a rule score of 2.875 (stored 2.88), which is no finding. The precision
-- is the most decimals any indicator 得分 of the form shows (0, 1 or 2); a score is above the rule
-- when it exceeds rule_score rounded half up to that many decimals. (Read from the stored DECIMAL, so a
-- printed "2.90" counts as one decimal: trailing zeros are not kept.)
CREATE OR REPLACE VIEW v_self_score_audit AS
WITH reasons(reason, reason_label) AS (VALUES
    ('unmet_full_score',         '未达标仍得满分'),
    ('score_above_rule',         '得分高于规则得分'),
    ('low_execution_high_score', '执行率低于60%总分不低于90'),
    ('shortfall_without_note',   '扣分未说明偏差原因'),
    ('not_applicable_weighted',  '不适用指标仍有分值')
),
printed AS (
    SELECT *, max(CASE WHEN score = round(score, 0) THEN 0 WHEN score = round(score, 1) THEN 1
                       WHEN score IS NOT NULL THEN 2 END)  -- a "—" score says nothing of precision
                  OVER (PARTITION BY form_id, report_sha256) AS score_decimals
    FROM v_indicator_results
),
findings AS (
    SELECT form_id, report_sha256, row_no,
           CASE WHEN target_met = false AND weight > 0 AND score >= weight THEN 'unmet_full_score'
                ELSE 'score_above_rule' END AS reason
    FROM printed
    WHERE score > CASE score_decimals WHEN 0 THEN round(rule_score, 0) WHEN 1 THEN round(rule_score, 1)
                                      ELSE rule_score END
       OR (target_met = false AND weight > 0 AND score >= weight)
    UNION ALL
    SELECT form_id, report_sha256, row_no, 'shortfall_without_note'
    FROM v_indicator_results
    WHERE score < weight AND coalesce(nullif(trim(deviation_note), '—'), '') = ''
    UNION ALL
    SELECT form_id, report_sha256, row_no, 'not_applicable_weighted'
    FROM v_indicator_results WHERE target = '不适用' AND weight > 0
    UNION ALL
    SELECT form_id, report_sha256, NULL, 'low_execution_high_score'
    FROM dim_form WHERE is_current AND status <> 'ocr_unverified' AND execution_rate < 60 AND total_score >= 90
)
SELECT
    x.reason, r.reason_label,
    f.form_id, f.report_sha256, f.template, f.project_code, f.project_name, f.year, f.budget_unit,
    x.row_no, i.level2, i.level3, i.target, i.actual, i.target_met,
    i.weight, i.score, i.rule_score, i.score_gap, i.deviation_note, i.may_be_cut,
    f.execution_rate, f.total_score
FROM findings x
JOIN reasons r USING (reason)
JOIN dim_form f ON f.form_id = x.form_id AND f.report_sha256 = x.report_sha256
LEFT JOIN v_indicator_results i
       ON i.form_id = x.form_id AND i.report_sha256 = x.report_sha256 AND i.row_no = x.row_no
ORDER BY f.project_code NULLS LAST, f.year, f.form_id, x.row_no NULLS FIRST, x.reason;
COMMENT ON VIEW v_self_score_audit IS '自评审核线索: one row per finding where the self-evaluation does not hold up, with a reason code; a 得分 within the form''s printed precision of rule_score is not a finding';
COMMENT ON COLUMN v_self_score_audit.reason IS '线索代码: unmet_full_score (target not met, full 得分); score_above_rule (得分 above rule_score rounded half up to the decimals the form prints its 得分 in, so 2.9 against 2.875 is no finding); low_execution_high_score (执行率 < 60% with 总分 ≥ 90, one row per form); shortfall_without_note (得分 below 分值, no 偏差原因); not_applicable_weighted (不适用 row that carries 分值)';
COMMENT ON COLUMN v_self_score_audit.reason_label IS '线索: the reason in Chinese';
COMMENT ON COLUMN v_self_score_audit.row_no IS '行号: the indicator row; null for a finding about the whole form';
COMMENT ON COLUMN v_self_score_audit.score_gap IS '得分差: 得分 − rule_score';
COMMENT ON COLUMN v_self_score_audit.may_be_cut IS '可能被截断: the row''s texts that may be cut (v_indicator_results.may_be_cut): a finding resting on a target or actual named here may come from text cut short, not from the form';
