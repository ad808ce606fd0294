"""Pages of the monitoring and measurement plan: the plan (filter by site, process, frequency), items, CSV."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ims.access.permissions import user_can_any_site
from ims.web.views import ObjectDeactivateView, ObjectDetailView, ObjectEditView, ObjectListView
from processes.models import Process

from . import selectors, services
from .filtersets import MonitoringPlanFilterSet
from .forms import MonitoringPlanItemForm
from .models import MonitoringPlanItem
from .tables import MonitoringPlanTable

ITEM_EXPORT = (
    "id",
    "process__code",
    "process__name",
    "objective__id",
    "objective__title",
    "objective__kpi",
    "measure",
    "method",
    "frequency",
    "responsible_role__code",
    "responsible_person__username",
    "reported_to",
    "is_active",
    "updated_at",
)


class MonitoringPlanView(ObjectListView):
    """The plan per process and per site: filter by site, process and frequency; CSV of the filtered rows."""

    queryset = selectors.monitoring_item_queryset()
    table_class = MonitoringPlanTable
    filterset_class = MonitoringPlanFilterSet
    export_fields = ITEM_EXPORT
    add_url_name = "framework:monitoringplanitem_add"
    title = gettext_lazy("Monitoring and measurement plan")


class MonitoringPlanItemDetailView(ObjectDetailView):
    queryset = selectors.monitoring_item_queryset()
    template_name = "framework/monitoringplanitem_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = kwargs["object"]
        context.update(
            {
                "list_url": f"{reverse('framework:monitoring_plan')}?process={item.process_id}",
                "list_label": _("Monitoring plan of %(process)s") % {"process": item.process.code},
                "edit_url": reverse("framework:monitoringplanitem_edit", args=[item.pk]),
                "deactivate_url": reverse("framework:monitoringplanitem_retire", args=[item.pk]),
                "deactivate_label": _("Retire item"),
                "is_active": item.is_active,
                "has_status": True,
                "detail_fields": (
                    "process",
                    "objective",
                    "measure",
                    "method",
                    "frequency",
                    "responsible_role",
                    "responsible_person",
                    "reported_to",
                    "is_active",
                    "updated_at",
                ),  # fmt: skip
            }
        )
        context["can_change"] = context["can_change"] and item.is_active
        return context


class MonitoringPlanItemEditView(ObjectEditView):
    queryset = selectors.monitoring_item_queryset()
    form_class = MonitoringPlanItemForm

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return "pk" in url_kwargs or user_can_any_site(user, services.PERM_ADD_ITEM)

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        raw = self.request.GET.get("process") or ""
        if self.object is None and raw.isdigit():
            kwargs["process"] = get_object_or_404(Process.objects.restrict(self.request.user, "view"), pk=raw)
        return kwargs

    def save(self, form) -> MonitoringPlanItem:
        data = form.item_data
        if self.object is None:
            return services.monitoring_item_create(actor=self.request.user, **data)
        return services.monitoring_item_update(actor=self.request.user, item=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("framework:monitoring_plan")
        context["list_label"] = _("Monitoring and measurement plan")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class MonitoringPlanItemRetireView(ObjectDeactivateView):
    queryset = MonitoringPlanItem.objects.select_related("process")
    success_message = gettext_lazy("“%(obj)s” retired from the plan; it stays listed.")

    def deactivate(self, obj) -> None:
        services.monitoring_item_retire(actor=self.request.user, item=obj)
