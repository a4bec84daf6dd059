"""jixiao: performance self-evaluation reports (项目支出绩效自评表) into an analytical warehouse.

The library; nothing here imports Dagster (`assets/` is the orchestration layer on top). Data flows
one way, through these stages, each a folder or module, in this order:

    read/        a source file → Grids (cells with text, spans, page, box): pdf.py opens and refuses
                 damaged files, grids.py places the text layer in Camelot's ruling, ocr.py reads
                 pages with no text layer from their image; workbook.py, docx.py, html.py and
                 mhtml.py read .xlsx/.xls, .docx and web pages (saved as one file too) into tables,
                 tables.py makes them the same Grids
    forms/       Grids → Form records: the template of the form (template.py, templates/*.toml),
                 the reader (reader.py: sections, columns, continuation and spill pages), cell text
                 (text.py)
    facts/       Forms → typed Polars frames (frames.py: Decimal, 元), targets parsed (targets.py),
                 the rules' rows (rules.py), whether an OCR'd form's numbers hold (ocr_trust.py)
    warehouse    frames → DuckDB, one transaction per report, a published snapshot
    checks       the Great Expectations suites (expectations/) → check_result
    report/      the warehouse → the review report, an offline HTML site for auditors

`extract.py` assembles read → forms for one report (part by part); `ingest.py` assembles the rest
(facts → warehouse, refusals → quarantine), each report in a bounded worker (`bounded.py`); `cli.py`
and `export.py` are the command line.
"""

from pathlib import Path

__version__ = "0.1.0"

ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = ROOT / "sql"  # schema.sql, views/
SUITES_DIR = ROOT / "expectations"  # the checks' suites: one JSON per suite, each rule once
