"""What the `jixiao` command prints about forms and reports: the line per form of an ingest, the
versions of a form, a report's outcome, exact values for JSON. Printing only; `cli.py` parses and
calls the library.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# what stands in the warehouse after an ingest, as `validate` shows it: current forms, their failed checks
STANDING = """
    SELECT (SELECT count(*) FROM dim_form WHERE is_current),
           (SELECT count(*) FROM check_result c JOIN dim_form f USING (form_id, report_sha256)
            WHERE f.is_current AND NOT c.passed)
"""


# one line per form of each report loaded in this run; `versions` > 1 when the run loaded several
# reports printing the same project and year, so each line names its file
def _ocr_note(status: str | None) -> str:
    """How a scanned form's numbers stand (README "Scanned reports"); nothing for a text form."""
    if status == "ocr_unverified":
        return "  (OCR, unverified: kept out of the views; see v_ocr_unverified_cells)"
    return "  (OCR, verified)" if status == "ocr_verified" else ""


FORM_LINES = """
    WITH lines AS (
        SELECT f.form_id, f.report_sha256, f.project_code, f.year, f.project_name, f.execution_rate,
               f.total_score, f.is_current, f.status, r.file_name, r.load_seq,
               count(c.rule) > 0 AS checked,
               count(c.rule) FILTER (WHERE c.passed) AS passed,
               count(c.rule) FILTER (WHERE NOT c.passed) AS failed,
               string_agg(DISTINCT c.rule, ',' ORDER BY c.rule) FILTER (WHERE NOT c.passed) AS failed_rules
        FROM dim_form f JOIN dim_report r USING (report_sha256)
        LEFT JOIN check_result c USING (form_id, report_sha256)
        WHERE list_contains(?, f.report_sha256)
        GROUP BY ALL
    )
    SELECT *, count(*) OVER (PARTITION BY form_id) AS versions FROM lines
    ORDER BY project_code, year, load_seq
"""


def form_line(r: dict[str, Any]) -> str:
    """One form of `FORM_LINES`: "not checked" for a form with no findings yet, never "0 failed"."""
    checks = (f"checks {r['passed']} passed, {r['failed']} failed" if r["checked"]
              else "not checked (the next ingest or validate checks it)")
    return (f"{r['project_code'] or r['form_id']}  {r['year']}  {_s(r['execution_rate']):>7}%  "
            f"{_s(r['total_score']):>6}  {checks}"
            f"{'  [' + r['failed_rules'] + ']' if r['failed_rules'] else ''}  {r['project_name']}"
            f"{version_note(r) if r['versions'] > 1 else ''}{_ocr_note(r['status'])}")


VERSIONS = """
    SELECT f.form_id, f.report_sha256, f.is_current, f.template, r.file_name, r.load_seq,
           coalesce((SELECT m.annual_budget = 0 FROM fact_fund_execution m WHERE m.form_id = f.form_id
                     AND m.report_sha256 = f.report_sha256 AND m.role = 'total'), false) AS no_budget
    FROM dim_form f JOIN dim_report r USING (report_sha256)
"""


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def describe(outcome) -> str:
    if outcome.status == "loaded":
        return f"loaded {outcome.forms} form(s), {outcome.pages} page(s) in {outcome.seconds:.1f}s"
    if outcome.status == "skipped":
        return "already loaded (same content), skipped"
    if outcome.status == "refused":
        return f"REFUSED ({outcome.error.kind}), not read"
    if outcome.status == "unwritten":
        return "NOT WRITTEN: the run stopped before it was stored (see below)"
    return f"QUARANTINED ({outcome.error.kind})"


def version_note(row: dict[str, Any]) -> str:
    """Which file a line comes from, where one form has several versions."""
    return f"  ({row['file_name']}{'' if row['is_current'] else ', superseded'})"


def plain(value: Any) -> Any:
    """JSON value: Decimals as their exact string, never a float."""
    return str(value) if isinstance(value, Decimal) else value


def _s(value: Any) -> str:
    return "—" if value is None else str(value)


def passed_over(page: int) -> str:
    """Where a table passed over was: its page; 0, of no page (a workbook's hidden sheets, not read)."""
    return f"page {page}" if page else "not read"
