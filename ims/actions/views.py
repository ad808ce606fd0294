"""Pages of tracked actions: the list (the user's sites), the detail, edit and cancel."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.org.filtersets import SearchFilterSet
from ims.org.models import Person, Site
from ims.web.tables import BaseTable
from ims.web.views import ObjectDeactivateView, ObjectDetailView, ObjectEditView, ObjectListView

from . import services
from .models import Action, ActionStatus

EXPORT_FIELDS = ("id", "reference", "site__code", "title", "owner__username", "due_date", "status", "source_label")


class ActionFilterSet(SearchFilterSet):
    search_fields = ("reference", "title", "source_label")
    site = django_filters.ModelMultipleChoiceFilter(queryset=Site.objects.all(), label=_("Site"))
    status = django_filters.MultipleChoiceFilter(choices=ActionStatus.choices, label=_("Status"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner (id)"))

    class Meta:
        model = Action
        fields = ["q", "site", "status", "owner"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        if user is not None:
            self.filters["site"].queryset = Site.objects.restrict(user, "view")


class ActionTable(BaseTable):
    reference = tables.Column(linkify=True)
    title = tables.Column()
    site = tables.Column(order_by=("site__code",))
    owner = tables.Column(order_by=("owner__last_name",))
    due_date = tables.DateColumn(verbose_name=_("Due"))
    status = tables.Column()
    source_label = tables.Column(verbose_name=_("Raised from"))

    class Meta(BaseTable.Meta):
        model = Action
        fields = ("reference", "title", "site", "owner", "due_date", "status", "source_label")


class ActionListView(ObjectListView):
    queryset = Action.objects.select_related("site", "owner").order_by("-created_at", "-pk")
    table_class = ActionTable
    filterset_class = ActionFilterSet
    export_fields = EXPORT_FIELDS


class ActionDetailView(ObjectDetailView):
    queryset = Action.objects.select_related("site", "owner", "raised_by", "source_type")
    template_name = "actions/action_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        action = kwargs["object"]
        context.update(
            {
                "detail_fields": [
                    "reference",
                    "site",
                    "title",
                    "description",
                    "owner",
                    "due_date",
                    "status",
                    "source_label",
                    "raised_by",
                    "created_at",
                    "closed_at",
                ],
                "edit_url": reverse("actions:action_edit", args=[action.pk]),
                "deactivate_url": reverse("actions:action_cancel", args=[action.pk]),
                "deactivate_label": _("Cancel the action"),
                "is_active": action.status == ActionStatus.OPEN,
                "list_url": reverse("actions:action_list"),
                "source_url": source_url(action),
            }
        )
        return context


def source_url(action: Action) -> str:
    """The page of the record the action was raised from (its own page decides who may read it)."""
    model = action.source_type.model_class() if action.source_type_id else None
    if model is None or not hasattr(model, "get_absolute_url"):
        return ""
    source = model._base_manager.filter(pk=action.source_id).first()
    return source.get_absolute_url() if source is not None else ""


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "description", "owner", "due_date", "status"]
        widgets = {"due_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = Person.objects.filter(is_active=True).order_by("last_name", "first_name")


class ActionEditView(ObjectEditView):
    queryset = Action.objects.select_related("site")
    form_class = ActionForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return "pk" in url_kwargs  # actions are raised from their source record, never added here

    def save(self, form) -> Action:
        return services.action_update(actor=self.request.user, action=self.object, changes=form.cleaned_data)


class ActionCancelView(ObjectDeactivateView):
    queryset = Action.objects.all()
    success_message = _("“%(obj)s” cancelled.")

    def deactivate(self, obj) -> None:
        services.action_cancel(actor=self.request.user, action=obj)
