"""Faults outside the PDF (issue 24, items 3 and 4): nothing an analyst types harms the warehouse, a
full disk and a damaged file end in a clear message, exit 3, nothing lost, and a rerun completes."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import PDF, SAMPLES, ROOT
from test_cli import JIXIAO

from pipeline import cli, export, query, warehouse

REPORTS = [PDF / "reportlab" / "440303210301500004143.reportlab.pdf",
           PDF / "cairo" / "440303200301500094260.xlsx.cairo.pdf"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*JIXIAO, *args], capture_output=True, text=True, timeout=600, cwd=cwd,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(
                              filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})


def _count(path: Path, sql: str) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture
def files(sample_warehouse, tmp_path) -> dict[str, Path]:
    """A warehouse folder with every file of the warehouse present: snapshot, working file, lock
    and both WALs (the WALs stand-ins: export must not write them whatever they hold)."""
    data = tmp_path / "data"
    data.mkdir()
    published = data / "warehouse.duckdb"
    shutil.copyfile(sample_warehouse, published)
    shutil.copyfile(sample_warehouse, warehouse.work_path(published))
    warehouse.lock_path(published).write_bytes(b"")
    for wal in warehouse.files(published)[3:]:
        wal.write_bytes(b"a write-ahead log")
    return {f.name: f for f in warehouse.files(published)}


def _bytes(files: dict[str, Path]) -> dict[str, bytes]:
    return {name: f.read_bytes() for name, f in files.items()}


# -- export ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["warehouse.duckdb", "warehouse.work.duckdb", "warehouse.duckdb.lock",
                                  "warehouse.duckdb.wal", "warehouse.work.duckdb.wal"])
def test_export_never_writes_a_file_of_the_warehouse(files, name):
    before = _bytes(files)
    data = files[name].parent
    # spelt relative and through `..`, from the folder above: compared once resolved
    result = run("export", "--view", "v_form_scorecard", "--format", "csv", "--force",
                 "--out", f"./data/../data/{name}", "--warehouse", "data/warehouse.duckdb",
                 cwd=data.parent)
    assert result.returncode == 2, result.stderr
    assert "a file of the warehouse: export never writes onto it" in result.stderr
    assert "Traceback" not in result.stderr
    assert _bytes(files) == before
    assert not list(data.glob(".*.tmp"))


@pytest.mark.parametrize("kept", ["sources/dim_report.parquet", "sources/ab/" + "ab" * 32 + ".pdf"])
def test_export_never_writes_into_the_store_of_sources(files, kept):
    """The store of sources (its catalog, a kept copy) is what `jixiao rebuild` reloads from: a file
    of the warehouse too, refused even with --force (before, --force replaced the catalog)."""
    data = files["warehouse.duckdb"].parent
    target = data / kept
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"kept")
    env_store = os.environ.pop("JIXIAO_SOURCES", None)
    try:
        result = run("export", "--view", "v_form_scorecard", "--format", "parquet", "--force",
                     "--out", f"data/{kept}", "--warehouse", "data/warehouse.duckdb", cwd=data.parent)
    finally:
        if env_store is not None:
            os.environ["JIXIAO_SOURCES"] = env_store
    assert result.returncode == 2, result.stderr
    assert "store of sources" in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == b"kept"


def test_export_sees_through_links_and_refuses_any_duckdb_file(files, tmp_path):
    before = _bytes(files)
    work = files["warehouse.work.duckdb"]
    (tmp_path / "link.csv").symlink_to(work)
    os.link(files["warehouse.duckdb"], tmp_path / "hard.csv")
    other = tmp_path / "other.duckdb"
    shutil.copyfile(work, other)
    wh = ["--warehouse", str(files["warehouse.duckdb"])]
    for out, said in (("link.csv", "a file of the warehouse"), ("hard.csv", "a file of the warehouse"),
                      ("other.duckdb", "is a DuckDB database")):
        result = run("export", "--view", "v_form_scorecard", "--format", "csv", "--force",
                     "--out", str(tmp_path / out), *wh)
        assert result.returncode == 2 and said in result.stderr, result.stderr
    assert _bytes(files) == before
    assert other.read_bytes() == work.read_bytes()


def test_export_onto_an_existing_file_needs_force(sample_warehouse, tmp_path):
    out = tmp_path / "cards.csv"
    out.write_text("an analyst's own notes\n", encoding="utf-8")
    wh = ["--warehouse", str(sample_warehouse)]
    refused = run("export", "--view", "v_form_scorecard", "--out", str(out), *wh)
    assert refused.returncode == 2 and f"{out} exists: give --force" in refused.stderr
    assert out.read_text(encoding="utf-8") == "an analyst's own notes\n"
    forced = run("export", "--view", "v_form_scorecard", "--out", str(out), "--force", *wh)
    assert forced.returncode == 0, forced.stderr
    assert out.read_text(encoding="utf-8-sig").startswith("自评表ID form_id,")


def test_a_failed_export_leaves_the_old_file_and_no_half_one(sample_warehouse, tmp_path, monkeypatch):
    import polars as pl

    out = tmp_path / "cards.csv"
    out.write_text("the previous export\n", encoding="utf-8")

    def half(self, file, **_):
        Path(file).write_text("自评表ID form_id,项目", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pl.DataFrame, "write_csv", half)
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        with pytest.raises(OSError, match="No space left"):
            export.export(con, "v_form_scorecard", "csv", out, force=True)
    finally:
        con.close()
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cards.csv"]


# -- query ----------------------------------------------------------------------------------------


def _refused(files, tmp_path) -> list[tuple[str, str]]:
    work = files["warehouse.work.duckdb"]
    return [
        (f"COPY (SELECT 1) TO '{work}' (FORMAT csv)", "not COPY"),
        (f"COPY (SELECT * FROM dim_form) TO '{tmp_path / 'out.csv'}'", "not COPY"),
        (f"COPY (PIVOT (SELECT 1 AS a) ON a) TO '{tmp_path / 'pivot.csv'}'", "holds COPY"),
        (f"EXPLAIN ANALYZE COPY (SELECT 1) TO '{tmp_path / 'explain.csv'}'", "holds COPY"),
        (f"EXPORT DATABASE '{tmp_path / 'dump'}'", "not EXPORT"),
        ("INSTALL httpfs", "INSTALL and LOAD add extensions"),
        ("LOAD httpfs", "INSTALL and LOAD add extensions"),
        (f"ATTACH '{tmp_path / 'new.duckdb'}' AS other", "not ATTACH"),
        ("SET enable_external_access = true", "not SET"),
        ("RESET enable_external_access", "not SET"),
        ("CREATE TEMP TABLE t AS SELECT 1", "not CREATE"),
    ]


@pytest.mark.parametrize("allow_files", [False, True], ids=["default", "allow-files"])
def test_query_refuses_what_is_not_a_query_and_writes_nothing(files, tmp_path, allow_files):
    before = _bytes(files)
    wh = ["--warehouse", str(files["warehouse.duckdb"])] + (["--allow-files"] if allow_files else [])
    for sql, said in _refused(files, tmp_path):
        result = run("query", sql, *wh)
        assert result.returncode == 2, (sql, result.stderr)
        assert said in result.stderr and "query runs queries only" in result.stderr, (sql, result.stderr)
        assert "Traceback" not in result.stderr
    assert _bytes(files) == before
    assert [p.name for p in tmp_path.iterdir()] == ["data"]  # no out.csv, dump/, new.duckdb …


def test_query_reads_no_file_unless_allowed(sample_warehouse, tmp_path):
    table = tmp_path / "budget.csv"
    table.write_text("unit,amount\n罗湖区,264700.00\n", encoding="utf-8")
    wh = ["--warehouse", str(sample_warehouse)]
    for sql in ("SELECT * FROM read_text('/etc/hostname')", f"SELECT * FROM read_csv('{table}')",
                "SELECT * FROM glob('/etc/*')"):
        result = run("query", sql, *wh)
        assert result.returncode == 2, result.stderr
        assert "reading files is off unless --allow-files is given" in result.stderr
        assert not result.stdout
    allowed = run("query", f"SELECT unit, amount FROM read_csv('{table}', types={{'amount': 'DECIMAL(18,2)'}})",
                  "--format", "csv", "--allow-files", *wh)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.splitlines() == ["unit,amount", "罗湖区,264700.00"]


def test_the_engine_holds_the_limits_whatever_reaches_it(sample_warehouse, tmp_path):
    """Below the statement check: DuckDB itself refuses files, extensions and unlocking."""
    con = query.connect(sample_warehouse)
    try:
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'")
        with pytest.raises(duckdb.Error, match="configuration has been locked"):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute("SET autoinstall_known_extensions = true")
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_text('/etc/hostname')")
    finally:
        con.close()
    assert not (tmp_path / "x.csv").exists()


def test_every_view_works_with_external_access_off(sample_warehouse):
    views = sorted(p.stem for p in (ROOT / "sql" / "views").glob("v_*.sql"))
    sql = " UNION ALL ".join(f"SELECT '{v}' AS view, count(*) AS n FROM {v}" for v in views)
    result = run("query", sql, "--format", "csv", "--warehouse", str(sample_warehouse))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["view"] for r in rows] == views
    assert int(next(r["n"] for r in rows if r["view"] == "v_form_scorecard")) > 0


def test_nested_columns_print_in_every_format(sample_warehouse):
    sql = ("SELECT form_id, list(rule ORDER BY rule, subject) AS rules, "
           "{'weight': 1.50::DECIMAL(9,2), 'unit': '元'} AS s, INTERVAL 1 DAY AS i "
           "FROM check_result GROUP BY form_id ORDER BY form_id LIMIT 2")
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    want = con.execute(sql.replace(", INTERVAL 1 DAY AS i", "")).fetchall()
    con.close()
    wh = ["--warehouse", str(sample_warehouse)]
    out = run("query", sql, "--format", "csv", *wh)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [(r["form_id"], json.loads(r["rules"])) for r in rows] == [(f, rules) for f, rules, _ in want]
    assert json.loads(rows[0]["s"]) == {"weight": "1.50", "unit": "元"}  # exact, as --format json
    assert rows[0]["i"] == "1 day"
    out = run("query", sql, "--format", "json", *wh)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got[0]["rules"] == want[0][1] and got[0]["s"] == {"weight": "1.50", "unit": "元"}
    out = run("query", sql, *wh)
    assert out.returncode == 0 and "rules" in out.stdout and "Traceback" not in out.stderr


# -- a full disk ----------------------------------------------------------------------------------


@pytest.fixture
def tmpfs(tmp_path, monkeypatch):
    """Mount a small tmpfs at a folder: `mount(size)` gives the folder, `grow(size)` frees space.
    The store of sources is kept off it: these measure the warehouse's own files (a full store is
    tests/cli/test_rebuild.py's)."""
    monkeypatch.setenv("JIXIAO_SOURCES", str(tmp_path / "sources"))
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = []

    def mount(size: int) -> Path:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    def grow(size: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True)

    yield mount, grow
    for f in mounted:
        subprocess.run(["umount", str(f)], check=False)


