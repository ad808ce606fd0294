"""Triage rules: accept as an improvement action, open a CAPA, reject with a reason; the reporter is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from implementation.feedback import services
from implementation.feedback.choices import FeedbackStatus
from implementation.feedback.models import FeedbackItem
from ims.audit.context import audit_context
from ims.notifications.models import Notice
from tests.feedback.factories import feedback_item

pytestmark = pytest.mark.django_db


def test_accept_raises_an_improvement_action_and_tells_the_reporter(org):
    item = feedback_item(site=org.site_a, submitter=org.emp_a)
    services.feedback_take_up(actor=org.qm_a, item=item)
    item = services.feedback_triage(
        actor=org.qm_a, item=item, decision="accept", outcome="We will add a guard rail.", owner=org.qm_a
    )
    assert item.status == FeedbackStatus.ACCEPTED
    assert item.action_kind == "action" and item.action_reference.startswith("ACT-")
    assert item.triaged_by == org.qm_a and item.triaged_at is not None
    notice = Notice.objects.get(person=org.emp_a, category=services.NOTICE_CATEGORY)
    assert item.reference in notice.body and "guard rail" in notice.body


def test_capa_is_opened_through_the_registry(org):
    item = feedback_item(site=org.site_a)
    item = services.feedback_triage(actor=org.qm_a, item=item, decision="capa", outcome="Root cause to be found.")
    assert item.status == FeedbackStatus.CAPA_OPENED
    assert item.action_kind == "capa" and item.action_reference


def test_capa_at_a_site_the_qm_does_not_manage_is_refused(org):
    item = feedback_item(site=org.site_a)
    with pytest.raises(PermissionDenied, match="do not manage"):
        services.feedback_triage(actor=org.qm_b, item=item, decision="capa", outcome="Open a CAPA")
    item.refresh_from_db()
    assert item.status == FeedbackStatus.NEW and item.action_reference == ""


def test_an_employee_may_not_triage(org):
    item = feedback_item(site=org.site_a)
    with pytest.raises(PermissionDenied):
        services.feedback_triage(actor=org.emp_a, item=item, decision="reject", outcome="No")


def test_rejection_needs_a_reason_and_a_decision_is_final(org):
    item = feedback_item(site=org.site_a, submitter=org.emp_a)
    with pytest.raises(ValidationError, match="reason"):
        services.feedback_triage(actor=org.qm_a, item=item, decision="reject", outcome="  ")
    with audit_context(reason="Duplicate of an open action"):
        item = services.feedback_triage(actor=org.qm_a, item=item, decision="reject", outcome="Already fixed.")
    assert item.status == FeedbackStatus.REJECTED
    with pytest.raises(ValidationError, match="already decided"):
        services.feedback_triage(actor=org.qm_a, item=item, decision="accept", outcome="Changed my mind")
    assert FeedbackItem._base_manager.get(pk=item.pk).status == FeedbackStatus.REJECTED


def test_named_report_only_at_own_site(org):
    with pytest.raises(ValidationError):
        feedback_item(site=org.site_b, submitter=org.emp_a)
