"""Pages of the process register and the process landscape: thin adapters over ``processes.register``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from weasyprint import HTML

from ims.access.permissions import user_can
from ims.documents.pdf import LockedURLFetcher
from ims.documents.views import pdf_response
from ims.org.models import Site
from ims.web.exports import xlsx_cell
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import landscape, register
from .filtersets_register import ProcessFilterSet, ProcessInteractionFilterSet
from .forms_register import InteractionForm, ProcessForm
from .models import Process, ProcessInteraction, ProcessType
from .tables_register import ProcessInteractionTable, ProcessTable

PROCESS_EXPORT = (
    "id",
    "code",
    "name",
    "process_type",
    "owner__employee_id",
    "owner__username",
    "purpose",
    "suppliers",
    "inputs",
    "outputs",
    "customers",
    "map_document__number",
    "is_active",
    "created_at",
    "updated_at",
)
INTERACTION_EXPORT = ("id", "source__code", "target__code", "description", "is_active", "created_at")


def map_url(document_id: int | None) -> str | None:
    """The process-map page of a map document, once that page exists."""
    if document_id is None:
        return None
    try:
        return reverse("processes:map_detail", args=[document_id])
    except NoReverseMatch:
        return None


# --- Processes ----------------------------------------------------------------------------------------------


class ProcessListView(ObjectListView):
    queryset = register.process_queryset()
    table_class = ProcessTable
    filterset_class = ProcessFilterSet
    export_fields = PROCESS_EXPORT
    add_url_name = "processes:process_create"
    template_name = "processes/register/process_list.html"
    title = gettext_lazy("Process register")

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return self.export_xlsx(self.filtered_queryset(self.get_filterset()))
        return super().get(request, *args, **kwargs)

    def export_xlsx(self, queryset: QuerySet) -> HttpResponse:
        """The filtered, restricted processes with their sites and functions, one sheet (no page limit)."""
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Processes"))
        header = [*PROCESS_EXPORT, "sites", "functions"]
        sheet.append([xlsx_cell(sheet, name) for name in header])
        rows = queryset.select_related("owner", "map_document").prefetch_related("sites", "functions")
        for process in rows.iterator(chunk_size=500):
            values = [
                process.pk,
                process.code,
                process.name,
                process.process_type,
                process.owner.employee_id,
                process.owner.username,
                process.purpose,
                process.suppliers,
                process.inputs,
                process.outputs,
                process.customers,
                process.map_document.number if process.map_document_id else "",
                process.is_active,
                process.created_at.replace(tzinfo=None),
                process.updated_at.replace(tzinfo=None),
                " ".join(site.code for site in process.sites.all()),
                ", ".join(function.name for function in process.functions.all()),
            ]
            sheet.append([xlsx_cell(sheet, value) for value in values])
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="process-register-{timezone.localdate()}.xlsx"'
        workbook.save(response)
        return response


class ProcessDetailView(ObjectDetailView):
    queryset = Process.objects.select_related("owner", "map_document").prefetch_related("sites", "functions")
    template_name = "processes/register/process_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        process: Process = kwargs["object"]
        user = self.request.user
        detail = register.process_detail(user=user, process=process)
        can_interact = process.is_active and register.may_add_interaction(user, process)
        context.update(
            {
                "process": process,
                "detail": detail,
                # Only the sanitised SVG stored with the map version (processes.maps) is ever marked safe.
                "map_svg": mark_safe(detail.map_svg) if detail.map_svg else None,  # noqa: S308
                "map_url": map_url(process.map_document_id),
                "can_interact": can_interact,
                "interaction_form": InteractionForm(user=user, source=process) if can_interact else None,
                "list_url": reverse("processes:process_list"),
                "list_label": _("Process register"),
                "edit_url": reverse("processes:process_edit", args=[process.pk]),
                "deactivate_url": reverse("processes:process_retire", args=[process.pk]),
                "deactivate_label": _("Retire process"),
                "is_active": process.is_active,
                "has_status": True,
            }
        )
        context["can_change"] = context["can_change"] and process.is_active
        return context


class ProcessEditView(ObjectEditView):
    queryset = Process.objects.select_related("owner", "map_document")
    form_class = ProcessForm

    def save(self, form) -> Process:
        data = form.process_data
        if self.object is None:
            return register.process_create(actor=self.request.user, **data)
        return register.process_update(actor=self.request.user, process=self.object, data=data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_url"] = reverse("processes:process_list")
        context["list_label"] = _("Process register")
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


class ProcessRetireView(ObjectDeactivateView):
    queryset = Process.objects.all()
    success_message = gettext_lazy("Process “%(obj)s” retired; it stays in the register.")

    def deactivate(self, obj) -> None:
        register.process_retire(actor=self.request.user, process=obj)


# --- Interactions -------------------------------------------------------------------------------------------


class InteractionCreateView(ScopedViewMixin, View):
    """POST on a process page: this process hands an output to another."""

    queryset = Process.objects.all()
    http_method_names = ["post"]

    def post(self, request, pk: int):
        process = self.get_object("view")
        if not register.may_add_interaction(request.user, process):
            raise PermissionDenied(_("You may not record interactions of this process."))
        form = InteractionForm(request.POST, user=request.user, source=process)
        if not form.is_valid():
            errors = "; ".join(
                f"{form.fields[name].label}: {' '.join(problems)}" if name in form.fields else " ".join(problems)
                for name, problems in form.errors.items()
            )
            messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": errors})
            return redirect(process.get_absolute_url())
        try:
            interaction = register.interaction_create(
                actor=request.user,
                source=process,
                target=form.cleaned_data["target"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": " ".join(error.messages)})
        else:
            messages.success(request, _("Interaction %(interaction)s recorded.") % {"interaction": interaction})
        return redirect(process.get_absolute_url())


class InteractionRetireView(ObjectDeactivateView):
    queryset = ProcessInteraction.objects.select_related("source", "target")
    success_message = gettext_lazy("Interaction “%(obj)s” retired.")

    def deactivate(self, obj) -> None:
        register.interaction_retire(actor=self.request.user, interaction=obj)


class InteractionListView(ObjectListView):
    queryset = ProcessInteraction.objects.select_related("source", "target")
    table_class = ProcessInteractionTable
    filterset_class = ProcessInteractionFilterSet
    export_fields = INTERACTION_EXPORT
    title = gettext_lazy("Process interactions")


class InteractionDetailView(ObjectDetailView):
    queryset = ProcessInteraction.objects.select_related("source", "target")
    template_name = "processes/register/interaction_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        interaction = kwargs["object"]
        context.update(
            {
                "list_url": reverse("processes:interaction_list"),
                "list_label": _("Process interactions"),
                "deactivate_url": reverse("processes:interaction_retire", args=[interaction.pk]),
                "deactivate_label": _("Retire interaction"),
                "is_active": interaction.is_active,
                "has_status": True,
                "target_visible": user_can(self.request.user, "view", interaction.target),
            }
        )
        return context


# --- Landscape ----------------------------------------------------------------------------------------------


def landscape_context(request) -> dict:
    """The landscape of one site (``?site=<id>``) or of every site the user may view."""
    user = request.user
    sites = Site.objects.restrict(user, "view").order_by("code")
    site = None
    raw = request.GET.get("site") or ""
    if raw:
        site = get_object_or_404(sites, pk=raw) if raw.isdigit() else get_object_or_404(sites, code__iexact=raw)
    rows, arrows = register.landscape_data(user=user, site=site)
    drawn_note = ""
    if site is None:
        boxes, links = company_landscape(rows, arrows)
    else:
        # One reverse() for all boxes: the detail URL with the id swapped in.
        pattern = reverse("processes:process_detail", args=[0]).replace("/0/", "/{}/")
        boxes = [
            landscape.Box(
                key=row["pk"],
                code=row["code"],
                name=row["name"],
                band=row["process_type"],
                url=pattern.format(row["pk"]),
            )
            for row in rows
        ]
        links = [landscape.Link(a["source_id"], a["target_id"], a["description"]) for a in arrows]
    by_pk = {box.key: box for box in boxes}
    scope = scope_label(site)
    drawn = links
    if len(links) > MAX_ARROWS:  # the most frequent ones; all are in the text version, and per site
        drawn = sorted(links, key=lambda link: -link.count)[:MAX_ARROWS]
        drawn_note = _(
            "The %(drawn)s most frequent of %(total)s interactions are drawn; all of them are listed in the text "
            "version, and a site's landscape draws all of its own."
        ) % {"drawn": MAX_ARROWS, "total": len(links)}
    return {
        "site": site,
        "sites": sites,
        "drawn_note": drawn_note,
        "svg": landscape.draw(boxes, drawn, title=_("Process landscape — %(scope)s") % {"scope": scope}),
        "bands": [(label, [box for box in boxes if box.band == value]) for value, label in ProcessType.choices],
        "interactions": [(by_pk[link.source], by_pk[link.target], link.label) for link in links],
        "scope": scope,
        "generated": timezone.now(),
    }


#: Arrows drawn at most in one landscape (more is a tangle nobody reads; the text version lists them all).
MAX_ARROWS = 45


def company_landscape(rows: list[dict], arrows: list[dict]) -> tuple[list, list]:
    """The company-wide landscape: one box per process *as the company runs it* — the processes of the same type
    and name at several sites are one box ("Batch release · 12 sites", linked to the register filtered on the
    name) — and one arrow per pair of such processes that interact somewhere. A process run at one site only keeps
    its own box. 40 sites × 30 processes stay 30 readable boxes instead of 1,200."""
    families: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        families.setdefault((row["process_type"], row["name"].strip().casefold()), []).append(row)
    pattern = reverse("processes:process_detail", args=[0]).replace("/0/", "/{}/")
    register_url = reverse("processes:process_list")
    boxes, family_of = [], {}
    for members in families.values():
        first = members[0]
        for row in members:
            family_of[row["pk"]] = first["pk"]
        if len(members) == 1:
            code, url = first["code"], pattern.format(first["pk"])
        else:
            code = _("%(count)s sites") % {"count": len(members)}
            url = f"{register_url}?{urlencode({'q': first['name']})}"
        boxes.append(landscape.Box(key=first["pk"], code=code, name=first["name"], band=first["process_type"], url=url))
    pairs: dict[tuple[int, int], list[str]] = {}
    for arrow in arrows:
        pair = (family_of[arrow["source_id"]], family_of[arrow["target_id"]])
        if pair[0] != pair[1]:
            pairs.setdefault(pair, []).append(arrow["description"])
    links = []
    for (source, target), labels in pairs.items():
        named = [label for label in dict.fromkeys(labels) if label]
        label = "; ".join(named[:3]) + (" …" if len(named) > 3 else "")
        if len(labels) > 1:
            label = f"{label} ({len(labels)})" if label else f"({len(labels)})"
        links.append(landscape.Link(source, target, label, count=len(labels)))
    return boxes, links


def text_alternative(context: dict, *, link: bool) -> str:
    """The landscape as lists (bands, then interactions) for screen readers and the PDF; built in one pass
    (``escape`` on every text: 2,400 list items company-wide)."""
    parts = [f'<h2 class="h5" id="landscape-text">{escape(_("Processes and interactions (text)"))}</h2>']
    count = '<h3 class="h6 mt-3">{} <span class="text-body-secondary">({})</span></h3>'
    for label, boxes in context["bands"]:
        parts.append(count.format(escape(label), len(boxes)))
        if link:
            items = [f'<li><a href="{escape(b.url)}">{escape(b.code)}</a> · {escape(b.name)}</li>' for b in boxes]
        else:
            items = [f"<li>{escape(b.code)} · {escape(b.name)}</li>" for b in boxes]
        none = escape(_("None."))
        parts.append(f"<ul data-band-list>{''.join(items) or f'<li>{none}</li>'}</ul>")
    interactions = context["interactions"]
    parts.append(count.format(escape(_("Interactions")), len(interactions)))
    items = [
        f"<li>{escape(s.code)} → {escape(t.code)}{escape(': ' + label) if label else ''}</li>"
        for s, t, label in interactions
    ]
    none = escape(_("None recorded."))
    parts.append(f"<ul data-interaction-list>{''.join(items) or f'<li>{none}</li>'}</ul>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def scope_label(site) -> str:
    return f"{site.code} · {site.name}" if site is not None else _("all your sites")


class LandscapeView(View):
    def get(self, request):
        context = landscape_context(request)
        context["title"] = _("Process landscape")
        context["text_alternative"] = text_alternative(context, link=True)
        return TemplateResponse(request, "processes/register/landscape.html", context)


def render_landscape_pdf(context: dict) -> bytes:
    html = render_to_string("processes/register/landscape_pdf.html", context)
    return HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher()).write_pdf()


class LandscapePdfView(View):
    def get(self, request):
        context = landscape_context(request)
        context["text_alternative"] = text_alternative(context, link=False)
        context["notice"] = _("Printed from the process register; the portal holds the current state")
        scope = context["site"].code.lower() if context["site"] else "company"
        filename = f"process-landscape-{scope}-{timezone.localdate()}.pdf"
        return pdf_response(render_landscape_pdf(context), filename)
