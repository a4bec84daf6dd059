-- The cells of OCR'd forms that are not trusted: what a failed check rests on, what was corrected,
-- what was read with low confidence; with the box to look at on the page. Lowest confidence first:
-- a misread digit is most often there.
CREATE OR REPLACE VIEW v_ocr_unverified_cells AS
SELECT
    f.form_id, f.report_sha256, r.file_name, f.project_code, f.year, f.status, f.ocr_failed_rules,
    c.page, c.row_no, c.col_no, c.text, c.raw_text, c.confidence, c.correction, c.reason,
    c.x0, c.y0, c.x1, c.y1
FROM ocr_cell c
JOIN dim_form f ON f.form_id = c.form_id AND f.report_sha256 = c.report_sha256
JOIN dim_report r ON r.report_sha256 = f.report_sha256
WHERE f.is_current AND c.unverified
ORDER BY f.form_id, c.confidence, c.page, c.row_no, c.col_no;
COMMENT ON VIEW v_ocr_unverified_cells IS 'OCR未核验单元格: one row per unverified cell of a current ocr_unverified form, lowest confidence first';
