"""Pages of internal audits: the journey from planning to the signed report, bad input, phone checklist."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from audits import services
from audits.choices import AuditStatus
from audits.models import Audit, ChecklistItem, Finding

from .auditkit import answer_all, audit_at, auditor, clause, process_at, started

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00"
    b"\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_lists_detail_calendar_and_trends_open(org, client_for):
    audit = audit_at(org)
    client = client_for(org.qm_a)
    for name in (
        "audits:audit_list",
        "audits:programme_list",
        "audits:finding_list",
        "audits:calendar",
        "audits:trends",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 200
    page = client.get(reverse("audits:calendar"), {"view": "month", "on": "2026-11-01"})
    assert audit.reference in page.content.decode()
    page = client.get(reverse("audits:calendar"), {"view": "quarter", "on": "2026-11-01", "site": org.site_b.pk})
    assert audit.reference not in page.content.decode()


def test_plan_an_audit_on_the_page(org, client_for):
    process = process_at(org)
    lead = auditor(org)
    client = client_for(org.qm_a)
    response = client.post(
        reverse("audits:audit_add"),
        {
            "site": org.site_a.pk, "title": "Release audit", "planned_date": "2026-12-01",
            "processes": [process.pk], "clauses": [clause("8.1").pk], "lead_auditor": lead.pk,
            "auditees": [org.emp_a.pk],
        },
    )  # fmt: skip
    assert response.status_code == 302
    audit = Audit.objects.get(title="Release audit")
    assert audit.lead_auditor == lead


def test_own_function_is_refused_on_the_page_with_a_clear_message(org, client_for):
    own = auditor(org, function=org.prod, username="prod_auditor")
    audit = audit_at(org)
    client = client_for(org.qm_a)
    response = client.post(
        reverse("audits:audit_assign", args=[audit.pk]), {"lead_auditor": own.pk, "reason": "Staffing"}
    )
    assert response.status_code == 400
    assert "nobody audits their own function" in response.content.decode()
    assert Audit.objects.get(pk=audit.pk).lead_auditor is None


def test_reschedule_without_a_reason_is_refused(org, client_for):
    audit = audit_at(org)
    client = client_for(org.qm_a)
    response = client.post(reverse("audits:audit_reschedule", args=[audit.pk]), {"planned_date": "2026-12-24"})
    assert response.status_code == 400
    assert "Give the reason" in response.content.decode()
    assert Audit.objects.get(pk=audit.pk).planned_date == audit.planned_date
    response = client.post(reverse("audits:audit_cancel", args=[audit.pk]), {"reason": ""})
    assert response.status_code == 400 and Audit.objects.get(pk=audit.pk).status == AuditStatus.PLANNED


def test_checklist_on_a_phone_one_question_per_card(org, client_for):
    audit, lead = started(org)
    client = client_for(lead)
    client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"
    page = client.get(reverse("audits:checklist", args=[audit.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.count("data-question") == 1 and "btn-lg" in body and 'name="viewport"' in body
    first = audit.items.order_by("position").first()
    response = client.post(reverse("audits:item_answer", args=[first.pk]), {"result": "observation", "notes": "Faded"})
    assert response.status_code == 302 and response.url.endswith("?q=2")
    first.refresh_from_db()
    assert (first.result, first.notes) == ("observation", "Faded")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("label.png", PNG, content_type="image/png")
    client.post(reverse("audits:evidence_upload", args=[first.pk]), {"file": upload})
    assert first.files.count() == 1
    evil = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    client.post(reverse("audits:evidence_upload", args=[first.pk]), {"file": evil})
    assert first.files.count() == 1
    download = client.get(reverse("audits:evidence_download", args=[first.files.get().pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"


def test_finding_outside_scope_is_refused_on_the_page(org, client_for):
    audit, lead = started(org)
    client = client_for(lead)
    data = {"grade": "minor", "clause": clause("1", "AUD-OTHER").pk, "statement": "x", "evidence_reference": "y"}
    response = client.post(reverse("audits:finding_add", args=[audit.pk]), data)
    assert response.status_code == 400 and "outside the scope" in response.content.decode()
    assert not Finding.objects.exists()
    data["clause"] = clause("8.1").pk
    assert client.post(reverse("audits:finding_add", args=[audit.pk]), data).status_code == 302
    finding = Finding.objects.get()
    assert client.get(reverse("audits:finding_detail", args=[finding.pk])).status_code == 200


def test_sign_the_report_on_the_page_and_download_the_pdf(org, client_for):
    audit, lead = started(org)
    answer_all(audit, lead)
    client = client_for(lead)
    response = client.post(
        reverse("audits:audit_sign", args=[audit.pk, "complete"]),
        {"username": lead.username, "password": org.password, "reason": "Report written", "summary": "Good"},
    )
    assert response.status_code == 302
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.COMPLETED
    pdf = client.get(reverse("audits:audit_pdf", args=[audit.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_employee_cannot_plan_or_answer(org, client_for):
    audit, lead = started(org)
    client = client_for(org.emp_b)
    assert client.get(reverse("audits:audit_detail", args=[audit.pk])).status_code == 404
    item = ChecklistItem.objects.filter(audit=audit).first()
    assert client.post(reverse("audits:item_answer", args=[item.pk]), {"result": "conforming"}).status_code == 404
    client = client_for(org.emp_a)
    assert client.post(reverse("audits:item_answer", args=[item.pk]), {"result": "conforming"}).status_code == 403
    assert ChecklistItem.objects.get(pk=item.pk).result == ""
    assert client.get(reverse("audits:audit_add")).status_code == 403


def test_auditor_sees_their_planned_audit_on_the_dashboard(org, client_for):
    lead = auditor(org)
    audit = audit_at(org, lead=lead, planned_date=datetime.date.today() + datetime.timedelta(days=30))
    page = client_for(lead).get("/")
    assert page.status_code == 200
    assert "data-my-audits" in page.content.decode() and audit.reference in page.content.decode()
    assert services.may_conduct(lead, audit)


def test_the_planned_audit_of_the_next_quarter_is_in_the_auditors_tasks(org, client_for):
    """Beat creates the next quarter's audit at site A; the auditor sees it in their tasks."""
    from django.utils import timezone

    from audits import scheduling
    from audits.choices import RiskLevel

    lead = auditor(org)
    process = process_at(org)
    programme = services.programme_create(
        actor=org.qm_a, year=timezone.localdate().year, title="Site A", sites=[org.site_a]
    )
    services.area_add(actor=org.qm_a, programme=programme, process=process, risk=RiskLevel.HIGH, auditor=lead)
    assert scheduling.programme_schedule() >= 1
    audit = Audit.objects.filter(programme=programme).order_by("period_start").first()
    client = client_for(lead)
    page = client.get(reverse("audits:my_audits")).content.decode()
    assert audit.reference in page
    assert audit.reference not in client_for(org.emp_a).get(reverse("audits:my_audits")).content.decode()


def test_the_auditee_sees_the_report_to_acknowledge(org, client_for):
    audit, lead = started(org)
    answer_all(audit, lead)
    services.audit_complete(actor=lead, audit=audit, password=org.password, username=lead.username)
    page = client_for(org.emp_a).get(reverse("audits:my_audits")).content.decode()
    assert audit.reference in page and reverse("audits:audit_sign", args=[audit.pk, "acknowledge"]) in page
