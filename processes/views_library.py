"""Pages of the standards library that change it or read across it: a standard's clause tree, the company-standard
import, clause mappings, the clauses a controlled document addresses, the overlap and redundancy view."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ims.access.permissions import user_can, user_can_any_site
from ims.audit.context import audit_context
from ims.documents.models import ControlledDocument
from ims.org.import_views import _pending_dir, _pending_path, _sweep_stale
from ims.web.input import REASON_FIELD
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    apply_validation_error,
    csv_response,
)

from . import library
from .filtersets import DocumentClauseFilterSet
from .forms_library import ClauseMappingForm, DocumentClauseForm, OverlapForm, StandardImportForm
from .imports import COLUMNS, IMPORT_PERMISSION, REQUIRED_COLUMNS, StandardFields, max_bytes, standard_import
from .imports import template_csv as import_template_csv
from .models import Clause, ClauseMapping, DocumentClause, Standard
from .overlap import OVERLAP_CSV_HEADER, overlap_compute, overlap_rows
from .tables import DocumentClauseTable

SESSION_KEY = "standard_import_pending"
GROUPS_PER_PAGE = 25


class StandardDetailView(ObjectDetailView):
    """A standard's clauses as a tree, each with the clauses it maps to and the documents that address it."""

    queryset = Standard.objects.all()
    template_name = "processes/library/standard_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        standard = kwargs["object"]
        user = self.request.user
        mappings_out = ClauseMapping.objects.select_related("target__standard").order_by("target__standard", "pk")
        mappings_in = ClauseMapping.objects.select_related("source__standard").order_by("source__standard", "pk")
        links = (
            DocumentClause.objects.restrict(user, "view")
            .filter(is_active=True, document__is_active=True)
            .select_related("document")
            .order_by("document__number")
        )
        clauses = list(
            standard.clauses.order_by("position").prefetch_related(
                Prefetch("mappings_out", mappings_out),
                Prefetch("mappings_in", mappings_in),
                Prefetch("document_links", links, to_attr="visible_documents"),
            )
        )
        depth: dict[int, int] = {}
        for clause in clauses:  # parents come before their children in the standard's order
            depth[clause.pk] = depth.get(clause.parent_id, -1) + 1 if clause.parent_id else 0
            clause.depth = depth[clause.pk]
            clause.related = [(m, m.target, True) for m in clause.mappings_out.all()] + [
                (m, m.source, False) for m in clause.mappings_in.all()
            ]
        context.update(
            {
                "clauses": clauses,
                "list_url": reverse("processes:standard_list"),
                "list_label": _("Standards and regulations"),
                "can_map": user_can_any_site(user, library.MAPPING_ADD),
                "can_import": user_can_any_site(user, IMPORT_PERMISSION),
                "mapping_count": sum(len(clause.related) for clause in clauses),
            }
        )
        return context


