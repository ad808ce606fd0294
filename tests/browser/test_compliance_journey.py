"""A quality manager certifies their e-signature (a wrong password records nothing), edits a person with a
reason and sees the change in the person's history (COMPLIANCE §6 rows 4, 7, 8)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ims.audit.models import AuditEvent
from ims.esign.models import Signature, SignatureCertification

from .conftest import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("P11-200a1", "P11-10e", "A11-9", "P11-50"),
]


def _sign(page, username: str, password: str) -> None:
    if page.locator("input[name=username]").count():
        page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]:has-text('sign')")
    page.wait_for_load_state("networkidle")


def test_certify_then_edit_with_a_reason_and_read_the_history(org, page_factory):
    page = page_factory()
    login(page, org.qm_a.username, org.password)

    page.goto("/esign/certification/")
    _sign(page, org.qm_a.username, "not-the-password")
    expect(page.locator("[data-esign-refusal]")).to_be_visible()
    assert Signature.objects.count() == 0 and SignatureCertification.objects.count() == 0

    _sign(page, org.qm_a.username, org.password)
    certified = page.locator("[data-esign-certified]")
    expect(certified).to_be_visible()
    expect(certified).to_contain_text(org.qm_a.get_full_name())
    expect(certified).to_contain_text("Acknowledged")
    expect(certified).to_contain_text(re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"))
    assert Signature.objects.filter(signer=org.qm_a, meaning="acknowledged").count() == 1

    page.goto(f"/org/people/{org.emp_a.pk}/edit/")
    page.fill("input[name=job_title]", "Senior Operator")
    page.click("form.form-card button[type=submit]")
    expect(page.locator("form.form-card")).to_contain_text("Give the reason for this change")
    page.fill("textarea[name=change_reason]", "Promotion approved by the site head")
    page.click("form.form-card button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/").endswith(f"/org/people/{org.emp_a.pk}")

    history = page.locator("#history")
    expect(history).to_contain_text("Senior Operator")
    expect(history).to_contain_text("Promotion approved by the site head")
    event = AuditEvent.objects.for_record(org.emp_a).filter(action="U").latest("id")
    assert event.reason == "Promotion approved by the site head" and event.actor_id == org.qm_a.pk
    assert event.channel == "web" and event.new["job_title"] == "Senior Operator"
