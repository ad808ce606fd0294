"""Gap analysis pages: list with progress, plan, detail, record a result, transitions, the signing page,
the PDF and XLSX report, the heatmap and statements of applicability."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ims.actions.models import Action
from processes import gaps
from processes.models import (
    ApplicabilityStatement,
    AssessmentStatus,
    Clause,
    ClauseResult,
    GapAssessment,
    ResultStatus,
)

from .gapkit import answer_all, assessment_at, certify, clause, small_standards

pytestmark = pytest.mark.django_db


@pytest.fixture
def standards():
    return small_standards()


@pytest.fixture
def approved(org, standards):
    a, b = standards
    assessment = assessment_at(org, [org.site_a], [a, b], start=True, lead=org.qm_a)
    answer_all(assessment, org.qm_a)
    gap = assessment.results.get(clause=clause(a, "4.2"))
    gaps.result_record(
        actor=org.qm_a,
        result=gap,
        data={"status": "gap", "finding": '=HYPERLINK("http://x") no register', "owner": org.qm_a},
    )
    gaps.result_raise_action(actor=org.qm_a, result=gap)
    gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    certify(org, org.admin)
    gaps.assessment_approve(
        actor=org.admin, assessment=assessment, password=org.password, username="global_admin", reason="Checked"
    )
    assessment.refresh_from_db()
    return assessment


def test_the_list_shows_progress_and_filters_by_status(org, standards, client_for, django_assert_max_num_queries):
    a, b = standards
    assessment_at(org, [org.site_a], [a], start=True)
    client = client_for(org.qm_a)
    url = reverse("processes:assessment_list")
    client.get(url)
    with django_assert_max_num_queries(30):
        response = client.get(url)
    assert response.status_code == 200
    assert b"0 / 5" in response.content
    for _ in range(5):
        assessment_at(org, [org.site_a], [a, b])
    with django_assert_max_num_queries(30):
        response = client.get(url, {"status": "draft"})
    assert len(response.context["table"].rows) == 5


def test_planning_an_assessment_on_the_page(org, standards, client_for):
    a, b = standards
    client = client_for(org.qm_a)
    response = client.post(
        reverse("processes:assessment_create"),
        {
            "title": "Basel readiness",
            "sites": [org.site_a.pk],
            "standards": [a.pk, b.pk],
            "lead_assessor": org.qm_a.pk,
            "planned_start": "2026-11-02",
        },
    )
    assessment = GapAssessment.objects.get(title="Basel readiness")
    assert response.status_code == 302 and response["Location"] == assessment.get_absolute_url()
    assert assessment.results.count() == 7
    refused = client.post(
        reverse("processes:assessment_create"),
        {
            "title": "B",
            "sites": [org.site_b.pk],
            "standards": [a.pk],
            "lead_assessor": org.qm_a.pk,
            "planned_start": "2026-11-02",
        },
    )
    assert refused.status_code == 400 and GapAssessment.objects.count() == 1


def test_start_record_complete_on_the_pages(org, standards, client_for):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a])
    client = client_for(org.qm_a)
    detail = client.get(assessment.get_absolute_url())
    assert b'data-step="start"' in detail.content
    client.post(reverse("processes:assessment_transition", args=[assessment.pk, "start"]))
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.IN_PROGRESS
    result = assessment.results.get(clause=clause(a, "6"))
    url = reverse("processes:result_edit", args=[result.pk])
    refused = client.post(url, {"status": "not_applicable", "justification": ""})
    assert refused.status_code == 400 and "justification" in refused.context["form"].errors
    assert client.post(url, {"status": "not_applicable", "justification": "Outsourced"}).status_code == 302
    needs_reason = client.post(url, {"status": "gap", "finding": "x"})
    assert needs_reason.status_code == 400
    assert client.post(url, {"status": "gap", "finding": "x", "change_reason": "Re-checked"}).status_code == 302
    result.refresh_from_db()
    assert result.status == ResultStatus.GAP
    response = client.post(reverse("processes:assessment_transition", args=[assessment.pk, "complete"]), follow=True)
    assert "4 clause results are still unanswered" in response.content.decode()
    answer_all(assessment, org.qm_a)
    client.post(reverse("processes:assessment_transition", args=[assessment.pk, "complete"]))
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.COMPLETED
    assert client.post(url, {"status": "conforming", "change_reason": "late"}).status_code in {400, 200}
    result.refresh_from_db()
    assert result.status == ResultStatus.GAP


def test_raise_an_action_from_the_result_page(org, standards, client_for):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    result = assessment.results.first()
    gaps.result_record(actor=org.qm_a, result=result, data={"status": "partial"})
    client = client_for(org.qm_a)
    response = client.post(
        reverse("processes:result_action", args=[result.pk]),
        {"kind": "action", "title": "Write the register", "owner": org.qm_a.pk, "due_date": "2027-02-01"},
    )
    assert response.status_code == 302
    result.refresh_from_db()
    action = Action.objects.get(reference=result.action_ref)
    assert action.title == "Write the register"
    page = client.get(reverse("actions:action_detail", args=[action.pk]))
    assert page.status_code == 200
    assert reverse("processes:result_edit", args=[result.pk]) in page.content.decode()  # link to its source
    assert client_for(org.qm_b).get(reverse("actions:action_detail", args=[action.pk])).status_code == 404


def test_approval_page_signs_and_the_lead_cannot(org, standards, client_for):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True, lead=org.qm_a)
    answer_all(assessment, org.qm_a)
    gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    certify(org, org.admin)
    assert client_for(org.qm_a).get(reverse("processes:assessment_approve", args=[assessment.pk])).status_code == 403
    client = client_for(org.admin)
    url = reverse("processes:assessment_approve", args=[assessment.pk])
    wrong = client.post(url, {"username": "global_admin", "password": "nope", "reason": "ok"})
    assert wrong.status_code in {401, 403} and b"data-esign-refusal" in wrong.content
    done = client.post(url, {"username": "global_admin", "password": org.password, "reason": "ok"})
    assert done.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.APPROVED


def test_the_pdf_report_holds_the_figures_the_signature_block_and_the_clauses(org, approved, client_for):
    response = client_for(org.qm_a).get(reverse("processes:assessment_pdf", args=[approved.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert approved.reference in text
    assert "Electronic signatures" in text and "Global Admin" in text and "Approved" in text
    assert "Interested parties" in text  # a clause
    assert "Controlled copy" in text
    squeezed = " ".join(text.split())
    assert "All 7 7 6 0 1 0" in squeezed  # results, answered, conforming, partial, gap, n.a.
    assert client_for(org.qm_b).get(reverse("processes:assessment_pdf", args=[approved.pk])).status_code == 404


def test_the_pdf_report_draws_the_heatmap_with_its_sites_clause_groups_scores_and_legend(org, approved, client_for):
    response = client_for(org.qm_a).get(reverse("processes:assessment_pdf", args=[approved.pk]))
    text = subprocess.run(["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True).stdout
    squeezed = " ".join(text.decode().split())
    heatmap = squeezed[squeezed.index("Heatmap") : squeezed.index("Electronic signatures")]
    words = heatmap.split()
    assert {"TST-A:2026", "TST-B:2026", "SITEA"} <= set(words)  # standards over their groups, the site's row
    assert {"§4", "§5", "§6", "§1", "§2"} <= set(words)  # the clause groups
    assert "50 100 100 100 100" in heatmap  # the scores: §4 one conforming and one gap, the other groups all met
    for label in ("≥ 90 %", "75–89 %", "50–74 %", "< 50 %", "no result", "score = (conforming + ½ partial) ÷ judged"):
        assert label in heatmap  # the legend


def test_the_xlsx_report_has_every_result_and_no_formula(org, approved, client_for):
    response = client_for(org.qm_a).get(reverse("processes:assessment_xlsx", args=[approved.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Summary", "By standard", "Heatmap", "Results"]
    heat = list(book["Heatmap"].iter_rows(values_only=True))
    assert heat[0][:4] == ("Site", "TST-A:2026 §4", "TST-A:2026 §5", "TST-A:2026 §6")
    assert heat[1][:2] == ("SITEA", 50)  # §4: one conforming, one gap
    rows = list(book["Results"].iter_rows(values_only=True))
    assert len(rows) == 1 + ClauseResult.objects.filter(assessment=approved).count()
    gap_row = next(row for row in rows if row[1] == "4.2")
    assert gap_row[4] == "Gap" and gap_row[6].startswith("'=HYPERLINK") and gap_row[13].startswith("ACT-")
    summary = dict(book["Summary"].iter_rows(values_only=True))
    assert summary["Gap"] == 1 and summary["Conforming"] == 6


def test_the_heatmap_page_shows_the_svg_and_the_table(org, approved, client_for, standards):
    a, b = standards
    client = client_for(org.qm_a)
    response = client.get(reverse("processes:heatmap"), {"standard": [a.pk]})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "data-heatmap-table" in body and "§4" in body
    assert [c.label for c in response.context["heatmap"].columns] == ["§4", "§5", "§6"]
    assert client_for(org.emp_a).get(reverse("processes:heatmap")).status_code == 200  # employees read


def test_statement_pages_draft_exclude_and_approve(org, standards, client_for):
    a, _ = standards
    certify(org, org.qm_a)
    client = client_for(org.qm_a)
    response = client.post(
        reverse("processes:statement_create"), {"site": org.site_a.pk, "standards": [a.pk], "change_summary": "First"}
    )
    statement = ApplicabilityStatement.objects.get(site=org.site_a)
    assert response.status_code == 302
    entry = statement.entries.first()
    client.post(reverse("processes:entry_edit", args=[entry.pk]), {"applicable": "0", "justification": ""})
    entry.refresh_from_db()
    assert entry.applicable is True  # refused: no justification
    client.post(reverse("processes:entry_edit", args=[entry.pk]), {"applicable": "0", "justification": "Not here"})
    entry.refresh_from_db()
    assert entry.applicable is False
    signed = client.post(
        reverse("processes:statement_approve", args=[statement.pk]),
        {"username": "qm_a", "password": org.password, "reason": "Approved"},
    )
    assert signed.status_code == 302
    statement.refresh_from_db()
    assert statement.status == "approved"
    assert client.get(reverse("processes:statement_list")).status_code == 200
    assert client_for(org.qm_b).get(statement.get_absolute_url()).status_code == 404
    pdf = client.get(reverse("processes:statement_pdf", args=[statement.pk]))
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout
    text = " ".join(text.decode().split())
    assert "Statement of applicability" in text and "Excluded Not here" in text and "Qm A" in text
    assert client_for(org.qm_b).get(reverse("processes:statement_pdf", args=[statement.pk])).status_code == 404


def test_the_assessment_page_runs_the_same_queries_for_few_or_many_results(org, standards, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    a, b = standards
    small = assessment_at(org, [org.site_a], [b], start=True)
    answer_all(small, org.qm_a)
    for n in range(40):
        Clause.objects.create(standard=a, number=f"7.{n}", title=f"More {n}", position=200 + n)
    large = assessment_at(org, [org.site_a, org.site_b], [a, b], start=True)
    answer_all(large, org.admin)
    client = client_for(org.admin)

    def count(assessment) -> int:
        client.get(assessment.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(assessment.get_absolute_url()).status_code == 200
        return len(captured)

    assert count(large) == count(small)


def test_quick_answers_from_the_results_table(org, standards, client_for):
    a, _ = standards
    assessment = assessment_at(org, [org.site_a], [a], start=True)
    result = assessment.results.get(clause=clause(a, "4.1"))
    client = client_for(org.qm_a)
    page = client.get(assessment.get_absolute_url())
    assert b"data-quick-answer" in page.content
    url = reverse("processes:result_quick", args=[result.pk])
    swapped = client.post(url, {"status": "partial"}, HTTP_HX_REQUEST="true")
    assert swapped.status_code == 200 and b'data-status="partial"' in swapped.content
    assert b"<tr" in swapped.content and b"<html" not in swapped.content
    again = client.post(url, {"status": "gap"}, HTTP_HX_REQUEST="true")
    assert b"Already answered" in again.content
    other = assessment.results.get(clause=clause(a, "6"))
    refused = client.post(reverse("processes:result_quick", args=[other.pk]), {"status": "not_applicable"})
    assert refused.status_code == 302
    result.refresh_from_db()
    other.refresh_from_db()
    assert (result.status, other.status) == (ResultStatus.PARTIAL, "")
    assert client_for(org.emp_a).post(url, {"status": "gap"}).status_code == 403
    assert client_for(org.qm_b).post(url, {"status": "gap"}).status_code == 404
