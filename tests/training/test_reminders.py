"""Training-due reminders and overdue escalation through the kernel's daily sweep (one digest a day)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from ims.notifications.models import Digest, Notice
from ims.notifications.services import daily_sweep
from ims.org import services as org_services
from ims.org.choices import RoleCode
from training import reminders, services
from training.models import Assignment

from .factories import course_at, require

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-7.2")]


@pytest.fixture(autouse=True)
def _steps(settings):
    settings.IMS_TRAINING_REMINDER_DAYS = (14, 7, 1)
    settings.IMS_TRAINING_ESCALATION_DAYS = 7


def training_notices(person, category=reminders.REMINDER_CATEGORY):
    return Notice.objects.filter(person=person, category=category)


def test_the_producer_is_registered():
    from ims.notifications.registry import producers

    assert producers()["training"] is reminders.training_notices


class TestReminders:
    def test_steps_before_the_due_date_and_a_rerun_sends_nothing(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], grace_days=20)
        assignment = Assignment.objects.get(person=org.emp_a, course=course)
        today = timezone.localdate()
        due = assignment.due_date
        assert reminders.training_reminders(on=today) == 0  # 20 days left: no step reached
        assert reminders.training_reminders(on=due - datetime.timedelta(days=14)) == 1
        assignment.refresh_from_db()
        assert assignment.reminded_days == 14
        assert reminders.training_reminders(on=due - datetime.timedelta(days=14)) == 0
        assert reminders.training_reminders(on=due - datetime.timedelta(days=10)) == 0  # same step
        assert reminders.training_reminders(on=due - datetime.timedelta(days=7)) == 1
        assert reminders.training_reminders(on=due - datetime.timedelta(days=1)) == 1
        assert reminders.training_reminders(on=due) == 1  # the due date itself
        assert reminders.training_reminders(on=due + datetime.timedelta(days=3)) == 0
        assert training_notices(org.emp_a).count() == 4

    def test_late_assignment_starts_at_the_nearest_step(self, org):
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], grace_days=3)
        today = timezone.localdate()
        assert reminders.training_reminders(on=today) == 1
        assert Assignment.objects.get(person=org.emp_a, course=course).reminded_days == 7
        assert reminders.training_reminders(on=today + datetime.timedelta(days=1)) == 0
        assert reminders.training_reminders(on=today + datetime.timedelta(days=2)) == 1  # 1 day left

    def test_one_notice_and_one_email_per_person_per_day_for_all_items(self, org):
        for _n in range(3):
            require(org.site_a, course_at(org.site_a), role=org.roles[RoleCode.EMPLOYEE], grace_days=5)
        today = timezone.localdate()
        mail.outbox.clear()
        daily_sweep(on=today)
        notice = training_notices(org.emp_a).get()
        assert notice.item_count == 3 and notice.body.count("\n") == 2
        to_emp = [m for m in mail.outbox if m.to == ["emp_a@example.com"]]
        assert len(to_emp) == 1 and to_emp[0].body.count("- CRS-") == 3
        daily_sweep(on=today)
        assert len([m for m in mail.outbox if m.to == ["emp_a@example.com"]]) == 1
        assert Digest.objects.filter(person=org.emp_a, day=today).count() == 1
        assert training_notices(org.emp_a).count() == 1

    def test_completed_and_cancelled_assignments_are_not_reminded(self, org):
        course = course_at(org.site_a)
        manual = services.assignment_create_manual(
            actor=None, person=org.emp_a, course=course, site=org.site_a, due_date=timezone.localdate()
        )
        services.assignment_withdraw(actor=None, assignment=manual, note="Not needed")
        assert reminders.training_reminders(on=timezone.localdate()) == 0

    def test_configured_steps(self, org, settings):
        settings.IMS_TRAINING_REMINDER_DAYS = (30,)
        course = course_at(org.site_a)
        require(org.site_a, course, role=org.roles[RoleCode.EMPLOYEE], grace_days=20)
        assert reminders.reminder_steps() == (30, 0)
        assert reminders.training_reminders(on=timezone.localdate()) == 1


class TestEscalation:
    @pytest.fixture
    def manager(self, org):
        manager = org_services.person_create(
            username="line_manager", employee_id="LM1", first_name="Line", last_name="Manager", email="lm@example.com"
        )
        org_services.person_update(person=org.emp_a, data={"manager": manager})
        return manager

    def overdue(self, org, days_late: int) -> Assignment:
        course = course_at(org.site_a, title="Gowning")
        return services.assignment_create_manual(
            actor=None,
            person=org.emp_a,
            course=course,
            site=org.site_a,
            due_date=timezone.localdate() - datetime.timedelta(days=days_late),
        )

    def test_manager_and_site_quality_manager_told_once(self, org, manager):
        assignment = self.overdue(org, 7)
        today = timezone.localdate()
        mail.outbox.clear()
        daily_sweep(on=today)
        for person in (manager, org.qm_a):
            notice = training_notices(person, reminders.ESCALATION_CATEGORY).get()
            assert org.emp_a.display_name in notice.body and "Gowning" in notice.body
        assert not training_notices(org.qm_b, reminders.ESCALATION_CATEGORY).exists()  # other site
        assert len([m for m in mail.outbox if m.to == ["lm@example.com"]]) == 1
        assignment.refresh_from_db()
        assert assignment.escalated_at is not None
        daily_sweep(on=today + datetime.timedelta(days=1))
        assert Notice.objects.filter(category=reminders.ESCALATION_CATEGORY).count() == 2
        assert reminders.training_escalations(on=today + datetime.timedelta(days=2)) == 0

    def test_not_before_the_configured_days(self, org, manager):
        assignment = self.overdue(org, 6)
        assert reminders.training_escalations(on=timezone.localdate()) == 0
        assignment.refresh_from_db()
        assert assignment.escalated_at is None

    def test_ended_quality_manager_membership_is_not_told(self, org, manager):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        membership = org.qm_a.memberships.get()
        type(membership).objects.filter(pk=membership.pk).update(valid_from=yesterday, valid_to=yesterday)
        self.overdue(org, 8)
        reminders.training_escalations(on=timezone.localdate())
        assert not training_notices(org.qm_a, reminders.ESCALATION_CATEGORY).exists()
        assert training_notices(manager, reminders.ESCALATION_CATEGORY).exists()