def _reports(work: Path) -> tuple[int, int]:
    """(loaded reports, reports with findings) in the working file."""
    return (_count(work, "SELECT count(*) FROM dim_report WHERE status = 'loaded'"),
            _count(work, "SELECT count(DISTINCT report_sha256) FROM check_result"))


SAMPLE_REPORTS = len(list(SAMPLES.glob("*.pdf")))


def test_a_full_disk_while_publishing_keeps_the_checked_reports(tmpfs, sample_warehouse, tmp_path):
    mount, grow = tmpfs
    size = sample_warehouse.stat().st_size
    disk = mount(int(size * 1.4))  # room for the working file, not for the copy a publish makes
    published = disk / "warehouse.duckdb"
    args = ["ingest", str(SAMPLES), "-q", "--warehouse", str(published), "--quarantine", str(tmp_path / "q")]
    full = run(*args)
    assert full.returncode == 3, full.stderr
    [line] = full.stderr.splitlines()
    assert f"publishing {published} failed (the disk is full)" in line
    assert f"keeps the {SAMPLE_REPORTS} report(s) stored so far, each whole and checked" in line
    assert "readers have no snapshot yet" in line
    assert "free space on" in line and "run the command again (or `jixiao validate`" in line
    assert sorted(p.name for p in disk.iterdir()) == ["warehouse.duckdb.lock", "warehouse.work.duckdb"]
    assert _reports(warehouse.work_path(published)) == (SAMPLE_REPORTS, SAMPLE_REPORTS)

    grow(int(size * 4))
    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert f"0 loaded, {SAMPLE_REPORTS} already loaded" in again.stdout
    assert _reports(published) == (SAMPLE_REPORTS, SAMPLE_REPORTS)


