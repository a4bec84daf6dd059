-- The unit and project names of current forms read by OCR that no other source confirms. A misread
-- name ("武侯智能合同…" read "武保智德合同…") breaks no sum, so a name is trusted only where the
-- warehouse holds it as read: a unit printed in the text layer of some form, or named in
-- sql/unit_aliases.csv; a project printed in the text layer of a form of the same unit (any year);
-- or either read the same from the scan of another form (never another copy of the same form).
-- Names compare by name_norm (spaces, bracket widths), units by unit_key.
-- Each name left over is listed with the nearest name held (DuckDB's levenshtein, in characters;
-- a unit against the units held, a project against the projects of its units): near_miss where
-- the two are that close (similarity ≥ 0.75, the suggested name; nothing is replaced), unmatched
-- where none is. keeps_unverified: a unit name (units recur; one only scans print is added to
-- sql/unit_aliases.csv), or a project name near a project of the same unit. A project name merely
-- new is listed only: on the fixture scans beside the text corpus, none of the 8 right project
-- names is printed by a text form of its unit, 3 are near another unit's (海珠区… against 罗湖区…).
-- A name that keeps its form
-- unverified makes it ocr_unverified (rule unverified_name, set by pipeline.warehouse.check_ocr_names
-- at every load), so out of the verified views.
-- Cost: each distinct unit name is normalised once, and project names only where a scan's unit
-- prints them (100,000 text forms and 1,000 scans: see README "Scanned reports").
CREATE OR REPLACE VIEW v_ocr_unmatched_names AS
WITH unit_names AS MATERIALIZED (  -- each unit name printed, once, with its unit_key (aliases joined once)
    SELECT d.name, coalesce(a.unit, unit_norm(d.name)) AS key
    FROM (SELECT DISTINCT unnest([implementing_unit, budget_unit, department]) AS name FROM dim_form) d
    LEFT JOIN unit_alias a ON a.alias = unit_norm(d.name)
    WHERE name_norm(d.name) <> ''
),
forms AS MATERIALIZED (
    SELECT f.form_id, f.report_sha256, f.read_method, f.is_current, f.project_name,
           f.implementing_unit, f.budget_unit, f.department,
           i.key AS implementing_key, b.key AS budget_key, d.key AS department_key,
           list_filter([i.key, b.key], lambda k: k IS NOT NULL) AS units
    FROM dim_form f
    LEFT JOIN unit_names i ON i.name = f.implementing_unit
    LEFT JOIN unit_names b ON b.name = f.budget_unit
    LEFT JOIN unit_names d ON d.name = f.department
),
scanned AS MATERIALIZED (  -- the names of every form read by OCR
    SELECT f.form_id, f.report_sha256, f.is_current, f.units, u.field, u.name, u.kind, u.key
    FROM forms f,
         unnest([{'field': 'project_name', 'name': f.project_name, 'kind': 'project', 'key': name_norm(f.project_name)},
                 {'field': 'implementing_unit', 'name': f.implementing_unit, 'kind': 'unit', 'key': f.implementing_key},
                 {'field': 'budget_unit', 'name': f.budget_unit, 'kind': 'unit', 'key': f.budget_key},
                 {'field': 'department', 'name': f.department, 'kind': 'unit', 'key': f.department_key}]) AS t(u)
    WHERE f.read_method = 'ocr' AND u.key IS NOT NULL AND u.key <> ''
),
known_units AS (
    SELECT key FROM (SELECT unnest([implementing_key, budget_key, department_key]) AS key
                     FROM forms WHERE read_method = 'text') WHERE key IS NOT NULL
    UNION SELECT unit FROM unit_alias
),
unit_projects AS MATERIALIZED (  -- the projects printed in the text layer by the units of the scans
    SELECT DISTINCT name_norm(f.project_name) AS key, unnest(f.units) AS unit
    FROM forms f
    WHERE f.read_method = 'text' AND name_norm(f.project_name) <> ''
      AND (f.implementing_key IN (SELECT unnest(units) FROM scanned)  -- units: never null
           OR f.budget_key IN (SELECT unnest(units) FROM scanned))
),
unmatched AS (
    SELECT s.* FROM scanned s
    WHERE s.is_current
      AND NOT (s.kind = 'unit' AND s.key IN (SELECT key FROM known_units))
      AND NOT (s.kind = 'project' AND EXISTS (SELECT 1 FROM unit_projects p
                                              WHERE p.key = s.key AND list_contains(s.units, p.unit)))
      -- another report's scan of another form confirms it; another copy of this form (a bundle
      -- and the form cut from it, a re-saved file) holds the same page images, so the same
      -- misread: it does not
      AND NOT EXISTS (SELECT 1 FROM scanned q WHERE q.kind = s.kind AND q.key = s.key
                      AND q.report_sha256 <> s.report_sha256 AND q.form_id <> s.form_id)
),
candidates AS (  -- a unit name against every unit held; a project name against its units' projects
    SELECT u.form_id, u.report_sha256, u.field, u.key AS read, k.key AS held
    FROM unmatched u JOIN known_units k ON u.kind = 'unit'
    UNION
    SELECT u.form_id, u.report_sha256, u.field, u.key, p.key
    FROM (SELECT *, unnest(units) AS unit FROM unmatched WHERE kind = 'project') u
    JOIN unit_projects p ON p.unit = u.unit
),
nearest AS (
    SELECT form_id, report_sha256, field, first(held ORDER BY distance, held) AS nearest,
           (1 - min(distance))::DECIMAL(3,2) AS similarity, min(distance) <= 0.25 AS near
    FROM (SELECT *, levenshtein(held, read) / greatest(length(held), length(read)) AS distance FROM candidates)
    GROUP BY ALL
)
SELECT
    f.form_id, f.report_sha256, r.file_name, f.project_code, f.year, u.field, u.name,
    CASE WHEN n.near THEN 'near_miss' ELSE 'unmatched' END AS verdict,
    CASE WHEN n.near THEN n.nearest END AS suggestion,
    n.similarity,
    u.kind = 'unit' OR coalesce(n.near, false) AS keeps_unverified
