"""Pages of gap analysis: assessments (list, plan, detail with progress and results, transitions, approval with an
electronic signature, PDF and XLSX report), a result's page, the heatmap, and statements of applicability.

Each page parses, authorises (restricted querysets: another site's record is a 404), calls a service of
``processes.gaps`` / ``processes.applicability`` and renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can, user_can_any_site, user_can_at_site, user_sites
from ims.actions.registry import action_url
from ims.audit.context import audit_context
from ims.documents.forms import SignatureStepForm
from ims.documents.views import client_ip
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.views import REASON_FIELD, ObjectDetailView, ObjectEditView, ObjectListView, apply_validation_error

from . import applicability, gap_reports, gap_selectors, gaps
from .filtersets_gaps import ApplicabilityStatementFilterSet, GapAssessmentFilterSet
from .forms_gaps import AssessmentForm, RaiseActionForm, ResultForm, StatementForm
from .heatmap import BANDS, heatmap_svg
from .models import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    AssessmentStatus,
    ClauseResult,
    GapAssessment,
    ResultStatus,
    StatementStatus,
)
from .tables_gaps import ApplicabilityStatementTable, GapAssessmentTable

RESULTS_PER_PAGE = 100


def _count(**condition):
    return Coalesce(
        Subquery(
            ClauseResult._base_manager.filter(assessment=OuterRef("pk"), **condition)
            .order_by()
            .values("assessment")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


# --- assessments -----------------------------------------------------------------------------------------------


class AssessmentListView(ObjectListView):
    queryset = (
        GapAssessment.objects.select_related("lead_assessor")
        .prefetch_related("sites", "standards")
        .annotate(results_total=_count())
        .order_by("-planned_start", "-pk")
    )
    table_class = GapAssessmentTable
    filterset_class = GapAssessmentFilterSet
    export_fields = ("id", "reference", "title", "status", "planned_start", "planned_end", "lead_assessor__username")
    add_url_name = "processes:assessment_create"

    def get_queryset(self, action=None):
        answered = ClauseResult._base_manager.filter(assessment=OuterRef("pk")).exclude(status="")
        queryset = super().get_queryset(action)
        return queryset.annotate(
            results_answered=Coalesce(
                Subquery(
                    answered.order_by().values("assessment").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            )
        )


class AssessmentCreateView(ObjectEditView):
    queryset = GapAssessment.objects.all()
    form_class = AssessmentForm

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and (based := self.request.GET.get("based_on", "")).isdigit():
            kwargs["initial"] = {"based_on": based}
        return kwargs

    def save(self, form) -> GapAssessment:
        return gaps.assessment_create(actor=self.request.user, **form.cleaned_data)


def _may_at_every_site(user, codename: str, assessment: GapAssessment) -> bool:
    return all(user_can_at_site(user, f"processes.{codename}", site) for site in assessment.sites.all())


class AssessmentDetailView(ObjectDetailView):
    queryset = GapAssessment.objects.select_related("lead_assessor", "approved_by", "based_on").prefetch_related(
        "sites", "standards"
    )
    template_name = "processes/gaps/assessment_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment: GapAssessment = kwargs["object"]
        user, query = self.request.user, self.request.GET
        results = gap_selectors.report_results(assessment).select_related("clause__parent__parent")
        status = query.get("status", "")
        if status == "unanswered":
            results = results.filter(status="")
        elif status in ResultStatus.values:
            results = results.filter(status=status)
        if (standard := query.get("standard", "")).isdigit():
            results = results.filter(clause__standard_id=standard)
        if (site := query.get("site", "")).isdigit():
            results = results.filter(site_id=site)
        page = Paginator(results, RESULTS_PER_PAGE).get_page(query.get("page"))
        filters = query.copy()
        filters.pop("page", None)
        status_now = assessment.status
        context.update(
            {
                "assessment": assessment,
                "progress": gap_selectors.assessment_progress(assessment),
                "page": page,
                "filter_query": filters.urlencode(),
                "status_choices": [("unanswered", _("Unanswered")), *ResultStatus.choices],
                "chosen": {"status": status, "standard": standard, "site": site},
                "can_start": status_now == AssessmentStatus.DRAFT
                and _may_at_every_site(user, "change_gapassessment", assessment),
                "can_complete": status_now == AssessmentStatus.IN_PROGRESS
                and _may_at_every_site(user, "change_gapassessment", assessment),
                "can_approve": status_now == AssessmentStatus.COMPLETED
                and assessment.lead_assessor_id != user.pk
                and _may_at_every_site(user, "approve_gapassessment", assessment),
                "can_record": status_now == AssessmentStatus.IN_PROGRESS
                and user_can_any_site(user, "processes.change_clauseresult"),
                "can_plan_next": user_can_any_site(user, "processes.add_gapassessment")
                and status_now != AssessmentStatus.DRAFT,
                "manifestations": esign_selectors.manifestations_for(assessment, viewer=user),
                "list_url": reverse("processes:assessment_list"),
            }
        )
        return context


class AssessmentTransitionView(View):
    """POST ``start`` or ``complete``."""

    steps = {
        "start": (gaps.assessment_start, gettext_lazy("Assessment started.")),
        "complete": (gaps.assessment_complete, gettext_lazy("Assessment completed; its results are fixed.")),
    }

    def post(self, request, pk: int, step: str):
        if step not in self.steps:
            raise Http404
        assessment = get_object_or_404(GapAssessment.objects.restrict(request.user, "view"), pk=pk)
        service, done = self.steps[step]
        try:
            service(actor=request.user, assessment=assessment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
        return redirect(assessment)


class _SignView(View):
    """GET: the signing form; POST: sign (user ID on the first signing of a session, password, reason)."""

    template_name = "esign/sign_record.html"
    statement = ""

    def record(self, request, pk: int):
        raise NotImplementedError

    def sign(self, request, record, data):
        raise NotImplementedError

    def render(self, record, form, status=200, refusal=None):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": _("Approve: %(record)s") % {"record": record},
                "record": record,
                "form": form,
                "refusal": refusal,
                "statement": self.statement,
                "summary": self.summary(record),
            },
            status=status,
        )

    def summary(self, record) -> list[tuple[str, str]]:
        return []

    def get(self, request, pk: int):
        record = self.record(request, pk)
        return self.render(record, SignatureStepForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        record = self.record(request, pk)
        form = SignatureStepForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(record, form, status=400)
        data = form.cleaned_data
        try:
            self.sign(request, record, data)
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data["reason"]}, ask_username=True)
            return self.render(record, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(record, form, status=409)
        messages.success(request, _("Signed: %(record)s is approved.") % {"record": record})
        return redirect(record)

    def signing_kwargs(self, request, data) -> dict:
        return {
            "actor": request.user,
            "password": data["password"],
            "username": data.get("username"),
            "reason": data["reason"],
            "session": request.session,
            "channel": SignatureChannel.WEB,
            "ip": client_ip(request),
        }


class AssessmentApproveView(_SignView):
    statement = gettext_lazy(
        "Meaning of your signature: approved — the results of this assessment, as fixed at completion, are correct "
        "and complete."
    )

    def record(self, request, pk: int):
        assessment = get_object_or_404(GapAssessment.objects.restrict(request.user, "view"), pk=pk)
        if not _may_at_every_site(request.user, "approve_gapassessment", assessment):
            raise PermissionDenied(_("You may not approve this assessment."))
        if assessment.lead_assessor_id == request.user.pk:
            raise PermissionDenied(_("The lead assessor cannot approve their own assessment (segregation of duties)."))
        return assessment

    def summary(self, record):
        return [(_("Reference"), record.reference), (_("Results digest (SHA-256)"), record.results_digest)]

    def sign(self, request, record, data):
        gaps.assessment_approve(assessment=record, **self.signing_kwargs(request, data))


class AssessmentPdfView(View):
    def get(self, request, pk: int):
        assessment = get_object_or_404(GapAssessment.objects.restrict(request.user, "view"), pk=pk)
        response = HttpResponse(
            gap_reports.assessment_pdf(assessment, viewer=request.user), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="{assessment.reference}-gap-report.pdf"'
        return response


class AssessmentXlsxView(View):
    def get(self, request, pk: int):
        assessment = get_object_or_404(GapAssessment.objects.restrict(request.user, "view"), pk=pk)
        response = HttpResponse(
            gap_reports.assessment_xlsx(assessment),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{assessment.reference}-gap-report.xlsx"'
        return response


# --- results ---------------------------------------------------------------------------------------------------


class ResultEditView(View):
    """One clause's result: what it requires, the finding, evidence, owner, due date; raise an action."""

    template_name = "processes/gaps/result_edit.html"

    def result(self, request, pk: int) -> ClauseResult:
        return get_object_or_404(
            ClauseResult.objects.restrict(request.user, "view").select_related(
                "assessment", "site", "clause__standard", "owner", "answered_by"
            ),
            pk=pk,
        )

    def render(self, result, form, status=200):
        assessment = result.assessment
        may_change = user_can(self.request.user, "change", result)
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": f"{result.clause.standard.code} {result.clause.number} {result.clause.title}",
                "result": result,
                "form": form,
                "editable": may_change and assessment.status == AssessmentStatus.IN_PROGRESS,
                "reason_needed": bool(result.status),
                "action_form": RaiseActionForm(
                    result=result, initial={"owner": result.owner_id, "due_date": result.due_date}
                )
                if may_change
                and result.status in gaps.ACTIONABLE
                and not result.action_ref
                and assessment.status != AssessmentStatus.DRAFT
                else None,
                "action_url": gaps_action_url(result),
            },
            status=status,
        )

    def get(self, request, pk: int):
        result = self.result(request, pk)
        return self.render(result, ResultForm(instance=result, user=request.user))

    def post(self, request, pk: int):
        result = self.result(request, pk)
        if not user_can(request.user, "change", result):
            raise PermissionDenied(_("You may not record results at this site."))
        form = ResultForm(request.POST, instance=ClauseResult._base_manager.get(pk=result.pk), user=request.user)
        reason = (request.POST.get(REASON_FIELD) or "").strip()
        if form.is_valid():
            if result.status and not reason:
                form.add_error(None, _("This result was answered before: give a reason for the change."))
            else:
                try:
                    with audit_context(reason=reason or _("Result recorded")):
                        gaps.result_record(actor=request.user, result=result, data=form.cleaned_data)
                except ValidationError as error:
                    apply_validation_error(form, error)
                except PermissionDenied as error:
                    form.add_error(None, str(error))
                else:
                    messages.success(request, _("Result recorded for %(clause)s.") % {"clause": result.clause.number})
                    return redirect(
                        reverse("processes:assessment_detail", args=[result.assessment_id]) + f"#r{result.pk}"
                    )
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(result, form, status=400)


