"""Where report files live, and the dynamic partitions they become: one partition per report, keyed
by the file's sha256 (the warehouse's report key), so a renamed copy is the same partition and an
edited file is a new one."""

import os
from pathlib import Path

import dagster as dg

from pipeline import warehouse
from pipeline.errors import ReportError
from pipeline.ingest import find_reports, quarantine
from pipeline.read.pdf import sha256_of

REPORTS = dg.DynamicPartitionsDefinition(name="reports")
FILE_TAG = "jixiao/file"  # the path a sensor saw, on the run it requested


class ReportFolder(dg.ConfigurableResource):
    """The inbox the sensor watches and the quarantine a refused file moves to, with a JSON sidecar
    giving its reason. Defaults come from $JIXIAO_INBOX / $JIXIAO_QUARANTINE / $JIXIAO_DOCS, so the
    webserver, daemon and every run process agree without run config."""

    inbox_dir: str = os.environ.get("JIXIAO_INBOX", "data/inbox")
    quarantine_dir: str = os.environ.get("JIXIAO_QUARANTINE", "data/quarantine")
    docs_dir: str = os.environ.get("JIXIAO_DOCS", "data/docs")
    # The sensor's runs ($JIXIAO_INBOX_RUNS): "batch", one `ingest_batch` run for the files settled
    # in a tick (each report still its own partition); "report", one `ingest_report` run per file.
    inbox_runs: str = os.environ.get("JIXIAO_INBOX_RUNS", "batch")

    def inbox(self) -> list[Path]:
        """The reports under the inbox (PDFs, workbooks, Word documents, web pages: `find_reports`), as
        absolute paths: they travel in run tags to other processes."""
        folder = Path(self.inbox_dir).absolute()
        return find_reports([folder]) if folder.is_dir() else []

    def file_of(self, sha256: str, hint: str | None = None) -> Path | None:
        """The file of a partition: the path its run was requested for, else the first file in the
        inbox or the quarantine with that content (a rerun from the UI carries no path). A file that
        cannot be read (gone, no permission, not a regular file) is not it."""
        candidates = [Path(hint)] if hint else []
        for folder in (self.inbox_dir, self.quarantine_dir):
            try:
                candidates += find_reports([folder]) if Path(folder).is_dir() else []
            except OSError:  # the folder went away since
                pass
        for path in candidates:
            try:
                if sha256_of(path) == sha256:
                    return path
            except (OSError, ReportError):  # gone, unreadable, a FIFO, changing: not this report's file
                continue
        return None

    def put_aside(self, path: Path, sha256: str, err: ReportError) -> Path:
        """Quarantine a refused file: moved out of the inbox (so it is not retried every night), copied
        from anywhere else, left where it is when it is already in quarantine."""
        folder = Path(self.quarantine_dir)
        if path.resolve().parent == folder.resolve():
            return path
        inbox = Path(self.inbox_dir).resolve()
        return quarantine(path, sha256, err, folder, move=path.resolve().is_relative_to(inbox))


class Warehouse(dg.ConfigurableResource):
    """The warehouse file analysts open ($JIXIAO_WAREHOUSE, default data/warehouse.duckdb). A step
    writes through `pipeline.warehouse.writing`: it waits for the writers' lock (a `jixiao ingest`
    or another step may hold it), writes the working file and publishes a new snapshot, so an
    analyst's open session never fails a step and a step never blocks an analyst."""

    path: str = str(warehouse.warehouse_path())

    def writing(self, log=None, *, publish: bool = True):
        return warehouse.writing(self.path, publish=publish, on_wait=log.info if log else None)
