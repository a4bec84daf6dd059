"""Faults of the file system, not of a report's content (issue 24): a name that is not UTF-8 or is too
long, a file that cannot be read, a FIFO or device given as a report, a file still being written, a
full quarantine disk, a sidecar left empty by an older version. Each is one report's refusal with a
message naming it; the other reports load and are published; nothing ends in a traceback.

The CLI is run as a user runs it (a subprocess); the faults that cannot be staged from outside (a file
growing between its hashing and its storing, ENOSPC on any machine) are injected in process."""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import dagster as dg
import pytest

from conftest import SAMPLES

JIXIAO = [sys.executable, "-m", "pipeline.cli"]
GOOD = SAMPLES / "440305210300200065020.xlsx.pdf"  # one form, 1 page: the cheapest real report
OTHER = SAMPLES / "440307251551500032553.xlsx.pdf"
GBK = "罗湖".encode("gbk")  # b'\xc2\xde\xba\xfe': not UTF-8, as a Windows zip leaves it
LATIN1 = "café".encode("latin-1")  # b'caf\xe9'


def named(folder: Path, name: bytes, data: bytes) -> Path:
    """A file whose name is these bytes, as Python sees it (`os.fsdecode`: surrogates)."""
    path = os.fsencode(folder) + b"/" + name
    with open(path, "wb") as f:
        f.write(data)
    return Path(os.fsdecode(path))


def ingest(tmp_path: Path, *paths: str | Path, prefix: list[str] | None = None,
           quarantine: Path | None = None) -> subprocess.CompletedProcess:
    """`jixiao ingest` on `paths`, its warehouse and quarantine in tmp_path; stdout and stderr as
    text with any undecodable byte escaped (a test must see them, not fail on them)."""
    quarantine = quarantine or tmp_path / "q"
    return subprocess.run(
        [*(prefix or []), *JIXIAO, "ingest", *map(str, paths), "-q", "--warehouse",
         str(tmp_path / "w.duckdb"), "--quarantine", str(quarantine)],
        capture_output=True, text=True, errors="backslashreplace", timeout=300)


def published(tmp_path: Path) -> dict[str, tuple]:
    """The published snapshot's dim_report: sha256 → (file_name, status, error_kind, error)."""
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT report_sha256, file_name, status, error_kind, error FROM dim_report").fetchall()
    return {r[0]: r[1:] for r in rows}


def sha(path: Path) -> str:
    from pipeline.read.pdf import sha256_of

    return sha256_of(path)


def clean_quarantine(folder: Path) -> dict[str, dict]:
    """Every file of the quarantine has its sidecar, valid JSON, and nothing else is there (no
    temporary file, no copy without a sidecar); name → sidecar."""
    names = [os.fsdecode(n) for n in os.listdir(os.fsencode(folder))] if folder.is_dir() else []
    files = {n for n in names if not n.endswith(".json")}
    assert {n for n in names if n.endswith(".json")} == {f + ".json" for f in files}, names
    notes = {f: json.loads((folder / (f + ".json")).read_text(encoding="utf-8")) for f in files}
    for name, note in notes.items():
        assert len(os.fsencode(name + ".json")) < 255 and name.isprintable()
        assert name.startswith(note["sha256"][:12] + "-")
    return notes


def no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr, result.stderr


# -- names -----------------------------------------------------------------------------------------


