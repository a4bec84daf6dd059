"""A report read in parts (issue 10): the same forms, rows and refusals as read whole, whatever the part
size, so a bundle of any length is read in bounded memory and by several workers at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfWriter

from conftest import PDF, code_of, differences, extracted, truth
from pipeline import warehouse
from pipeline.extract import extract, parts
from pipeline.ingest import ingest_many

BUNDLES = sorted((PDF / "bundle").glob("*.pdf"))
# forms whose right-hand columns spill onto a page of their own, between forms of one page each
OVERFLOW = sorted((PDF / "xlsx-overflow").glob("*.pdf"))[:4]
PLAIN = [p for p in sorted((PDF / "xlsx").glob("*.pdf")) if code_of(p) not in map(code_of, OVERFLOW)][:3]


@pytest.fixture(scope="module")
def mixed_bundle(tmp_path_factory) -> tuple[Path, list[Path]]:
    """One file of overflowing and plain forms in turn: spill pages fall at every part boundary."""
    members = [p for pair in zip(OVERFLOW, PLAIN) for p in pair] + OVERFLOW[3:]
    out = tmp_path_factory.mktemp("bundle") / "mixed.pdf"
    writer = PdfWriter()
    for member in members:
        writer.append(str(member))
    with out.open("wb") as fh:
        writer.write(fh)
    return out, members


def test_parts_cover_every_page_once():
    assert parts(7, 3) == [range(1, 4), range(4, 7), range(7, 8)]
    assert parts(50) == [range(1, 51)] and parts(51) == [range(1, 51), range(51, 52)]


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name)
@pytest.mark.parametrize("size", [1, 2, 3])
def test_a_bundle_read_in_parts_gives_the_forms_read_whole(bundle, size):
    assert [f.to_dict() for f in extract(bundle, part_pages=size)[1]] == extracted(str(bundle))


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_spill_pages_across_part_boundaries_stay_with_their_form(mixed_bundle, size):
    path, members = mixed_bundle
    forms = [f.to_dict() for f in extract(path, part_pages=size)[1]]
    assert [f["project_code"] for f in forms] == [code_of(m) for m in members]
    for form, member in zip(forms, members):
        assert differences(form, truth(code_of(member))) == []


def test_ingest_in_parts_loads_what_a_whole_read_loads(tmp_path, mixed_bundle):
    """Parts read by two workers and written as they come: the same rows as one part."""
    path, members = mixed_bundle
    tables = ("dim_form", "fact_fund_execution", "fact_indicator_result")
    loaded = {}
    for size in (2, 1000):
        con = warehouse.connect(tmp_path / f"w{size}.duckdb")
        [outcome] = ingest_many(con, [path], workers=2, part_pages=size)
        assert outcome.status == "loaded" and outcome.forms == len(members)
        assert con.execute("SELECT forms, pages FROM dim_report").fetchall() == [(len(members), outcome.pages)]
        loaded[size] = {t: con.execute(f"SELECT * EXCLUDE (report_sha256) FROM {t} ORDER BY ALL").fetchall()
                        for t in tables}
        con.close()
    assert loaded[2] == loaded[1000]


def test_a_refused_part_refuses_the_whole_report_and_writes_nothing(tmp_path, mixed_bundle):
    """A duplicate form in a later part: the report is quarantined, none of its parts is kept."""
    path, members = mixed_bundle
    doubled = tmp_path / "doubled.pdf"
    writer = PdfWriter()
    for member in [path, members[0]]:
        writer.append(str(member))
    with doubled.open("wb") as fh:
        writer.write(fh)
    con = warehouse.connect(tmp_path / "w.duckdb")
    [outcome] = ingest_many(con, [doubled], workers=2, part_pages=2)
    assert outcome.status == "quarantined" and outcome.error.kind == "extraction_fault"
    assert "appears twice" in str(outcome.error)
    assert con.execute("SELECT count(*) FROM dim_form").fetchall() == [(0,)]
    assert con.execute("SELECT status FROM dim_report").fetchall() == [("quarantined",)]


def test_small_reports_are_written_several_to_a_transaction(tmp_path, monkeypatch):
    """A run of 2-page reports pays one transaction per batch, not per report: the same rows as one
    report at a time, outcomes in the order given, a refusal among them kept apart from the batch."""
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    copy = tmp_path / "copy.pdf"  # the same file twice: written twice, never two rows
    copy.write_bytes(PLAIN[0].read_bytes())
    files = [*PLAIN, broken, *OVERFLOW, copy]
    tables = ("dim_report", "dim_form", "fact_fund_execution", "fact_indicator_result")
    transactions, loaded = {}, {}
    real = warehouse.load_parts

    def counted(con, parts):
        transactions[size] += 1
        return real(con, parts)

    monkeypatch.setattr(warehouse, "load_parts", counted)
    for size in (1, 64):
        monkeypatch.setattr("pipeline.ingest.BATCH_REPORTS", size)
        monkeypatch.setattr("pipeline.ingest.BATCH_SECONDS", 3600.0)
        transactions[size] = 0
        con = warehouse.connect(tmp_path / f"w{size}.duckdb")
        outcomes = list(ingest_many(con, files, workers=2))
        assert [o.path for o in outcomes] == files
        assert [o.status for o in outcomes] == ["loaded"] * 3 + ["quarantined"] + ["loaded"] * 5
        assert [o.forms for o in outcomes if o.status == "loaded"] == [1] * 8
        # load_seq is the order written: a refusal is written at once, a batch when it is full
        loaded[size] = {t: con.execute(f"SELECT * {'EXCLUDE (ingested_at, read_at, load_seq)' * (t == 'dim_report')} "
                                       f"FROM {t} ORDER BY ALL").fetchall() for t in tables}
        loaded[size]["order"] = con.execute(
            "SELECT report_sha256 FROM dim_report WHERE status = 'loaded' ORDER BY load_seq").fetchall()
        assert len(loaded[size]["dim_report"]) == len(files) - 1  # the copy is the same report
        con.close()
    assert loaded[1] == loaded[64]
    assert transactions[1] == 8  # one per loaded report
    assert transactions[64] == 2  # the first copy, and the second: it replaces what the first wrote
    for form in (truth(code_of(p)) for p in PLAIN + OVERFLOW):
        assert form["project_code"] in {r[4] for r in loaded[64]["dim_form"]}


def test_later_parts_make_only_their_own_pages_and_the_same_ones(tmp_path):
    """After a worker's first part of a report, a part's pages are made from their object numbers
    (pdf._part_pages) instead of playa listing every page again: the same pages, attributes inherited
    from the page tree included."""
    import playa

    from pipeline.read import pdf

    bundle = BUNDLES[0]
    pdf._PAGE_IDS.clear()
    def plain(page):  # what the checks read of a page, as plain data (playa's objects need their document)
        return (page.pageid, sorted(page.attrs), page.mediabox, sorted(page.resources),
                [s.objid for s in page.streams])

    with playa.open(bundle) as doc:
        everything = [plain(p) for p in doc.pages]
        first = [page.pageid for _, page in pdf._part_pages(doc, bundle, range(1, 3))]
    assert pdf._PAGE_IDS and first == [e[0] for e in everything[:2]]
    with playa.open(bundle) as doc:  # a later part, in a document of its own
        later = [plain(p) for _, p in pdf._part_pages(doc, bundle, range(3, len(everything) + 1))]
        assert doc.pages._pages is None  # playa never listed the pages
    assert later == everything[2:]
