-- Exact division for views: DuckDB divides DECIMALs as DOUBLE, so ratios are computed in integer
-- hundredths and rounded half up to 2 places, as the forms print (pipeline/facts/rules.py round2).
-- div_half_up(num, den) = round_half_up(num / den, 2) as DECIMAL(18,2); NULL when den is 0 or NULL.
-- Inputs are amounts, scores or counts (at most 2 decimals, not negative).
CREATE OR REPLACE MACRO div_half_up(num, den) AS CASE WHEN den <> 0 THEN
    ((  (2 * 100 * (num::DECIMAL(38,2) * 100)::HUGEINT + (den::DECIMAL(38,2) * 100)::HUGEINT)
      // (2 * (den::DECIMAL(38,2) * 100)::HUGEINT)
     )::DECIMAL(38,0) * 0.01)::DECIMAL(18,2)
END;
-- A printed name compared as text: spaces (ASCII, line breaks and the full-width U+3000) removed,
-- full-width brackets made half-width. "…项目 （二期）" = "…项目(二期)".
CREATE OR REPLACE MACRO name_norm(name) AS
    translate(regexp_replace(name, '[\s\x{3000}]+', '', 'g'), '（）', '()');
-- A unit's name for grouping: name_norm, and a trailing (本级) ("the unit itself") dropped.
-- "…管理局 （本级）" = "…管理局".
CREATE OR REPLACE MACRO unit_norm(name) AS regexp_replace(name_norm(name), '\(本级\)$', '');
-- unit_key(name): unit_norm, then mapped through unit_alias (sql/unit_aliases.csv) where it is an
-- alias: "政务服务数据管理局" = "政务服务和数据管理局" is data, not a rule guessed here.
CREATE OR REPLACE MACRO unit_key(name) AS
    coalesce((SELECT a.unit FROM unit_alias a WHERE a.alias = unit_norm(name)), unit_norm(name));
-- A date as forms print it ("2024年3月22日", "2024-03-22", "2024.3.22", "2024/3/22") as DATE; NULL where
-- the text is no such date (a day that does not exist, other words).
CREATE OR REPLACE MACRO printed_date(text) AS try_cast(regexp_replace(regexp_replace(text, '\s+', '', 'g'),
    '^(\d{4})[年.\-/](\d{1,2})[月.\-/](\d{1,2})日?$', '\1-\2-\3') AS DATE);
