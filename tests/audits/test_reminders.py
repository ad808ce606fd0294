"""Audit reminders: the lead auditor and auditees hear of an audit 14 and 2 days before, once per step."""

from __future__ import annotations

import datetime

import pytest

from audits import reminders, services
from ims.notifications.models import Notice
from ims.notifications.registry import producers

from .auditkit import audit_at, auditor

pytestmark = pytest.mark.django_db


def test_reminded_at_14_and_2_days_once_a_day(org):
    assert "audits" in producers()
    lead = auditor(org)
    audit = audit_at(org, lead=lead, auditees=[org.emp_a], planned_date=datetime.date(2026, 12, 20))
    far = datetime.date(2026, 12, 1)
    assert reminders.audit_reminders(on=far) == 0
    on = datetime.date(2026, 12, 6)  # 14 days before
    assert reminders.audit_reminders(on=on) == 2
    assert reminders.audit_reminders(on=on) == 0  # the same day again: nothing new
    assert reminders.audit_reminders(on=on + datetime.timedelta(days=1)) == 0
    notice = Notice.objects.get(person=lead, category="audits", day=on)
    assert audit.reference in notice.body
    assert Notice.objects.filter(person=org.emp_a, category="audits", day=on).exists()
    two_before = datetime.date(2026, 12, 18)
    assert reminders.audit_reminders(on=two_before) == 2
    assert Notice.objects.filter(person=lead, category="audits").count() == 2


def test_a_rescheduled_audit_is_reminded_again_and_a_cancelled_one_not(org):
    lead = auditor(org)
    audit = audit_at(org, lead=lead, planned_date=datetime.date(2026, 12, 20))
    assert reminders.audit_reminders(on=datetime.date(2026, 12, 6)) == 1
    services.audit_reschedule(actor=org.admin, audit=audit, planned_date=datetime.date(2027, 1, 10), reason="Leave")
    assert reminders.audit_reminders(on=datetime.date(2026, 12, 27)) == 1
    services.audit_cancel(actor=org.admin, audit=audit, reason="Retired")
    assert reminders.audit_reminders(on=datetime.date(2027, 1, 8)) == 0
