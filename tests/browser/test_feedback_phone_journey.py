"""On a phone: an employee reports anonymously; a visitor reports at the kiosk; the QM triages (headless Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from implementation.feedback.choices import FeedbackStatus
from implementation.feedback.kiosk import kiosk_token
from implementation.feedback.models import FeedbackItem

from .conftest import assert_no_sideways_scroll, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844, "mobile": True}


def test_anonymous_report_from_a_phone_and_the_kiosk(org, page_factory):
    phone = page_factory(**PHONE)
    login(phone, org.emp_a.username, org.password)
    phone.goto("/feedback/send/")
    assert_no_sideways_scroll(phone)
    phone.locator("label:has-text('Unsafe condition')").click()
    phone.fill("textarea[name=description]", "Oil on the floor next to press 2")
    phone.check("input[name=anonymous]")
    phone.click("[data-feedback-form] button[type=submit]")
    phone.wait_for_load_state("networkidle")
    expect(phone.locator("[data-feedback-thanks]")).to_contain_text("anonymously")
    item = FeedbackItem._base_manager.get()
    assert item.submitter_id is None and item.kind == "unsafe_condition"

    kiosk = page_factory(**PHONE)
    kiosk.goto(f"/feedback/kiosk/{org.site_a.code}/{kiosk_token(org.site_a)}/")
    assert_no_sideways_scroll(kiosk)
    kiosk.locator("label:has-text('Near miss')").click()
    kiosk.fill("textarea[name=description]", "Door swung into the corridor")
    kiosk.click("[data-kiosk-form] button[type=submit]")
    kiosk.wait_for_load_state("networkidle")
    expect(kiosk.locator("[data-feedback-thanks]")).to_be_visible()
    assert FeedbackItem._base_manager.filter(submitter__isnull=True).count() == 2

    qm = page_factory()
    login(qm, org.qm_a.username, org.password)
    qm.goto(item.get_absolute_url())
    qm.locator("[data-triage-form] label:has-text('Accept as an improvement action')").click()
    qm.fill("[data-triage-form] textarea[name=outcome]", "Drip tray fitted under press 2.")
    qm.click("[data-triage-form] button[type=submit]")
    qm.wait_for_load_state("networkidle")
    expect(qm.locator("[data-outcome]")).to_contain_text("Drip tray fitted")
    item.refresh_from_db()
    assert item.status == FeedbackStatus.ACCEPTED
