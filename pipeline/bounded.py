"""Reading reports in worker processes, each bounded in time, pages and memory.

A report file is untrusted input to C libraries (pdfium, OpenCV) and to parsers that may loop, recurse
or inflate a stream without end. So every report is read in a worker process of a pool (pebble), never
in the process that writes the warehouse, and whatever happens there comes back as the report's
refusal, never as the caller's failure:

- a `ReportError` raised by the reader is returned as it is;
- any other exception, from a library or from jixiao, is `Unreadable` with the library's message;
- a worker that dies (a segfault in a C library) is `Unreadable` naming the signal;
- a report over `Limits.seconds` of the worker's CPU time or `Limits.memory_mb` of resident memory (a
  watchdog process beside the worker ends it), over `Limits.wall` of wall time (the last resort: the
  worker is killed), or over `Limits.pages` (checked when the file is opened) is `OverLimit`.

CPU time, not wall time: on a machine shared with other work a report takes longer but is never
refused for its neighbours' load; only a worker stuck without computing (waiting on nothing) meets
the wall-clock limit, ten times longer by default.

Results come back in the order of the items, so callers print and store them in a stable order, while
up to `workers` reports are read at once.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool

from .errors import OverLimit, ReportError, Unreadable, setting

T = TypeVar("T")
Item = TypeVar("Item")

_MEMORY_SIGNAL = signal.SIGUSR2  # what the watchdog ends a worker over Limits.memory_mb with
_CPU_SIGNAL = signal.SIGUSR1  # … and over Limits.seconds of CPU (ends it, no core dump: not SIGXCPU)
WALL_FACTOR = 10  # the wall-clock limit of a task, as a multiple of its CPU limit, by default
_PAGE = os.sysconf("SC_PAGE_SIZE")
# Items scheduled ahead of the one the caller waits for. Results come back in order, so a slow item
# (a scanned page to OCR, 10–25 s) holds up the caller; with only a few scheduled behind it the other
# workers soon had nothing to read. A result is small (one report's rows, or 50 pages' of a bundle).
AHEAD = 32
# Imported once by the forkserver, before it forks any worker: the reading, and Camelot's lattice
# (`read.grids.scan`), which each worker otherwise imported for itself (0.4-1.7 CPU-s apiece). Safe
# since `read.pdf._own_abc_data`: with Camelot preloaded, workers had read parts into a polars
# ComputeError, from a dict no longer taken for a Mapping.
PRELOAD = ("pipeline.extract", "pipeline.facts.frames", "camelot.parsers", "camelot.image_processing",
           "playa.miner")


class ReadersFailed(RuntimeError):
    """The pool of reading processes itself failed (not one report): the run stops, said in one line."""


@dataclass(frozen=True)
class Limits:
    """What one report may take. The defaults read a 1,000-page bundle comfortably (about a minute
    and well under 1 GB here) and stop a pathological file long before it hurts the nightly run."""

    seconds: float = 900.0  # CPU time of one worker's task: a report, or a part of a long one
    pages: int = 20_000
    memory_mb: int = 4_096  # resident memory of the worker reading it
    wall_seconds: float | None = None  # wall time of one task, the last resort: None is 10 × seconds

    @property
    def wall(self) -> float:
        """The wall-clock limit of one task: a worker that waits (not computes) is still ended."""
        return self.wall_seconds if self.wall_seconds is not None else WALL_FACTOR * self.seconds

    @classmethod
    def from_env(cls) -> "Limits":
        """$JIXIAO_MAX_SECONDS, $JIXIAO_MAX_PAGES, $JIXIAO_MAX_MEMORY_MB, $JIXIAO_MAX_WALL_SECONDS
        override the defaults (the Dagster code location reads its limits this way; the CLI also has
        flags)."""
        base = cls()
        return cls(
            seconds=setting("JIXIAO_MAX_SECONDS", float, base.seconds, "a number of seconds"),
            pages=setting("JIXIAO_MAX_PAGES", int, base.pages, "a whole number of pages"),
            memory_mb=setting("JIXIAO_MAX_MEMORY_MB", int, base.memory_mb, "a whole number of MB"),
            wall_seconds=setting("JIXIAO_MAX_WALL_SECONDS", float, None, "a number of seconds"),
        )


def default_workers() -> int:
    """One reader per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def run(fn: Callable[..., T], items: Iterable[Item], *, limits: Limits = Limits(),
        workers: int | None = None, name: Callable[[Item], str] = str) -> Iterator[tuple[Item, T | ReportError]]:
    """`fn(item, max_pages=limits.pages)` for each item in a worker process, yielding `(item, result)`
    in the order of `items`; the result is the refusal (`ReportError`) when the reading failed in any
    way. `name(item)` is the file name a refusal gives. `fn` must be importable (picklable)."""
    items = list(items)
    if not items:
        return
    workers = max(1, min(workers or default_workers(), len(items)))
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(PRELOAD))

    def start() -> ProcessPool:
        return ProcessPool(max_workers=workers, context=context, initializer=_worker_start,
                           initargs=(limits.memory_mb, max(1, default_workers() // workers)))

    pool, restarts = start(), 0
    held: list[tuple] = []  # (pool, its channel's semaphores): see `_channel_locks`
    pending: deque = deque()
    queue = iter(items)

    def add(item: Item) -> None:
        entry = [item, None]
        pending.append(entry)
        try:
            submit(entry)
        except _PoolBroken:
            pass  # still unscheduled: the next round restarts the pool and schedules it

    def submit(entry: list) -> None:
        try:
            entry[1] = pool.schedule(guarded, (fn, entry[0], limits.pages, limits.seconds), timeout=limits.wall)
        except RuntimeError as exc:  # pebble: the pool itself is in error
            raise _PoolBroken(str(exc)) from exc
        finally:  # the pool starts (makes its channel) at its first task, even one that fails
            if not any(p is pool for p, _ in held):
                held.append((pool, _channel_locks(pool)))

    try:
        for item in islice(queue, max(2 * workers, AHEAD)):  # ahead of the caller, not all at once
            pending.append([item, None])
        while pending:
            try:
                for entry in pending:  # scheduled on the pool now running (after a restart: again)
                    if entry[1] is None:
                        submit(entry)
                item, future = pending[0]
                result = _outcome(future, name(item), limits)
                pending.popleft()
                for nxt in islice(queue, 1):  # the pool reads on while the caller stores this one
                    add(nxt)
            except _PoolBroken as exc:
                # pebble's own machinery failed (a worker killed while it held the result channel,
                # on a loaded machine): no report's fault. A fresh pool reads what is pending.
                restarts += 1
                if restarts > _RESTARTS:
                    raise ReadersFailed(f"the pool of reading processes failed ({exc})") from exc
                pool.stop()
                pool.join()
                pool = start()
                for entry in pending:
                    entry[1] = None
                continue
            yield item, result
    finally:
        if pending:  # the caller stopped early (an interrupt): nothing more is read
            pool.stop()
        else:
            pool.close()
        pool.join()
        held.clear()  # every worker has exited: the semaphores may go


def _channel_locks(pool: ProcessPool) -> tuple:
    """References to the semaphores of the pool's channels, held until the pool has joined.

    pebble's shutdown unlinks them (drops its references) before it stops the workers; a worker
    still starting then fails to unpickle them and its forkserver child prints a traceback (seen when
    a short run ends before its last worker is up). What we hold keeps them until every worker has
    exited. Private attributes of pebble 5.x: when they move, nothing is held (the old race)."""
    try:
        mutex = pool._pool_manager.worker_manager.workers_channel.mutex
        return tuple(lock for lock in (mutex.reader_mutex, mutex.writer_mutex) if lock is not None)
    except AttributeError:
        return ()


class _PoolBroken(Exception):
    """pebble reports the pool itself in error, not a task."""


_RESTARTS = 3  # fresh pools one run may start before it gives up (ReadersFailed)


def _outcome(future: Any, file: str, limits: Limits) -> Any:
    try:
        return future.result()
    except FutureTimeout:
        return OverLimit(file, f"reading it took longer than {limits.wall:g} s of wall time (the last-resort "
                               f"limit per worker's task: a report, or a part of 50 pages of a long one)")
    except ProcessExpired as exc:
        if exc.exitcode == -_CPU_SIGNAL:
            return OverLimit(file, f"reading it took more than {limits.seconds:g} s of CPU time (the limit per "
                                   f"worker's task: a report, or a part of 50 pages of a long one)")
        if exc.exitcode == -_MEMORY_SIGNAL:
            return OverLimit(file, f"reading it needed more than {limits.memory_mb} MB of memory "
                                   f"(the limit per worker)")
        how = f"signal {-exc.exitcode}" if exc.exitcode and exc.exitcode < 0 else f"exit {exc.exitcode}"
        return Unreadable(file, f"the PDF reader crashed on it ({how})")
    except RuntimeError as exc:
        if "Pool" in str(exc):  # "Unexpected error within the Pool"
            raise _PoolBroken(str(exc)) from exc
        return Unreadable(file, f"reading it failed: {type(exc).__name__}: {exc}")
    except Exception as exc:  # the result could not travel back (pickling), or pebble failed
        return Unreadable(file, f"reading it failed: {type(exc).__name__}: {exc}")


def guarded(fn: Callable[..., T], item: Any, max_pages: int | None = None,
            cpu_seconds: float | None = None) -> T | ReportError:
    """`fn(item, max_pages=…)` with every exception turned into the report's refusal: what each
    worker runs (its watchdog ends it past `cpu_seconds` of CPU time), and what a caller reading in
    its own process (no time or memory bound) may run."""
    _tell_watchdog(cpu_seconds)
    try:
        return fn(item, max_pages=max_pages)
    except ReportError as err:
        return err
    except MemoryError:
        return OverLimit(_file(item), "reading it ran out of memory")
    except RecursionError:
        return Unreadable(_file(item), "the PDF nests its objects too deeply to read")
    except Exception as exc:  # a PDF library (pdfium, playa, Camelot, OpenCV) or our parsing
        return Unreadable(_file(item), f"a PDF library failed on it: {type(exc).__name__}: "
                                       f"{str(exc)[:300] or 'no message'}")
    finally:
        _tell_watchdog(None)


_watchdog_pipe: int | None = None  # in a worker: where it tells its watchdog a task's CPU limit


def _tell_watchdog(cpu_seconds: float | None) -> None:
    """A task starts with `cpu_seconds` of CPU time to spend (the watchdog counts from now), or ends
    (None). Nothing where there is no watchdog (a caller's own process, a system without /proc)."""
    if _watchdog_pipe is None:
        return
    try:
        os.write(_watchdog_pipe, f"{cpu_seconds if cpu_seconds and cpu_seconds > 0 else '-'}\n".encode())
    except OSError:  # the watchdog is gone: the wall-clock limit still holds
        pass


def _file(item: Any) -> str:
    return str(item if isinstance(item, (str, Path)) else getattr(item, "path", item))


_cores = 0  # in a worker: the cores it may use (its pool's share); 0 elsewhere
_memory_mb = 0  # in a worker: its memory limit; 0 elsewhere


def task_cores() -> int:
    """The cores one task may keep busy: in a worker, its share of the machine (all of it when it
    reads alone: one large scanned report); elsewhere (an in-process reading), every core."""
    return _cores or default_workers()


def task_memory_mb() -> int | None:
    """The memory one task may use: in a worker, its limit; elsewhere None (no limit)."""
    return _memory_mb or None


def _worker_start(limit_mb: int, cores: int) -> None:
    """Worker initializer: its share of the cores (`task_cores`) and its memory limit
    (`task_memory_mb`), and its watchdog (`_watch_memory`), and its garbage collector
    (`_collector`)."""
    global _cores, _memory_mb
    _cores, _memory_mb = cores, limit_mb
    _watch_memory(limit_mb)
    _collector()


YOUNG = 10_000  # objects made (less those freed) between two collections of the youngest generation


def _collector() -> None:
    """A worker's cyclic garbage collector. What the worker holds at its start (the forkserver's
    imports: Camelot, pandas, polars, ...) is set aside (`gc.freeze`): it lives as long as the
    worker, and each full collection would walk it again (2% of a warm reading's CPU,
    bench/profile_reading.py --gc). And the youngest generation is collected after `YOUNG` objects
    made, not CPython's 700: a page's reading makes thousands (glyphs, their dicts, tuples), nearly
    all freed by their count, and the collections walking them were 3-5% of the reading's CPU
    (bench/ab_gc.py); what cycles a reading leaves waits a little longer (the same peak memory over
    1,001 pages, bench/README.md, round 9)."""
    import gc

    gc.freeze()
    gc.set_threshold(YOUNG, *gc.get_threshold()[1:])


def _watch_memory(limit_mb: int) -> None:
    """Worker initializer: a watchdog ends the worker (signal `_MEMORY_SIGNAL`) once its resident
    memory passes the limit, or (`_CPU_SIGNAL`) once the task it reads has spent the CPU time it was
    given (`_tell_watchdog`; utime + stime of /proc/<worker>/stat, every thread of the worker). Resident, not virtual: the libraries reserve gigabytes they never touch,
    so an address-space rlimit would refuse ordinary reports. The watchdog is a process of its own (a
    small interpreter the worker starts, not a copy of it), not a thread: a thread needs the GIL,
    which one long C call (a bytes operation, the final copy of a large zlib output) holds while it
    touches gigabytes."""
    statm_path = f"/proc/{os.getpid()}/statm"
    if not os.path.exists(statm_path):
        return
    global _watchdog_pipe
    worker, limit = os.getpid(), limit_mb * 1024 * 1024
    read_end, write_end = os.pipe()
    if os.fork() != 0:
        os.close(read_end)
        _watchdog_pipe = write_end
        return
    try:  # the watchdog: a small interpreter of its own (not a copy of the worker's memory), holding
        os.dup2(read_end, 3)  # none of the worker's files but its end of the pipe, ending when the
        os.closerange(4, 1 << 16)  # worker does
        os.set_inheritable(3, True)
        os.execv(sys.executable, [sys.executable, "-S", "-c", _WATCHDOG, str(worker), str(limit),
                                  str(_PAGE), str(int(_MEMORY_SIGNAL)), str(int(_CPU_SIGNAL)),
                                  str(os.sysconf("SC_CLK_TCK"))])
    finally:
        os._exit(0)


_WATCHDOG = """
import os, signal, sys, time
worker, limit, page, sig, cpu_sig, tick = map(int, sys.argv[1:])
os.set_blocking(3, False)
told, deadline = b"", None

def cpu():
    stat.seek(0)
    fields = stat.read().rsplit(b")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

def end(how):
    os.kill(worker, how)
    time.sleep(1)
    if os.getppid() == worker:  # the signal was caught: no more asking
        os.kill(worker, signal.SIGKILL)

try:
    with open(f"/proc/{worker}/statm", "rb") as statm, open(f"/proc/{worker}/stat", "rb") as stat:
        while os.getppid() == worker:
            try:
                told += os.read(3, 4096)
            except BlockingIOError:
                pass
            while b"\\n" in told:
                line, told = told.split(b"\\n", 1)
                deadline = None if line == b"-" else cpu() + float(line) * tick
            statm.seek(0)
            if int(statm.read().split()[1]) * page > limit:
                end(sig)
                break
            if deadline is not None and cpu() > deadline:
                end(cpu_sig)
                break
            time.sleep(0.02)
except (OSError, ValueError, IndexError):  # the worker is gone
    pass
"""
