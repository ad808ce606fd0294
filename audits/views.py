"""Pages of internal audits (``/audits/…``): programmes, audits, the checklist on a phone, findings, the report
and its signatures, the calendar and the trends. Each page parses, authorises (restricted querysets: another
site's record is a 404), calls a service of ``audits.services`` and renders.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can, user_can_any_site, user_can_at_site, user_sites
from ims.actions.registry import action_url
from ims.audit.context import audit_context
from ims.documents.forms import SignatureStepForm
from ims.documents.uploads import download_response
from ims.documents.views import client_ip
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.views import ObjectDetailView, ObjectEditView, ObjectListView, apply_validation_error

from . import reports, scheduling, selectors, services
from .choices import AuditStatus, ChecklistResult, FindingGrade, FindingStatus
from .filtersets import AuditFilterSet, AuditProgrammeFilterSet, FindingFilterSet
from .forms import (
    AreaForm,
    AssignForm,
    AuditEditForm,
    AuditForm,
    CancelForm,
    EvidenceForm,
    FindingForm,
    ProgrammeForm,
    RaiseCapaForm,
    RescheduleForm,
)
from .models import Audit, AuditProgramme, ChecklistItem, EvidenceFile, Finding, ProgrammeArea
from .tables import AuditProgrammeTable, AuditTable, FindingTable


def _errors(error) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def _audit(request, pk: int) -> Audit:
    return get_object_or_404(Audit.objects.restrict(request.user, "view").select_related("site"), pk=pk)


# --- programmes ------------------------------------------------------------------------------------------------


class ProgrammeListView(ObjectListView):
    queryset = AuditProgramme.objects.prefetch_related("sites").order_by("-year", "title", "pk")
    table_class = AuditProgrammeTable
    filterset_class = AuditProgrammeFilterSet
    export_fields = ("id", "year", "title", "is_active")
    add_url_name = "audits:programme_add"


class ProgrammeEditView(ObjectEditView):
    queryset = AuditProgramme.objects.all()
    form_class = ProgrammeForm

    def save(self, form) -> AuditProgramme:
        data = form.cleaned_data
        if self.is_create():
            return services.programme_create(actor=self.request.user, **data)
        changes = {name: data[name] for name in ("year", "title", "sites", "objectives")}
        return services.programme_update(actor=self.request.user, programme=self.object, changes=changes)


class ProgrammeDetailView(ObjectDetailView):
    queryset = AuditProgramme.objects.prefetch_related("sites")
    template_name = "audits/programme_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        programme = kwargs["object"]
        can_change = user_can(self.request.user, "change", programme)
        context.update(
            {
                "programme": programme,
                "areas": programme.areas.select_related("process", "standard", "clause__standard", "auditor"),
                "area_form": AreaForm(user=self.request.user) if can_change else None,
                "audits": programme.audits.select_related("site").order_by("planned_date", "site__code")[:200],
                "edit_url": reverse("audits:programme_edit", args=[programme.pk]),
                "list_url": reverse("audits:programme_list"),
            }
        )
        return context


class AreaAddView(View):
    def post(self, request, pk: int):
        programme = get_object_or_404(AuditProgramme.objects.restrict(request.user, "view"), pk=pk)
        form = AreaForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("Please correct the area: %(e)s") % {"e": form.errors.as_text()})
        else:
            try:
                services.area_add(actor=request.user, programme=programme, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, _errors(error))
            else:
                messages.success(request, _("Audited area added."))
        return redirect(programme)


class AreaEditView(View):
    template_name = "audits/area_edit.html"

    def area(self, request, pk: int) -> ProgrammeArea:
        area = get_object_or_404(ProgrammeArea.objects.select_related("programme"), pk=pk)
        if not AuditProgramme.objects.restrict(request.user, "view").filter(pk=area.programme_id).exists():
            raise Http404
        return area

    def render(self, area, form, status=200):
        context = {"title": _("Audited area: %(a)s") % {"a": area.label}, "area": area, "form": form}
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        area = self.area(request, pk)
        initial = {f: getattr(area, f"{f}_id") for f in ("process", "standard", "clause", "auditor")}
        initial.update(risk=area.risk, frequency_override=area.frequency_override)
        return self.render(area, AreaForm(user=request.user, initial=initial))

    def post(self, request, pk: int):
        area = self.area(request, pk)
        form = AreaForm(request.POST, user=request.user)
        reason = (request.POST.get("change_reason") or "").strip()
        if form.is_valid():
            if not reason:
                form.add_error(None, _("Give the reason for this change; it is kept in the audit trail."))
            else:
                try:
                    with audit_context(reason=reason):
                        services.area_update(actor=request.user, area=area, changes=form.cleaned_data)
                except (ValidationError, PermissionDenied) as error:
                    if isinstance(error, ValidationError):
                        apply_validation_error(form, error)
                    else:
                        form.add_error(None, str(error))
                else:
                    messages.success(request, _("Audited area changed."))
                    return redirect(area.programme)
        return self.render(area, form, status=400)


class ProgrammeScheduleView(View):
    """POST: plan the due audits of this programme now (what the nightly task does)."""

    def post(self, request, pk: int):
        programme = get_object_or_404(AuditProgramme.objects.restrict(request.user, "view"), pk=pk)
        if not user_can(request.user, "change", programme):
            raise PermissionDenied(_("You may not plan this programme."))
        created = scheduling.programme_schedule(programme_id=programme.pk)
        messages.success(request, _("%(n)s audit(s) planned.") % {"n": created})
        return redirect(programme)


# --- audits ----------------------------------------------------------------------------------------------------


class AuditListView(ObjectListView):
    queryset = Audit.objects.select_related("site", "lead_auditor").order_by("planned_date", "pk")
    table_class = AuditTable
    filterset_class = AuditFilterSet
    export_fields = ("id", "reference", "title", "site__code", "planned_date", "status", "lead_auditor__username")
    add_url_name = "audits:audit_add"
    extra_actions = (
        (gettext_lazy("Calendar"), "audits:calendar", "calendar3"),
        (gettext_lazy("Findings"), "audits:finding_list", "exclamation-diamond"),
        (gettext_lazy("Trends"), "audits:trends", "bar-chart"),
        (gettext_lazy("Programmes"), "audits:programme_list", "calendar-range"),
        (gettext_lazy("Checklist templates"), "audits:template_list", "card-checklist"),
    )


class AuditCreateView(ObjectEditView):
    queryset = Audit.objects.all()
    form_class = AuditForm

    def save(self, form) -> Audit:
        data = dict(form.cleaned_data)
        return services.audit_create(actor=self.request.user, **data)


class AuditEditView(ObjectEditView):
    queryset = Audit.objects.all()
    form_class = AuditEditForm

    def save(self, form) -> Audit:
        changes = {name: form.cleaned_data[name] for name in ("title", "scope_note")}
        return services.audit_update(actor=self.request.user, audit=self.object, changes=changes)


class AuditDetailView(ObjectDetailView):
    queryset = Audit.objects.select_related(
        "site", "lead_auditor", "programme", "area", "acknowledged_by", "approved_by"
    ).prefetch_related("processes", "auditors", "auditees")
    template_name = "audits/audit_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        audit: Audit = kwargs["object"]
        user = self.request.user
        status = audit.status
        may_plan = user_can_at_site(user, "audits.change_audit", audit.site)
        conduct = services.may_conduct(user, audit)
        items = audit.items.all()
        findings = audit.findings.select_related("clause__standard", "process").order_by("reference")
        context.update(
            {
                "audit": audit,
                "clauses": audit.clauses.select_related("standard").order_by("standard__code", "position"),
                "answered": items.exclude(result="").count(),
                "total": items.count(),
                "findings": [(f, action_url(f.action_kind, f.action_ref)) for f in findings],
                "can_plan": may_plan and status in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS),
                "can_reschedule": may_plan and status == AuditStatus.PLANNED,
                "can_start": conduct and status == AuditStatus.PLANNED,
                "can_work": conduct and status == AuditStatus.IN_PROGRESS,
                "can_complete": status == AuditStatus.IN_PROGRESS and audit.lead_auditor_id == user.pk,
                "can_acknowledge": status == AuditStatus.COMPLETED and audit.auditees.filter(pk=user.pk).exists(),
                "can_approve": status == AuditStatus.ACKNOWLEDGED and services.may_approve(user, audit),
                "manifestations": esign_selectors.manifestations_for(audit, viewer=user),
                "edit_url": reverse("audits:audit_edit", args=[audit.pk]) if may_plan else None,
                "list_url": reverse("audits:audit_list"),
            }
        )
        return context


class _AuditFormView(View):
    """GET a small form about one audit; POST runs ``act`` (a service) and goes back to the audit."""

    form_class = None
    template_name = "audits/audit_form.html"
    heading = ""
    done = ""

    def render(self, audit, form, status=200):
        context = {"title": f"{self.heading}: {audit.reference}", "audit": audit, "form": form}
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def initial(self, audit) -> dict:
        return {}

    def get(self, request, pk: int):
        audit = _audit(request, pk)
        return self.render(audit, self.form_class(initial=self.initial(audit)))

    def post(self, request, pk: int):
        audit = _audit(request, pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.act(request, audit, dict(form.cleaned_data))
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                raise PermissionDenied(str(error)) from error
            else:
                messages.success(request, self.done)
                return redirect(audit)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(audit, form, status=400)


class AuditAssignView(_AuditFormView):
    form_class = AssignForm
    heading = gettext_lazy("Audit team")
    done = gettext_lazy("Audit team saved.")

    def initial(self, audit):
        return {
            "lead_auditor": audit.lead_auditor_id,
            "auditors": list(audit.auditors.values_list("pk", flat=True)),
            "auditees": list(audit.auditees.values_list("pk", flat=True)),
        }

    def act(self, request, audit, data):
        services.audit_assign(
            actor=request.user, audit=audit, reason=data["reason"], lead_auditor=data["lead_auditor"],
            auditors=list(data["auditors"]), auditees=list(data["auditees"]),
        )  # fmt: skip


class AuditRescheduleView(_AuditFormView):
    form_class = RescheduleForm
    heading = gettext_lazy("Reschedule")
    done = gettext_lazy("Audit rescheduled.")

    def initial(self, audit):
        return {"planned_date": audit.planned_date, "planned_end": audit.planned_end}

    def act(self, request, audit, data):
        services.audit_reschedule(actor=request.user, audit=audit, **data)


class AuditCancelView(_AuditFormView):
    form_class = CancelForm
    heading = gettext_lazy("Cancel the audit")
    done = gettext_lazy("Audit cancelled.")

    def act(self, request, audit, data):
        services.audit_cancel(actor=request.user, audit=audit, reason=data["reason"])


class AuditStartView(View):
    def post(self, request, pk: int):
        audit = _audit(request, pk)
        try:
            services.audit_start(actor=request.user, audit=audit)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _errors(error))
            return redirect(audit)
        messages.success(request, _("Audit started; the checklist is ready."))
        return redirect("audits:checklist", pk=audit.pk)


# --- the checklist, one question per card (phone and tablet) ---------------------------------------------------


class ChecklistView(View):
    """One question per card with big result buttons; ``?q=<position>`` (default: the first not checked)."""

    template_name = "audits/checklist.html"

    def get(self, request, pk: int):
        audit = _audit(request, pk)
        items = list(audit.items.select_related("clause__standard", "process").order_by("position"))
        if not items:
            messages.info(request, _("The checklist is generated when the audit starts."))
            return redirect(audit)
        wanted = request.GET.get("q", "")
        item = next((i for i in items if str(i.position) == wanted), None)
        item = item or next((i for i in items if not i.result), items[0])
        return TemplateResponse(request, self.template_name, self.context(request, audit, items, item))

    @staticmethod
    def context(request, audit, items, item) -> dict:
        index = items.index(item)
        return {
            "title": _("Checklist: %(ref)s") % {"ref": audit.reference},
            "audit": audit,
            "item": item,
            "files": list(item.files.all()),
            "total": len(items),
            "answered": sum(1 for i in items if i.result),
            "previous": items[index - 1] if index else None,
            "next": items[index + 1] if index + 1 < len(items) else None,
            "results": [c for c in ChecklistResult.choices if c[0]],
            "editable": audit.status == AuditStatus.IN_PROGRESS and services.may_conduct(request.user, audit),
            "evidence_form": EvidenceForm(),
            "grades": FindingGrade.choices,
            "numbers": [(i.position, bool(i.result)) for i in items],
        }


def _item(request, pk: int) -> ChecklistItem:
    return get_object_or_404(ChecklistItem.objects.restrict(request.user, "view").select_related("audit__site"), pk=pk)


class ItemAnswerView(View):
    """POST ``result`` and/or ``notes`` for one question; saved on its own, then the next question."""

    def post(self, request, pk: int):
        item = _item(request, pk)
        result = request.POST.get("result")
        notes = request.POST.get("notes")
        try:
            services.item_answer(actor=request.user, item=item, result=result, notes=notes)
        except PermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except ValidationError as error:
            messages.error(request, _errors(error))
            return redirect(reverse("audits:checklist", args=[item.audit_id]) + f"?q={item.position}")
        after = item.position + 1 if request.POST.get("go") != "stay" else item.position
        total = ChecklistItem._base_manager.filter(audit_id=item.audit_id).count()
        messages.success(request, _("Question %(n)s saved.") % {"n": item.position})
        return redirect(reverse("audits:checklist", args=[item.audit_id]) + f"?q={min(after, total)}")


class EvidenceUploadView(View):
    def post(self, request, pk: int):
        item = _item(request, pk)
        form = EvidenceForm(request.POST, request.FILES)
        back = reverse("audits:checklist", args=[item.audit_id]) + f"?q={item.position}"
        if not form.is_valid():
            messages.error(request, _("Choose a file to attach."))
            return redirect(back)
        try:
            services.evidence_attach(actor=request.user, item=item, upload=form.cleaned_data["file"])
        except PermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except ValidationError as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("Evidence attached."))
        return redirect(back)


class EvidenceDownloadView(View):
    def get(self, request, pk: int):
        evidence = get_object_or_404(EvidenceFile.objects.select_related("item"), pk=pk)
        if not ChecklistItem.objects.restrict(request.user, "view").filter(pk=evidence.item_id).exists():
            raise Http404
        return download_response(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


# --- findings --------------------------------------------------------------------------------------------------


class FindingListView(ObjectListView):
    queryset = Finding.objects.select_related("site", "clause__standard", "process").order_by("-raised_on", "-pk")
    table_class = FindingTable
    filterset_class = FindingFilterSet
    export_fields = ("id", "reference", "grade", "site__code", "clause__number", "process__code", "raised_on", "status")


class FindingAddView(View):
    template_name = "audits/finding_form.html"

    def render(self, audit, form, status=200):
        context = {"title": _("New finding: %(ref)s") % {"ref": audit.reference}, "audit": audit, "form": form}
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        audit = _audit(request, pk)
        if not services.may_conduct(request.user, audit):
            raise PermissionDenied(_("Only the audit team raises findings."))
        initial = {}
        if (q := request.GET.get("item", "")).isdigit():
            item = audit.items.filter(pk=q).first()
            if item is not None:
                initial = {"checklist_item": item.pk, "clause": item.clause_id, "process": item.process_id}
                initial["grade"] = FindingGrade.OBSERVATION if item.result == "observation" else FindingGrade.MINOR
        return self.render(audit, FindingForm(audit=audit, initial=initial))

    def post(self, request, pk: int):
        audit = _audit(request, pk)
        if not services.may_conduct(request.user, audit):
            raise PermissionDenied(_("Only the audit team raises findings."))
        form = FindingForm(request.POST, audit=audit)
        if form.is_valid():
            try:
                finding = services.finding_raise(actor=request.user, audit=audit, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Finding %(ref)s raised.") % {"ref": finding.reference})
                return redirect(audit)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(audit, form, status=400)


class FindingDetailView(ObjectDetailView):
    queryset = Finding.objects.select_related("audit", "site", "clause__standard", "process", "raised_by")
    template_name = "audits/finding_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding: Finding = kwargs["object"]
        user = self.request.user
        may = services.may_conduct(user, finding.audit) or user_can(user, "change", finding)
        context.update(
            {
                "finding": finding,
                "action_url": action_url(finding.action_kind, finding.action_ref),
                "capa_kind": services.capa_kind(),
                "capa_form": RaiseCapaForm()
                if may and not finding.action_ref and finding.status == FindingStatus.OPEN
                else None,
                "edit_url": reverse("audits:finding_edit", args=[finding.pk])
                if finding.audit.status == AuditStatus.IN_PROGRESS and services.may_conduct(user, finding.audit)
                else None,
                "list_url": reverse("audits:finding_list"),
            }
        )
        return context


class FindingEditView(ObjectEditView):
    queryset = Finding.objects.select_related("audit")
    form_class = FindingForm

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs.pop("user", None)
        kwargs["audit"] = self.object.audit
        return kwargs

    def save(self, form) -> Finding:
        changes = {name: form.cleaned_data[name] for name in services.FINDING_FIELDS}
        return services.finding_update(actor=self.request.user, finding=self.object, changes=changes)


class FindingCapaView(View):
    def post(self, request, pk: int):
        finding = get_object_or_404(Finding.objects.restrict(request.user, "view"), pk=pk)
        form = RaiseCapaForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Please correct the CAPA's details."))
            return redirect(finding)
        try:
            updated = services.finding_raise_capa(actor=request.user, finding=finding, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("%(ref)s raised.") % {"ref": updated.action_ref})
        return redirect(finding)


# --- the report and its signatures -----------------------------------------------------------------------------


SIGN_STEPS = {
    "complete": (
        services.audit_complete,
        gettext_lazy("Sign the audit report (authored)"),
        gettext_lazy(
            "Meaning of your signature: authored — this report, its findings and checklist answers are what the audit "
            "found."
        ),
    ),
    "acknowledge": (
        services.audit_acknowledge,
        gettext_lazy("Acknowledge the audit report"),
        gettext_lazy("Meaning of your signature: acknowledged — you received this report and its findings."),
    ),
    "approve": (
        services.audit_approve,
        gettext_lazy("Approve the audit report"),
        gettext_lazy("Meaning of your signature: approved — the report is accepted and the audit is closed."),
    ),
}


class AuditSignView(View):
    template_name = "audits/sign.html"

    def step(self, step: str):
        if step not in SIGN_STEPS:
            raise Http404
        return SIGN_STEPS[step]

    def render(self, audit, step, form, status=200, refusal=None):
        _service, heading, statement = self.step(step)
        context = {
            "title": f"{heading}: {audit.reference}",
            "record": audit,
            "form": form,
            "refusal": refusal,
            "statement": statement,
            "ask_summary": step == "complete",
            "summary": [(_("Reference"), audit.reference), (_("Report digest (SHA-256)"), audit.report_digest or "—")],
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int, step: str):
        audit = _audit(request, pk)
        self.step(step)
        form = SignatureStepForm(ask_username=username_required(session=request.session))
        return self.render(audit, step, form)

    def post(self, request, pk: int, step: str):
        audit = _audit(request, pk)
        service, _heading, _statement = self.step(step)
        form = SignatureStepForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(audit, step, form, status=400)
        data = form.cleaned_data
        extra = {"summary": request.POST.get("summary", "")} if step == "complete" else {}
        try:
            service(
                actor=request.user, audit=audit, password=data["password"], username=data.get("username"),
                reason=data["reason"], session=request.session, channel=SignatureChannel.WEB, ip=client_ip(request),
                **extra,
            )  # fmt: skip
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data["reason"]}, ask_username=True)
            return self.render(audit, step, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(audit, step, form, status=409)
        messages.success(request, _("Signed: %(ref)s.") % {"ref": audit.reference})
        return redirect(audit)


class AuditPdfView(View):
    def get(self, request, pk: int):
        audit = _audit(request, pk)
        response = HttpResponse(reports.audit_pdf(audit, viewer=request.user), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{audit.reference}-audit-report.pdf"'
        return response


class MyAuditsView(View):
    """The person's own audit work: audits to run (lead or co-auditor) and reports to acknowledge (auditee)."""

    template_name = "audits/my_audits.html"

    def get(self, request):
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("My audits"),
                "to_run": list(selectors.my_open_audits(person=request.user)[:200]),
                "to_acknowledge": list(selectors.my_reports_to_acknowledge(person=request.user)[:200]),
            },
        )


