"""Pages of the register (entries and controls) and the scoring methods: thin adapters over the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from ims.access.permissions import user_can
from ims.audit.context import audit_context
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import scoring, selectors, services
from .filtersets import ControlFilterSet, RiskEntryFilterSet
from .forms import ControlForm, EntryForm, ScoringMethodForm
from .models import Control, RiskEntry, ScoringMethod
from .tables import ControlTable, RiskEntryTable

ENTRY_EXPORT = (
    "id", "reference", "kind", "discipline", "site__code", "process__code", "title", "description", "hazard",
    "aspect", "impact", "operating_condition", "is_significant", "activity", "people_exposed", "existing_controls",
    "inherent_severity", "inherent_likelihood", "inherent_detectability", "inherent_score", "inherent_band",
    "residual_severity", "residual_likelihood", "residual_detectability", "residual_score", "residual_band",
    "residual_justification", "owner__employee_id", "review_date", "is_active", "created_at", "updated_at",
)  # fmt: skip
CONTROL_EXPORT = ("id", "entry__reference", "description", "procedure__number", "course_id", "capa__reference",
                  "is_active", "created_at")  # fmt: skip
REGISTER = gettext_lazy("Risk and obligation register")


class EntryListView(ObjectListView):
    queryset = selectors.entry_queryset()
    table_class = RiskEntryTable
    filterset_class = RiskEntryFilterSet
    export_fields = ENTRY_EXPORT
    add_url_name = "risks:entry_create"
    template_name = "risks/entry_list.html"
    title = gettext_lazy("Risk register")


class SignificantAspectListView(EntryListView):
    """Environmental aspects scored medium or high before controls (ISO 14001 6.1.2)."""

    queryset = selectors.entry_queryset().filter(kind="environmental_aspect", is_significant=True, is_active=True)
    title = gettext_lazy("Significant environmental aspects")
    add_url_name = None


class OverdueReviewListView(EntryListView):
    title = gettext_lazy("Overdue reviews")
    add_url_name = None

    def get_queryset(self, action=None):
        return super().get_queryset(action).overdue().order_by("review_date", "reference")


class EntryDetailView(ObjectDetailView):
    queryset = selectors.entry_queryset()
    template_name = "risks/entry_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry: RiskEntry = kwargs["object"]
        user = self.request.user
        can_change = context["can_change"] and entry.is_active
        context.update(
            {
                "entry": entry,
                "method": scoring.method_for(entry.discipline),
                "controls": selectors.entry_controls(user=user, entry=entry),
                "control_form": ControlForm(user=user, entry=entry) if can_change else None,
                "list_url": reverse("risks:entry_list"),
                "list_label": _("Risk register"),
                "edit_url": reverse("risks:entry_edit", args=[entry.pk]),
                "deactivate_url": reverse("risks:entry_retire", args=[entry.pk]),
                "deactivate_label": _("Retire entry"),
                "is_active": entry.is_active,
                "has_status": True,
                "can_change": can_change,
            }
        )
        return context


class EntryEditView(ObjectEditView):
    queryset = RiskEntry.objects.select_related("site", "process", "owner")
    form_class = EntryForm

    def save(self, form) -> RiskEntry:
        data = form.entry_data
        if self.object is None:
            return services.entry_create(actor=self.request.user, **data)
        return services.entry_update(actor=self.request.user, entry=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("risks:entry_list")
        context["list_label"] = _("Risk register")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class EntryRetireView(ObjectDeactivateView):
    queryset = RiskEntry.objects.all()
    success_message = gettext_lazy("Entry “%(obj)s” retired; it stays in the register.")

    def deactivate(self, obj) -> None:
        services.entry_retire(actor=self.request.user, entry=obj)


# --- Controls ------------------------------------------------------------------------------------------------


class ControlCreateView(ObjectEditView):
    """POST from an entry's page (or the full form): a control of that entry."""

    queryset = RiskEntry.objects.select_related("site")
    form_class = ControlForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return True

    def dispatch(self, request, *args, **kwargs):
        self.entry = self.get_object("change")
        self.object = None
        return super(ObjectEditView, self).dispatch(request, *args, **kwargs)

    def is_create(self) -> bool:
        return True

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "entry": self.entry}

    @property
    def model(self):
        return Control

    def save(self, form) -> Control:
        services.control_create(actor=self.request.user, entry=self.entry, **form.data_for_service)
        return self.entry

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.entry.get_absolute_url()
        return context


