"""Objective pages: thin subclasses of the generic views; every write calls ``policies.services``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site, user_sites
from ims.documents.models import ControlledDocument
from ims.org.models import Site
from ims.web.concurrency import VERSION_FIELD, StaleGrid, guarded_grid_edit, table_version
from ims.web.views import (
    REASON_FIELD,
    REASON_REQUIRED,
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    csv_response,
)

from . import selectors, services
from .charts import readings_chart
from .choices import Assignment
from .filtersets import ObjectiveFilterSet, ObjectiveReadingFilterSet, ResponsibilityFilterSet
from .forms import ObjectiveForm, ObjectiveReadingForm, RaciFilterForm, cell_name, grid_changes
from .health import RULE_TEXT
from .models import Objective, ObjectiveReading, Responsibility
from .tables import (
    ObjectiveReadingTable,
    ObjectiveTable,
    ResponsibilityTable,
    health_pill,
    level_label,
    status_pill_of,
)

OBJECTIVE_EXPORT = (
    "id",
    "title",
    "discipline",
    "site__code",
    "function__code",
    "parent_id",
    "kpi",
    "unit",
    "direction",
    "target",
    "target_min",
    "target_max",
    "baseline",
    "owner__employee_id",
    "start_date",
    "due_date",
    "status",
    "latest_value",
    "latest_period_end",
)


class PageUrlsMixin:
    url_base = ""
    deactivate_page = ""

    def page_urls(self, obj=None) -> dict:
        urls = {
            "list_url": reverse(f"policies:{self.url_base}_list"),
            "list_label": str(self.model._meta.verbose_name_plural).capitalize(),
        }
        if obj is not None and obj.pk:
            urls["edit_url"] = reverse(f"policies:{self.url_base}_edit", args=[obj.pk])
            urls["deactivate_url"] = reverse(f"policies:{self.url_base}_{self.deactivate_page}", args=[obj.pk])
        return urls


class EditPageMixin(PageUrlsMixin):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_urls())
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


# --- Objectives -----------------------------------------------------------------------------------------


class ObjectiveListView(ObjectListView):
    queryset = Objective.objects.select_related("site", "function", "owner").with_latest_reading()
    table_class = ObjectiveTable
    filterset_class = ObjectiveFilterSet
    export_fields = OBJECTIVE_EXPORT
    add_url_name = "policies:objective_add"
    extra_actions = (
        (gettext_lazy("Roll-up"), "policies:objective_tree", "diagram-3"),
        (gettext_lazy("Readings"), "policies:reading_list", "graph-up"),
    )


class ObjectiveTreeView(TemplateView):
    """The cascade with rolled-up health; ``?site=`` shows the company objectives and one site's."""

    template_name = "policies/objective_tree.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        site = None
        if kwargs.get("site_pk") is not None:
            site = get_object_or_404(Site.objects.restrict(user, "view"), pk=kwargs["site_pk"])
        include_closed = self.request.GET.get("closed") == "1"
        context.update(
            {
                "title": _("Objectives at %(site)s") % {"site": site} if site else _("Objectives roll-up"),
                "site": site,
                "sites": Site.objects.restrict(user, "view").active(),
                "roots": selectors.objective_tree(user=user, site=site, include_closed=include_closed),
                "include_closed": include_closed,
                "rule_text": RULE_TEXT,
                "can_add": user_can_any_site(user, "policies.add_objective"),
            }
        )
        return context


class ObjectiveDetailView(PageUrlsMixin, ObjectDetailView):
    queryset = Objective.objects.select_related("site", "function", "owner", "parent").with_latest_reading()
    template_name = "policies/objective_detail.html"
    url_base = "objective"
    deactivate_page = "cancel"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        objective = kwargs["object"]
        user = self.request.user
        context.update(self.page_urls(objective))
        readings = selectors.objective_readings(user=user, objective=objective)
        valid = [r for r in readings if not r.is_void]
        children = selectors.objective_queryset(user=user).filter(parent=objective).order_by("site__code", "title")
        context.update(
            {
                "health": objective.health,
                "health_pill": health_pill(objective.health),
                "status_pill": status_pill_of(objective.status),
                "level_label": level_label(objective),
                "ancestors": selectors.objective_ancestors(user=user, objective=objective),
                "children": [(c, health_pill(c.health_on(latest_value=c.latest_value))) for c in children],
                "readings": list(reversed(readings)),
                "chart": readings_chart(objective, valid),
                "rule_text": RULE_TEXT,
                "is_active": objective.status != "cancelled",
                "deactivate_label": _("Cancel objective"),
                "can_record": objective.is_open and may_record_reading(user, objective),
            }
        )
        return context


