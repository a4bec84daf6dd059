"""The `jixiao` command: argument parsing and printing only; the work is done by the library."""

from __future__ import annotations

import argparse
import atexit
import functools
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from .bounded import Limits, ReadersFailed
from .lines import FORM_LINES, STANDING, VERSIONS, describe, form_line, mb, passed_over, plain, version_note
from .errors import SettingError, WarehouseFault, WarehouseOutdated, shown

DEFAULT_QUARANTINE = Path("data") / "quarantine"
TABLE_ROWS = 10_000  # `query` prints at most this many rows as a table; csv and json print all
# During a long ingest, the reports loaded so far are checked and published for readers this often.
PUBLISH_SECONDS = 30
PREFER_OCR = ("read every page of a PDF from its image by OCR, its text layer set aside (one you "
              "distrust); dim_form.ocr_reason says ocr_asked_for. Slow: seconds a page")


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = _parser()  # its defaults are the limits $JIXIAO_MAX_… set
    except SettingError as err:
        print(f"jixiao: {err}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    status = _run(args)
    if status is None:  # the working file was damaged and is whole again: finish the work, once
        print("jixiao: running the command again", file=sys.stderr, flush=True)
        status = _run(args, again=False)
    if status == 130:  # interrupted, and every `with` has closed: leave now. The interpreter's own
        # exit would wait for a thread importing Great Expectations (`checks.warm_up`) to finish
        # it (measured: 7.8 s after a Ctrl-C during validate's import, 0.3 s with this)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    # the work is done and every `with` has closed: a Ctrl-C while the interpreter tears down (its
    # threads, the libraries' atexit hooks) would end it by the signal (-2), saying nothing
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = 3 if status is None else status
    if argv is None:  # run as the `jixiao` command; a caller passing argv (the tests) keeps its interpreter
        _leave(status)
    return status


def _leave(status: int) -> None:
    """End the command at once, its work done, said and closed: the libraries' atexit hooks run and
    the output is flushed, then the process exits without the interpreter tearing down its ~1,900
    modules (Great Expectations, pandas, polars, DuckDB): 1.2 s of wall and ~0.5 CPU-s at the end of
    every ingest (bench/README.md, issue 25). Not while another non-daemon thread runs: then the
    interpreter's exit waits for it, as before."""
    if any(t.is_alive() and not t.daemon and t is not threading.main_thread() for t in threading.enumerate()):
        return
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # `jixiao query ... | head`: the reader is gone
            pass
    os._exit(status)


def _settings() -> None:
    """Every $JIXIAO_… setting the readers use, judged once before any work: one that cannot mean
    anything is said here (`SettingError`), not in each worker that reads a page."""
    from .bounded import Limits
    from .read.ocr.recognise import by_cells, model_files

    Limits.from_env()
    by_cells()
    model_files()


def _run(args: argparse.Namespace, again: bool = True) -> int | None:
    """The command's exit status, each failure said in one line; None: run it again (`again`)."""
    try:
        _settings()
        return args.run(args)
    except WarehouseFault as err:  # a full disk, a damaged file: said with what is kept
        print(f"jixiao: {err}", file=sys.stderr)
        return None if err.again and again else 3
    except BrokenPipeError:  # `jixiao query ... | head`
        return 0
    except (KeyboardInterrupt, _Interrupted):
        print("\njixiao: interrupted; every report stored so far is whole and kept (readers see it "
              "after the next run); run the command again for the rest", file=sys.stderr)
        return 130
    except ReadersFailed as err:
        print(f"jixiao: {err}; every report stored so far is whole and kept", file=sys.stderr)
        return 3
    except MemoryError:
        print("jixiao: out of memory; every report stored so far is whole and kept", file=sys.stderr)
        return 3
    except SettingError as err:  # $JIXIAO_… that cannot mean anything
        print(f"jixiao: {err}", file=sys.stderr)
        return 2
    except (OSError, WarehouseOutdated) as err:  # a missing path, a held warehouse, an unwritable --out
        from .warehouse import is_disk_full

        if is_disk_full(err):
            print(f"jixiao: {err}: the disk is full; every report stored so far is whole and kept "
                  f"(readers see the last snapshot); free space and run the command again",
                  file=sys.stderr)
            return 3
        print(f"jixiao: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # only the warehouse itself fails like this: a report's problem is a refusal
        import duckdb

        if _interrupted(err):  # DuckDB turns a Ctrl-C during a statement into this
            print("\njixiao: interrupted; every report stored so far is whole and kept",
                  file=sys.stderr)
            return 130
        if not isinstance(err, duckdb.Error):
            raise
        print(f"jixiao: the warehouse failed: {err}", file=sys.stderr)
        return 3


class _Interrupted(Exception):
    """Ctrl-C, as DuckDB reports it when it lands during a statement (`_interrupted`)."""


def _interrupted(err: BaseException) -> bool:
    """DuckDB interrupts a running statement on SIGINT and raises RuntimeError "Query interrupted"
    (or its InterruptException) instead of KeyboardInterrupt."""
    import duckdb

    return isinstance(err, getattr(duckdb, "InterruptException", ())) or (
        type(err) is RuntimeError and "interrupted" in str(err).lower())


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="jixiao",
        description="Performance self-evaluation reports (项目支出绩效自评表) from PDF, Excel, Word and web "
        "pages into a checked DuckDB warehouse.",
        epilog="Warehouse (ingest, validate, query, export): --warehouse FILE, else "
        "$JIXIAO_WAREHOUSE, else data/warehouse.duckdb.\n\n"
        "Exit codes:\n"
        "  0    done: every report loaded, every shown check passed\n"
        "  1    a report was quarantined, a shown check failed, or a query failed\n"
        "  2    usage: a missing path, no PDF, a refused query or --out; nothing was done\n"
        "  3    the warehouse itself failed (a full disk, a damaged file): the message says what\n"
        "       is kept, and how to finish (free space, run the command again)\n"
        "  130  interrupted: every report stored so far is whole and kept",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(title="commands", metavar="COMMAND")

    def warehouse_opt(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--warehouse", metavar="FILE",
                         help="DuckDB file (default: $JIXIAO_WAREHOUSE or data/warehouse.duckdb)")

    e = sub.add_parser("extract", help="print the forms of reports as JSON (SCHEMA.md shape)",
                       description="Read reports (PDF, .xlsx, .xls, .docx, .html, .mhtml) and print a JSON list of "
                       "every form found, in "
                       "the shape of tests/fixtures/corpus/SCHEMA.md plus provenance (source, page).")
    e.add_argument("files", nargs="+", metavar="FILE", help="report(s) to read: PDF, .xlsx, .xls, .docx, .html, .mhtml")
    e.add_argument("--workers", type=int, metavar="N",
                   help="reports read at once, each in its own process (default: one per core)")
    e.add_argument("--verbose", action="store_true",
                   help="also list on stderr each table passed over as not a form, with page and why")
    e.add_argument("--prefer-ocr", action="store_true", help=PREFER_OCR)
    e.set_defaults(run=_extract)

    i = sub.add_parser("ingest", help="load reports into the warehouse and check them",
                       description="Load PDF reports (files, or folders searched for *.pdf) into the "
                       "warehouse, one transaction per report, then run the checks. A report already "
                       "loaded (same content, any name) is skipped. Bad reports are quarantined with "
                       "their reason. Exit 0 when every report loaded, 1 when any was quarantined.")
    i.add_argument("paths", nargs="+", metavar="PATH",
                   help="PDF report(s), or folder(s) searched recursively for *.pdf")
    i.add_argument("--force", action="store_true", help="re-read reports already loaded")
    i.add_argument("--prefer-ocr", action="store_true",
                   help=PREFER_OCR + " (with --force for a report already loaded)")
    i.add_argument("--quarantine", metavar="DIR", default=str(DEFAULT_QUARANTINE),
                   help="copy refused files here with a JSON sidecar (default: %(default)s)")
    i.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    i.add_argument("--workers", type=int, metavar="N",
                   help="reports read at once, each in its own process (default: one per core)")
    limits = Limits.from_env()
    i.add_argument("--max-seconds", type=float, default=limits.seconds, metavar="S",
                   help="refuse a part whose reading takes more CPU time (default: %(default)g; "
                        "wall time past 10× that, or $JIXIAO_MAX_WALL_SECONDS, also ends it)")
    i.add_argument("--max-pages", type=int, default=limits.pages, metavar="N",
                   help="refuse a report with more pages (default: %(default)s)")
    i.add_argument("--max-memory", type=int, default=limits.memory_mb, metavar="MB",
                   help="refuse a report whose reading needs more resident memory (default: %(default)s)")
    i.add_argument("--publish-every", type=float, default=PUBLISH_SECONDS, metavar="S",
                   help="during a long run, check the reports loaded so far and publish them to "
                   "readers this often (default: %(default)s s; always at the end)")
    warehouse_opt(i)
    i.set_defaults(run=_ingest)

    v = sub.add_parser("validate", help="run the Great Expectations suites over the warehouse",
                       description="Run every suite in expectations/ over the loaded forms (every "
                       "version), store the findings in check_result, print those on current forms "
                       "(--all-versions: every version, each naming its file). Exit 1 when any "
                       "printed check failed.")
    v.add_argument("--format", choices=["text", "json"], default="text")
    v.add_argument("--failed", action="store_true",
                   help="json: only the failed findings (the text lists only those anyway)")
    v.add_argument("--all-versions", action="store_true",
                   help="also superseded versions of a form (default: current forms only)")
    warehouse_opt(v)
    v.set_defaults(run=_validate)

    q = sub.add_parser("query", help="run SQL on the warehouse (read-only)",
                       description="Run one query on the warehouse, read-only, and print the "
                       "result. Tables: dim_report, dim_form, fact_fund_execution, "
                       "fact_indicator_result, check_result; views: sql/views/. Only queries run "
                       "(SELECT, WITH, FROM, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN, PIVOT, PRAGMA, "
                       "CALL); COPY, EXPORT, ATTACH, INSTALL, LOAD, SET and writes are refused "
                       "(exit 2), and the SQL reaches no file, URL or other database unless "
                       "--allow-files is given. A LIST or STRUCT value is JSON text in csv.")
    q.add_argument("sql", metavar="SQL", help="one SQL statement, e.g. \"SELECT * FROM v_form_scorecard\"")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table")
    q.add_argument("--allow-files", action="store_true",
                   help="let the SQL read files (read_csv, read_parquet, read_text …); writing "
                   "them stays refused")
    warehouse_opt(q)
    q.set_defaults(run=_query)

    x = sub.add_parser("export", help="write a view to csv, parquet or xlsx for Excel and friends",
                       description="Write one view (or table) of the warehouse to a file. Headers "
                       "are Chinese and English ('项目编码 project_code'), from the column comments. "
                       "Views: v_form_scorecard, v_indicator_results, v_self_score_audit, "
                       "v_unit_year_summary.")
    x.add_argument("--view", required=True, metavar="NAME", help="view or table to export")
    x.add_argument("--format", choices=["csv", "parquet", "xlsx"], default=None,
                   help="default: from the --out suffix")
    x.add_argument("--out", required=True, metavar="FILE",
                   help="the file to write; never a file of the warehouse (refused)")
    x.add_argument("--force", action="store_true", help="replace --out if it exists")
    warehouse_opt(x)
    x.set_defaults(run=_export)

    r = sub.add_parser("rebuild", help="reload every report from its kept copy, in the order loaded",
                       description="Make the warehouse again from the store of sources (the copy of "
                       "each report kept when it was loaded): every loaded report is reloaded in the "
                       "order it was first loaded, so each form's versions stay as they were; refused "
                       "reports' rows are carried over. Built in a fresh file beside the warehouse, "
                       "checked, and swapped in only when complete: otherwise the warehouse is left "
                       "as it was. Exit 0 when rebuilt, 1 when a report did not reload, 2 when a "
                       "report's copy is missing or damaged (nothing is done).")
    r.add_argument("--dry-run", action="store_true",
                   help="list what would be reloaded and the size of the sources; change nothing")
    r.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    r.add_argument("--workers", type=int, metavar="N",
                   help="reports read at once, each in its own process (default: one per core)")
    r.add_argument("--sources", metavar="DIR",
                   help="the store of sources to reload from: the copy of each report loaded "
                   "(default: $JIXIAO_SOURCES or sources/ beside the warehouse file)")
    warehouse_opt(r)
    r.set_defaults(run=_rebuild)

    w = sub.add_parser("report", help="write the review report: an offline HTML site of the findings",
                       description="Write the review report of the warehouse into a folder: index.html "
                       "(by unit and year, every current form, every refused file with its reason; "
                       "sortable and filterable) and a page per finding with a picture of the page "
                       "region its numbers come from, outlined. It opens offline: nothing is fetched "
                       "from elsewhere. The folder is replaced if it holds an earlier report, refused "
                       "if it holds anything else.")
    w.add_argument("--out", metavar="DIR", default=str(Path("data") / "report"),
                   help="the folder to write (default: %(default)s)")
    warehouse_opt(w)
    w.set_defaults(run=_report)
    return p


# -- commands ------------------------------------------------------------------------------------


def _extract(args: argparse.Namespace) -> int:
    from . import bounded
    from .errors import ReportError
    from .extract import extract_dicts, extract_verbose

    forms: list[dict[str, Any]] = []
    status = 0
    read = extract_verbose if getattr(args, "verbose", False) else extract_dicts
    if args.prefer_ocr:
        read = functools.partial(read, prefer_ocr=True)
    for file, found in bounded.run(read, args.files, limits=Limits.from_env(), workers=args.workers):
        if isinstance(found, ReportError):
            print(f"jixiao: {found}", file=sys.stderr)
            status = 1
            continue
        if isinstance(found, dict):  # --verbose: the tables passed over as not forms
            for table in found["skipped"]:
                print(f"jixiao: {file}, {passed_over(table['page'])}: " + (f"skipped, {table['why']}" if table['page']
                                                                            else table['why']), file=sys.stderr)
            found = found["forms"]
        forms += found
    json.dump(forms, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return status


def _ingest(args: argparse.Namespace) -> int:
    from . import warehouse
    from . import checks
    from .ingest import BATCH_SECONDS, REPORT_SUFFIXES, archives_under, find_reports, ingest_many

    files = find_reports(args.paths)  # a path that is not there stops here, before the warehouse
    archives = archives_under(args.paths)
    if archives:
        names = ", ".join(shown(a) for a in archives[:3]) + (", …" if len(archives) > 3 else "")
        print(f"jixiao: note: {len(archives)} archive(s) not read ({names}): unpack them to load the "
              f"reports they hold", file=sys.stderr)
    if not files:
        print(f"jixiao: no report found under {', '.join(args.paths)} (looked for "
              f"{', '.join(sorted(REPORT_SUFFIXES))})", file=sys.stderr)
        return 2
    limits = Limits(seconds=args.max_seconds, pages=args.max_pages, memory_mb=args.max_memory,
                    wall_seconds=Limits.from_env().wall_seconds)
    with warehouse.writing(args.warehouse, on_wait=_say, on_notice=_tell) as writer:
        con = writer.con
        outcomes = []
        unchecked = warehouse.unchecked_reports(con)  # loaded by a run that was killed before its checks
        published = time.monotonic()
        if unchecked:
            checks.warm_up()  # they are checked whatever else this run does
        reports = ingest_many(con, files, force=args.force, workers=args.workers, prefer_ocr=args.prefer_ocr,
                              quarantine_dir=Path(args.quarantine), limits=limits,
                              batch_seconds=min(args.publish_every, BATCH_SECONDS),
                              on_reading=checks.warm_up)  # beside the reading
        try:
            for n, outcome in enumerate(reports, start=1):
                outcomes.append(outcome)
                if outcome.status == "loaded":
                    unchecked.append(outcome.sha256)
                if not args.quiet:
                    print(f"[{n}/{len(files)}] {shown(outcome.path)} ... {describe(outcome)}",
                          file=sys.stderr, flush=True)
                    for page, why in outcome.skipped:  # look-alike tables: listed, never a refusal
                        print(f"    {passed_over(page)}: " + (f"not a form, skipped ({why})" if page else why),
                              file=sys.stderr)
                if unchecked and n < len(files) and time.monotonic() - published >= args.publish_every:
                    # a long run shows progress: every report written so far is checked (small reports
                    # are written in batches, pipeline.ingest; a snapshot holds no unchecked form) and
                    # published. Not after the last one: it is checked below, once the readers are gone
                    # (the pool closes with the loop), so Great Expectations' 250 MB never adds to theirs
                    if todo := warehouse.unchecked_reports(con):
                        checks.run(con, todo)
                        writer.publish()
                    unchecked, published = [], time.monotonic()
        except Exception:  # the warehouse could not be written: what each report came to, then why
            _not_loaded(outcomes)
            print(_summary(outcomes, len(files)) + "; the run stopped (the reports loaded are checked by "
                  "the next run)", flush=True)
            raise
        if unchecked and (todo := warehouse.unchecked_reports(con)):
            if not args.quiet:
                print(f"checking {len(todo)} report(s) ...", file=sys.stderr)
            checks.run(con, todo)
        loaded = [o.sha256 for o in outcomes if o.status == "loaded"]
        lines = warehouse.read_frame(con, FORM_LINES, [loaded]) if loaded else None
        standing = con.execute(STANDING).fetchall()[0]
    if lines is not None:
        for r in lines.iter_rows(named=True):
            print(form_line(r))
    not_loaded = _not_loaded(outcomes)
    forms = lines.height if lines is not None else 0
    failed = int(lines["failed"].sum()) if lines is not None and lines.height else 0
    print(f"{_summary(outcomes, len(files))}; {forms} form(s) read; {failed} failed check(s) "
          f"in this run; the warehouse holds {standing[0]} current form(s) with {standing[1]} failed "
          f"check(s) -> {warehouse.warehouse_path(args.warehouse)}")
    return 1 if not_loaded else 0


def _not_loaded(outcomes: list) -> list:
    """The reports of the run not loaded, each said with its file and why (on stderr)."""
    not_loaded = [o for o in outcomes if o.status in ("quarantined", "refused", "unwritten")]
    for o in not_loaded:
        print(f"{'not written' if o.status == 'unwritten' else o.status}: {o.error}", file=sys.stderr)
    return not_loaded


def _summary(outcomes: list, files: int) -> str:
    """The run's reports counted by what they came to (and those it never reached, had it stopped)."""
    counts = {s: sum(o.status == s for o in outcomes)
              for s in ("loaded", "skipped", "quarantined", "refused", "unwritten")}
    refused = f", {counts['refused']} refused (not read: see above)" if counts["refused"] else ""
    unwritten = f", {counts['unwritten']} not written (see above)" if counts["unwritten"] else ""
    unreached = f", {files - len(outcomes)} not reached" if files > len(outcomes) else ""
    return (f"{files if unreached else len(outcomes)} report(s): {counts['loaded']} loaded, "
            f"{counts['skipped']} already loaded, {counts['quarantined']} quarantined{refused}{unwritten}"
            f"{unreached}")


def _step(message: str, started: float) -> None:
    """A progress line on stderr, with the seconds since `started`."""
    print(f"[{time.monotonic() - started:5.1f}s] {message} ...", file=sys.stderr, flush=True)


def _say(message: str) -> None:
    print(f"jixiao: {message} ...", file=sys.stderr, flush=True)


def _tell(message: str) -> None:
    print(f"jixiao: {message}", file=sys.stderr, flush=True)


def _validate(args: argparse.Namespace) -> int:
    import polars as pl

    from . import warehouse
    from . import checks

    if args.failed and args.format == "text":
        print("jixiao: --failed is for --format json; the text lists only the failed checks",
              file=sys.stderr)
        return 2
    started = time.monotonic()
    with warehouse.writing(args.warehouse, create=False, on_wait=_say, on_notice=_tell) as writer:
        forms, reports = writer.con.execute(
            "SELECT count(*), count(DISTINCT report_sha256) FROM dim_form").fetchall()[0]
        suites = checks.load_suites()
        _step(f"checking {forms} form(s) of {reports} report(s) against {len(suites)} suites "
              f"({', '.join(s.name for s in suites)}); loading Great Expectations", started)
        checks.load_gx()  # its import is a third of the time: said apart
        _step("running the suites", started)
        findings = checks.run(writer.con)  # every version is checked and stored; current ones shown
        versions = warehouse.read_frame(writer.con, VERSIONS)
        _step(f"{findings.height} finding(s) stored in check_result; publishing", started)
    _step("done", started)
    findings = findings.join(versions, on=["form_id", "report_sha256"])
    if not args.all_versions:
        findings = findings.filter(pl.col("is_current"))
    findings = findings.sort("form_id", "rule", "subject", "load_seq").with_columns(
        (pl.col("report_sha256").n_unique().over("form_id") > 1).alias("versions"))
    failed = findings.filter(~pl.col("passed"))
    if args.format == "json":
        rows = failed if args.failed else findings
        keys = ["form_id", "project_code", "rule", "subject", "expected", "observed", "passed",
                "file_name", "report_sha256", "is_current"]
        json.dump([{k: plain(r[k]) for k in keys} for r in rows.iter_rows(named=True)],
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for r in failed.iter_rows(named=True):
            said = checks.RULES[r["rule"]].en
            version = version_note(r) if r["versions"] else ""
            print(f"FAIL {r['form_id']}  {r['rule']}  {r['subject']}: "
                  f"{said.format(expected=r['expected'], observed=r['observed'])}{version}")
        forms = findings["form_id"].n_unique()
        reports = findings.select("form_id", "report_sha256").n_unique()
        scope = (f"{reports} version(s) of {forms} form(s)" if args.all_versions
                 else f"{forms} current form(s)")
        print(f"{findings.height} check(s) on {scope}: {findings.height - failed.height} "
              f"passed, {failed.height} failed")
        shown = findings.unique(["form_id", "report_sha256"]).select("template", "no_budget").rows()
        for variant, count, rule, why in checks.not_checked(shown):
            print(f"not checked on {count} {variant} form(s): {rule}: {why}")
    return 1 if failed.height else 0


def _query(args: argparse.Namespace) -> int:
    import duckdb

    from . import query, warehouse

    con = query.connect(args.warehouse, allow_files=args.allow_files)
    try:
        query.check(con, args.sql)
        relation = con.sql(args.sql)
        result = None if relation is None else relation.to_arrow_table()  # the SQL runs once
    except query.Refused as err:
        print(f"jixiao: {err}", file=sys.stderr)
        return 2
    except duckdb.Error as err:  # duckdb's errors name the problem well; keep them, drop the trace
        if said := query.refusal(err):
            print(f"jixiao: {said}", file=sys.stderr)
            return 2
        if warehouse.is_corrupt(err):
            print(f"jixiao: the snapshot {warehouse.warehouse_path(args.warehouse)} is damaged ({err}); "
                  f"`jixiao validate` publishes it again from the working file", file=sys.stderr)
            return 3
        print(f"jixiao: query failed: {err}", file=sys.stderr)
        return 1
    if result is None:
        return 0
    if args.format == "table":  # fits the terminal ($COLUMNS): text wrapped, numbers and codes whole
        shown_rows = query.frame(con, result.slice(0, TABLE_ROWS))
        sys.stdout.write(query.table_text(shown_rows, query.terminal_width()))
        if result.num_rows > TABLE_ROWS:
            print(f"jixiao: showed {TABLE_ROWS:,} of {result.num_rows:,} rows; --format csv prints "
                  f"them all", file=sys.stderr)
        return 0
    frame = query.frame(con, result)
    if args.format == "csv":
        sys.stdout.write(query.csv_text(frame))
    else:
        json.dump([{k: plain(v) for k, v in r.items()} for r in frame.iter_rows(named=True)],
                  sys.stdout, ensure_ascii=False, indent=2, default=str)
        print()
    return 0


def _export(args: argparse.Namespace) -> int:
    from . import export, warehouse

    fmt = args.format or Path(args.out).suffix.lstrip(".").lower()
    if fmt not in export.FORMATS:
        print(f"jixiao: cannot tell the format from {args.out!r}: give --format "
              f"{'|'.join(export.FORMATS)}", file=sys.stderr)
        return 2
    con = warehouse.connect(args.warehouse, read_only=True)
    try:
        rows = export.export(con, args.view, fmt, args.out, force=args.force)
    except ValueError as err:
        print(f"jixiao: {err}", file=sys.stderr)
        return 2
    print(f"{rows} row(s) of {args.view} -> {args.out}", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    from . import report, warehouse

    con = warehouse.connect(args.warehouse, read_only=True)
    try:
        built = report.build(con, Path(args.out))
    finally:
        con.close()
    print(f"{built.forms} form(s), {built.findings} finding(s) ({built.pictures} with a picture), "
          f"{built.refused} refused file(s) -> {built.index}", file=sys.stderr)
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from . import rebuild, sources, warehouse

    target = warehouse.warehouse_path(args.warehouse)
    store = sources.store_dir(args.sources, target)
    if not rebuild.listable(target, store):
        print(f"jixiao: {target}: no warehouse, and no catalog in {store}: nothing to rebuild",
              file=sys.stderr)
        return 2
    with warehouse.locked(target, on_wait=_say):
        plan = rebuild.plan(target, store, fold_wal=not args.dry_run)
        if plan.note:
            print(f"jixiao: {plan.note}", file=sys.stderr)
        files, size = sources.usage(store)
        if args.dry_run:
            for k in plan.reports:
                print(f"{k.load_seq:>6}  {k.sha256[:12]}  {mb(k.size):>8}  {k.file_name}"
                      f"{'  ' + k.state.upper() if k.problem else ''}")
        for k in plan.unusable:
            print(f"jixiao: {k.file_name} (sha256 {k.sha256}, load_seq {k.load_seq}): {k.problem}",
                  file=sys.stderr)
        summary = (f"{len(plan.reports)} report(s) to reload from {store}, {mb(plan.size)}; "
                   f"{plan.refusals.height} refused report(s) carried over as they are; the store "
                   f"holds {files} file(s), {mb(size)}")
        if plan.unusable:
            print(f"jixiao: {len(plan.unusable)} report(s) cannot be reloaded; "
                  f"{'a rebuild would stop' if args.dry_run else 'nothing is done'}: put each back: "
                  f"`jixiao ingest --force <its file>` keeps it again (delete a damaged copy first), "
                  f"or restore the store",
                  file=sys.stderr)
        if args.dry_run:
            print(summary)
            return 2 if plan.unusable else 0
        if plan.unusable:
            return 2

        def said(n: int, kept: rebuild.Kept, outcome) -> None:
            if not args.quiet:
                print(f"[{n}/{len(plan.reports)}] {kept.file_name} ({kept.sha256[:12]}) ... "
                      f"{describe(outcome)}", file=sys.stderr, flush=True)

        try:
            result = rebuild.rebuild(plan, limits=Limits.from_env(), workers=args.workers,
                                     on_outcome=said)
        except KeyboardInterrupt:
            print(f"\njixiao: interrupted; {target} is as it was", file=sys.stderr)
            return 130
        except rebuild.RebuildFailed as err:  # the fresh file does not hold what it should: never swapped in
            print(f"jixiao: {err}", file=sys.stderr)
            return 3
        if not result.complete:
            for kept, outcome in result.refused:
                why = outcome.error or f"its copy reads as {outcome.sha256}"
                print(f"jixiao: {kept.file_name} (sha256 {kept.sha256}) did not reload: {why}",
                      file=sys.stderr)
            print(f"jixiao: {len(result.refused)} report(s) did not reload; {target} is as it was",
                  file=sys.stderr)
            return 1
        rebuild.swap(plan, result)
    for change in result.changed:
        print(f"jixiao: note: {change}", file=sys.stderr)
    before = lambda n: "" if n is None else f" ({n} before)"  # noqa: E731 - unknown from the catalog
    print(f"rebuilt {target}: {len(result.outcomes)} report(s) reloaded in the order loaded, "
          f"{plan.refusals.height} refused report(s) carried over; {result.forms} form(s)"
          f"{before(plan.forms)}, {result.failed} failed check(s){before(plan.failed)}; sources "
          f"{mb(size)} in {store}")
    return 0


# -- printing helpers ----------------------------------------------------------------------------


if __name__ == "__main__":
    sys.exit(main())
