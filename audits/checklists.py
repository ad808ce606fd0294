"""Checklist templates kept in the portal: the questions audits ask per clause and per process.

Templates are company-wide reference data, like the standards library: whoever holds the template permission
globally or at any site keeps them for the whole company. Nothing is deleted: templates and questions are
deactivated with a reason, and the audit trail records every change. Checklists already generated keep their
questions (``audit_start`` copies them once).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.access.permissions import user_can_any_site
from ims.audit.context import audit_context
from processes.models import Clause, Process

from .models import ChecklistTemplate, TemplateQuestion

TEMPLATE_ADD = "audits.add_checklisttemplate"
TEMPLATE_CHANGE = "audits.change_checklisttemplate"
QUESTION_ADD = "audits.add_templatequestion"
QUESTION_CHANGE = "audits.change_templatequestion"
#: As long as a template's question for a clause, so a question reads on a phone's checklist.
QUESTION_MAX_LENGTH = ChecklistTemplate._meta.get_field("clause_question").max_length

TEMPLATE_FIELDS = ("name", "clause_question", "is_default", "is_active")
QUESTION_FIELDS = ("text", "clause", "process", "position", "is_active")


def may_keep(user, perm: str) -> bool:
    """May ``user`` use ``perm`` on the company's checklist templates (globally or at any site)?"""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user_can_any_site(user, perm)


def _require(actor, perm: str) -> None:
    if not may_keep(actor, perm):
        raise PermissionDenied(_("You may not change the checklist templates."))


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; it is kept in the audit trail.")}, code="reason_required")
    return reason


def _lock_template(template: ChecklistTemplate) -> ChecklistTemplate:
    return ChecklistTemplate._base_manager.select_for_update().get(pk=template.pk)


def _move_default_to(template: ChecklistTemplate) -> None:
    """The previous default stops being one first: the database allows one default only."""
    for previous in ChecklistTemplate._base_manager.select_for_update().filter(is_default=True).exclude(pk=template.pk):
        previous.is_default = False
        previous.save(update_fields=["is_default", "updated_at"])


def _template_check(template: ChecklistTemplate) -> None:
    template.name = (template.name or "").strip()
    template.clause_question = (template.clause_question or "").strip()
    if template.is_default and not template.is_active:
        raise ValidationError(
            {"is_active": _("The default template cannot be deactivated; make another template the default first.")},
            code="default_inactive",
        )
    template.full_clean(validate_constraints=False)  # the one-default constraint: the default moves on save


@transaction.atomic
def template_create(*, actor, name: str, clause_question: str, is_default: bool = False) -> ChecklistTemplate:
    """A new template; made the default, it takes the place of the previous default."""
    _require(actor, TEMPLATE_ADD)
    template = ChecklistTemplate(name=name, clause_question=clause_question, is_default=bool(is_default))
    _template_check(template)
    with audit_context(reason=_("Checklist template created")):
        if template.is_default:
            _move_default_to(template)
        template.save()
    return template


@transaction.atomic
def template_update(*, actor, template: ChecklistTemplate, changes: dict, reason: str) -> ChecklistTemplate:
    """Rename, reword the clause question, make the default (moving it) or (de)activate, with a reason."""
    _require(actor, TEMPLATE_CHANGE)
    reason = _reason(reason)
    locked = _lock_template(template)
    was_default = locked.is_default
    for name in TEMPLATE_FIELDS:
        if name in changes:
            setattr(locked, name, changes[name])
    if was_default and not locked.is_default:
        raise ValidationError(
            {"is_default": _("Make another template the default instead; the default moves to it.")},
            code="default_needed",
        )
    _template_check(locked)
    with audit_context(reason=reason):
        if locked.is_default and not was_default:
            _move_default_to(locked)
        locked.save()
    return locked


@transaction.atomic
def template_deactivate(*, actor, template: ChecklistTemplate, reason: str) -> ChecklistTemplate:
    """New audits stop asking its questions; the default template cannot be deactivated."""
    return template_update(actor=actor, template=template, changes={"is_active": False}, reason=reason)


def _question_check(actor, question: TemplateQuestion, changed) -> None:
    """Checks what changed: a question kept from the admin era may be longer, or its process since retired."""
    question.text = (question.text or "").strip()
    errors: dict[str, str] = {}
    if not question.text:
        errors["text"] = _("Write the question.")
    elif "text" in changed and len(question.text) > QUESTION_MAX_LENGTH:
        errors["text"] = _("Keep the question to %(n)s characters (it has %(len)s).") % {
            "n": QUESTION_MAX_LENGTH,
            "len": len(question.text),
        }
    if question.clause_id is None and question.process_id is None:
        errors["clause"] = _("Choose the clause or the process the question is asked for.")
    if "process" in changed and question.process_id is not None:
        visible = Process.objects.restrict(actor, "view").filter(pk=question.process_id, is_active=True)
        if not visible.exists():
            errors["process"] = _("Choose an active process of your sites.")
    if errors:
        raise ValidationError(errors)
    question.full_clean()


def _open_template(template: ChecklistTemplate) -> ChecklistTemplate:
    locked = _lock_template(template)
    if not locked.is_active:
        raise ValidationError(
            _("The template “%(name)s” is inactive; its questions cannot be changed.") % {"name": locked.name},
            code="template_inactive",
        )
    return locked


@transaction.atomic
def question_add(
    *,
    actor,
    template: ChecklistTemplate,
    text: str,
    clause: Clause | None = None,
    process: Process | None = None,
    position: int | None = None,
) -> TemplateQuestion:
    """A question for a clause (replacing the template's clause question) or for a process; last unless placed."""
    _require(actor, QUESTION_ADD)
    locked = _open_template(template)
    if position is None:
        last = locked.questions.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    question = TemplateQuestion(template=locked, text=text, clause=clause, process=process, position=position)
    _question_check(actor, question, QUESTION_FIELDS)
    with audit_context(reason=_("Checklist question added")):
        question.save()
    return question


@transaction.atomic
def question_update(*, actor, question: TemplateQuestion, changes: dict, reason: str) -> TemplateQuestion:
    """Reword, move to another clause or process, reorder or (de)activate a question, with a reason."""
    _require(actor, QUESTION_CHANGE)
    reason = _reason(reason)
    _open_template(question.template)
    locked = TemplateQuestion._base_manager.select_for_update().get(pk=question.pk)
    changed = {name for name in QUESTION_FIELDS if name in changes and changes[name] != getattr(locked, name)}
    for name in changed:
        setattr(locked, name, changes[name])
    if locked.position is None:
        locked.position = question.position
    _question_check(actor, locked, changed)
    with audit_context(reason=reason):
        locked.save()
    return locked


@transaction.atomic
def question_deactivate(*, actor, question: TemplateQuestion, reason: str) -> TemplateQuestion:
    """New audits stop asking the question; checklists already generated keep it."""
    return question_update(actor=actor, question=question, changes={"is_active": False}, reason=reason)