def may_record_reading(user, objective: Objective) -> bool:
    try:
        services.ensure_may(user, "add", ObjectiveReading, objective.site)
    except PermissionDenied:
        return False
    return True


class ObjectiveEditView(EditPageMixin, ObjectEditView):
    queryset = Objective.objects.select_related("site", "function", "owner", "parent")
    form_class = ObjectiveForm
    url_base = "objective"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if self.object is None:
            initial = {}
            parent_pk = self.request.GET.get("parent")
            if parent_pk and parent_pk.isdigit():
                parent = Objective.objects.restrict(self.request.user, "view").filter(pk=parent_pk).first()
                if parent is not None:
                    initial = {
                        "parent": parent.pk,
                        "site": parent.site_id,
                        "kpi": parent.kpi,
                        "unit": parent.unit,
                        "direction": parent.direction,
                        "target": parent.target,
                        "target_min": parent.target_min,
                        "target_max": parent.target_max,
                        "due_date": parent.due_date,
                        "discipline": parent.discipline,
                    }
            kwargs["initial"] = initial
        return kwargs

    def save(self, form) -> Objective:
        data = form.objective_data
        if self.object is None:
            return services.objective_create(actor=self.request.user, **data)
        return services.objective_update(actor=self.request.user, objective=self.object, data=data)


class ObjectiveCancelView(ObjectDeactivateView):
    queryset = Objective.objects.all()
    success_message = gettext_lazy("Objective “%(obj)s” cancelled.")

    def deactivate(self, obj) -> None:
        services.objective_cancel(actor=self.request.user, objective=obj)


# --- Readings ---------------------------------------------------------------------------------------------


class ReadingListView(ObjectListView):
    queryset = ObjectiveReading.objects.select_related("objective", "recorded_by")
    table_class = ObjectiveReadingTable
    filterset_class = ObjectiveReadingFilterSet
    export_fields = (
        "id",
        "objective_id",
        "objective__title",
        "period_end",
        "value",
        "comment",
        "recorded_by__employee_id",
        "is_void",
        "created_at",
    )
    add_url_name = "policies:reading_add"
    title = gettext_lazy("Objective readings")


class ReadingDetailView(PageUrlsMixin, ObjectDetailView):
    queryset = ObjectiveReading.objects.select_related("objective", "recorded_by")
    url_base = "reading"
    deactivate_page = "void"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reading = kwargs["object"]
        context.update(self.page_urls(reading))
        context.update(
            {
                "detail_fields": (
                    "objective",
                    "period_end",
                    "value",
                    "comment",
                    "recorded_by",
                    "created_at",
                    "updated_at",
                ),
                "icon": "graph-up",
                "has_status": True,
                "is_active": not reading.is_void,
                "deactivate_label": _("Void reading"),
            }
        )
        if reading.is_void:
            context["can_change"] = False
        return context


class ReadingEditView(EditPageMixin, ObjectEditView):
    queryset = ObjectiveReading.objects.select_related("objective")
    form_class = ObjectiveReadingForm
    url_base = "reading"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        objective = self.request.GET.get("objective")
        if self.object is None and objective and objective.isdigit():
            kwargs["initial"] = {"objective": int(objective)}
        return kwargs

    def save(self, form) -> ObjectiveReading:
        data = form.reading_data
        if self.object is None:
            return services.reading_record(actor=self.request.user, **data)
        data.pop("objective", None)
        return services.reading_update(actor=self.request.user, reading=self.object, data=data)


class ReadingVoidView(ObjectDeactivateView):
    queryset = ObjectiveReading.objects.select_related("objective")
    success_message = gettext_lazy("Reading “%(obj)s” voided.")

    def deactivate(self, obj) -> None:
        services.reading_void(actor=self.request.user, reading=obj)


# --- IMS leadership -----------------------------------------------------------------------------------------


class LeadershipView(TemplateView):
    """Who leads the IMS at each visible site (``site_pk``: one site): its Quality Managers and Compliance Officers."""

    template_name = "policies/leadership.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        site = None
        if kwargs.get("site_pk") is not None:
            site = get_object_or_404(Site.objects.restrict(user, "view"), pk=kwargs["site_pk"])
        rows = selectors.site_leadership(user=user, site=site)
        context.update(
            {
                "title": _("IMS leadership at %(site)s") % {"site": site} if site else _("IMS leadership"),
                "site": site,
                "rows": rows,
                "missing_qm": [row.site for row in rows if not row.has_quality_manager],
            }
        )
        return context


# --- Roles and responsibilities (RACI) ----------------------------------------------------------------------

CHANGE_RESPONSIBILITY = "policies.change_responsibility"


