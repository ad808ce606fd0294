"""Pages of integrated procedures: the procedure register, one procedure's declarations, its records.

Thin adapters over ``manual.framework.services`` and ``selectors``; the base views apply scope (404 outside the
user's sites), the reason for change and the 403 of a person who may see but not change.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ims.access.permissions import user_can_any_site
from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument
from ims.web.input import REASON_FIELD
from ims.web.links import may_open
from ims.web.views import ObjectDeactivateView, ObjectDetailView, ObjectEditView, ObjectListView
from processes.library import document_clause_may_add

from . import selectors, services
from .filtersets import ProcedureFilterSet, ProcedureRecordFilterSet
from .forms import ProcedureRecordForm
from .models import ProcedureRecord
from .tables import ProcedureRecordTable, ProcedureTable

RECORD_EXPORT = (
    "id",
    "document__number",
    "name",
    "form_document__number",
    "retention",
    "location",
    "is_active",
    "created_at",
    "updated_at",
)


class ProcedureListView(ObjectListView):
    """Every procedure in scope with its disciplines, standards, clause and record counts and RACI roles."""

    queryset = selectors.procedure_queryset()
    table_class = ProcedureTable
    filterset_class = ProcedureFilterSet
    export_fields = ("id", "number", "title", "disciplines", "clause_count", "records_count", "effective_number")
    title = gettext_lazy("Integrated procedures")
    template_name = "framework/procedure_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_draft"] = may_open(self.request.user, "framework:procedure_drafts")
        return context


class ProcedureDetailView(ObjectDetailView):
    """One procedure: the clauses it fulfils by standard, its disciplines, RACI roles and the records it produces."""

    queryset = ControlledDocument.objects.filter(doc_type=DocumentType.PROCEDURE).select_related("owner")
    template_name = "framework/procedure_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document: ControlledDocument = kwargs["object"]
        user = self.request.user
        context.update(
            {
                "document": document,
                "declarations": selectors.procedure_declarations(user=user, document=document),
                "may_add_record": document.is_active and services.may_add_record(user, document),
                "may_link_clauses": document_clause_may_add(user, document),
                "reason_field": REASON_FIELD,
                "list_url": reverse("framework:procedure_list"),
                "list_label": _("Integrated procedures"),
                "model_name": _("procedure"),
                "is_active": document.is_active,
                "has_status": True,
                # The document register keeps the document itself; this page edits what it declares.
                "can_change": False,
                "can_delete": False,
            }
        )
        return context


# --- Procedure records -----------------------------------------------------------------------------------


class ProcedureRecordListView(ObjectListView):
    queryset = ProcedureRecord.objects.select_related("document", "form_document")
    table_class = ProcedureRecordTable
    filterset_class = ProcedureRecordFilterSet
    export_fields = RECORD_EXPORT
    add_url_name = "framework:procedurerecord_add"
    title = gettext_lazy("Records produced by procedures")


class ProcedureRecordDetailView(ObjectDetailView):
    queryset = ProcedureRecord.objects.select_related("document", "form_document")
    template_name = "framework/procedurerecord_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = kwargs["object"]
        context.update(
            {
                "list_url": reverse("framework:procedure_detail", args=[record.document_id]),
                "list_label": record.document.number,
                "edit_url": reverse("framework:procedurerecord_edit", args=[record.pk]),
                "deactivate_url": reverse("framework:procedurerecord_retire", args=[record.pk]),
                "deactivate_label": _("Retire record"),
                "is_active": record.is_active,
                "has_status": True,
                "detail_fields": (
                    "document",
                    "name",
                    "form_document",
                    "retention",
                    "location",
                    "is_active",
                    "created_at",
                    "updated_at",
                ),  # fmt: skip
            }
        )
        context["can_change"] = context["can_change"] and record.is_active
        return context


class ProcedureRecordEditView(ObjectEditView):
    queryset = ProcedureRecord.objects.select_related("document", "form_document")
    form_class = ProcedureRecordForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return "pk" in url_kwargs or user_can_any_site(user, services.PERM_ADD_RECORD)

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        raw = self.request.GET.get("document") or ""
        if self.object is None and raw.isdigit():
            kwargs["document"] = get_object_or_404(ControlledDocument.objects.restrict(self.request.user, "view"),
                                                   pk=raw)  # fmt: skip
        return kwargs

    def save(self, form) -> ProcedureRecord:
        data = form.record_data
        if self.object is None:
            return services.procedure_record_create(actor=self.request.user, **data)
        return services.procedure_record_update(actor=self.request.user, record=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("framework:procedurerecord_list")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class ProcedureRecordRetireView(ObjectDeactivateView):
    queryset = ProcedureRecord.objects.select_related("document")
    success_message = gettext_lazy("Record “%(obj)s” retired; it stays listed on the procedure.")

    def deactivate(self, obj) -> None:
        services.procedure_record_retire(actor=self.request.user, record=obj)
