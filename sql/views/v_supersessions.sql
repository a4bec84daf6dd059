-- Every version of a form that is not current, beside the version that is, and why: a later load of
-- the same project and year, or the text layer over an OCR reading (a scan of a form whose text
-- layer is loaded never becomes current, whenever it is loaded: pipeline/warehouse.py _rank_versions).
CREATE OR REPLACE VIEW v_supersessions AS
SELECT
    old.form_id, old.project_code, old.year,
    ro.file_name AS superseded_file, old.report_sha256 AS superseded_sha256,
    old.read_method AS superseded_read_method, ro.load_seq AS superseded_load_seq,
    rc.file_name AS current_file, cur.report_sha256 AS current_sha256,
    cur.read_method AS current_read_method, rc.load_seq AS current_load_seq,
    CASE WHEN cur.read_method = 'text' AND old.read_method = 'ocr' AND ro.load_seq > rc.load_seq
         THEN 'text_over_ocr' ELSE 'later_load' END AS reason
FROM dim_form old
JOIN dim_report ro ON ro.report_sha256 = old.report_sha256
JOIN dim_form cur ON cur.form_id = old.form_id AND cur.is_current
JOIN dim_report rc ON rc.report_sha256 = cur.report_sha256
WHERE NOT old.is_current
ORDER BY old.form_id, ro.load_seq;
COMMENT ON VIEW v_supersessions IS '版本替代: every version of a form that is not current, beside the current one, and why';
COMMENT ON COLUMN v_supersessions.superseded_file IS '被替代文件: the file of the version that is not current';
COMMENT ON COLUMN v_supersessions.superseded_sha256 IS '被替代文件SHA-256';
COMMENT ON COLUMN v_supersessions.superseded_read_method IS '被替代读取方式: text or ocr';
COMMENT ON COLUMN v_supersessions.superseded_load_seq IS '被替代入库序号';
COMMENT ON COLUMN v_supersessions.current_file IS '现行文件: the file of the current version';
COMMENT ON COLUMN v_supersessions.current_sha256 IS '现行文件SHA-256';
COMMENT ON COLUMN v_supersessions.current_read_method IS '现行读取方式: text or ocr';
COMMENT ON COLUMN v_supersessions.current_load_seq IS '现行入库序号';
COMMENT ON COLUMN v_supersessions.reason IS '原因: later_load (a later report of the same project and year), or text_over_ocr (a copy read from its text layer stays current over a later OCR reading)';
