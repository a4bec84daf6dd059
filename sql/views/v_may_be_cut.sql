-- The free-text fields of current forms that may have been printed cut: a spreadsheet program (Calc,
-- Excel, WPS 表格, named by the PDF's /Creator or /Producer: pipeline/forms/vocabulary.toml [clipping])
-- prints a cell's text clipped to its row's height, printing only the lines that fit, and these fill
-- their cell to within one line of its bottom border, so more may have been written than printed
-- (nothing in the PDF tells); and, whatever the producer, the texts whose cell's border certainly cuts
-- them (a line drawn under the border, clipped away: pipeline/read/grids.py `_cut_cells`), an indicator
-- row's 三级指标, target and actual among them ([clipping] cut_fields). Loaded as printed, never
-- refused: check them against the unit's own file. From dim_form.may_be_cut and
-- fact_indicator_result.may_be_cut.
CREATE OR REPLACE VIEW v_may_be_cut AS
SELECT f.form_id, f.report_sha256, r.file_name, f.template, f.project_code, f.project_name, f.year,
       u.field, NULL::INTEGER AS row_no, NULL::VARCHAR AS level3, NULL::INTEGER AS page,
       to_json(f) ->> u.field AS text
FROM dim_form f
JOIN dim_report r ON r.report_sha256 = f.report_sha256
CROSS JOIN unnest(string_split(f.may_be_cut, ',')) AS u(field)
WHERE f.is_current AND f.may_be_cut IS NOT NULL
UNION ALL
SELECT f.form_id, f.report_sha256, r.file_name, f.template, f.project_code, f.project_name, f.year,
       u.field, i.row_no, i.level3, i.page, to_json(i) ->> u.field AS text
FROM fact_indicator_result i
JOIN dim_form f ON f.form_id = i.form_id AND f.report_sha256 = i.report_sha256
JOIN dim_report r ON r.report_sha256 = f.report_sha256
CROSS JOIN unnest(string_split(i.may_be_cut, ',')) AS u(field)
WHERE f.is_current AND i.may_be_cut IS NOT NULL
ORDER BY form_id, row_no NULLS FIRST, field;
COMMENT ON VIEW v_may_be_cut IS '可能被截断的字段: one row per free-text field of a current form that a spreadsheet program printed filling its cell to within one line of its bottom border (it clips text to the row: more may have been written than printed), or whose cell''s border cuts its text; loaded as printed';
COMMENT ON COLUMN v_may_be_cut.field IS '字段: the column holding the text (goal_expected, goal_actual, funds_note, conclusion, … of dim_form; deviation_note, level3, target, actual of fact_indicator_result)';
COMMENT ON COLUMN v_may_be_cut.row_no IS '行号: the indicator row (fact_indicator_result.row_no); null for a field of the form';
COMMENT ON COLUMN v_may_be_cut.level3 IS '三级指标: of that indicator row; null for a field of the form';
COMMENT ON COLUMN v_may_be_cut.page IS '页码: page of that indicator row; null for a field of the form (its pages: dim_form.first_page–last_page)';
COMMENT ON COLUMN v_may_be_cut.text IS '文本: the text as printed and loaded (perhaps only its first lines)';