class StandardImportView(TemplateView):
    """Upload → preview (a dry run: what would be created, or every problem with its line) → confirm.

    The upload waits server-side between preview and confirm (as the org import's does, named in the session with
    its SHA-256 and the standard it is for); the confirm step checks it again: the preview is never trusted."""

    template_name = "processes/library/standard_import.html"
    permission = IMPORT_PERMISSION

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, cls.permission)

    def dispatch(self, request, *args, **kwargs):
        if not user_can_any_site(request.user, self.permission):
            raise PermissionDenied(_("You may not import standards."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if request.GET.get("download") == "template":
            return csv_download(import_template_csv(), "standard-import-template.csv")
        return self.render_to_response(self.get_context_data(form=StandardImportForm()))

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "confirm":
            return self.confirm(request)
        return self.preview(request)

    def preview(self, request):
        form = StandardImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        if upload.size > max_bytes():
            form.add_error("file", _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                           % {"size": f"{upload.size:,}", "limit": f"{max_bytes():,}"})  # fmt: skip
            return self.render_to_response(self.get_context_data(form=form), status=400)
        content = upload.read()
        fields = _fields(form.cleaned_data)
        report = standard_import(
            actor=request.user, content=content, fields=fields, dry_run=True, source="web", filename=upload.name
        )
        self._discard_pending(request)
        context = {"form": form, "report": report, "filename": upload.name}
        if not report.accepted:
            return self.render_to_response(self.get_context_data(**context), status=400)
        _pending_dir().mkdir(parents=True, exist_ok=True)
        _sweep_stale()
        token = secrets.token_urlsafe(24)
        _pending_path(token).write_bytes(content)
        request.session[SESSION_KEY] = {
            "token": token,
            "sha256": report.sha256,
            "filename": upload.name[:200],
            "fields": {**fields.__dict__},
        }
        return self.render_to_response(self.get_context_data(token=token, **context))

    def confirm(self, request):
        pending = request.session.get(SESSION_KEY) or {}
        path = _pending_path(pending.get("token", ""))
        if not pending or request.POST.get("token") != pending.get("token") or path is None or not path.is_file():
            return self.render_to_response(
                self.get_context_data(
                    form=StandardImportForm(),
                    form_error=_("This preview has expired or was replaced. Upload the file again."),
                ),
                status=400,
            )
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != pending.get("sha256"):
            self._discard_pending(request)
            return self.render_to_response(
                self.get_context_data(
                    form=StandardImportForm(),
                    form_error=_("The stored upload changed since the preview. Upload it again."),
                ),
                status=400,
            )
        with audit_context(reason=_("Company standard imported from %(file)s") % {"file": pending.get("filename")}):
            report = standard_import(
                actor=request.user,
                content=content,
                fields=StandardFields(**pending["fields"]),
                dry_run=False,
                source="web",
                filename=pending.get("filename", ""),
            )
        self._discard_pending(request)
        if report.applied:
            messages.success(
                request,
                _("%(count)s clauses imported into %(standard)s.")
                % {"count": report.clauses_created, "standard": report.standard},
            )
            return redirect("processes:standard_detail", report.standard_id)
        # The library changed since the preview: the fresh errors are shown and nothing was written.
        return self.render_to_response(
            self.get_context_data(form=StandardImportForm(), report=report, filename=pending.get("filename")),
            status=400,
        )

    def _discard_pending(self, request) -> None:
        pending = request.session.pop(SESSION_KEY, None)
        if pending and (path := _pending_path(pending.get("token", ""))) is not None:
            path.unlink(missing_ok=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        context.update(
            {
                "title": _("Import a company standard"),
                "columns": COLUMNS,
                "required_columns": REQUIRED_COLUMNS,
                "max_bytes": max_bytes(),
                "errors_shown": report.errors[:1000] if report else [],
                "changes_shown": report.changes[:1000] if report else [],
            }
        )
        return context


def _fields(data: dict) -> StandardFields:
    return StandardFields(
        code=data.get("code") or "",
        edition=data.get("edition") or "",
        title=data.get("title") or "",
        kind=data.get("kind") or "",
        disciplines=list(data.get("disciplines") or []),
    )


def csv_download(content: bytes, filename: str):
    from django.http import HttpResponse

    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Clause mappings -----------------------------------------------------------------------------------


class ClauseMappingEditView(ObjectEditView):
    queryset = ClauseMapping.objects.select_related("source__standard", "target__standard")
    form_class = ClauseMappingForm
    template_name = "processes/library/clausemapping_edit.html"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        source = self.request.GET.get("source", "")
        if self.is_create() and source.isdigit():
            kwargs["initial_source"] = Clause.objects.filter(pk=source).first()
        return kwargs

    def save(self, form) -> ClauseMapping:
        data = form.cleaned_data
        if self.is_create():
            return library.clause_mapping_create(
                actor=self.request.user,
                source=data["source"],
                target=data["target"],
                relation=data["relation"],
                note=data.get("note", ""),
            )
        return library.clause_mapping_update(
            actor=self.request.user, mapping=self.object, relation=data["relation"], note=data.get("note", "")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source = context["form"].initial.get("source") if self.object is None else None
        clause = Clause.objects.filter(pk=source).first() if source else None
        if self.object is not None:
            back = self.object.get_absolute_url()
        else:
            back = clause.get_absolute_url() if clause else reverse("processes:clause_list")
        context.update(
            {
                "cancel_url": back,
                "list_url": reverse("processes:clause_list"),
                "list_label": _("Clauses"),
                "can_deactivate": self.object is not None and user_can(self.request.user, "delete", self.object),
            }
        )
        return context


class ClauseMappingDeactivateView(ObjectDeactivateView):
    queryset = ClauseMapping.objects.select_related("source__standard", "target__standard")
    success_message = _("Mapping “%(obj)s” deactivated.")

    def deactivate(self, obj) -> None:
        library.clause_mapping_deactivate(actor=self.request.user, mapping=obj)


# --- Which clauses a document addresses --------------------------------------------------------------


class DocumentClausesView(TemplateView):
    """The clauses a controlled document addresses; a person who may change the document sets them."""

    template_name = "processes/library/document_clauses.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return ControlledDocument.objects.restrict(user, "view").filter(pk=url_kwargs.get("pk")).exists()

    def dispatch(self, request, *args, **kwargs):
        self.document = get_object_or_404(ControlledDocument.objects.restrict(request.user, "view"), pk=kwargs["pk"])
        self.may_edit = library.document_clause_may_add(request.user, self.document)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=DocumentClauseForm()))

    def post(self, request, *args, **kwargs):
        if not self.may_edit:
            raise PermissionDenied(_("You may not set the clauses of %(doc)s.") % {"doc": self.document.number})
        form = DocumentClauseForm(request.POST)
        if form.is_valid():
            try:
                link = library.document_clause_add(
                    actor=request.user,
                    document=self.document,
                    clause=form.cleaned_data["clause"],
                    note=form.cleaned_data.get("note", ""),
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("%(doc)s addresses %(clause)s.") % {"doc": self.document.number,
                                                                                "clause": link.clause})  # fmt: skip
                return redirect("processes:document_clauses", self.document.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        links = (
            DocumentClause.objects.restrict(self.request.user, "view")
            .filter(document=self.document)
            .select_related("clause__standard")
            .order_by("-is_active", "clause__standard__code", "clause__standard__edition", "clause__position")
        )
        context.update(
            {
                "title": _("Clauses addressed by %(doc)s") % {"doc": self.document.number},
                "document": self.document,
                "links": links,
                "may_edit": self.may_edit,
                "reason_field": REASON_FIELD,
            }
        )
        return context


class DocumentClauseListView(ObjectListView):
    queryset = DocumentClause.objects.select_related("document", "clause__standard")
    table_class = DocumentClauseTable
    filterset_class = DocumentClauseFilterSet
    title = _("Documents and the clauses they address")
    export_fields = ("id", "document__number", "clause__standard__code", "clause__standard__edition",
                     "clause__number", "note", "is_active")  # fmt: skip


class DocumentClauseDetailView(ObjectDetailView):
    queryset = DocumentClause.objects.select_related("document", "clause__standard")
    template_name = "processes/library/documentclause_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "list_url": reverse("processes:documentclause_list"),
                "list_label": _("Document–clause links"),
                "deactivate_url": reverse("processes:documentclause_deactivate", args=[kwargs["object"].pk]),
                "is_active": kwargs["object"].is_active,
                "has_status": True,
                "detail_fields": ("document", "clause", "note", "is_active", "created_at", "updated_at"),
            }
        )
        return context


class DocumentClauseDeactivateView(ObjectDeactivateView):
    queryset = DocumentClause.objects.select_related("document", "clause__standard")
    success_message = _("“%(obj)s” deactivated: the document no longer addresses the clause.")

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:
            link = self.get_object("view")
            return redirect("processes:document_clauses", link.document_id)
        return response

    def deactivate(self, obj) -> None:
        library.document_clause_deactivate(actor=self.request.user, link=obj)


# --- Overlap and redundancy -------------------------------------------------------------------------


class OverlapView(TemplateView):
    """Requirement groups across the chosen standards, who addresses each, gaps and redundancy; ``?export=csv``."""

    template_name = "processes/library/overlap.html"

    def get(self, request, *args, **kwargs):
        form = OverlapForm(request.GET or None, user=request.user)
        options = {"standards": None, "discipline": None, "site": None, "only": None}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            options.update(
                standards=list(data["standards"]) or None,
                discipline=data.get("discipline") or None,
                site=data.get("site"),
                only=data.get("only") or None,
            )
        elif form.is_bound:
            return self.render_to_response(self.get_context_data(form=form, overlap=None), status=400)
        overlap = overlap_compute(user=request.user, **options)
        if request.GET.get("export") == "csv":
            return csv_response("overlap-export.csv", OVERLAP_CSV_HEADER, overlap_rows(overlap))
        if not form.is_bound:
            form = OverlapForm(initial={"standards": overlap.standards}, user=request.user)
        page = Paginator(overlap.groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        return self.render_to_response(
            self.get_context_data(form=form, overlap=overlap, page=page, query=query.urlencode())
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Overlap and redundancy")
        return context