class ResultQuickView(View):
    """POST ``status`` = conforming / partial / gap for an unanswered result, from the assessment's results table
    (htmx swaps the row; without JavaScript the page is shown again). Anything else goes through the result page."""

    QUICK = (ResultStatus.CONFORMING, ResultStatus.PARTIAL, ResultStatus.GAP)

    def post(self, request, pk: int):
        result = get_object_or_404(
            ClauseResult.objects.restrict(request.user, "view").select_related(
                "assessment", "site", "clause__standard"
            ),
            pk=pk,
        )
        if not user_can(request.user, "change", result):
            raise PermissionDenied(_("You may not record results at this site."))
        status, error = request.POST.get("status", ""), ""
        if status not in self.QUICK:
            error = _("Choose conforming, partial or gap; other answers are recorded on the result's page.")
        elif result.status:
            error = _("Already answered: change it on the result's page, with a reason.")
        else:
            try:
                with audit_context(reason=_("Result recorded")):
                    result = gaps.result_record(actor=request.user, result=result, data={"status": status})
            except (ValidationError, PermissionDenied) as refusal:
                error = " ".join(getattr(refusal, "messages", [str(refusal)]))
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(reverse("processes:assessment_detail", args=[result.assessment_id]) + f"#r{result.pk}")
        row = ClauseResult.objects.select_related("site", "clause__standard", "owner").get(pk=result.pk)
        can_record = row.assessment.status == AssessmentStatus.IN_PROGRESS
        return TemplateResponse(
            request, "processes/gaps/_result_row.html", {"r": row, "can_record": can_record, "quick_error": error}
        )