# --- calendar and trends ---------------------------------------------------------------------------------------


def _site_choices(user):
    return list(user_sites(user, "audits.view_audit").order_by("code").only("pk", "code", "name"))


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


class CalendarView(View):
    """Month or quarter of audits, company-wide or filtered by site."""

    template_name = "audits/calendar.html"

    def get(self, request):
        if not user_can_any_site(request.user, "audits.view_audit"):
            raise PermissionDenied(_("You may not see audits."))
        view = "quarter" if request.GET.get("view") == "quarter" else "month"
        period = selectors.calendar_period(view=view, on=_date(request.GET.get("on", "")) or timezone.localdate())
        site_ids = [int(v) for v in request.GET.getlist("site") if v.isdigit()]
        audits = selectors.calendar_audits(user=request.user, period=period, site_ids=site_ids)
        sites = "".join(f"&site={s}" for s in site_ids)
        return TemplateResponse(
            request,
            self.template_name,
            {
                "title": _("Audit calendar"),
                "period": period,
                "view": view,
                "weeks": selectors.calendar_weeks(period, audits),
                "count": len(audits),
                "site_choices": _site_choices(request.user),
                "chosen_sites": set(site_ids),
                "previous_url": f"?view={view}&on={period.shifted(-1).start.isoformat()}{sites}",
                "next_url": f"?view={view}&on={period.shifted(1).start.isoformat()}{sites}",
                "other_view_url": f"?view={'month' if view == 'quarter' else 'quarter'}&on={period.start}{sites}",
            },
        )


