"""The procedure × clause matrix (with CSV) and drafting an integrated procedure from a requirement group."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site
from ims.web.views import apply_validation_error, csv_response
from processes.models import Clause
from processes.overlap import overlap_compute

from .drafting import group_disciplines, group_find, integrated_procedure_draft
from .forms import DraftProcedureForm, MatrixForm
from .matrix import MATRIX_CSV_HEADER, MAX_COLUMNS, discipline_label, matrix_compute, matrix_rows

GROUPS_PER_PAGE = 50
PERM_ADD_DOCUMENT = "documents.add_controlleddocument"


def _chosen(request) -> tuple[MatrixForm, dict | None]:
    """The matrix form and the options it gives (``None`` when the form is wrong)."""
    form = MatrixForm(request.GET or None, user=request.user)
    options = {"standards": None, "site": None, "discipline": None}
    if form.is_bound:
        if not form.is_valid():
            return form, None
        data = form.cleaned_data
        options.update(standards=data["standards"] or None, site=data.get("site"), discipline=data.get("discipline"))
    return form, options


def _bad_request(request, message: str):
    back = reverse("framework:procedure_drafts")
    return render(request, "errors/400.html", {"message": message, "back_url": back}, status=400)


class MatrixView(TemplateView):
    """Clauses of the chosen standards × procedures in scope; gaps, several procedures, procedures with no clause."""

    template_name = "framework/matrix.html"

    def get(self, request, *args, **kwargs):
        form, options = _chosen(request)
        if options is None:
            return self.render_to_response(self.get_context_data(form=form, matrix=None), status=400)
        matrix = matrix_compute(user=request.user, **options)
        if request.GET.get("export") == "csv":
            return csv_response("procedure-clause-matrix.csv", MATRIX_CSV_HEADER, matrix_rows(matrix))
        if not form.is_bound:
            form = MatrixForm(initial={"standards": matrix.standards}, user=request.user)
        columns = matrix.linked_procedures
        shown = columns[:MAX_COLUMNS]
        shown_pks = [procedure.pk for procedure in shown]
        rows = [(row, [pk in row.direct for pk in shown_pks], len(row.direct)) for row in matrix.rows]
        query = request.GET.copy()
        query.pop("export", None)
        return self.render_to_response(
            self.get_context_data(
                form=form,
                matrix=matrix,
                columns=shown,
                columns_hidden=len(columns) - len(shown),
                rows=rows,
                integrated=matrix.integrated,
                query=query.urlencode(),
                discipline_label=discipline_label,
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Procedure × clause matrix")
        return context


class DraftGroupsView(TemplateView):
    """The requirement groups of the chosen standards, each with a button to draft one integrated procedure."""

    template_name = "framework/procedure_drafts.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, PERM_ADD_DOCUMENT)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not add controlled documents."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        form, options = _chosen(request)
        if options is None:
            return self.render_to_response(self.get_context_data(form=form, overlap=None), status=400)
        overlap = overlap_compute(user=request.user, standards=options["standards"], site=options["site"],
                                  discipline=options["discipline"])  # fmt: skip
        if not form.is_bound:
            form = MatrixForm(initial={"standards": overlap.standards}, user=request.user)
        groups = [group for group in overlap.groups if len(group.standards) > 1] or overlap.groups
        page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        standards_query = "&".join(f"standards={standard.pk}" for standard in overlap.standards)
        query = request.GET.copy()
        query.pop("page", None)
        return self.render_to_response(
            self.get_context_data(
                form=form, overlap=overlap, page=page, standards_query=standards_query, query=query.urlencode()
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Draft integrated procedures from requirement groups")
        return context


class DraftProcedureView(TemplateView):
    """Number, title and sites for the draft of one group (``?standards=…&clause=<id>``); POST creates it."""

    template_name = "framework/procedure_draft.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, PERM_ADD_DOCUMENT)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not add controlled documents."))
        params = request.POST if request.method == "POST" else request.GET
        chooser = MatrixForm({"standards": params.getlist("standards")}, user=request.user)
        if not chooser.is_valid():
            return _bad_request(request, " ".join(str(e) for e in chooser.errors.get("standards", [])))
        self.standards = chooser.cleaned_data["standards"] or None
        raw = params.get("clause") or ""
        self.clause = get_object_or_404(Clause.objects.select_related("standard"), pk=raw if raw.isdigit() else 0)
        overlap = overlap_compute(user=request.user, standards=self.standards)
        self.standards = overlap.standards
        try:
            self.group = group_find(user=request.user, standards=self.standards, clause=self.clause)
        except ValidationError as error:
            return _bad_request(request, " ".join(error.messages))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        title = _("Integrated procedure: %(title)s") % {"title": self.group.clauses[0].title}
        form = DraftProcedureForm(initial={"title": title[:200]}, user=request.user)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = DraftProcedureForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                document = integrated_procedure_draft(
                    actor=request.user,
                    standards=self.standards,
                    clause=self.clause,
                    number=form.cleaned_data["number"],
                    title=form.cleaned_data["title"],
                    sites=form.cleaned_data["sites"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Draft %(doc)s created and linked to %(n)s clauses.")
                    % {"doc": document.number, "n": len(self.group.clauses)},
                )
                return redirect("framework:procedure_detail", document.pk)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "title": _("Draft an integrated procedure"),
                "group": self.group,
                "standards": self.standards,
                "clause": self.clause,
                "disciplines": [discipline_label(d) for d in group_disciplines(self.group, self.standards)],
                "back_url": reverse("framework:procedure_drafts"),
            }
        )
        return context