def gaps_action_url(result: ClauseResult) -> str:
    return action_url(result.action_kind, result.action_ref)


class ResultActionView(ResultEditView):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        result = self.result(request, pk)
        form = RaiseActionForm(request.POST, result=result)
        if not form.is_valid():
            messages.error(request, _("Please correct the action's details."))
            return self.render(result, ResultForm(instance=result, user=request.user), status=400)
        data = form.cleaned_data
        try:
            updated = gaps.result_raise_action(
                actor=request.user,
                result=result,
                kind=data["kind"],
                title=data["title"],
                owner=data["owner"],
                due_date=data["due_date"],
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Action %(ref)s raised.") % {"ref": updated.action_ref})
        return redirect(reverse("processes:result_edit", args=[result.pk]))


# --- heatmap ---------------------------------------------------------------------------------------------------


def heatmap_table(data) -> str:
    """The heatmap's figures as the body of an HTML table (the text alternative of the SVG), escaped."""
    rows = []
    for row in data.rows:
        cells = []
        for column in data.columns:
            tally = data.cell(row.key, column.key)
            if tally is None or tally.score is None:
                cells.append(("—", ""))
            else:
                counts = f"{tally.conforming}/{tally.partial}/{tally.gap}/{tally.not_applicable}"
                cells.append((f"{tally.score:g} %", counts))
        rows.append(
            format_html(
                '<tr><th scope="row" title="{}">{}</th>{}</tr>',
                row.title,
                row.label,
                format_html_join("", '<td>{}<span class="small text-body-secondary d-block">{}</span></td>', cells),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every row built by format_html


def heatmap_markup(data) -> str:
    svg = heatmap_svg(data, title=_("Gap heatmap: site × clause group"))
    return mark_safe(svg)  # noqa: S308 - heatmap_svg escapes every text it draws


#: The heatmap opens on the harmonized management-system standards (when assessed): 40 sites × 20 groups stay
#: readable; other standards are one choice away.
DEFAULT_HEATMAP_CODES = ("ISO 9001", "ISO 14001", "ISO 45001")


def default_heatmap_standards(available: list) -> list:
    harmonized = [s for s in available if s.code in DEFAULT_HEATMAP_CODES]
    return harmonized or available[:3]


class HeatmapView(View):
    template_name = "processes/gaps/heatmap.html"

    def get(self, request):
        if not user_can_any_site(request.user, "processes.view_gapassessment"):
            raise PermissionDenied(_("You may not see gap assessments."))
        available = gap_selectors.heatmap_standards(request.user)
        chosen_ids = [int(v) for v in request.GET.getlist("standard") if v.isdigit()]
        chosen = [s for s in available if s.pk in chosen_ids] or default_heatmap_standards(available)
        site_choices = list(user_sites(request.user, "processes.view_gapassessment").order_by("code"))
        site_ids = [int(v) for v in request.GET.getlist("site") if v.isdigit()]
        sites = [s for s in site_choices if s.pk in site_ids]
        in_progress = request.GET.get("in_progress") == "1"
        data = gap_selectors.heatmap(user=request.user, standards=chosen, sites=sites, include_in_progress=in_progress)
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("Gap heatmap"),
                "svg": heatmap_markup(data),
                "heatmap": data,
                "table_body": heatmap_table(data),
                "standards": available,
                "chosen_standards": {s.pk for s in chosen},
                "site_choices": site_choices,
                "chosen_sites": {s.pk for s in sites},
                "in_progress": in_progress,
                "bands": BANDS,
            },
        )


# --- statements of applicability -------------------------------------------------------------------------------


class StatementListView(ObjectListView):
    queryset = ApplicabilityStatement.objects.select_related("site", "approved_by").order_by("site__code", "-number")
    table_class = ApplicabilityStatementTable
    filterset_class = ApplicabilityStatementFilterSet
    export_fields = ("id", "site__code", "number", "status", "change_summary", "approved_by__username", "approved_at")
    add_url_name = "processes:statement_create"


class StatementCreateView(ObjectEditView):
    queryset = ApplicabilityStatement.objects.all()
    form_class = StatementForm

    def save(self, form) -> ApplicabilityStatement:
        data = form.cleaned_data
        return applicability.statement_draft_create(
            actor=self.request.user,
            site=data["site"],
            standards=list(data["standards"]),
            source_assessment=data["source_assessment"],
            change_summary=data["change_summary"],
        )


class StatementDetailView(ObjectDetailView):
    queryset = ApplicabilityStatement.objects.select_related("site", "approved_by", "source_assessment")
    template_name = "processes/gaps/statement_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = kwargs["object"]
        user = self.request.user
        context.update(
            {
                "statement": statement,
                "standards": statement.standards.all(),
                "entries": statement.entries.select_related("clause__standard").order_by(
                    "clause__standard__code", "clause__position"
                ),
                "editable": statement.status == StatementStatus.DRAFT and user_can(user, "change", statement),
                "can_approve": statement.status == StatementStatus.DRAFT and user_can(user, "approve", statement),
                "manifestations": esign_selectors.manifestations_for(statement, viewer=user),
                "list_url": reverse("processes:statement_list"),
            }
        )
        return context


class EntryEditView(View):
    """POST: include or exclude one clause of a draft statement (an exclusion with its justification)."""

    def post(self, request, pk: int):
        entry = get_object_or_404(ApplicabilityEntry.objects.restrict(request.user, "view"), pk=pk)
        if not user_can(request.user, "change", entry):
            raise PermissionDenied(_("You may not change this statement of applicability."))
        applicable = request.POST.get("applicable") == "1"
        try:
            applicability.entry_update(
                actor=request.user,
                entry=entry,
                applicable=applicable,
                justification=request.POST.get("justification", ""),
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Clause %(number)s updated.") % {"number": entry.clause.number})
        return redirect(reverse("processes:statement_detail", args=[entry.statement_id]) + f"#e{entry.pk}")


class StatementPdfView(View):
    def get(self, request, pk: int):
        statement = get_object_or_404(
            ApplicabilityStatement.objects.restrict(request.user, "view").select_related("site"), pk=pk
        )
        response = HttpResponse(
            gap_reports.statement_pdf(statement, viewer=request.user), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'attachment; filename="{statement.site.code}-soa-v{statement.number}.pdf"'
        return response


class StatementApproveView(_SignView):
    statement = gettext_lazy(
        "Meaning of your signature: approved — this statement of applicability, with its exclusions and their "
        "justifications, applies at the site and supersedes the previous version."
    )

    def record(self, request, pk: int):
        statement = get_object_or_404(ApplicabilityStatement.objects.restrict(request.user, "view"), pk=pk)
        if not user_can(request.user, "approve", statement):
            raise PermissionDenied(_("You may not approve this statement."))
        return statement

    def summary(self, record):
        excluded = record.entries.filter(applicable=False).count()
        return [(_("Site"), str(record.site)), (_("Version"), str(record.number)), (_("Exclusions"), str(excluded))]

    def sign(self, request, record, data):
        applicability.statement_approve(statement=record, **self.signing_kwargs(request, data))
