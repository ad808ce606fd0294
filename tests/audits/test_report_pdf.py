"""The audit report PDF: cover, scope, summary, findings, checklist annex and the signatures on every page."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from audits import reports, services
from tests.processes.gapkit import certify

from .auditkit import answer_all, clause, started

pytestmark = pytest.mark.django_db


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.req("P11-10b", "P11-50")
def test_the_report_has_every_part_and_the_signatures_on_every_page(org):
    audit, lead = started(org)
    certify(org, org.emp_a, org.qm_a)
    services.finding_raise(
        actor=lead, audit=audit, grade="major", clause=clause("8.1"), statement="Released without review",
        evidence_reference="BR-114",
    )  # fmt: skip
    answer_all(audit, lead)
    services.audit_complete(actor=lead, audit=audit, password=org.password, username=lead.username, summary="Fair")
    services.audit_acknowledge(actor=org.emp_a, audit=audit, password=org.password, username=org.emp_a.username)
    services.audit_approve(actor=org.qm_a, audit=audit, password=org.password, username=org.qm_a.username)
    audit.refresh_from_db()
    pages = pages_text(reports.audit_pdf(audit, viewer=org.qm_a))
    text = " ".join(" ".join(pages).split())
    for expected in (
        "Internal audit report", audit.reference, "Scope", "Summary", "Findings", "Annex: checklist",
        "Released without review", "BR-114", "Major nonconformity", "AUD-STD 8.1", "Fair",
    ):  # fmt: skip
        assert expected in text, expected
    assert len(pages) >= 2
    for page in pages:
        for meaning in ("Authored", "Acknowledged", "Approved"):
            assert meaning in page
        assert lead.display_name in page