def test_names_that_are_not_utf8_load_or_are_refused_by_name(tmp_path):
    """A GBK and a latin-1 name: the good PDF loads, the bad file is quarantined with a readable
    sidecar; names are stored and printed with the odd bytes escaped (`errors.shown`)."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    good = named(inbox, GBK + b".pdf", GOOD.read_bytes())
    good2 = named(inbox, LATIN1 + b".pdf", OTHER.read_bytes())
    bad = named(inbox, LATIN1 + b"-bad.pdf", b"not a pdf")
    bad2 = named(inbox, GBK + b"-bad.pdf", b"also not a pdf")
    result = ingest(tmp_path, inbox)
    no_traceback(result)
    assert result.returncode == 1, result.stderr  # something was quarantined, the rest loaded
    assert "2 loaded" in result.stdout and "2 quarantined" in result.stdout
    rows = published(tmp_path)
    assert rows[sha(good)][:2] == ("\\xc2\u07ba\\xfe.pdf", "loaded")  # the bytes that are not UTF-8, escaped
    assert rows[sha(good2)][:2] == ("caf\\xe9.pdf", "loaded")
    assert rows[sha(bad)][:3] == ("caf\\xe9-bad.pdf", "quarantined", "not_a_pdf")
    assert rows[sha(bad2)][1:3] == ("quarantined", "not_a_pdf")
    assert "caf\\xe9-bad.pdf: not a PDF" in result.stderr
    notes = clean_quarantine(tmp_path / "q")
    assert {n["sha256"] for n in notes.values()} == {sha(bad), sha(bad2)}
    assert {n["name"] for n in notes.values()} == {"caf\\xe9-bad.pdf", "\\xc2\u07ba\\xfe-bad.pdf"}

    extracted = subprocess.run([*JIXIAO, "extract", str(good)], capture_output=True, text=True, timeout=300)
    no_traceback(extracted)
    assert extracted.returncode == 0
    assert json.loads(extracted.stdout)[0]["source"]["file"] == "\\xc2\u07ba\\xfe.pdf"


def test_an_over_long_name_is_refused_and_recorded_not_errno_36(tmp_path):
    """80 CJK characters and '.pdf' (244 bytes): with the hash before it and '.json' after, a
    quarantine name of the whole passes the 255 bytes a name may take.
    The refusal is recorded under its full name, the copy under a bounded one, the run publishes."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    long_name = "关于" * 40 + ".pdf"
    assert len(long_name.encode()) >= 243
    bad = inbox / long_name
    bad.write_bytes(b"\x00" * 100)
    shutil.copy(GOOD, inbox / "good.pdf")
    result = ingest(tmp_path, inbox)
    no_traceback(result)
    assert result.returncode == 1 and "Errno 36" not in result.stderr + result.stdout
    rows = published(tmp_path)
    assert rows[sha(bad)][:3] == (long_name, "quarantined", "not_a_pdf")
    assert rows[sha(GOOD)][1] == "loaded"
    (name, note), = clean_quarantine(tmp_path / "q").items()
    assert name.endswith(".pdf") and len(name.encode()) <= 12 + 1 + 120
    assert note["name"] == long_name and note["kind"] == "not_a_pdf"


# -- files that are not files, or cannot be read ---------------------------------------------------


def test_a_fifo_or_device_given_as_a_report_is_refused_never_opened(tmp_path):
    """A FIFO opened for reading blocks until someone writes it: the run would hang holding the
    writers' lock. It is refused (`not_a_file`) without being opened, as is /dev/null; in a folder,
    a FIFO is passed over."""
    folder = tmp_path / "in"
    folder.mkdir()
    fifo = folder / "pipe.pdf"
    os.mkfifo(fifo)
    shutil.copy(GOOD, folder / "good.pdf")
    result = ingest(tmp_path, fifo, "/dev/null", folder / "good.pdf")  # timeout=300: a hang fails
    no_traceback(result)
    assert result.returncode == 1, result.stderr
    assert f"refused: {fifo}: not a regular file but a FIFO (named pipe)" in result.stderr
    assert "refused: /dev/null: not a regular file but a character device" in result.stderr
    assert "1 loaded, 0 already loaded, 0 quarantined, 2 refused" in result.stdout
    assert [r[1] for r in published(tmp_path).values()] == ["loaded"]  # nothing to key a refusal by
    assert clean_quarantine(tmp_path / "q") == {}

    again = ingest(tmp_path, folder)  # the folder: the FIFO is not a report, the PDF already loaded
    no_traceback(again)
    assert again.returncode == 0 and "1 report(s): 0 loaded, 1 already loaded" in again.stdout