FROM unmatched u
JOIN dim_form f ON f.form_id = u.form_id AND f.report_sha256 = u.report_sha256
JOIN dim_report r ON r.report_sha256 = f.report_sha256
LEFT JOIN nearest n ON n.form_id = u.form_id AND n.report_sha256 = u.report_sha256 AND n.field = u.field
ORDER BY f.form_id, u.field;
COMMENT ON VIEW v_ocr_unmatched_names IS 'OCR未核对名称: one row per unit or project name of a current form read by OCR that no name the warehouse holds confirms (text-layer forms, sql/unit_aliases.csv, another form''s scan); where keeps_unverified, its form is ocr_unverified (rule unverified_name)';
COMMENT ON COLUMN v_ocr_unmatched_names.field IS '字段: the dim_form column the name is in (project_name, implementing_unit, budget_unit, department)';
COMMENT ON COLUMN v_ocr_unmatched_names.name IS '名称: the name as read by OCR (as loaded: never replaced)';
COMMENT ON COLUMN v_ocr_unmatched_names.verdict IS '判定: near_miss (a name held differs by a few characters: likely a misread, see suggestion) or unmatched (no name held is close)';
COMMENT ON COLUMN v_ocr_unmatched_names.suggestion IS '建议名称: for a near_miss, the name held it is nearest to (a unit among the units held, by unit_key; a project among the projects of the same units, by name_norm); null for unmatched';
COMMENT ON COLUMN v_ocr_unmatched_names.similarity IS '相似度: 1 − edit distance / length of the longer, in characters, to the nearest name held it was compared with (0–1); null when there is none (a project of units that print no other project)';
COMMENT ON COLUMN v_ocr_unmatched_names.keeps_unverified IS '保持未核验: true for a unit name, and for a project name near (similarity ≥ 0.75) a project of the same unit: its form is ocr_unverified (rule unverified_name); false for a project name merely new (listed only)';
