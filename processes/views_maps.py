"""Pages of process maps: list, detail (diagram without JavaScript, steps, versions), create, the bpmn-js
modeler of a draft, import of a ``.bpmn`` as the next draft, and the BPMN / SVG downloads.

Thin adapters over ``processes.maps``; review, approval, effective dates and retirement are the
document-control pages (``documents:version_detail`` and its steps).
"""

from __future__ import annotations

import django_tables2 as tables
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can, user_can_any_site
from ims.audit.context import audit_context
from ims.documents import selectors as document_selectors
from ims.documents import services as document_services
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.documents.tables import version_status_badge
from ims.documents.uploads import ATTACHMENT_CSP
from ims.web.tables import OPTIONAL, BaseTable
from ims.web.views import REASON_FIELD, ObjectListView, ScopedViewMixin

from . import maps
from .bpmn import blank_bpmn
from .forms_maps import MapCreateForm, MapImportForm, MapNewVersionForm, ProcessMapFilterSet
from .models import MapDiagram

MAP_DOCUMENTS = ControlledDocument.objects.filter(doc_type=DocumentType.PROCESS_MAP)
MAP_VERSIONS = DocumentVersion.objects.filter(document__doc_type=DocumentType.PROCESS_MAP).select_related("document")


class ProcessMapTable(BaseTable):
    number = tables.Column(
        linkify=lambda record: reverse("processes:map_detail", args=[record.pk]),
        attrs={"td": {"class": "fw-semibold text-nowrap"}},
    )
    title = tables.Column(linkify=lambda record: reverse("processes:map_detail", args=[record.pk]))
    processes = tables.Column(verbose_name=gettext_lazy("Processes"), empty_values=(), orderable=False)
    owner = tables.Column(order_by=("owner__last_name", "owner__first_name"), attrs=OPTIONAL)
    effective_number = tables.Column(verbose_name=gettext_lazy("Effective"), empty_values=(None,), default="—")
    open_status = tables.Column(verbose_name=gettext_lazy("In work"), orderable=False, default="")
    is_active = tables.Column(verbose_name=gettext_lazy("Status"))

    class Meta(BaseTable.Meta):
        model = ControlledDocument
        fields = ("number", "title", "processes", "owner", "effective_number", "open_status", "is_active")

    def render_processes(self, record):
        linked = list(record.mapped_processes.all())
        if not linked:
            return "—"
        return format_html_join(", ", "{}", ((p.code,) for p in linked))

    def render_effective_number(self, value):
        return f"v{value}"

    def render_open_status(self, value):
        return version_status_badge(value) if value else ""

    def render_is_active(self, value):
        return _("Active") if value else _("Retired")


class MapListView(ObjectListView):
    queryset = MAP_DOCUMENTS
    table_class = ProcessMapTable
    filterset_class = ProcessMapFilterSet
    export_fields = ("id", "number", "title", "owner__username", "review_due", "is_active")
    add_url_name = "processes:map_create"
    title = gettext_lazy("Process maps")

    def get_queryset(self, action=None):
        return maps.maps_visible(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["model_name"] = _("process map")
        return context


class MapDetailView(ScopedViewMixin, View):
    queryset = MAP_DOCUMENTS

    def get(self, request, pk: int):
        document = self.get_object("view")
        user = request.user
        versions = list(document_selectors.document_versions(document=document, user=user))
        shown = next((v for v in versions if v.status == VersionStatus.EFFECTIVE), None) or (
            versions[0] if versions else None
        )
        open_version = next(
            (v for v in versions if v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED)),
            None,
        )
        diagram = maps.map_diagram(shown) if shown else None
        may_write = document.is_active and document_services.may_start_version(actor=user, document=document)
        return TemplateResponse(
            request,
            "processes/maps/map_detail.html",
            {
                "title": str(document),
                "document": document,
                "shown": shown,
                "shown_badge": version_status_badge(shown.status) if shown else "",
                "diagram": diagram,
                "diagram_html": maps.map_version_html(shown) if shown else "",
                "versions": [(v, version_status_badge(v.status)) for v in versions],
                "open_version": open_version,
                "can_edit_draft": open_version is not None
                and open_version.status == VersionStatus.DRAFT
                and user_can(user, "change", open_version),
                "can_new_version": may_write and open_version is None,
                "can_import": may_write and (open_version is None or open_version.status == VersionStatus.DRAFT),
                "processes": list(document.mapped_processes.filter(is_active=True).order_by("code")),
            },
        )


