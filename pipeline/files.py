"""The warehouse's files and what can go wrong with them: where the snapshot, the working file and
the lock are; a copy made whole or not at all; a full disk and a damaged file told apart from other
errors and said in one line with what is kept; a damaged working file made again from the snapshot.
`warehouse` uses these; nothing here knows a table.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from .errors import WarehouseFault


DEFAULT_WAREHOUSE = Path("data") / "warehouse.duckdb"


def warehouse_path(explicit: str | os.PathLike | None = None) -> Path:
    """--warehouse, else $JIXIAO_WAREHOUSE, else data/warehouse.duckdb."""
    return Path(explicit or os.environ.get("JIXIAO_WAREHOUSE") or DEFAULT_WAREHOUSE)


def work_path(published: Path) -> Path:
    """The writers' file beside the published one: data/warehouse.duckdb → data/warehouse.work.duckdb."""
    return published.with_name(f"{published.stem}.work{published.suffix}")


def lock_path(published: Path) -> Path:
    return published.with_name(f"{published.name}.lock")


def published_of(path: Path) -> Path:
    """The snapshot a warehouse file belongs to: itself, or the one users know for a working file."""
    if path.name.endswith(".work.duckdb"):
        return path.with_name(path.name.replace(".work.duckdb", ".duckdb"))
    return path


def files(published: Path) -> list[Path]:
    """Every file of the warehouse: the snapshot, the working file, the lock and their WALs (what a
    command writing a file of its own, `jixiao export`, must never write onto)."""
    work = work_path(published)
    return [published, work, lock_path(published), Path(f"{published}.wal"), Path(f"{work}.wal")]


class PublishFailed(WarehouseFault):
    """The snapshot could not be replaced (a full disk): what is stored stays in the working file."""


class WriteFailed(WarehouseFault):
    """The working file could not be written (a full disk): the report being written rolled back."""


class Damaged(WarehouseFault):
    """A warehouse file DuckDB cannot read back (a checksum that does not match, not a database)."""


class WorkingFileRestored(WarehouseFault):
    """The working file was damaged and has been made again from the snapshot: the command that was
    using it stopped part way and must run again (the CLI does so once, by itself)."""

    again = True


def is_corrupt(err: BaseException) -> bool:
    """DuckDB's own words for a file it cannot read back: a block whose checksum does not match, or a
    file that is not a database. Nothing else: a locked, missing or full file is not damaged."""
    text = str(err)
    return isinstance(err, duckdb.Error) and (
        "Corrupt database file" in text or "not a valid DuckDB database file" in text)


def is_disk_full(err: BaseException) -> bool:
    """ENOSPC or EDQUOT, from the OS (an OSError) or as DuckDB words it ("No space left on device")."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(err)
    return isinstance(err, (OSError, duckdb.Error)) and (
        os.strerror(errno.ENOSPC) in text or os.strerror(errno.EDQUOT) in text)


def _reason(err: BaseException) -> str:
    if is_disk_full(err):
        return "the disk is full"
    return err.strerror if isinstance(err, OSError) and err.strerror else str(err)


def _copy(source: Path, target: Path, *, ready: Callable[[Path], None] | None = None) -> None:
    """Copy `source` to `target` through a temporary file beside it, fsynced and renamed into place:
    a full disk or a kill never leaves half a file under `target`'s name, nor the temporary one.
    `ready(tmp)` runs before the rename: to check the copy, or clear the way for it."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        if ready:
            ready(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _readers(published: Path) -> str:
    return (f"readers still see the previous snapshot {published}" if published.exists()
            else "readers have no snapshot yet")


def restore(published: Path, err: BaseException) -> str:
    """Put a damaged working file (and its WAL) aside as `<name>.corrupt-<UTC time>` and make it again
    from the snapshot, once the snapshot is read through whole; returns what was done, in a line.
    Refuses (`Damaged`) when there is no snapshot or it is damaged too, naming both files."""
    work = work_path(published)
    if not published.exists():
        raise Damaged(f"{work} is damaged ({err}) and there is no snapshot {published} to make it "
                      f"again from: move it aside and ingest the reports again") from err
    aside = work.with_name(f"{work.name}.corrupt-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}")

    def ready(copy: Path) -> None:
        check_readable(copy)
        if work.exists():
            os.replace(work, aside)
        wal = Path(f"{work}.wal")
        if wal.exists():  # the damaged file's log: never to be replayed into the snapshot's copy
            os.replace(wal, Path(f"{aside}.wal"))

    try:
        _copy(published, work, ready=ready)
    except Damaged as again:
        raise Damaged(
            f"{work} is damaged ({err}), and so is the snapshot {published} ({again.__cause__ or again}):"
            f" neither can be read back; move both aside (`mv {work} {work}.corrupt; mv {published} "
            f"{published}.corrupt`) and ingest the reports again") from err
    return (f"{work} was damaged ({err}); moved aside to {aside.name} and made again from the "
            f"snapshot {published}: reports stored after the last publish are not in it, run "
            f"`jixiao ingest` on their files again (the others are skipped)")


def check_readable(path: Path) -> None:
    """Read every block of every table of `path` (a checksum is verified as a block is read), or
    raise `Damaged`: what a file about to stand in for a damaged one must pass."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        if is_corrupt(err):
            raise Damaged(f"{path}: {err}") from err
        raise
    try:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            con.execute(f'SELECT bit_xor(hash(t)) FROM "{table}" t').fetchall()  # every column
    except duckdb.Error as err:
        if is_corrupt(err):
            raise Damaged(f"{path}: {err}") from err
        raise
    finally:
        con.close()