class TrendsView(View):
    """Findings by clause (Pareto), quarter × grade, process and site; CSV and PDF with the same figures."""

    template_name = "audits/trends.html"

    def filters(self, request) -> dict:
        standard = request.GET.get("standard", "")
        return {
            "site_ids": [int(v) for v in request.GET.getlist("site") if v.isdigit()],
            "since": _date(request.GET.get("since", "")),
            "until": _date(request.GET.get("until", "")),
            "grades": [g for g in request.GET.getlist("grade") if g in FindingGrade.values],
            "standard_id": int(standard) if standard.isdigit() else None,
        }

    def get(self, request):
        if not user_can_any_site(request.user, "audits.view_finding"):
            raise PermissionDenied(_("You may not see audit findings."))
        from processes.models import Standard

        from .charts import pareto_chart, quarter_chart

        filters = self.filters(request)
        trends = selectors.finding_trends(user=request.user, **filters)
        if request.GET.get("export") == "csv":
            return self.csv(trends)
        context = {
            "title": _("Audit findings: trends"),
            "trends": trends,
            "pareto_svg": pareto_chart(trends.pareto, title=_("Findings by clause (Pareto)")),
            "quarter_svg": quarter_chart(trends.by_quarter, title=_("Findings per quarter by grade")),
            "grade_labels": FindingGrade.choices,
            "site_choices": _site_choices(request.user),
            "standards": Standard.objects.filter(is_active=True).order_by("code"),
            "filters": filters,
            "query": request.GET.urlencode(),
        }
        if request.GET.get("format") == "pdf":
            response = HttpResponse(reports.trends_pdf(context), content_type="application/pdf")
            response["Content-Disposition"] = 'attachment; filename="audit-finding-trends.pdf"'
            return response
        return TemplateResponse(request, self.template_name, context)

    def csv(self, trends):
        from ims.web.views import csv_response

        rows = [["clause", r["label"], r["title"], r["count"]] for r in trends.pareto]
        rows += [["quarter", r["quarter"], g, r[g]] for r in trends.by_quarter for g in FindingGrade.values]
        rows += [["process", r["label"], "", r["count"]] for r in trends.by_process]
        rows += [["site", r["label"], "", r["count"]] for r in trends.by_site]
        rows += [["recurring", r["label"], r["title"], r["count"]] for r in trends.recurring]
        return csv_response("audit-finding-trends.csv", ["dimension", "key", "detail", "findings"], rows)