class MapCreateView(View):
    template_name = "processes/maps/map_create.html"

    @classmethod
    def user_may_open(cls, user, **kwargs) -> bool:
        return user_can_any_site(user, "documents.add_controlleddocument")

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not add process maps."))
        return super().dispatch(request, *args, **kwargs)

    def render(self, form, status=200):
        return TemplateResponse(
            self.request,
            self.template_name,
            {"title": _("New process map"), "form": form, "cancel_url": reverse("processes:map_list")},
            status=status,
        )

    def get(self, request):
        return self.render(MapCreateForm(user=request.user))

    def post(self, request):
        form = MapCreateForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                document = maps.map_create(
                    actor=request.user,
                    number=data["number"],
                    title=data["title"],
                    sites=data["sites"],
                    owner=data["owner"],
                    disciplines=data["disciplines"],
                    functions=data["functions"],
                    bpmn=data.get("bpmn_file"),
                    effective_date=data.get("effective_date"),
                )
            except ValidationError as error:
                _form_error(form, error, "bpmn_file")
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Process map %(doc)s created as a draft.") % {"doc": document})
                return redirect("processes:map_detail", document.pk)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(form, status=400)


def _form_error(form, error: ValidationError, field: str) -> None:
    """Map a service error onto the form; a BPMN refusal (or a ``body`` error) lands on the file field."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = field if name == "body" else (name if name in form.fields else None)
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(field, message)


class MapImportView(ScopedViewMixin, View):
    """Upload a ``.bpmn`` as the map's next draft (or as the open draft's new content, with a reason)."""

    queryset = MAP_DOCUMENTS
    template_name = "processes/maps/map_import.html"

    def document(self) -> ControlledDocument:
        document = self.get_object("view")
        if not document_services.may_start_version(actor=self.request.user, document=document):
            raise PermissionDenied(_("You may not write new versions of this map."))
        return document

    def render(self, document, form, status=200):
        open_version = document.versions.filter(status=VersionStatus.DRAFT).first()
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": _("Import a BPMN file into %(doc)s") % {"doc": document},
                "document": document,
                "open_version": open_version,
                "form": form,
                "cancel_url": reverse("processes:map_detail", args=[document.pk]),
            },
            status=status,
        )

    def get(self, request, pk: int):
        return self.render(self.document(), MapImportForm())

    def post(self, request, pk: int):
        document = self.document()
        form = MapImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = maps.map_import(
                    actor=request.user,
                    document=document,
                    bpmn=data["bpmn_file"],
                    change_summary=data["change_summary"],
                    reason=data["change_reason"],
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "reason" in error.error_dict:
                    form.add_error("change_reason", " ".join(error.message_dict["reason"]))
                else:
                    _form_error(form, error, "bpmn_file")
            else:
                messages.success(request, _("Imported into %(v)s (draft).") % {"v": version})
                return redirect("processes:map_edit", version.pk)
        return self.render(document, form, status=400)


class MapNewVersionView(ScopedViewMixin, View):
    """POST: start the next draft from the latest version (from the modeler page of a locked version)."""

    http_method_names = ["post"]
    queryset = MAP_DOCUMENTS

    def post(self, request, pk: int):
        document = self.get_object("view")
        form = MapNewVersionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Say what changes in the new version and why."))
            return redirect("processes:map_detail", document.pk)
        try:
            version = maps.map_new_version(
                actor=request.user, document=document, change_summary=form.cleaned_data["change_summary"]
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("processes:map_detail", document.pk)
        messages.success(request, _("Version %(v)s started as a draft.") % {"v": version.number})
        return redirect("processes:map_edit", version.pk)


class MapEditView(ScopedViewMixin, View):
    """The bpmn-js modeler of a draft. GET: the page; POST (``bpmn``, ``svg``, reason): save, answered in JSON."""

    queryset = MAP_VERSIONS
    template_name = "processes/maps/map_edit.html"

    def get(self, request, pk: int):
        version = self.get_object("view")
        document = version.document
        editable = version.status == VersionStatus.DRAFT and user_can(request.user, "change", version)
        config = {
            "bpmnUrl": reverse("processes:map_bpmn", args=[version.pk]),
            "saveUrl": reverse("processes:map_edit", args=[version.pk]),
            "detailUrl": reverse("documents:version_detail", args=[version.pk]),
            "editable": editable,
            "lanes": [f.name for f in document.functions.all().order_by("name")],
            # A map registered without content (e.g. on the generic document page) starts as a blank pool.
            "blankXml": ""
            if version.body.strip()
            else blank_bpmn(title=document.title, lanes=[f.name for f in document.functions.all().order_by("name")]),
            "messages": {
                "saved": _("Saved. The steps table below is up to date."),
                "failed": _("Not saved:"),
                "unsaved": _("You have unsaved changes."),
                "reasonNeeded": _("Give a reason for change before saving."),
            },
        }
        return TemplateResponse(
            request,
            self.template_name,
            status=200 if version.status == VersionStatus.DRAFT else 409,
            context={
                "title": _("Process map %(v)s") % {"v": version},
                "version": version,
                "document": document,
                "status_badge": version_status_badge(version.status),
                "editable": editable,
                "locked": version.status != VersionStatus.DRAFT,
                "can_new_version": document.is_active
                and not document.versions.filter(
                    status__in=[VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED]
                ).exists()
                and document_services.may_start_version(actor=request.user, document=document),
                "new_version_form": MapNewVersionForm(),
                "modeler_config": config,
                "diagram_html": maps.map_version_html(version),
                "reason_field": REASON_FIELD,
            },
        )

    def post(self, request, pk: int):
        version = self.get_object("view")
        reason = (request.POST.get(REASON_FIELD) or "").strip()
        bpmn = request.POST.get("bpmn") or ""
        svg = request.POST.get("svg") or None
        if not reason:
            return JsonResponse({"ok": False, "errors": [_("Give a reason for change before saving.")]}, status=400)
        try:
            with audit_context(reason=reason):
                maps.map_version_save(actor=request.user, version=version, bpmn=bpmn, svg=svg, reason=reason)
        except PermissionDenied as error:
            return JsonResponse({"ok": False, "errors": [str(error)]}, status=403)
        except document_services.TransitionNotAllowed as error:
            return JsonResponse({"ok": False, "errors": error.messages}, status=409)
        except ValidationError as error:
            return JsonResponse({"ok": False, "errors": error.messages}, status=400)
        diagram = maps.map_diagram(version)
        messages.success(request, _("%(v)s saved; the diagram and steps below are the saved ones.") % {"v": version})
        return JsonResponse(
            {
                "ok": True,
                "steps": diagram.steps if diagram else [],
                "svg_source": diagram.svg_source if diagram else "",
                "message": _("Saved. The steps table below is up to date."),
            }
        )


class _Download(ScopedViewMixin, View):
    queryset = MAP_VERSIONS

    def respond(self, content: str, *, extension: str, content_type: str) -> HttpResponse:
        version = self.object
        response = HttpResponse(content.encode("utf-8"), content_type=content_type)
        name = f"{slugify(version.document.number) or 'process-map'}-v{version.number}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = ATTACHMENT_CSP
        response["Cache-Control"] = "private, no-store"
        return response


class MapBpmnView(_Download):
    """GET: the version's BPMN 2.0 XML (the signed content) as a ``.bpmn`` download."""

    def get(self, request, pk: int):
        self.object = self.get_object("view")
        if not self.object.body.strip():
            raise Http404
        return self.respond(self.object.body, extension="bpmn", content_type="application/xml; charset=utf-8")