def _without_root_powers() -> list[str]:
    """A command prefix under which permissions hold (root reads a mode 000 file): root's
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped by setpriv; skip where that is impossible."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a file unreadable")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
            "--inh-caps=-dac_override,-dac_read_search"]


def test_an_unreadable_file_is_refused_by_name_and_the_others_load(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    locked = inbox / "locked.pdf"
    shutil.copy(OTHER, locked)
    locked.chmod(0)
    shutil.copy(GOOD, inbox / "good.pdf")
    prefix = _without_root_powers()
    probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(locked)!r}, 'rb')"], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("a mode 000 file is readable here (setpriv could not drop the capabilities)")
    try:
        result = ingest(tmp_path, inbox, prefix=prefix)
    finally:
        locked.chmod(0o644)
    no_traceback(result)
    assert result.returncode == 1, result.stderr  # not 2: one file is not the run
    assert f"refused: {locked}: cannot be read (Permission denied)" in result.stderr
    assert "1 loaded" in result.stdout and "1 refused" in result.stdout
    assert [r[1] for r in published(tmp_path).values()] == ["loaded"]

    again = ingest(tmp_path, inbox)  # readable now: the next run loads it
    assert again.returncode == 0 and "1 loaded, 1 already loaded" in again.stdout


def test_a_file_changing_while_it_is_read_is_never_stored_under_a_partial_sha256(tmp_path, monkeypatch):
    """A copy still being written: changed after its hashing (found before it is stored) or during
    it. Refused as `file_changed`, not recorded, not quarantined; the other report loads."""
    from pipeline import ingest as ingest_mod, warehouse
    from pipeline.read import pdf

    growing, changing = tmp_path / "growing.pdf", tmp_path / "changing.pdf"
    growing.write_bytes(OTHER.read_bytes()[:50_000])
    changing.write_bytes(OTHER.read_bytes())
    shutil.copy(GOOD, tmp_path / "good.pdf")
    real_fingerprint, real_sha256 = ingest_mod.fingerprint, pdf.hashlib.sha256

    def then_appended(path):  # the copy goes on once the file is hashed
        got = real_fingerprint(path)
        if Path(path) == growing:
            with open(path, "ab") as f:
                f.write(OTHER.read_bytes()[50_000:])
        return got

    class WrittenDuring:  # the copy goes on while the file is hashed
        def __init__(self):
            self.h, self.first = real_sha256(), True

        def update(self, chunk):
            if self.first:
                with open(changing, "ab") as f:
                    f.write(b"%more")
                self.first = False
            self.h.update(chunk)

        def hexdigest(self):
            return self.h.hexdigest()

    monkeypatch.setattr(ingest_mod, "fingerprint", then_appended)
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = {o.path.name: o for o in ingest_mod.ingest_many(
        con, [growing, tmp_path / "good.pdf"], quarantine_dir=tmp_path / "q", workers=1)}
    assert outcomes["good.pdf"].status == "loaded"
    refused = outcomes["growing.pdf"]
    assert (refused.status, refused.error.kind) == ("refused", "file_changed")
    assert str(refused.error) == f"{growing}: changed while it was read (a copy still being written?); " \
                                 f"run again once it is complete"
    monkeypatch.setattr(ingest_mod, "fingerprint", real_fingerprint)
    monkeypatch.setattr(pdf, "hashlib", SimpleNamespace(sha256=WrittenDuring))  # pdf's own name only
    (during,) = ingest_mod.ingest_many(con, [changing], quarantine_dir=tmp_path / "q", workers=1)
    assert (during.status, during.error.kind) == ("refused", "file_changed")
    monkeypatch.undo()
    assert con.execute("SELECT count(*), min(file_name) FROM dim_report").fetchone() == (1, "good.pdf")
    assert not (tmp_path / "q").exists()

    (whole,) = ingest_mod.ingest_many(con, [growing], quarantine_dir=tmp_path / "q", workers=1)
    assert whole.status == "loaded" and whole.sha256 == sha(OTHER)  # complete now: the whole file's hash
    con.close()


# -- a full quarantine -----------------------------------------------------------------------------


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 64 KB tmpfs, as a full quarantine disk; skipped where mounting is not permitted."""
    mount = tmp_path / "full"
    mount.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a tmpfs: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True, timeout=30)


def test_a_full_quarantine_disk_records_the_refusal_and_the_run_goes_on(tmp_path, small_tmpfs):
    inbox = tmp_path / "in"
    inbox.mkdir()
    big = inbox / "big-junk.pdf"
    big.write_bytes(os.urandom(256 * 1024))  # larger than the disk
    small = inbox / "small-junk.pdf"
    small.write_bytes(b"nope")
    shutil.copy(GOOD, inbox / "good.pdf")
    result = ingest(tmp_path, inbox, quarantine=small_tmpfs)
    no_traceback(result)
    assert result.returncode == 1, result.stderr
    assert "1 loaded" in result.stdout and "2 quarantined" in result.stdout
    rows = published(tmp_path)
    assert rows[sha(GOOD)][1] == "loaded"
    name, status, kind, error = rows[sha(big)]
    assert (name, status, kind) == ("big-junk.pdf", "quarantined", "not_a_pdf")
    assert "could not be put aside in the quarantine" in error and "No space left on device" in error
    assert "the file stays where it was read" in error
    assert rows[sha(small)][1:3] == ("quarantined", "not_a_pdf")
    notes = clean_quarantine(small_tmpfs)  # no partial copy of the big file, no temporary sidecar
    assert [n["sha256"] for n in notes.values()] == [sha(small)]