def test_a_full_disk_while_writing_reports_keeps_what_was_committed(tmpfs, tmp_path):
    mount, grow = tmpfs
    disk = mount(256 * 1024)  # too small for the samples' rows
    published = disk / "warehouse.duckdb"
    args = ["ingest", str(SAMPLES), "-q", "--warehouse", str(published), "--quarantine", str(tmp_path / "q")]
    full = run(*args)
    assert full.returncode == 3, full.stderr
    *unwritten, line = full.stderr.splitlines()
    assert f"writing {warehouse.work_path(published)} failed (the disk is full)" in line
    assert "what was being written was rolled back" in line
    assert "free space on" in line and "run the command again (what is stored is skipped)" in line
    # first, each report of the batch that was being written, named, and the run counted
    assert unwritten and all(u.startswith(f"not written: {SAMPLES}") and "(the disk is full)" in u for u in unwritten)
    assert f"{len(unwritten)} not written (see above)" in full.stdout and "the run stopped" in full.stdout
    assert not list(disk.glob(".*.tmp"))

    grow(16 * 1024 * 1024)
    again = run(*args)
    assert again.returncode == 0, again.stderr
    assert _reports(published) == (SAMPLE_REPORTS, SAMPLE_REPORTS)


def test_a_failed_publish_copy_exits_3_and_a_rerun_publishes(tmp_path, monkeypatch, capsys):
    """In-process, so it runs wherever a tmpfs cannot be mounted: the copy a publish makes fails
    with ENOSPC half-way; the previous snapshot stays as it was, no temporary file is left."""
    published = tmp_path / "warehouse.duckdb"
    samples = sorted(SAMPLES.glob("*.pdf"))
    common = ["-q", "--warehouse", str(published), "--quarantine", str(tmp_path / "q")]
    assert cli.main(["ingest", str(samples[0]), *common]) == 0
    before = published.read_bytes()
    copyfile = shutil.copyfile

    def full(source, target, *args, **kwargs):
        if Path(target).name.startswith(f".{published.name}."):  # the publish's copy
            Path(target).write_bytes(Path(source).read_bytes()[:4096])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        return copyfile(source, target, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", full)
    capsys.readouterr()
    assert cli.main(["ingest", str(SAMPLES), *common]) == 3
    err = capsys.readouterr().err
    assert f"keeps the {len(samples)} report(s) stored so far, each whole and checked" in err
    assert f"readers still see the previous snapshot {published}" in err
    assert published.read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
    assert cli.main(["validate", "--warehouse", str(published)]) == 3  # the disk is still full

    monkeypatch.setattr(shutil, "copyfile", copyfile)
    assert cli.main(["validate", "--warehouse", str(published)]) in (0, 1)  # it publishes
    assert _reports(published) == (len(samples), len(samples))


def test_a_full_store_while_publishing_names_the_store(tmp_path, monkeypatch, capsys):
    """Publishing writes the store's catalog too: when that is what meets the full disk, the message
    sends the user to free space there, not beside the warehouse (which had room)."""
    from pipeline import sources

    published, store = tmp_path / "wh" / "warehouse.duckdb", tmp_path / "store"
    monkeypatch.setenv("JIXIAO_SOURCES", str(store))
    sample = sorted(SAMPLES.glob("*.pdf"))[0]
    assert cli.main(["ingest", str(sample), "-q", "--warehouse", str(published)]) == 0

    def full(con, folder):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / sources.CATALOG))

    monkeypatch.setattr(sources, "write_catalog", full)
    capsys.readouterr()
    assert cli.main(["validate", "--warehouse", str(published)]) == 3
    err = capsys.readouterr().err
    assert "the disk is full" in err and f"free space on {store.resolve()}" in err, err
    assert f"free space on {published.parent.resolve()}" not in err