class ResponsibilityMatrixView(TemplateView):
    """The RACI grid (documents × roles), edited as a whole: one POST, one reason, one service call."""

    template_name = "policies/raci_matrix.html"

    def filters(self):
        form = RaciFilterForm(self.request.GET or None, user=self.request.user)
        if form.is_bound and form.is_valid():
            return form, form.cleaned_data["doc_type"] or None, form.cleaned_data["site"]
        return form, None, None

    def get(self, request, *args, **kwargs):
        form, doc_type, site = self.filters()
        matrix = selectors.responsibility_matrix(user=request.user, doc_type=doc_type, site=site)
        if request.GET.get("export") == "csv":
            return self.export_csv(matrix)
        return self.render_to_response(self.context(form, matrix, doc_type, site))

    def post(self, request, *args, **kwargs):
        if not user_can_any_site(request.user, CHANGE_RESPONSIBILITY):
            raise PermissionDenied(_("You may not change responsibilities."))
        form, doc_type, site = self.filters()
        reason = (request.POST.get(REASON_FIELD) or "").strip()
        error = None
        status = 400
        if not reason:
            error = REASON_REQUIRED
        else:
            try:
                # The grid carries the version it was opened at: a matrix changed meanwhile is refused (409).
                with guarded_grid_edit(Responsibility, request.POST.get(VERSION_FIELD) or None):
                    written = services.responsibilities_save(
                        actor=request.user, changes=grid_changes(request.POST), reason=reason
                    )
            except StaleGrid as stale:
                error = stale.message
                status = 409
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("%(count)s cells of the matrix saved.") % {"count": len(written)})
                query = request.GET.urlencode()
                return redirect(f"{request.path}?{query}" if query else request.path)
        messages.error(request, _("Nothing was saved: %(error)s") % {"error": error})
        matrix = selectors.responsibility_matrix(user=request.user, doc_type=doc_type, site=site)
        context = self.context(form, matrix, doc_type, site, posted=request.POST, reason=reason, error=error)
        return self.render_to_response(context, status=status)

    def context(self, form, matrix, doc_type, site, posted=None, reason="", error=None) -> dict:
        user = self.request.user
        document_ids = [row.document.pk for row in matrix.rows]
        editable: set[int] = set()
        if document_ids and user_can_any_site(user, CHANGE_RESPONSIBILITY):
            editable = set(
                ControlledDocument.objects.filter(
                    pk__in=document_ids, sites__in=user_sites(user, CHANGE_RESPONSIBILITY)
                )
                .values_list("pk", flat=True)
                .distinct()
            )
        rows = []
        for row in matrix.rows:
            cells = []
            for role, value in row.cells:
                name = cell_name(row.document.pk, role.pk)
                if posted is not None and name in posted:
                    value = posted[name]
                cells.append({"role": role, "value": value, "name": name})
            rows.append({"row": row, "cells": cells, "editable": row.document.pk in editable})
        gaps = list(selectors.accountability_gaps(user=user, doc_type=doc_type, site=site))
        query = self.request.GET.copy()
        query.pop("export", None)
        context = self.get_context_data(
            title=_("Responsibilities (RACI)"),
            filter_form=form,
            roles=matrix.roles,
            rows=rows,
            gaps=gaps,
            can_edit=bool(editable),
            choices=[("", "—")] + [(c.value, c.value) for c in Assignment],
            legend=Assignment.choices,
            reason=reason,
            error=error,
            query=query.urlencode(),
            version_field=VERSION_FIELD,
            # A re-shown grid keeps the version it was opened at.
            version=(posted or {}).get(VERSION_FIELD) or table_version(Responsibility),
        )
        return context

    def export_csv(self, matrix):
        header = ["number", "title", "type", *[role.name for role in matrix.roles], "accountable_count"]
        rows = [
            [
                row.document.number,
                row.document.title,
                row.document.doc_type,
                *[value for _role, value in row.cells],
                row.accountable_count,
            ]
            for row in matrix.rows
        ]
        return csv_response("raci-matrix.csv", header, rows)


class ResponsibilityListView(ObjectListView):
    queryset = Responsibility.objects.select_related("document", "role")
    table_class = ResponsibilityTable
    filterset_class = ResponsibilityFilterSet
    export_fields = ("id", "document_id", "document__number", "role__code", "role__name", "assignment", "updated_at")
    title = gettext_lazy("Responsibilities")
    extra_actions = ((gettext_lazy("RACI matrix"), "policies:raci_matrix", "grid-3x3"),)


class ResponsibilityDetailView(ObjectDetailView):
    queryset = Responsibility.objects.select_related("document", "role")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "list_url": reverse("policies:responsibility_list"),
                "list_label": _("Responsibilities"),
                "detail_fields": ("document", "role", "assignment", "created_at", "updated_at"),
                "icon": "grid-3x3",
                "has_status": True,
                "is_active": kwargs["object"].is_active,
            }
        )
        return context