@pytest.mark.parametrize("fails", ["copy", "sidecar"])
def test_enospc_while_putting_aside_leaves_nothing_half_done(tmp_path, monkeypatch, fails):
    """The same, with ENOSPC injected, so it runs where mounting is not allowed: in the copy (half
    the file written) or in the sidecar's write."""
    from pipeline import ingest as ingest_mod, warehouse

    bad = tmp_path / "junk.pdf"
    bad.write_bytes(b"x" * 10_000)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if fails == "copy":
        def half_copy(src, dst, **kwargs):
            Path(dst).write_bytes(Path(src).read_bytes()[:4096])
            full()
        monkeypatch.setattr(ingest_mod.shutil, "copy2", half_copy)
    else:  # only the quarantine's writes: the store of sources (pipeline.sources) fsyncs too
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            if os.readlink(f"/proc/self/fd/{fd}").startswith(str(tmp_path / "q")):
                full()
            real_fsync(fd)
        monkeypatch.setattr(ingest_mod.os, "fsync", fsync)
    con = warehouse.connect(tmp_path / "w.duckdb")
    outcomes = list(ingest_mod.ingest_many(con, [bad, GOOD], quarantine_dir=tmp_path / "q", workers=1))
    assert [o.status for o in outcomes] == ["quarantined", "loaded"]
    assert "could not be put aside in the quarantine, [Errno 28] No space left on device" in str(outcomes[0].error)
    (error,) = con.execute("SELECT error FROM dim_report WHERE status = 'quarantined'").fetchone()
    assert error == str(outcomes[0].error)
    con.close()
    assert os.listdir(tmp_path / "q") == []


# -- sidecars --------------------------------------------------------------------------------------


def test_sidecars_left_empty_or_garbled_are_passed_over_with_a_warning(tmp_path):
    """An older version left a 0-byte sidecar when it crashed half-way: every later Dagster run
    failed with JSONDecodeError. Now such a sidecar is skipped, said, and the good ones recorded."""
    from pipeline import warehouse
    from pipeline.errors import NotAPdf
    from pipeline.ingest import quarantine, record_quarantined

    folder = tmp_path / "q"
    bad = tmp_path / "x.pdf"
    bad.write_bytes(b"nope")
    quarantine(bad, sha(bad), NotAPdf(str(bad), "not a PDF file"), folder)
    folder.joinpath(os.fsdecode(b"ca3704aa0b06-caf\xe9.pdf.json")).write_bytes(b"")  # the crash's leftover
    folder.joinpath("garbled.pdf.json").write_bytes(b'{"sha256": "ab')
    folder.joinpath("latin1.pdf.json").write_bytes(b'{"sha256": "\xe9"}')
    folder.joinpath("wrong.pdf.json").write_text(json.dumps({"sha256": "0" * 64, "page": "two"}))
    warned: list[str] = []
    con = warehouse.connect(tmp_path / "w.duckdb")
    assert record_quarantined(con, folder, warned.append) == [sha(bad)]
    assert len(warned) == 4 and all("passed over, not a readable sidecar" in w for w in warned)
    assert any("caf\\xe9.pdf.json" in w for w in warned)
    assert record_quarantined(con, folder, warned.append) == []
    con.close()


# -- Dagster ---------------------------------------------------------------------------------------


def _within(seconds: int):
    """Fail a test that hangs (a FIFO opened for reading) instead of hanging the suite."""
    def timeout(*_):
        raise TimeoutError("hung: a FIFO was opened?")
    signal.signal(signal.SIGALRM, timeout)
    signal.alarm(seconds)


