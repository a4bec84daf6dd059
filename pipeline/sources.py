"""The store of loaded sources: a copy of every report file loaded, named by its sha256, so that the
warehouse can be rebuilt (`jixiao rebuild`, `pipeline.rebuild`) from files it owns, whatever became of
the files it was read from (moved out of the inbox, renamed, deleted).

`<store>/<sha[:2]>/<sha256><suffix>`, the store being $JIXIAO_SOURCES, else `sources/` beside the
warehouse file (`jixiao rebuild --sources` reads one from elsewhere). The suffix is the report's own
kind (.pdf, .xlsx, .xls, .docx, .html, .htm, lower-cased; .pdf for any other name), since a web page is
told by its name when its first bytes do not say (`read.tables.kind`): a copy named .pdf was refused by
the rebuild. Otherwise the name is fixed by the content alone: the same content under any name is kept
once. Beside the copies, `dim_report.parquet` is the catalog: dim_report as last published
(`warehouse.Writer.publish`), which gives the order the reports were loaded in should the warehouse
files themselves be lost.

A copy, never a hard link: a link shares its bytes with the user's file, and a file overwritten in
place (an Excel re-export to the same name) would change what the store says was loaded. The copy is
hashed as it is written and renamed into place only when its sha256 is the report's, so the store
holds whole files of the right content or nothing.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import suppress
from pathlib import Path

import duckdb

from .errors import FileFault
from .read.tables import KINDS

SUFFIX = ".pdf"
CATALOG = "dim_report.parquet"
CHUNK = 1 << 20


class NotKept(FileFault):
    """A report whose copy could not be kept in the store (a full disk, a file changed while it was
    read): not loaded, since a report the store lacks could not be rebuilt. The machine's fault, not
    the report's: like any `FileFault` it is the run's refusal only, never recorded nor quarantined,
    and the file stays where it is, so the next run (or the sensor's retry) loads it."""

    kind = "not_kept"


def store_dir(explicit: str | os.PathLike | None, warehouse: Path) -> Path:
    """--sources, else $JIXIAO_SOURCES, else `sources/` beside the warehouse file."""
    return Path(explicit or os.environ.get("JIXIAO_SOURCES") or warehouse.parent / "sources")


def store_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The store of the warehouse `con` writes: $JIXIAO_SOURCES, else `sources/` beside its file
    (the working file sits beside the published one); None for a warehouse in memory."""
    if os.environ.get("JIXIAO_SOURCES"):
        return Path(os.environ["JIXIAO_SOURCES"])
    [(path,)] = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(path).parent / "sources" if path else None


def kept_path(store: Path, sha256: str, suffix: str = SUFFIX) -> Path:
    return store / sha256[:2] / f"{sha256}{suffix}"


def suffix_of(path: Path) -> str:
    """The suffix a report's copy is kept under: its own when it names a kind jixiao reads, else .pdf."""
    suffix = path.suffix.lower()
    return suffix if suffix in KINDS else SUFFIX


def copies(store: Path, sha256: str) -> list[Path]:
    """The copies of `sha256` in `store`, under any suffix."""
    return sorted((store / sha256[:2]).glob(f"{sha256}.*"))


def keep(store: Path, path: Path, sha256: str) -> Path:
    """The copy of `path` in `store`, made if it is not there yet, or not of the file's size (a
    damaged copy); atomically: written beside it, checked, renamed into place. `NotKept`, naming the
    file, when it cannot be made."""
    target = kept_path(store, sha256, suffix_of(path))
    try:
        if target.is_file() and target.stat().st_size == path.stat().st_size:
            return target
    except OSError:
        pass  # said below, by the copy
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in target.parent.glob(f".{target.name}.*.tmp"):  # of a writer killed copying it
            _discard(stale)
        digest = hashlib.sha256()
        with path.open("rb") as src, tmp.open("wb") as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        if digest.hexdigest() != sha256:
            raise NotKept(str(path), f"the file changed while it was read (sha256 {sha256[:12]}… when "
                          f"read, {digest.hexdigest()[:12]}… when copied to the store of sources); "
                          f"load it again once it is complete")
        os.replace(tmp, target)
        _sync_dir(target.parent)
    except OSError as err:
        raise NotKept(str(path), f"cannot keep its copy in the store of sources {store} ({err}); "
                      f"it is not loaded, since it could not be rebuilt; a rerun loads it") from err
    finally:
        _discard(tmp)
    return target


def write_catalog(con: duckdb.DuckDBPyConnection, store: Path) -> None:
    """dim_report as `con` holds it, in the order loaded, written atomically to the store's catalog."""
    if not con.execute("SELECT count(*) FROM dim_report").fetchone()[0]:
        return
    store.mkdir(parents=True, exist_ok=True)
    tmp = store / f".{CATALOG}.{os.getpid()}.tmp"
    try:
        con.execute(f"COPY (SELECT * FROM dim_report ORDER BY load_seq) TO '{_quoted(tmp)}' (FORMAT parquet)")
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, store / CATALOG)
    finally:
        _discard(tmp)


def usage(store: Path) -> tuple[int, int]:
    """(files, bytes) the store holds."""
    sizes = [p.stat().st_size for p in store.glob(f"??/{'[0-9a-f]' * 64}.*")] if store.is_dir() else []
    return len(sizes), sum(sizes)


def _discard(tmp: Path) -> None:
    """A temporary file gone, if there is one (a store that cannot be written may not even let it be
    looked for: the error that matters was said already)."""
    with suppress(OSError):
        tmp.unlink(missing_ok=True)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _sync_dir(folder: Path) -> None:
    """The rename made durable: fsync the folder that holds it (where the OS allows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
