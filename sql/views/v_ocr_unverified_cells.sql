-- The cells of OCR'd forms that are not trusted: what a failed check rests on, what was corrected,
-- what was read with low confidence, and the cell a name that keeps its form unverified was read
-- from (v_ocr_unmatched_names keeps_unverified: the shortest cell holding it); with the box to look at on the page.
-- Lowest confidence first: a misread digit is most often there.
CREATE OR REPLACE VIEW v_ocr_unverified_cells AS
WITH named AS (
    SELECT form_id, report_sha256, page, grid_no, row_no, col_no,
           string_agg('unverified_name:' || field || coalesce('→' || suggestion, ''), ';' ORDER BY field) AS reason
    FROM (
        SELECT n.form_id, n.report_sha256, n.field, n.suggestion, c.page, c.grid_no, c.row_no, c.col_no
        FROM v_ocr_unmatched_names n
        JOIN ocr_cell c ON c.form_id = n.form_id AND c.report_sha256 = n.report_sha256
             AND contains(name_norm(c.text), name_norm(n.name))
        WHERE n.keeps_unverified
        QUALIFY row_number() OVER (PARTITION BY n.form_id, n.report_sha256, n.field
                                   ORDER BY length(c.text), c.page, c.grid_no, c.row_no, c.col_no) = 1
    )
    GROUP BY ALL
)
SELECT
    f.form_id, f.report_sha256, r.file_name, f.project_code, f.year, f.status, f.ocr_failed_rules,
    c.page, c.grid_no, c.row_no, c.col_no, c.text, c.raw_text, c.confidence, c.correction,
    concat_ws(';', c.reason, n.reason) AS reason,
    c.x0, c.y0, c.x1, c.y1
FROM ocr_cell c
JOIN dim_form f ON f.form_id = c.form_id AND f.report_sha256 = c.report_sha256
JOIN dim_report r ON r.report_sha256 = f.report_sha256
LEFT JOIN named n ON n.form_id = c.form_id AND n.report_sha256 = c.report_sha256 AND n.page = c.page
     AND n.grid_no = c.grid_no AND n.row_no = c.row_no AND n.col_no = c.col_no
WHERE f.is_current AND (c.unverified OR n.reason IS NOT NULL)
ORDER BY f.form_id, c.confidence, c.page, c.grid_no, c.row_no, c.col_no;
COMMENT ON VIEW v_ocr_unverified_cells IS 'OCR未核验单元格: one row per unverified cell of a current ocr_unverified form (a number a failed check rests on, a corrected cell, a second read that differs, a name no source confirms), lowest confidence first';
COMMENT ON COLUMN v_ocr_unverified_cells.reason IS '原因: the cell''s own reasons (ocr_cell.reason), and unverified_name:<field>[→<suggestion>] where it holds a name v_ocr_unmatched_names lists as keeps_unverified';