class MapSvgView(_Download):
    """GET: the version's sanitised SVG as a download."""

    def get(self, request, pk: int):
        self.object = self.get_object("view")
        diagram = maps.map_diagram(self.object)
        if diagram is None:
            raise Http404
        return self.respond(diagram.svg, extension="svg", content_type="image/svg+xml")


# --- Diagrams (the derived drawing and steps of each version) -----------------------------------------------------


def diagrams_visible(queryset, user):
    """Diagrams of the versions ``user`` may view: a read-only inspector sees released versions' only."""
    from ims.access.permissions import is_inspector_only
    from ims.documents.querysets import RELEASED_STATUSES

    rows = queryset.restrict(user, "view")
    if is_inspector_only(user):
        rows = rows.filter(version__status__in=RELEASED_STATUSES)
    return rows


class MapDiagramTable(BaseTable):
    version = tables.Column(
        linkify=lambda record: reverse("processes:mapdiagram_detail", args=[record.pk]),
        order_by=("version__document__number", "version__number"),
    )
    title = tables.Column(accessor="version__document__title", verbose_name=gettext_lazy("Title"), orderable=False)
    status = tables.Column(accessor="version__status", verbose_name=gettext_lazy("Status"), orderable=False)
    svg_source = tables.Column(verbose_name=gettext_lazy("Drawn by"))
    steps = tables.Column(verbose_name=gettext_lazy("Steps"), orderable=False)
    updated_at = tables.DateTimeColumn(verbose_name=gettext_lazy("Saved"), attrs=OPTIONAL)

    class Meta(BaseTable.Meta):
        model = MapDiagram
        fields = ("version", "title", "status", "svg_source", "steps", "updated_at")

    def render_status(self, record):
        return version_status_badge(record.version.status)

    def render_steps(self, value):
        return len(value or [])


class MapDiagramListView(ObjectListView):
    queryset = MapDiagram.objects.select_related("version__document")
    table_class = MapDiagramTable
    export_fields = ("id", "version__document__number", "version__number", "svg_source", "bpmn_sha256", "updated_at")
    title = gettext_lazy("Process-map diagrams")

    def get_queryset(self, action=None):
        return diagrams_visible(self.queryset.all(), self.request.user).order_by(
            "version__document__number", "-version__number"
        )


class MapDiagramDetailView(ScopedViewMixin, View):
    queryset = MapDiagram.objects.select_related("version__document")

    def get_queryset(self, action=None):
        return diagrams_visible(self.queryset.all(), self.request.user)

    def get(self, request, pk: int):
        diagram = self.get_object("view")
        version = diagram.version
        return TemplateResponse(
            request,
            "processes/maps/mapdiagram_detail.html",
            {
                "title": _("Diagram of %(v)s") % {"v": version},
                "diagram": diagram,
                "version": version,
                "status_badge": version_status_badge(version.status),
                "diagram_html": maps.map_version_html(version),
            },
        )
