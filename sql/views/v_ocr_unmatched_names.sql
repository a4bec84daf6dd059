-- The unit and project names of current forms read by OCR that no other source confirms. A misread
-- name ("武侯智能合同…" read "武保智德合同…") breaks no sum, so a name is trusted only where the
-- warehouse holds it as read: printed in the text layer of some form (any project or year), named
-- in sql/unit_aliases.csv (units), or read the same from another report's scan (the unit's other
-- forms, another version). Names compare by name_norm (spaces, bracket widths), units by unit_key.
-- Each name left over is listed with the nearest name held (DuckDB's levenshtein, in characters):
-- near_miss where the two are that close (similarity ≥ 0.75, the suggested name; nothing is
-- replaced), unmatched where none is. Either keeps its form ocr_unverified (rule unverified_name,
-- set by pipeline.warehouse.check_ocr_names at every load), so out of the verified views.
CREATE OR REPLACE VIEW v_ocr_unmatched_names AS
WITH printed AS (
    SELECT f.form_id, f.report_sha256, f.read_method, f.is_current, u.field, u.name,
           CASE WHEN u.field = 'project_name' THEN 'project' ELSE 'unit' END AS kind,
           CASE WHEN u.field = 'project_name' THEN name_norm(u.name) ELSE unit_key(u.name) END AS key
    FROM dim_form f,
         unnest([{'field': 'project_name', 'name': f.project_name},
                 {'field': 'implementing_unit', 'name': f.implementing_unit},
                 {'field': 'budget_unit', 'name': f.budget_unit},
                 {'field': 'department', 'name': f.department}]) AS t(u)
    WHERE name_norm(u.name) <> ''
),
known AS (
    SELECT DISTINCT kind, key FROM printed WHERE read_method = 'text'
    UNION SELECT 'unit', unit FROM unit_alias
),
unmatched AS (
    SELECT o.* FROM printed o
    WHERE o.read_method = 'ocr' AND o.is_current
      AND NOT EXISTS (SELECT 1 FROM known k WHERE k.kind = o.kind AND k.key = o.key)
      AND NOT EXISTS (SELECT 1 FROM printed q WHERE q.read_method = 'ocr' AND q.kind = o.kind
                      AND q.key = o.key AND q.report_sha256 <> o.report_sha256)
),
nearest AS (
    SELECT u.form_id, u.report_sha256, u.field, k.key AS nearest,
           (1 - levenshtein(k.key, u.key) / greatest(length(k.key), length(u.key)))::DECIMAL(3,2) AS similarity
    FROM unmatched u JOIN known k ON k.kind = u.kind
    QUALIFY row_number() OVER (PARTITION BY u.form_id, u.report_sha256, u.field
                               ORDER BY levenshtein(k.key, u.key) / greatest(length(k.key), length(u.key)), k.key) = 1
)
SELECT
    f.form_id, f.report_sha256, r.file_name, f.project_code, f.year, u.field, u.name,
    CASE WHEN n.similarity >= 0.75 THEN 'near_miss' ELSE 'unmatched' END AS verdict,
    CASE WHEN n.similarity >= 0.75 THEN n.nearest END AS suggestion,
    n.similarity
FROM unmatched u
JOIN dim_form f ON f.form_id = u.form_id AND f.report_sha256 = u.report_sha256
JOIN dim_report r ON r.report_sha256 = f.report_sha256
LEFT JOIN nearest n ON n.form_id = u.form_id AND n.report_sha256 = u.report_sha256 AND n.field = u.field
ORDER BY f.form_id, u.field;
COMMENT ON VIEW v_ocr_unmatched_names IS 'OCR未核对名称: one row per unit or project name of a current form read by OCR that no name the warehouse holds confirms (text-layer forms, sql/unit_aliases.csv, another report''s scan); its form is ocr_unverified (rule unverified_name)';
COMMENT ON COLUMN v_ocr_unmatched_names.field IS '字段: the dim_form column the name is in (project_name, implementing_unit, budget_unit, department)';
COMMENT ON COLUMN v_ocr_unmatched_names.name IS '名称: the name as read by OCR (as loaded: never replaced)';
COMMENT ON COLUMN v_ocr_unmatched_names.verdict IS '判定: near_miss (a name held differs by a few characters: likely a misread, see suggestion) or unmatched (no name held is close)';
COMMENT ON COLUMN v_ocr_unmatched_names.suggestion IS '建议名称: for a near_miss, the name held it is nearest to (units by unit_key, projects by name_norm); null for unmatched';
COMMENT ON COLUMN v_ocr_unmatched_names.similarity IS '相似度: 1 − edit distance / length of the longer, in characters, to the nearest name held of the same kind (0–1); null when the warehouse holds none';