def test_disk_full_and_damage_are_told_apart_narrowly():
    assert warehouse.is_disk_full(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert warehouse.is_disk_full(duckdb.IOException(
        'Could not write file "w.duckdb": No space left on device'))
    assert not warehouse.is_disk_full(OSError(errno.EACCES, os.strerror(errno.EACCES)))
    assert warehouse.is_corrupt(duckdb.Error("Corrupt database file: computed checksum 1 does not "
                                             "match stored checksum 2 in block at location 0"))
    assert not warehouse.is_corrupt(duckdb.IOException('Could not set lock on file "w.duckdb"'))
    assert not warehouse.is_corrupt(duckdb.CatalogException("Table with name x does not exist!"))
    assert "Exit codes" in cli._parser().format_help()


# -- a damaged working file -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def published_pair(tmp_path_factory) -> Path:
    """Two corpus reports ingested and published: the snapshot and its working file."""
    published = tmp_path_factory.mktemp("pair") / "warehouse.duckdb"
    result = run("ingest", *map(str, REPORTS), "-q", "--warehouse", str(published))
    assert result.returncode == 0, result.stderr
    return published


@pytest.fixture
def pair(published_pair, tmp_path) -> Path:
    published = tmp_path / "warehouse.duckdb"
    for f in (published_pair, warehouse.work_path(published_pair)):
        shutil.copyfile(f, tmp_path / f.name)
    return published


HEADER = 3 * 4096  # DuckDB's file header; blocks of 256 KiB follow


def _damage(path: Path, where: str) -> None:
    """Overwrite 4 KiB inside the blocks that hold dim_form (in the middle of the file), or inside
    the first block (the catalogue, read on opening)."""
    if where == "first_block":
        blocks = [0]
    else:
        con = duckdb.connect(str(path), read_only=True)
        blocks = sorted({b for (b,) in con.execute(
            "SELECT block_id FROM pragma_storage_info('dim_form') WHERE block_id >= 0").fetchall()})
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchall()[0][0]
        con.close()
        assert blocks and size == 256 * 1024
    with path.open("r+b") as fh:
        for block in blocks:
            fh.seek(HEADER + block * 256 * 1024 + 64)
            fh.write(b"\xde\xad\xbe\xef" * 1024)


@pytest.mark.parametrize("command", ["validate", "ingest"])
@pytest.mark.parametrize("where", ["dim_form", "first_block"])
def test_a_damaged_working_file_is_made_again_from_the_snapshot(pair, command, where):
    work = warehouse.work_path(pair)
    args = (["validate"] if command == "validate" else ["ingest", *map(str, REPORTS), "-q"])
    args += ["--warehouse", str(pair)]
    expected = run(*args)  # how the command ends on a whole working file
    _damage(work, where)
    result = run(*args)
    assert result.returncode == expected.returncode, result.stderr
    assert result.stdout == expected.stdout
    [aside] = pair.parent.glob("warehouse.work.duckdb.corrupt-*")
    assert aside.name[len("warehouse.work.duckdb.corrupt-"):].endswith("Z")
    notice = result.stderr.splitlines()[0]
    assert notice.startswith(f"jixiao: {work} was damaged (Corrupt database file")
    assert f"moved aside to {aside.name} and made again from the snapshot {pair}" in notice
    assert "reports stored after the last publish are not in it, run `jixiao ingest` on their " \
           "files again" in notice
    warehouse.check_readable(work)
    assert _reports(work) == (2, 2)


def test_a_damaged_snapshot_too_is_refused_naming_both(pair):
    work = warehouse.work_path(pair)
    _damage(work, "dim_form")
    _damage(pair, "dim_form")
    before = pair.read_bytes()
    result = run("validate", "--warehouse", str(pair))
    assert result.returncode == 3
    [line] = result.stderr.splitlines()
    assert f"{work} is damaged (Corrupt database file" in line
    assert f"and so is the snapshot {pair}" in line and "ingest the reports again" in line
    assert pair.read_bytes() == before  # both left where they are, the snapshot as it was
    assert sorted(p.name for p in pair.parent.iterdir()) == [
        "warehouse.duckdb", "warehouse.duckdb.lock", "warehouse.work.duckdb"]
