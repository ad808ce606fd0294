"""Pages of the checklist templates (``/audits/templates/…``): every reader of audits sees them; whoever keeps the
templates (the template permissions globally or at any site) changes them through ``audits.checklists``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from ims.access.permissions import user_can_any_site
from ims.web.input import REASON_FIELD
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    apply_validation_error,
    reason_field,
)

from . import checklists
from .forms_templates import QuestionForm, TemplateForm
from .models import ChecklistTemplate, TemplateQuestion
from .tables_templates import ChecklistTemplateTable

READ_PERMISSION = "audits.view_audit"


class AuditReadersOnly:
    """Templates are read by whoever may see audits somewhere."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, READ_PERMISSION)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user, **kwargs):
            raise PermissionDenied(_("You may not see the checklist templates."))
        return super().dispatch(request, *args, **kwargs)


class KeepersOnly:
    """Pages that change the templates: the permission ``permission`` globally or at any site."""

    permission = checklists.TEMPLATE_CHANGE

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return checklists.may_keep(user, cls.permission)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user, **kwargs):
            raise PermissionDenied(_("You may not change the checklist templates."))
        return super().dispatch(request, *args, **kwargs)


def _template(request, pk: int) -> ChecklistTemplate:
    return get_object_or_404(ChecklistTemplate.objects.restrict(request.user, "view"), pk=pk)


class TemplateListView(AuditReadersOnly, ObjectListView):
    queryset = ChecklistTemplate.objects.annotate(
        question_count=Count("questions", filter=Q(questions__is_active=True))
    ).order_by("-is_default", "-is_active", "name")
    table_class = ChecklistTemplateTable
    export_fields = ("id", "name", "is_default", "is_active", "clause_question")
    add_url_name = "audits:template_add"


class TemplateEditView(ObjectEditView):
    queryset = ChecklistTemplate.objects.all()
    form_class = TemplateForm

    def save(self, form) -> ChecklistTemplate:
        data = form.cleaned_data
        fields = {name: data[name] for name in ("name", "clause_question", "is_default")}
        if self.is_create():
            return checklists.template_create(actor=self.request.user, **fields)
        return checklists.template_update(
            actor=self.request.user, template=self.object, changes=fields, reason=data[REASON_FIELD]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            list_url=reverse("audits:template_list"),
            list_label=_("Checklist templates"),
            cancel_url=self.object.get_absolute_url() if self.object else reverse("audits:template_list"),
        )
        return context


class TemplateDetailView(AuditReadersOnly, ObjectDetailView):
    queryset = ChecklistTemplate.objects.all()
    template_name = "audits/checklist_templates/template_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        template = kwargs["object"]
        user = self.request.user
        may_add = template.is_active and checklists.may_keep(user, checklists.QUESTION_ADD)
        context.update(
            {
                "template": template,
                "questions": template.questions.select_related("clause__standard", "process").order_by(
                    "position", "pk"
                ),
                "question_form": QuestionForm(user=user, auto_id="add_%s") if may_add else None,
                "can_change_questions": template.is_active and checklists.may_keep(user, checklists.QUESTION_CHANGE),
                "edit_url": reverse("audits:template_edit", args=[template.pk]),
                "list_url": reverse("audits:template_list"),
                "list_label": _("Checklist templates"),
                # Deactivating needs the change permission (reference data); the default stays active.
                "can_delete": context["can_change"] and not template.is_default,
                "is_active": template.is_active,
                "deactivate_url": reverse("audits:template_deactivate", args=[template.pk]),
            }
        )
        return context


class TemplateDeactivateView(KeepersOnly, ObjectDeactivateView):
    queryset = ChecklistTemplate.objects.all()

    def get_object(self, action: str = "view"):
        return super().get_object("change" if action == "delete" else action)

    def deactivate(self, obj) -> None:
        checklists.template_deactivate(
            actor=self.request.user, template=obj, reason=self.request.POST.get(REASON_FIELD, "")
        )


# --- questions -------------------------------------------------------------------------------------------------


def _question(request, pk: int) -> TemplateQuestion:
    question = get_object_or_404(TemplateQuestion.objects.select_related("template"), pk=pk)
    _template(request, question.template_id)
    return question


def _render_question(request, *, template, form, question=None, status=200):
    title = _("Edit question") if question else _("Add a question to %(t)s") % {"t": template}
    context = {"title": title, "template": template, "form": form, "question": question}
    return TemplateResponse(request, "audits/checklist_templates/question_form.html", context, status=status)


def _show_error(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict") and "reason" in error.error_dict and REASON_FIELD in form.fields:
        form.add_error(REASON_FIELD, error.error_dict.pop("reason"))
    apply_validation_error(form, error)


class QuestionAddView(KeepersOnly, View):
    """The form is on the template's page; this page shows it again with what needs correcting."""

    permission = checklists.QUESTION_ADD

    def get(self, request, pk: int):
        template = _template(request, pk)
        return _render_question(request, template=template, form=QuestionForm(user=request.user))

    def post(self, request, pk: int):
        template = _template(request, pk)
        form = QuestionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                question = checklists.question_add(actor=request.user, template=template, **form.cleaned_data)
            except ValidationError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Question added: it is asked in audits started from now on."))
                return redirect(question)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _render_question(request, template=template, form=form, status=400)


class QuestionEditView(KeepersOnly, View):
    permission = checklists.QUESTION_CHANGE

    def form(self, request, question):
        data = {"data": request.POST} if request.method == "POST" else {}
        form = QuestionForm(user=request.user, instance=question, **data)
        form.fields[REASON_FIELD] = reason_field()
        return form

    def get(self, request, pk: int):
        question = _question(request, pk)
        return _render_question(
            request, template=question.template, form=self.form(request, question), question=question
        )

    def post(self, request, pk: int):
        question = _question(request, pk)
        form = self.form(request, question)
        if form.is_valid():
            changes = dict(form.cleaned_data)
            reason = changes.pop(REASON_FIELD)
            try:
                checklists.question_update(actor=request.user, question=question, changes=changes, reason=reason)
            except ValidationError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Question changed: audits started from now on ask it this way."))
                return redirect(question)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return _render_question(request, template=question.template, form=form, question=question, status=400)


class QuestionDeactivateView(KeepersOnly, View):
    http_method_names = ["post"]
    permission = checklists.QUESTION_CHANGE

    def post(self, request, pk: int):
        question = _question(request, pk)
        try:
            checklists.question_deactivate(
                actor=request.user, question=question, reason=request.POST.get(REASON_FIELD, "")
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("audits:question_edit", pk=question.pk)
        messages.success(request, _("Question deactivated: audits started from now on no longer ask it."))
        return redirect(question.template)
