"""Distribution of effective versions and read-and-acknowledge tasks (FEATURES rows 2, 32)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from ims.documents import services as doc_services
from ims.esign.choices import SignatureMeaning
from ims.esign.services import SignatureRefused
from ims.notifications.models import Digest, Notice
from ims.notifications.services import daily_sweep
from ims.org import services as org_services
from ims.org.choices import RoleCode
from policies import distribution
from policies.models import Acknowledgement, AcknowledgementStatus, CancelReason, Distribution

from .ack_factories import PASSWORD, effective_policy, new_version_effective

pytestmark = [pytest.mark.django_db, pytest.mark.req("ISO9001-5.2.2")]


def tasks_of(version, **filters):
    return Acknowledgement.objects.filter(version=version, **filters)


def people_asked(version) -> set[str]:
    return set(tasks_of(version).exclude(status="cancelled").values_list("person__username", flat=True))


class TestDistribution:
    def test_effective_version_asks_exactly_the_people_in_scope(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        # site A members, except the inspector (external read-only role); site B and no-site people never
        assert people_asked(version) == {"qm_a", "emp_a", "global_admin"}
        distribution_ = Distribution.objects.get(version=version)
        assert distribution_.audience_count == 3
        assert distribution_.due_date == timezone.localdate() + datetime.timedelta(days=14)
        assert set(tasks_of(version).values_list("status", flat=True)) == {"open"}

    def test_function_and_role_narrow_the_scope(self, org, password_hash):
        by_function = effective_policy(password_hash, sites=[org.site_a, org.site_b], functions=[org.prod])
        assert people_asked(by_function) == {"emp_a", "emp_b"}
        by_role = effective_policy(
            password_hash, sites=[org.site_a, org.site_b], roles=[org.roles[RoleCode.QUALITY_MANAGER]]
        )
        assert people_asked(by_role) == {"qm_a", "qm_b"}
        by_both = effective_policy(
            password_hash, sites=[org.site_b], functions=[org.prod], roles=[org.roles[RoleCode.QUALITY_MANAGER]]
        )
        assert people_asked(by_both) == set()

    def test_task_counts_for_the_site_and_function_of_the_membership(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a, org.site_b])
        task = tasks_of(version).get(person=org.emp_b)
        assert (task.site, task.function) == (org.site_b, org.prod)

    def test_new_effective_version_asks_again_and_ends_the_old_open_tasks(self, org, password_hash):
        from ims.esign.services import certification_create

        certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
        v1 = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(v1).get(person=org.emp_a)
        distribution.acknowledgement_open(actor=org.emp_a, acknowledgement=task)
        distribution.acknowledgement_sign(actor=org.emp_a, acknowledgement=task, password=PASSWORD, username="emp_a")
        v2 = new_version_effective(v1.document, password_hash)
        assert people_asked(v2) == {"qm_a", "emp_a", "global_admin"}
        old = {t.person.username: t for t in tasks_of(v1)}
        assert old["emp_a"].status == AcknowledgementStatus.ACKNOWLEDGED  # evidence of v1 stays
        assert old["qm_a"].status == AcknowledgementStatus.CANCELLED
        assert old["qm_a"].cancel_reason == CancelReason.SUPERSEDED
        assert "Version 2" in old["qm_a"].cancel_note

    def test_reconcile_is_idempotent(self, org, password_hash):
        effective_policy(password_hash, sites=[org.site_a, org.site_b])
        before = list(Acknowledgement.objects.order_by("pk").values_list("pk", "status", "site_id"))
        assert distribution.acknowledgements_reconcile() == {"created": 0, "cancelled": 0, "moved": 0}
        assert list(Acknowledgement.objects.order_by("pk").values_list("pk", "status", "site_id")) == before

    def test_documents_without_acknowledgement_ask_nobody(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a], requires_acknowledgement=False)
        assert not tasks_of(version).exists()
        assert not Distribution.objects.filter(version=version).exists()


class TestMembershipChanges:
    def test_joiner_gets_the_task_with_their_own_due_date(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        newcomer = org_services.person_create(
            username="new_joiner", employee_id="NJ1", first_name="New", last_name="Joiner"
        )
        assert not tasks_of(version, person=newcomer).exists()
        org_services.membership_create(
            person=newcomer, site=org.site_a, function=org.qa, role=org.roles[RoleCode.EMPLOYEE]
        )
        task = tasks_of(version).get(person=newcomer)
        assert task.status == "open"
        assert task.due_date == timezone.localdate() + datetime.timedelta(days=14)

    def test_leaver_has_the_open_task_cancelled_with_the_reason(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        membership = org.emp_a.memberships.get()
        org_services.membership_end(membership=membership, on=timezone.localdate() - datetime.timedelta(days=0))
        # still a member today (ending today keeps the role for the day): the nightly run after it ends
        distribution.acknowledgements_reconcile(on=timezone.localdate() + datetime.timedelta(days=1))
        task = tasks_of(version).get(person=org.emp_a)
        assert task.status == AcknowledgementStatus.CANCELLED
        assert task.cancel_reason == CancelReason.LEFT_SCOPE
        assert task.cancel_note

    def test_deactivated_person_leaves_the_scope_at_once(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        org_services.person_update(person=org.emp_a, data={"is_active": False})
        assert tasks_of(version).get(person=org.emp_a).status == AcknowledgementStatus.CANCELLED

    def test_move_to_another_site_in_scope_moves_the_task(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a, org.site_b])
        membership = org.emp_a.memberships.get()
        org_services.membership_update(membership=membership, data={"site": org.site_b})
        task = tasks_of(version).get(person=org.emp_a)
        assert (task.status, task.site) == ("open", org.site_b)

    def test_move_out_of_scope_cancels_and_back_asks_again(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        membership = org.emp_a.memberships.get()
        org_services.membership_update(membership=membership, data={"site": org.site_b})
        assert tasks_of(version).get(person=org.emp_a).status == "cancelled"
        org_services.membership_update(membership=membership, data={"site": org.site_a})
        statuses = sorted(tasks_of(version, person=org.emp_a).values_list("status", flat=True))
        assert statuses == ["cancelled", "open"]

    def test_scope_change_of_the_document_follows(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        author = version.author
        doc_services.document_update(actor=author, document=version.document, data={"sites": [org.site_a, org.site_b]})
        assert {"qm_b", "emp_b"} <= people_asked(version)
        doc_services.document_update(actor=author, document=version.document, data={"sites": [org.site_b]})
        assert tasks_of(version).get(person=org.emp_a).status == "cancelled"

    def test_retired_version_withdraws_open_tasks(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        doc_services.version_retire(actor=version.author, version=version)
        assert set(tasks_of(version).values_list("cancel_reason", flat=True)) == {CancelReason.WITHDRAWN}


class TestAcknowledging:
    def test_must_read_before_signing(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.emp_a)
        with pytest.raises(distribution.AcknowledgementRefused) as refused:
            distribution.acknowledgement_sign(
                actor=org.emp_a, acknowledgement=task, password=PASSWORD, username="emp_a"
            )
        assert refused.value.code == "not_read"
        task.refresh_from_db()
        assert task.status == "open" and task.signature is None

    def test_signing_records_the_statement_with_meaning_acknowledged(self, org, password_hash):
        from ims.esign.services import certification_create

        certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.emp_a)
        distribution.acknowledgement_open(actor=org.emp_a, acknowledgement=task)
        signature = distribution.acknowledgement_sign(
            actor=org.emp_a, acknowledgement=task, password=PASSWORD, username="emp_a"
        )
        task.refresh_from_db()
        assert task.status == "acknowledged"
        assert task.signature == signature
        assert signature.meaning == SignatureMeaning.ACKNOWLEDGED
        assert (
            signature.reason
            == f"I have read and understood version 1 of {version.document.number} {version.document.title}."
        )
        with pytest.raises(distribution.AcknowledgementRefused):
            distribution.acknowledgement_sign(
                actor=org.emp_a, acknowledgement=task, password=PASSWORD, username="emp_a"
            )

    def test_wrong_password_signs_nothing(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.qm_a)
        distribution.acknowledgement_open(actor=org.qm_a, acknowledgement=task)
        from ims.esign.services import certification_create

        certification_create(person=org.qm_a, password=PASSWORD, username="qm_a", session={})
        with pytest.raises(SignatureRefused):
            distribution.acknowledgement_sign(
                actor=org.qm_a, acknowledgement=task, password="wrong-one", username="qm_a"
            )
        task.refresh_from_db()
        assert task.status == "open" and task.signature_id is None

    def test_nobody_signs_for_somebody_else(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.emp_a)
        distribution.acknowledgement_open(actor=org.emp_a, acknowledgement=task)
        with pytest.raises(PermissionDenied):
            distribution.acknowledgement_sign(actor=org.qm_a, acknowledgement=task, password=PASSWORD, username="qm_a")
        task.refresh_from_db()
        assert task.status == "open"

    def test_opening_someone_elses_task_is_refused_and_records_nothing(self, org, password_hash):
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.emp_a)
        with pytest.raises(PermissionDenied):
            distribution.acknowledgement_open(actor=org.qm_a, acknowledgement=task)
        task.refresh_from_db()
        assert task.opened_at is None


class TestDigestAndEscalation:
    @pytest.fixture(autouse=True)
    def _escalate_after_three_days(self, settings):
        settings.IMS_ACKNOWLEDGEMENT_ESCALATION_DAYS = 3

    def test_one_email_per_person_per_day_and_a_rerun_sends_nothing(self, org, password_hash):
        effective_policy(password_hash, sites=[org.site_a])
        effective_policy(password_hash, sites=[org.site_a])
        mail.outbox.clear()
        today = timezone.localdate()
        daily_sweep(on=today)
        recipients = sorted(m.to[0] for m in mail.outbox)
        assert recipients == sorted({"qm_a@example.com", "emp_a@example.com", "global_admin@example.com"})
        body = next(m.body for m in mail.outbox if m.to == ["emp_a@example.com"])
        assert body.count("\n- POL-T-") == 2  # both documents in one e-mail
        daily_sweep(on=today)
        assert len(mail.outbox) == 3
        assert Digest.objects.filter(day=today).count() == 3
        # next day: one more each, while the tasks stay open
        daily_sweep(on=today + datetime.timedelta(days=1))
        assert len(mail.outbox) == 6

    def test_overdue_goes_to_the_manager_once(self, org, password_hash):
        manager = org_services.person_create(
            username="line_manager", employee_id="LM1", first_name="Line", last_name="Manager", email="lm@example.com"
        )
        org_services.person_update(person=org.emp_a, data={"manager": manager})
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.emp_a)
        day = task.due_date + datetime.timedelta(days=3)
        mail.outbox.clear()
        daily_sweep(on=day)
        to_manager = [m for m in mail.outbox if m.to == ["lm@example.com"]]
        assert len(to_manager) == 1
        assert org.emp_a.display_name in to_manager[0].body
        task.refresh_from_db()
        assert task.escalated_at is not None
        daily_sweep(on=day + datetime.timedelta(days=1))
        assert Notice.objects.filter(person=manager, category="acknowledgement_escalation").count() == 1

    def test_not_escalated_before_the_configured_days(self, org, password_hash):
        manager = org_services.person_create(username="line_manager2", employee_id="LM2", first_name="L", last_name="M")
        org_services.person_update(person=org.emp_a, data={"manager": manager})
        version = effective_policy(password_hash, sites=[org.site_a])
        task = tasks_of(version).get(person=org.emp_a)
        daily_sweep(on=task.due_date + datetime.timedelta(days=2))
        assert not Notice.objects.filter(person=manager).exists()


class TestInbox:
    def test_inbox_shows_the_notices_of_the_digest_own_only(self, org, password_hash, client_for):
        from django.urls import reverse

        effective_policy(password_hash, sites=[org.site_a], title="Integrated IMS policy")
        daily_sweep(on=timezone.localdate())
        page = client_for(org.emp_a).get(reverse("notifications:inbox"))
        html = page.content.decode()
        assert page.status_code == 200
        assert "1 document(s) to read and acknowledge" in html and "Integrated IMS policy" in html
        assert page.context["unread"] == 1
        client_for(org.emp_a).post(reverse("notifications:inbox"))
        assert not Notice.objects.filter(person=org.emp_a, read_at__isnull=True).exists()
        assert "data-inbox-empty" in client_for(org.emp_b).get(reverse("notifications:inbox")).content.decode()
