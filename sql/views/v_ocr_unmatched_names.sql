-- The unit and project names of current forms read by OCR that no other source confirms. A misread
-- name ("武侯智能合同…" read "武保智德合同…") breaks no sum, so a name is trusted only where the
-- warehouse holds it as read: printed in the text layer of some form (any project or year), named
-- in sql/unit_aliases.csv (units), or read the same from another report's scan (the unit's other
-- forms, another version). Names compare by name_norm (spaces, bracket widths), units by unit_key.
-- Each name left over is listed with the nearest name held (DuckDB's levenshtein, in characters;
-- the same unit's project names first): near_miss where the two are that close (similarity ≥ 0.75,
-- the suggested name; nothing is replaced), unmatched where none is. keeps_unverified: a unit name
-- (units recur: a unit the warehouse has not seen is added to sql/unit_aliases.csv), or a project
-- name one or two characters off a project name of the same unit. A project name merely new is
-- listed but does not: on the fixture scans beside the text corpus, 8 of 9 correct project names
-- are held nowhere, and 4 are near another unit's (海珠区… against 罗湖区…). The form of a name that
-- keeps it unverified is ocr_unverified (rule unverified_name, set by
-- pipeline.warehouse.check_ocr_names at every load), so out of the verified views.
CREATE OR REPLACE VIEW v_ocr_unmatched_names AS
WITH printed AS (
    SELECT f.form_id, f.report_sha256, f.read_method, f.is_current, u.field, u.name,
           CASE WHEN u.field = 'project_name' THEN 'project' ELSE 'unit' END AS kind,
           CASE WHEN u.field = 'project_name' THEN name_norm(u.name) ELSE unit_key(u.name) END AS key,
           list_filter([unit_key(f.implementing_unit), unit_key(f.budget_unit)], lambda k: k <> '') AS units
    FROM dim_form f,
         unnest([{'field': 'project_name', 'name': f.project_name},
                 {'field': 'implementing_unit', 'name': f.implementing_unit},
                 {'field': 'budget_unit', 'name': f.budget_unit},
                 {'field': 'department', 'name': f.department}]) AS t(u)
    WHERE name_norm(u.name) <> ''
),
known AS (
    SELECT DISTINCT kind, key, units FROM printed WHERE read_method = 'text'
    UNION SELECT 'unit', unit, [] FROM unit_alias
),
unmatched AS (
    SELECT o.* FROM printed o
    WHERE o.read_method = 'ocr' AND o.is_current
      AND NOT EXISTS (SELECT 1 FROM known k WHERE k.kind = o.kind AND k.key = o.key)
      AND NOT EXISTS (SELECT 1 FROM printed q WHERE q.read_method = 'ocr' AND q.kind = o.kind
                      AND q.key = o.key AND q.report_sha256 <> o.report_sha256)
),
scored AS (
    SELECT u.form_id, u.report_sha256, u.field, k.key AS nearest,
           1 - levenshtein(k.key, u.key) / greatest(length(k.key), length(u.key)) AS similarity,
           len(list_intersect(k.units, u.units)) > 0 AS same_unit
    FROM unmatched u JOIN known k ON k.kind = u.kind
),
nearest AS (
    SELECT *, similarity >= 0.75 AS near FROM scored
    QUALIFY row_number() OVER (PARTITION BY form_id, report_sha256, field
                               ORDER BY similarity >= 0.75 AND same_unit DESC, similarity DESC, nearest) = 1
)
SELECT
    f.form_id, f.report_sha256, r.file_name, f.project_code, f.year, u.field, u.name,
    CASE WHEN n.near THEN 'near_miss' ELSE 'unmatched' END AS verdict,
    CASE WHEN n.near THEN n.nearest END AS suggestion,
    n.similarity::DECIMAL(3,2) AS similarity,
    u.kind = 'unit' OR coalesce(n.near AND n.same_unit, false) AS keeps_unverified
FROM unmatched u
JOIN dim_form f ON f.form_id = u.form_id AND f.report_sha256 = u.report_sha256
JOIN dim_report r ON r.report_sha256 = f.report_sha256
LEFT JOIN nearest n ON n.form_id = u.form_id AND n.report_sha256 = u.report_sha256 AND n.field = u.field
ORDER BY f.form_id, u.field;
COMMENT ON VIEW v_ocr_unmatched_names IS 'OCR未核对名称: one row per unit or project name of a current form read by OCR that no name the warehouse holds confirms (text-layer forms, sql/unit_aliases.csv, another report''s scan); where keeps_unverified, its form is ocr_unverified (rule unverified_name)';
COMMENT ON COLUMN v_ocr_unmatched_names.field IS '字段: the dim_form column the name is in (project_name, implementing_unit, budget_unit, department)';
COMMENT ON COLUMN v_ocr_unmatched_names.name IS '名称: the name as read by OCR (as loaded: never replaced)';
COMMENT ON COLUMN v_ocr_unmatched_names.verdict IS '判定: near_miss (a name held differs by a few characters: likely a misread, see suggestion) or unmatched (no name held is close)';
COMMENT ON COLUMN v_ocr_unmatched_names.suggestion IS '建议名称: for a near_miss, the name held it is nearest to (the same unit''s project names first; units by unit_key, projects by name_norm); null for unmatched';
COMMENT ON COLUMN v_ocr_unmatched_names.similarity IS '相似度: 1 − edit distance / length of the longer, in characters, to the nearest name held of the same kind (0–1); null when the warehouse holds none';
COMMENT ON COLUMN v_ocr_unmatched_names.keeps_unverified IS '保持未核验: true for a unit name, and for a project name near (similarity ≥ 0.75) a project name of the same unit: its form is ocr_unverified (rule unverified_name); false for a project name merely new (listed only)';
