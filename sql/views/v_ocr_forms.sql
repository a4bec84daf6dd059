-- Forms read by OCR (scanned pages), verified or not, with what failed: the analyst's list of scans.
-- ocr_unverified forms are here and in dim_form only; the other views leave them out.
CREATE OR REPLACE VIEW v_ocr_forms AS
SELECT
    f.form_id, f.report_sha256, r.file_name, f.template, f.project_code, f.project_name, f.year,
    f.status, f.ocr_failed_rules, f.ocr_engine, f.ocr_version, f.first_page, f.last_page,
    f.execution_rate, f.total_score,
    count(c.text) AS cells,
    count(c.text) FILTER (WHERE c.unverified) AS unverified_cells,
    count(c.text) FILTER (WHERE c.correction IS NOT NULL) AS corrected_cells,
    min(c.confidence) FILTER (WHERE c.is_number) AS min_number_confidence
FROM dim_form f
JOIN dim_report r ON r.report_sha256 = f.report_sha256
LEFT JOIN ocr_cell c ON c.form_id = f.form_id AND c.report_sha256 = f.report_sha256
WHERE f.is_current AND f.read_method = 'ocr'
GROUP BY ALL
ORDER BY f.status DESC, f.project_code NULLS LAST, f.year, f.form_id;
COMMENT ON VIEW v_ocr_forms IS 'OCR自评表: one row per current form read by OCR — status (ocr_verified / ocr_unverified), failed rules, engine, cells';
COMMENT ON COLUMN v_ocr_forms.cells IS '单元格数: non-empty cells recognised on the form''s scanned pages';
COMMENT ON COLUMN v_ocr_forms.unverified_cells IS '未核验单元格数: see v_ocr_unverified_cells';
COMMENT ON COLUMN v_ocr_forms.corrected_cells IS '更正单元格数: cells with a character confusion corrected (一→—, O→0, …)';
COMMENT ON COLUMN v_ocr_forms.min_number_confidence IS '最低数字置信度: the lowest confidence of a number on the form';