def test_scan_skips_what_it_cannot_read_and_says_so_once(tmp_path, monkeypatch):
    from assets import automation

    good, locked, fifo = tmp_path / "good.pdf", tmp_path / "locked.pdf", tmp_path / "pipe.pdf"
    shutil.copy(GOOD, good)
    shutil.copy(OTHER, locked)
    os.mkfifo(fifo)
    real = automation.sha256_of

    def as_if_unreadable(path):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(automation, "sha256_of", as_if_unreadable)
    monkeypatch.setattr(automation, "QUIET_SECONDS", 0.0)  # complete PDFs are taken at first sight
    warned: list[str] = []
    _within(60)
    try:
        cursor, ready = automation.scan([fifo, locked, good], {}, warned.append)
        assert ready == [(good, sha(GOOD))]
        assert warned == [f"{fifo}: skipped, not a regular file but a FIFO (named pipe); tried again at each tick",
                          f"{locked}: skipped, cannot be read (Permission denied); tried again at each tick"]
        cursor, ready = automation.scan([fifo, locked, good], json.loads(json.dumps(cursor)), warned.append)
        assert ready == [] and len(warned) == 2  # said once, not at every tick
        monkeypatch.setattr(automation, "sha256_of", real)  # its permissions fixed
        cursor, ready = automation.scan([fifo, locked, good], cursor, warned.append)
        assert ready == [(locked, sha(OTHER))] and len(warned) == 2
    finally:
        signal.alarm(0)


def test_nightly_and_file_of_pass_over_unreadable_files(tmp_path, monkeypatch):
    from assets import automation, resources
    from assets.resources import ReportFolder

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    locked, good = inbox / "a-locked.pdf", inbox / "b-good.pdf"
    shutil.copy(GOOD, locked)
    shutil.copy(GOOD, good)
    os.mkfifo(inbox / "c-pipe.pdf")

    def as_if_unreadable(path):
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return sha(path)

    monkeypatch.setattr(automation, "sha256_of", as_if_unreadable)
    monkeypatch.setattr(resources, "sha256_of", as_if_unreadable)
    warned: list[str] = []
    assert automation._settled_sha256(locked, 2e9, warned.append) is None
    assert warned == [f"{locked}: skipped, cannot be read ([Errno 13] Permission denied: '{locked}')"]
    folder = ReportFolder(inbox_dir=str(inbox), quarantine_dir=str(tmp_path / "q"), docs_dir=str(tmp_path))
    _within(60)
    try:
        assert folder.inbox() == [locked, good]  # the FIFO is not listed
        assert folder.file_of(sha(GOOD), str(inbox / "c-pipe.pdf")) == good  # nor opened as a hint
    finally:
        signal.alarm(0)


@pytest.mark.usefixtures("first_sight_waits")
def test_a_batch_run_with_odd_names_and_an_empty_sidecar_loads_and_records(tmp_path):
    """The inbox sensor's batch run, given a GBK-named good PDF, a latin-1-named bad file, and a
    quarantine holding a 0-byte sidecar an older version left: the good report loads, the bad one
    moves to the quarantine with a readable sidecar and is recorded; no step raises on the names."""
    from orchestration.test_batch import Site

    site = Site(tmp_path)
    good = named(site.inbox, GBK + b".pdf", GOOD.read_bytes())
    bad = named(site.inbox, LATIN1 + b".pdf", b"not a pdf")
    good_sha, bad_sha = sha(good), sha(bad)
    site.quarantine.mkdir()
    (site.quarantine / "0123456789ab-old.pdf.json").write_bytes(b"")
    assert not site.tick().run_requests
    (request,) = site.tick().run_requests
    result = site.run(request)
    failures = {e.step_key: e.step_failure_data for e in result.all_events if e.is_step_failure}
    # no step fails on the names; the refusal fails its own partition, by a failed run naming the
    # file (assets.events.refused_failure), and the batch succeeds
    assert not failures and result.success, failures
    (refused,) = site.instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": bad_sha}))
    assert refused.status == dg.DagsterRunStatus.FAILURE
    assert any("caf\\xe9.pdf" in (e.message or "") for e in site.instance.all_logs(refused.run_id))
    assert site.rows("SELECT report_sha256, file_name, status FROM dim_report") == sorted([
        (good_sha, "\\xc2\u07ba\\xfe.pdf", "loaded"), (bad_sha, "caf\\xe9.pdf", "quarantined")], key=repr)
    said = [e.user_message for e in site.instance.all_logs(result.run_id)
            if "0123456789ab-old.pdf.json: passed over, not a readable sidecar" in e.user_message]
    assert said and all(e.level == logging.WARNING for e in site.instance.all_logs(result.run_id)
                        if "passed over" in e.user_message)  # in the run's log, as a warning
    notes = {n: json.loads((site.quarantine / n).read_text(encoding="utf-8"))
             for n in os.listdir(site.quarantine) if n.endswith(".json") and not n.startswith("0123")}
    assert [n["sha256"] for n in notes.values()] == [bad_sha]
