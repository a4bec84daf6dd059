"""The inbox sensor and its batch run take workbooks, Word documents and web pages as they take PDFs
(`find_reports`: README "What jixiao reads"), and quarantine a legacy .doc with its advice."""

import shutil

import pytest

from conftest import CORPUS
from pipeline.read.pdf import sha256_of
from test_batch import Site

pytestmark = pytest.mark.usefixtures("first_sight_waits")


def test_inbox_takes_every_format_and_refuses_a_doc(tmp_path):
    site = Site(tmp_path)
    code = "440303210301500004143"
    for fmt, template in (("xlsx", "luohu"), ("xls", "central"), ("docx", "luohu"), ("html", "central")):
        shutil.copy(CORPUS / fmt / f"{code}.{template}.{fmt}", site.inbox / f"{code}.{template}.{fmt}")
    (site.inbox / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                                         + "WordDocument".encode("utf-16-le"))
    shas = {p.name: sha256_of(p) for p in site.inbox.iterdir()}
    assert not site.tick().run_requests  # first sight
    (request,) = site.tick().run_requests
    assert set(request.run_config["ops"]["load_reports"]["config"]["reports"]) == set(shas.values())
    site.run(request)  # fails by design: a report was refused (its partition says which)
    status = dict(site.rows("SELECT file_name, status FROM dim_report"))
    assert status == {**{name: "loaded" for name in shas if name != "old.doc"}, "old.doc": "quarantined"}
    refused = site.rows("SELECT error_kind FROM dim_report WHERE status = 'quarantined'")
    assert refused == [("unsupported_format",)]
    places = site.rows("SELECT source_place FROM dim_form")
    assert sorted(p for (p,) in places) == ["'项目支出绩效自评表'!A2:H44", "'项目支出绩效自评表'!A4:I42",
                                            "table 1, rows 1–39", "table 1, rows 1–43"]
