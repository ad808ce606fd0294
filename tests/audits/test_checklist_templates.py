"""Checklist templates kept in the portal: services (who may, what is refused, the audit trail) and pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audits import checklists
from audits.models import ChecklistTemplate, TemplateQuestion
from ims.audit.models import AuditEvent

from .auditkit import auditor, clause, process_at, started

pytestmark = pytest.mark.django_db


def default_template(org) -> ChecklistTemplate:
    return checklists.template_create(
        actor=org.qm_a, name="Default audit questions", clause_question="Show evidence that {clause} is met.",
        is_default=True,
    )  # fmt: skip


def snapshot() -> tuple:
    templates = list(ChecklistTemplate.objects.order_by("pk").values_list("name", "is_default", "is_active"))
    questions = list(TemplateQuestion.objects.order_by("pk").values_list("text", "is_active", "position"))
    return templates, questions


class TestTemplates:
    def test_a_quality_manager_creates_a_template(self, org):
        template = default_template(org)
        assert template.is_default and template.is_active
        assert template.get_absolute_url() == reverse("audits:template_detail", args=[template.pk])
        assert AuditEvent.objects.for_record(template).filter(reason="Checklist template created").exists()

    def test_making_another_template_the_default_moves_it(self, org):
        first = default_template(org)
        second = checklists.template_create(
            actor=org.qm_a, name="GMP questions", clause_question="Show {clause}.", is_default=True
        )
        first.refresh_from_db()
        assert second.is_default and not first.is_default
        checklists.template_update(
            actor=org.qm_a, template=first, changes={"is_default": True}, reason="Back to the company set"
        )
        second.refresh_from_db()
        assert ChecklistTemplate.objects.get(is_default=True) == first and not second.is_default
        assert AuditEvent.objects.for_record(first).filter(reason="Back to the company set").exists()

    def test_the_default_cannot_be_deactivated_or_unset(self, org):
        template = default_template(org)
        with pytest.raises(ValidationError) as refused:
            checklists.template_deactivate(actor=org.qm_a, template=template, reason="Obsolete")
        assert "is_active" in refused.value.error_dict
        with pytest.raises(ValidationError) as refused:
            checklists.template_update(actor=org.qm_a, template=template, changes={"is_default": False}, reason="x")
        assert "is_default" in refused.value.error_dict
        template.refresh_from_db()
        assert template.is_default and template.is_active

    def test_deactivating_needs_a_reason_and_is_recorded_with_it(self, org):
        default_template(org)
        other = checklists.template_create(actor=org.qm_a, name="Old set", clause_question="Show {clause}.")
        with pytest.raises(ValidationError, match="reason"):
            checklists.template_deactivate(actor=org.qm_a, template=other, reason="  ")
        checklists.template_deactivate(actor=org.qm_a, template=other, reason="Replaced by the 2026 set")
        other.refresh_from_db()
        assert not other.is_active and ChecklistTemplate.objects.filter(pk=other.pk).exists()
        assert AuditEvent.objects.for_record(other).filter(reason="Replaced by the 2026 set").exists()

    def test_a_duplicate_name_is_refused_on_the_field(self, org):
        default_template(org)
        with pytest.raises(ValidationError) as refused:
            checklists.template_create(actor=org.qm_a, name="Default audit questions", clause_question="Show {clause}.")
        assert "name" in refused.value.error_dict


class TestQuestions:
    def test_a_question_for_a_clause_and_one_for_a_process(self, org):
        template = default_template(org)
        process = process_at(org)
        for_clause = checklists.question_add(
            actor=org.qm_a, template=template, text="Show the last KPI review.", clause=clause("9")
        )
        for_process = checklists.question_add(
            actor=org.qm_a, template=template, text="Is the release SOP followed?", process=process
        )
        assert (for_clause.position, for_process.position) == (1, 2)
        assert for_process.process == process and for_process.clause is None
        assert AuditEvent.objects.for_record(for_clause).filter(reason="Checklist question added").exists()

    def test_a_question_needs_a_clause_or_a_process_and_its_text(self, org):
        template = default_template(org)
        with pytest.raises(ValidationError) as refused:
            checklists.question_add(actor=org.qm_a, template=template, text="Orphan question?")
        assert "clause" in refused.value.error_dict
        with pytest.raises(ValidationError) as refused:
            checklists.question_add(actor=org.qm_a, template=template, text="  ", clause=clause("9"))
        assert "text" in refused.value.error_dict
        with pytest.raises(ValidationError) as refused:
            checklists.question_add(actor=org.qm_a, template=template, text="x" * 301, clause=clause("9"))
        assert "text" in refused.value.error_dict
        assert not TemplateQuestion.objects.exists()

    def test_an_employee_and_an_internal_auditor_change_nothing(self, org):
        template = default_template(org)
        question = checklists.question_add(actor=org.qm_a, template=template, text="Show it.", clause=clause("9"))
        before = snapshot()
        for person in (org.emp_a, auditor(org, qualified=False)):
            with pytest.raises(PermissionDenied):
                checklists.template_create(actor=person, name="Mine", clause_question="Show {clause}.")
            with pytest.raises(PermissionDenied):
                checklists.template_update(actor=person, template=template, changes={"name": "Mine"}, reason="x")
            with pytest.raises(PermissionDenied):
                checklists.question_add(actor=person, template=template, text="Mine?", clause=clause("8"))
            with pytest.raises(PermissionDenied):
                checklists.question_update(actor=person, question=question, changes={"text": "Mine?"}, reason="x")
            with pytest.raises(PermissionDenied):
                checklists.question_deactivate(actor=person, question=question, reason="x")
        assert snapshot() == before

    def test_update_and_deactivate_a_question_with_a_reason(self, org):
        template = default_template(org)
        question = checklists.question_add(actor=org.qm_a, template=template, text="Show it.", clause=clause("9"))
        checklists.question_update(
            actor=org.qm_a, question=question, changes={"text": "Show the KPI review."}, reason="Clearer wording"
        )
        checklists.question_deactivate(actor=org.qm_a, question=question, reason="Asked by the process question")
        question.refresh_from_db()
        assert question.text == "Show the KPI review." and not question.is_active
        reasons = set(AuditEvent.objects.for_record(question).values_list("reason", flat=True))
        assert {"Clearer wording", "Asked by the process question"} <= reasons

    def test_a_deactivated_question_is_no_longer_asked(self, org):
        template = default_template(org)
        question = checklists.question_add(actor=org.qm_a, template=template, text="Retired?", clause=clause("9"))
        checklists.question_deactivate(actor=org.qm_a, question=question, reason="Retired")
        audit, _lead = started(org)
        assert "Retired?" not in set(audit.items.values_list("question", flat=True))


class TestPages:
    def test_a_quality_manager_adds_a_question_and_new_audits_ask_it(self, org, client_for):
        template = default_template(org)
        client = client_for(org.qm_a)
        page = client.get(template.get_absolute_url())
        assert page.status_code == 200 and b"data-question-add" in page.content
        response = client.post(
            reverse("audits:question_add", args=[template.pk]),
            {"text": "Show the minutes of the last management review.", "clause": clause("9").pk, "process": ""},
        )
        assert response.status_code == 302
        question = TemplateQuestion.objects.get(template=template)
        assert question.clause == clause("9")
        page = client.get(template.get_absolute_url())
        assert "Show the minutes of the last management review." in page.content.decode()
        audit, _lead = started(org)
        asked = set(audit.items.values_list("question", flat=True))
        assert "Show the minutes of the last management review." in asked

    def test_a_question_without_clause_or_process_is_shown_again_with_the_error(self, org, client_for):
        template = default_template(org)
        response = client_for(org.qm_a).post(
            reverse("audits:question_add", args=[template.pk]), {"text": "Orphan?", "clause": "", "process": ""}
        )
        assert response.status_code == 400
        assert "Choose the clause or the process" in response.content.decode()
        assert not TemplateQuestion.objects.exists()

    def test_a_quality_manager_creates_and_edits_a_template(self, org, client_for):
        client = client_for(org.qm_a)
        response = client.post(
            reverse("audits:template_add"), {"name": "GMP set", "clause_question": "Show {clause}.", "is_default": "on"}
        )
        template = ChecklistTemplate.objects.get(name="GMP set")
        assert response.status_code == 302 and template.is_default
        page = client.get(reverse("audits:template_edit", args=[template.pk]))
        assert page.status_code == 200
        response = client.post(
            reverse("audits:template_edit", args=[template.pk]),
            {"name": "GMP set 2026", "clause_question": "Show {clause}.", "is_default": "on", "change_reason": "Year"},
        )
        assert response.status_code == 302
        template.refresh_from_db()
        assert template.name == "GMP set 2026"

    def test_an_employee_may_not_open_the_add_pages(self, org, client_for):
        template = default_template(org)
        client = client_for(org.emp_a)
        assert client.get(reverse("audits:template_add")).status_code == 403
        assert client.get(reverse("audits:question_add", args=[template.pk])).status_code == 403
        response = client.post(
            reverse("audits:question_add", args=[template.pk]), {"text": "Mine?", "clause": clause("9").pk}
        )
        assert response.status_code == 403
        assert not TemplateQuestion.objects.exists()

    def test_an_internal_auditor_reads_the_list_and_the_template(self, org, client_for):
        template = default_template(org)
        checklists.question_add(actor=org.qm_a, template=template, text="Show it.", clause=clause("9"))
        client = client_for(auditor(org, qualified=False))
        page = client.get(reverse("audits:template_list"))
        assert page.status_code == 200
        assert "Default audit questions" in page.content.decode()
        assert reverse("audits:template_add") not in page.content.decode()
        page = client.get(template.get_absolute_url())
        assert page.status_code == 200 and b"data-question-add" not in page.content
        assert reverse("audits:question_edit", args=[template.questions.get().pk]) not in page.content.decode()

    def test_deactivating_a_question_on_its_page_needs_a_reason(self, org, client_for):
        template = default_template(org)
        question = checklists.question_add(actor=org.qm_a, template=template, text="Show it.", clause=clause("9"))
        client = client_for(org.qm_a)
        page = client.get(reverse("audits:question_edit", args=[question.pk]))
        assert page.status_code == 200 and b"data-question-deactivate" in page.content
        url = reverse("audits:question_deactivate", args=[question.pk])
        client.post(url, {"change_reason": ""})
        question.refresh_from_db()
        assert question.is_active
        assert client.post(url, {"change_reason": "Duplicate"}).status_code == 302
        question.refresh_from_db()
        assert not question.is_active
