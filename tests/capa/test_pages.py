"""CAPA pages: the list (filters, CSV), the record (stepper, RCA, actions, effectiveness, signatures), a form per
step with clear refusals, the signing pages, evidence files, the PDF record, and the trends page, CSV and PDF."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from capa.choices import ActionStatus, CapaState
from capa.models import Capa, CapaAction
from ims.testing.kit import snapshot

from .capakit import TODAY, approved, capa_at, certify, implemented, investigated, planned

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_list_filters_and_exports(org, client_for):
    high = capa_at(org, title="Sterility breach", severity=5, occurrence=4)
    capa_at(org, title="Label typo", severity=1, occurrence=1)
    capa_at(org, site=org.site_b, title="Boston thing")
    client = client_for(org.qm_a)
    page = client.get(reverse("capa:capa_list"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sterility breach" in body and "Label typo" in body and "Boston thing" not in body
    filtered = client.get(reverse("capa:capa_list"), {"risk_band": "high"}).content.decode()
    assert "Sterility breach" in filtered and "Label typo" not in filtered
    csv = b"".join(client.get(reverse("capa:capa_list"), {"export": "csv"}).streaming_content).decode()
    assert high.reference in csv and "Boston" not in csv
    overdue = client.get(reverse("capa:capa_list"), {"overdue": "true"}).content.decode()
    assert "Sterility breach" not in overdue
    assert "Sterility breach" not in client.get(reverse("capa:capa_list"), {"mine": "true"}).content.decode()
    assert "Sterility breach" in client_for(org.emp_a).get(reverse("capa:capa_list"), {"mine": "true"}).content.decode()


def test_a_quality_manager_opens_a_capa_on_the_page(org, client_for):
    response = client_for(org.qm_a).post(
        reverse("capa:capa_add"),
        {
            "site": org.site_a.pk, "kind": "capa", "title": "Complaint 4711", "source": "complaint",
            "owner": org.emp_a.pk, "severity": "3", "occurrence": "2", "impact_quality": "Wrong label",
        },
    )  # fmt: skip
    capa = Capa.objects.get(title="Complaint 4711")
    assert response.status_code == 302 and response["Location"] == capa.get_absolute_url()
    assert capa.risk_score == 6 and capa.raised_by == org.qm_a
    assert client_for(org.emp_a).get(reverse("capa:capa_add")).status_code == 403


def test_the_record_shows_the_stepper_rca_actions_and_signatures(org, client_for):
    capa = approved(org, planned(org, investigated(org, capa_at(org))))
    body = client_for(org.qm_a).get(capa.get_absolute_url()).content.decode()
    assert "data-stepper" in body and 'aria-current="step"' in body
    assert "Why? Alarm ignored" in body and "Speaker removed" in body
    assert "Add alarm check to SOP" in body and "Approved" in body
    assert client_for(org.qm_b).get(capa.get_absolute_url()).status_code == 404


def test_the_owner_records_the_root_cause_on_the_page_and_bad_steps_are_refused(org, client_for):
    capa = capa_at(org)
    owner = client_for(org.emp_a)
    refused = owner.post(reverse("capa:capa_rca", args=[capa.pk]), {"whys": "a", "root_cause": "b"})
    assert refused.status_code == 400 and "cannot be analysed" in refused.content.decode()
    assert owner.post(reverse("capa:capa_transition", args=[capa.pk, "investigate"])).status_code == 302
    response = owner.post(
        reverse("capa:capa_rca", args=[capa.pk]),
        {"whys": "Alarm ignored\nNo check", "fishbone_method": "No SOP step", "root_cause": "SOP gap",
         "root_cause_category": "procedure"},
    )  # fmt: skip
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.whys == ["Alarm ignored", "No check"] and capa.fishbone == {"method": ["No SOP step"]}
    stranger = client_for(org.emp_b)
    assert stranger.get(reverse("capa:capa_rca", args=[capa.pk])).status_code == 404


def test_an_action_for_someone_without_access_is_refused_on_the_page(org, client_for):
    capa = investigated(org, capa_at(org))
    response = client_for(org.qm_a).post(
        reverse("capa:action_add", args=[capa.pk]),
        {"kind": "corrective", "title": "Fix", "owner": org.emp_b.pk, "due_date": "2026-12-01"},
    )
    assert response.status_code == 400 and "has no access to site SITEA" in response.content.decode()
    assert not CapaAction.objects.exists()


def test_sign_implement_complete_with_a_file_and_download_it(org, client_for):
    capa = planned(org, investigated(org, capa_at(org)))
    certify(org, org.qm_a)
    qm = client_for(org.qm_a)
    assert qm.get(reverse("capa:capa_approve", args=[capa.pk])).status_code == 200
    signed = qm.post(
        reverse("capa:capa_approve", args=[capa.pk]), {"username": "qm_a", "password": org.password, "reason": "OK"}
    )
    assert signed.status_code == 302
    owner = client_for(org.emp_a)
    assert client_for(org.emp_a).get(reverse("capa:capa_approve", args=[capa.pk])).status_code == 403
    assert owner.post(reverse("capa:capa_transition", args=[capa.pk, "implement"])).status_code == 302
    action = capa.actions.first()
    upload = SimpleUploadedFile("proof.pdf", PDF_BYTES, content_type="application/pdf")
    done = owner.post(reverse("capa:action_complete", args=[action.pk]), {"evidence_file": upload})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.evidence_name == "proof.pdf"
    assert not action.evidence_file.name.endswith("proof.pdf")
    download = qm.get(reverse("capa:action_evidence", args=[action.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert client_for(org.qm_b).get(reverse("capa:action_evidence", args=[action.pk])).status_code == 404
    bad = owner.post(
        reverse("capa:action_complete", args=[capa.actions.last().pk]),
        {"evidence_file": SimpleUploadedFile("proof.pdf", b"MZ not a pdf", content_type="application/pdf")},
    )
    assert bad.status_code == 400 and capa.actions.last().status == ActionStatus.OPEN


def test_closing_with_open_actions_is_refused_on_the_page_and_the_pdf_shows_the_record(org, client_for):
    capa = implemented(org, approved(org, planned(org, investigated(org, capa_at(org)))))
    qm = client_for(org.qm_a)
    no_criterion = qm.post(reverse("capa:capa_check", args=[capa.pk]), {"criterion": ""})
    assert no_criterion.status_code == 400 and "needs a measurable criterion" in no_criterion.content.decode()
    capa.refresh_from_db()
    assert capa.state == CapaState.IMPLEMENTATION
    reopened = qm.post(reverse("capa:capa_reopen", args=[capa.pk]), {"to_state": "investigation", "reason": "Wrong"})
    assert reopened.status_code == 302
    capa.refresh_from_db()
    assert capa.state == CapaState.INVESTIGATION
    pdf = qm.get(reverse("capa:capa_pdf", args=[capa.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.content, capture_output=True, check=True)
    text = text.stdout.decode()
    assert capa.reference in text and "Alarm ignored" in text and "Add alarm check to SOP" in text
    assert "Electronic signatures" in text and "Qm A" in text and "Approved" in text  # the manifestation
    assert client_for(org.qm_b).get(reverse("capa:capa_pdf", args=[capa.pk])).status_code == 404


def test_the_close_page_refuses_while_actions_are_open(org, client_for):
    capa = implemented(org, approved(org, planned(org, investigated(org, capa_at(org)))))
    Capa._base_manager.filter(pk=capa.pk).update(state=CapaState.EFFECTIVENESS_CHECK)
    CapaAction._base_manager.create(capa=capa, kind="preventive", title="Late", owner=org.emp_a, due_date=TODAY)
    certify(org, org.qm_a)
    capa.refresh_from_db()
    before = snapshot(capa)
    response = client_for(org.qm_a).post(
        reverse("capa:capa_close", args=[capa.pk]), {"username": "qm_a", "password": org.password, "reason": "x"}
    )
    assert response.status_code == 409 and "cannot be closed" in response.content.decode()
    assert snapshot(capa) == before


def test_trends_page_csv_and_pdf_show_the_same_figures(org, client_for):
    capa_at(org)
    Capa._base_manager.filter(pk=capa_at(org).pk).update(opened_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    client = client_for(org.qm_a)
    page = client.get(reverse("capa:trends"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "<svg" in body and "SITEA" in body
    csv = client.get(reverse("capa:trends"), {"export": "csv"}).content.decode()
    assert "open_by_age,SITEA,1,0–30" in csv and "open_by_age,SITEA,1,>180" in csv
    pdf = client.get(reverse("capa:trends"), {"export": "pdf"})
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True).stdout.decode()
    assert "CAPA trends" in text and "SITEA" in text


def test_the_dashboard_shows_the_persons_open_capa_actions(org, client_for):
    capa = planned(org, investigated(org, capa_at(org)), due=TODAY)
    body = client_for(org.emp_a).get(reverse("web:dashboard")).content.decode()
    assert 'data-card="my-capa-actions"' in body and 'data-my-capa-actions="2"' in body
    assert capa.reference in body and "2 overdue" in body
    assert 'data-card="my-capa-actions"' not in client_for(org.qm_a).get(reverse("web:dashboard")).content.decode()