class ControlListView(ObjectListView):
    queryset = Control.objects.select_related("entry", "procedure", "course", "capa")
    table_class = ControlTable
    filterset_class = ControlFilterSet
    export_fields = CONTROL_EXPORT


class ControlDetailView(ObjectDetailView):
    queryset = Control.objects.select_related("entry__site", "procedure", "course", "capa")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        control: Control = kwargs["object"]
        context.update(
            {
                "detail_fields": ["entry", "description", "procedure", "course", "capa", "is_active"],
                "list_url": control.entry.get_absolute_url(),
                "list_label": control.entry.reference,
                "edit_url": reverse("risks:control_edit", args=[control.pk]),
                "deactivate_url": reverse("risks:control_retire", args=[control.pk]),
                "deactivate_label": _("Retire control"),
                "is_active": control.is_active,
                "has_status": True,
                "can_change": context["can_change"] and control.is_active,
            }
        )
        return context


class ControlEditView(ObjectEditView):
    queryset = Control.objects.select_related("entry__site")
    form_class = ControlForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return "pk" in url_kwargs

    def save(self, form) -> Control:
        return services.control_update(actor=self.request.user, control=self.object, data=form.data_for_service)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.object.get_absolute_url()
        return context


class ControlRetireView(ObjectDeactivateView):
    queryset = Control.objects.all()
    success_message = gettext_lazy("Control “%(obj)s” retired.")

    def deactivate(self, obj) -> None:
        services.control_retire(actor=self.request.user, control=obj)


# --- Scoring methods -----------------------------------------------------------------------------------------


class ScoringMethodListView(TemplateView):
    """The three disciplines' methods on one page; company-wide administrators change them."""

    template_name = "risks/scoring_list.html"

    def get_context_data(self, **kwargs):
        methods = scoring.methods()
        return {
            **super().get_context_data(**kwargs),
            "title": _("Scoring methods"),
            "methods": [methods[d] for d in ("quality", "environment", "ohs")],
            "may_change": scoring.may_change_methods(self.request.user),
        }


class ScoringMethodEditView(ObjectEditView):
    queryset = ScoringMethod.objects.all()
    form_class = ScoringMethodForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return scoring.may_change_methods(user)

    def dispatch(self, request, *args, **kwargs):
        if not scoring.may_change_methods(request.user):
            raise PermissionDenied(_("You may not change scoring methods."))
        self.object = scoring.method_for(kwargs["discipline"])
        return super(ObjectEditView, self).dispatch(request, *args, **kwargs)

    def is_create(self) -> bool:
        return False

    def save(self, form):
        return scoring.scoring_method_update(actor=self.request.user, method=self.object, data=form.data_for_service)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse("risks:scoring_list")
        return context


def entry_review(request, pk: int):
    """POST on an entry's page by someone who may change it: reviewed, next review on the given date."""
    from .forms import EntryReviewForm

    view = ScopedViewMixin()
    view.request, view.kwargs, view.queryset = request, {"pk": pk}, RiskEntry.objects.all()
    entry = view.get_object("change")
    form = EntryReviewForm(request.POST)
    if request.method != "POST" or not form.is_valid():
        messages.error(request, _("Give the date of the next review."))
        return redirect(entry.get_absolute_url())
    try:
        with audit_context(reason=_("Entry reviewed")):
            services.entry_reviewed(actor=request.user, entry=entry, next_review=form.cleaned_data["next_review"])
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(
            request, _("Review recorded; next review on %(date)s.") % {"date": form.cleaned_data["next_review"]}
        )
    return redirect(entry.get_absolute_url())


def may_change(user, obj) -> bool:
    return user_can(user, "change", obj)
