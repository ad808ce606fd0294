"""Pages of the legal and other requirements and their compliance evaluations."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ims.access.permissions import user_can_any_site
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
    apply_validation_error,
)

from . import obligations, selectors
from .filtersets import EvaluationFilterSet, ObligationFilterSet
from .forms import EvaluationForm, ObligationForm
from .models import ComplianceEvaluation, Obligation
from .tables import EvaluationTable, ObligationTable

OBLIGATION_EXPORT = ("id", "title", "obligation_type", "jurisdiction", "clause__number", "requirement_summary",
                     "owner__employee_id", "evaluation_interval_months", "next_evaluation", "is_active")  # fmt: skip
EVALUATION_EXPORT = ("id", "obligation__title", "site__code", "evaluated_on", "result", "evidence",
                     "evidence_document__number", "evaluated_by__employee_id", "next_evaluation")  # fmt: skip


class ObligationListView(ObjectListView):
    queryset = selectors.obligation_queryset()
    table_class = ObligationTable
    filterset_class = ObligationFilterSet
    export_fields = OBLIGATION_EXPORT
    add_url_name = "risks:obligation_create"
    title = gettext_lazy("Legal and other requirements")

    def get_queryset(self, action=None):
        return selectors.with_last_evaluation(super().get_queryset(action), user=self.request.user)


class ObligationDetailView(ObjectDetailView):
    queryset = selectors.obligation_queryset()
    template_name = "risks/obligation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obligation: Obligation = kwargs["object"]
        user = self.request.user
        may_evaluate = obligation.is_active and user_can_any_site(user, obligations.PERM_EVALUATE)
        form = kwargs.get("evaluation_form") or (
            EvaluationForm(user=user, obligation=obligation) if may_evaluate else None
        )
        if form is not None and not form.fields["site"].queryset.exists():
            form = None
        context.update(
            {
                "obligation": obligation,
                "evaluations": selectors.obligation_evaluations(user=user, obligation=obligation),
                "evaluation_form": form,
                "list_url": reverse("risks:obligation_list"),
                "list_label": _("Legal and other requirements"),
                "edit_url": reverse("risks:obligation_edit", args=[obligation.pk]),
                "deactivate_url": reverse("risks:obligation_withdraw", args=[obligation.pk]),
                "deactivate_label": _("Withdraw obligation"),
                "is_active": obligation.is_active,
                "has_status": True,
                "can_change": context["can_change"] and obligation.is_active,
            }
        )
        return context


class ObligationEditView(ObjectEditView):
    queryset = Obligation.objects.all()
    form_class = ObligationForm

    def save(self, form) -> Obligation:
        data = form.data_for_service
        if self.object is None:
            return obligations.obligation_create(actor=self.request.user, **data)
        return obligations.obligation_update(actor=self.request.user, obligation=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("risks:obligation_list")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class ObligationWithdrawView(ObjectDeactivateView):
    queryset = Obligation.objects.all()
    success_message = gettext_lazy("Obligation “%(obj)s” withdrawn; it is kept with its evaluations.")

    def deactivate(self, obj) -> None:
        obligations.obligation_withdraw(actor=self.request.user, obligation=obj)


class EvaluationRecordView(ObligationDetailView):
    """POST from the obligation's page: record a compliance evaluation."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        obligation = self.get_object("view")
        form = EvaluationForm(request.POST, user=request.user, obligation=obligation)
        if form.is_valid():
            try:
                obligations.evaluation_record(actor=request.user, obligation=obligation, **form.data_for_service)
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Compliance evaluation recorded."))
                return redirect(obligation.get_absolute_url())
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        self.object = obligation
        return self.render_to_response(self.get_context_data(object=obligation, evaluation_form=form), status=400)


class EvaluationListView(ObjectListView):
    queryset = ComplianceEvaluation.objects.select_related("obligation", "site", "evaluated_by")
    table_class = EvaluationTable
    filterset_class = EvaluationFilterSet
    export_fields = EVALUATION_EXPORT
    title = gettext_lazy("Compliance evaluations")


class EvaluationDetailView(ObjectDetailView):
    queryset = ComplianceEvaluation.objects.select_related("obligation", "site", "evaluated_by", "evidence_document")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation: ComplianceEvaluation = kwargs["object"]
        context.update(
            {
                "detail_fields": [
                    "obligation",
                    "site",
                    "evaluated_on",
                    "result",
                    "evidence",
                    "evidence_document",
                    "evaluated_by",
                    "next_evaluation",
                ],  # fmt: skip
                "list_url": evaluation.obligation.get_absolute_url(),
                "list_label": str(evaluation.obligation),
                "edit_url": reverse("risks:evaluation_edit", args=[evaluation.pk]),
            }
        )
        return context


class EvaluationEditView(ObjectEditView):
    queryset = ComplianceEvaluation.objects.select_related("obligation")
    form_class = EvaluationForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return "pk" in url_kwargs

    def save(self, form) -> ComplianceEvaluation:
        data = {k: v for k, v in form.data_for_service.items() if k in obligations.EVALUATION_FIELDS}
        return obligations.evaluation_update(actor=self.request.user, evaluation=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.object.get_absolute_url()
        return context


__all__ = ["ScopedViewMixin"]
