-- Exact division for views: DuckDB divides DECIMALs as DOUBLE, so ratios are computed in integer
-- hundredths and rounded half up to 2 places, as the forms print (pipeline/facts/rules.py round2).
-- div_half_up(num, den) = round_half_up(num / den, 2) as DECIMAL(18,2); NULL when den is 0 or NULL.
-- Inputs are amounts, scores or counts (at most 2 decimals, not negative).
CREATE OR REPLACE MACRO div_half_up(num, den) AS CASE WHEN den <> 0 THEN
    ((  (2 * 100 * (num::DECIMAL(38,2) * 100)::HUGEINT + (den::DECIMAL(38,2) * 100)::HUGEINT)
      // (2 * (den::DECIMAL(38,2) * 100)::HUGEINT)
     )::DECIMAL(38,0) * 0.01)::DECIMAL(18,2)
END;
