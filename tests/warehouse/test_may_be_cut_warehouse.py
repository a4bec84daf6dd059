"""The `may_be_cut` flag in the warehouse: a form whose free text a spreadsheet program may have cut at
its row is loaded (never refused), dim_form.may_be_cut and fact_indicator_result.may_be_cut name the
columns, and v_may_be_cut lists each flagged field of a current form with the text loaded."""

from __future__ import annotations

import pytest

from conftest import HERE, PDF
from pipeline import warehouse
from pipeline.ingest import ingest_file

LOOKS = HERE / "fixtures" / "libreoffice"
CLIPPED = LOOKS / "clipped" / "440303210301500004536.luohu.pdf"  # its 预期目标 cut by Calc
YUNNAN = LOOKS / "calc" / "440106191550216302646.yunnan.pdf"  # deviation notes filling their cells
WHOLE = PDF / "reportlab" / "440303200301500094260.reportlab.pdf"


@pytest.fixture()
def con(tmp_path):
    con = warehouse.connect(tmp_path / "w.duckdb")
    for pdf in (CLIPPED, YUNNAN, WHOLE):
        assert ingest_file(con, pdf).status == "loaded", pdf
    yield con
    con.close()


def test_flagged_fields_are_stored_and_listed_with_their_text(con):
    by_file = dict(con.execute("SELECT file_name, may_be_cut FROM dim_form JOIN dim_report USING (report_sha256)"
                               ).fetchall())
    assert by_file == {CLIPPED.name: "goal_expected,goal_actual", YUNNAN.name: "goal_expected,goal_actual,other_notes",
                       WHOLE.name: None}
    listed = con.execute("SELECT file_name, field, row_no, text FROM v_may_be_cut").fetchall()
    texts = dict(con.execute("SELECT file_name, [goal_expected, other_notes] FROM dim_form "
                             "JOIN dim_report USING (report_sha256)").fetchall())
    assert (CLIPPED.name, "goal_expected", None, texts[CLIPPED.name][0]) in listed
    assert (YUNNAN.name, "other_notes", None, texts[YUNNAN.name][1]) in listed
    assert not any(name == WHOLE.name for name, *_ in listed)
    notes = con.execute("""SELECT row_no, deviation_note FROM fact_indicator_result i JOIN dim_report r
        USING (report_sha256) WHERE r.file_name = ? AND i.may_be_cut = 'deviation_note' ORDER BY row_no""",
                        [YUNNAN.name]).fetchall()
    assert notes and [(n, t) for name, field, n, t in listed if name == YUNNAN.name and field == "deviation_note"] == notes


def test_the_view_lists_current_forms_only(con):
    """The same project and year loaded again whole (another report, later): its flags go with the
    version it supersedes."""
    assert ingest_file(con, PDF / "reportlab" / "440303210301500004536.reportlab.pdf").status == "loaded"
    assert con.execute("SELECT count(*) FROM v_may_be_cut WHERE project_code = '440303210301500004536'"
                       ).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM dim_form WHERE project_code = '440303210301500004536' "
                       "AND may_be_cut IS NOT NULL AND NOT is_current").fetchone()[0] == 1


def test_a_cut_target_is_flagged_where_its_parsed_numbers_are_read(tmp_path):
    """A target and actual Calc cut by their border (read as far as printed, flagged on their row)
    carry the flag into v_indicator_results and v_self_score_audit, beside the target_met and
    rule_score read from them: an analyst sees which numbers rest on text that may be cut."""
    cut = LOOKS / "cut-target" / "440306211550216301358.hubei.pdf"
    con = warehouse.connect(tmp_path / "w.duckdb")
    try:
        assert ingest_file(con, cut).status == "loaded"
        rows = con.execute("SELECT level3, may_be_cut FROM v_indicator_results WHERE may_be_cut IS NOT NULL"
                           ).fetchall()
        assert rows == [("政府网络保障及加强为民办事方面", "target,actual")]
        columns = [d[0] for d in con.execute("SELECT * FROM v_self_score_audit LIMIT 0").description]
        assert "may_be_cut" in columns
    finally:
        con.close()
