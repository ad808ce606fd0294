"""Pages of CAPA (``/capa/…``): the list (filters, CSV), the record with its workflow stepper, root-cause analysis,
actions, effectiveness checks and signatures, a form per step, signing pages, the PDF record, and the trends.

Each page parses, authorises (restricted querysets: another site's CAPA is a 404), calls a service of
``capa.services`` and renders.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can_at_site
from ims.documents.forms import SignatureStepForm
from ims.documents.uploads import download_response
from ims.documents.views import client_ip
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.views import ObjectDetailView, ObjectEditView, ObjectListView, apply_validation_error

from . import reports, services
from .choices import WORKFLOW, ActionStatus, CapaState, FishboneCategory, RootCauseCategory
from .filtersets import CapaFilterSet, overdue_actions
from .forms import ActionCompleteForm, ActionForm, CapaForm, CheckForm, RcaForm, ReopenForm, RetrainingForm
from .models import Capa, CapaAction
from .tables import CapaTable


def _capa(request, pk: int) -> Capa:
    return get_object_or_404(Capa.objects.restrict(request.user, "view").select_related("site"), pk=pk)


def _may(user, codename: str, capa: Capa) -> bool:
    return user_can_at_site(user, f"capa.{codename}", capa.site)


class CapaListView(ObjectListView):
    queryset = Capa.objects.select_related("site", "owner").order_by("-opened_at", "-pk")
    table_class = CapaTable
    filterset_class = CapaFilterSet
    export_fields = (
        "id", "reference", "kind", "site__code", "title", "source", "source_label", "state", "severity", "occurrence",
        "risk_score", "risk_band", "root_cause_category", "owner__username", "due_date", "opened_at", "closed_at",
    )  # fmt: skip
    add_url_name = "capa:capa_add"
    extra_actions = ((gettext_lazy("Trends"), "capa:trends", "graph-up"),)

    def get_queryset(self, action=None):
        return super().get_queryset(action).annotate(is_overdue=Exists(overdue_actions()))


class CapaCreateView(ObjectEditView):
    queryset = Capa.objects.all()
    form_class = CapaForm

    def save(self, form) -> Capa:
        data = dict(form.cleaned_data)
        data.pop("change_reason", None)
        return services.capa_create(actor=self.request.user, **data)


class CapaEditView(ObjectEditView):
    queryset = Capa.objects.select_related("site")
    form_class = CapaForm

    def save(self, form) -> Capa:
        changes = {k: v for k, v in form.cleaned_data.items() if k in services.DESCRIPTION_FIELDS}
        return services.capa_update(actor=self.request.user, capa=self.object, changes=changes)


class CapaDetailView(ObjectDetailView):
    queryset = Capa.objects.select_related(
        "site", "owner", "raised_by", "clause__standard", "process", "plan_approved_by", "closed_by"
    )
    template_name = "capa/capa_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        capa: Capa = kwargs["object"]
        user = self.request.user
        state = capa.state
        current = WORKFLOW.index(state)
        manager = _may(user, "change_capa", capa)
        owner = capa.owner_id == user.pk
        approver = _may(user, "approve_capa", capa) and not owner
        actions = list(capa.actions.select_related("owner", "done_by").order_by("due_date", "pk"))
        for action in actions:
            action.may_complete = (
                action.status == ActionStatus.OPEN
                and state in services.WORK_STATES
                and (action.owner_id == user.pk or _may(user, "change_capaaction", capa))
            )
        fishbone = [(label, (capa.fishbone or {}).get(value, [])) for value, label in FishboneCategory.choices]
        context.update(
            {
                "capa": capa,
                "steps": [
                    {"label": CapaState(s).label, "done": i < current, "current": i == current}
                    for i, s in enumerate(WORKFLOW)
                ],
                "actions": actions,
                "checks": list(capa.effectiveness_checks.select_related("objective").order_by("-created_at", "-pk")),
                "fishbone": fishbone,
                "closure_problems": services.closure_problems(capa) if state == CapaState.EFFECTIVENESS_CHECK else [],
                "can_investigate": state == CapaState.OPEN and (manager or owner),
                "can_rca": state == CapaState.INVESTIGATION and (manager or owner),
                "can_add_action": state in services.ACTION_STATES and (owner or _may(user, "add_capaaction", capa)),
                "can_retrain": state in services.ACTION_STATES
                and capa.root_cause_category == RootCauseCategory.TRAINING
                and _may(user, "add_capaaction", capa),
                "can_approve": state == CapaState.INVESTIGATION and approver,
                "can_implement": state == CapaState.PLAN_APPROVED and (manager or owner),
                "can_check": state == CapaState.IMPLEMENTATION and _may(user, "add_effectivenesscheck", capa),
                "can_close": state == CapaState.EFFECTIVENESS_CHECK and approver,
                "can_reopen": state in (CapaState.IMPLEMENTATION, CapaState.EFFECTIVENESS_CHECK) and manager,
                "manifestations": esign_selectors.manifestations_for(capa, viewer=user),
                "list_url": reverse("capa:capa_list"),
            }
        )
        return context


class CapaTransitionView(View):
    """POST ``investigate`` or ``implement``."""

    steps = {
        "investigate": (services.capa_investigate, gettext_lazy("Investigation started.")),
        "implement": (services.capa_implement, gettext_lazy("Implementation started.")),
    }

    def post(self, request, pk: int, step: str):
        if step not in self.steps:
            raise Http404
        capa = _capa(request, pk)
        service, done = self.steps[step]
        try:
            service(actor=request.user, capa=capa)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, done)
        return redirect(capa)


class _StepView(View):
    """GET: the step's form; POST: run the service, or show the form again with its errors (nothing changed)."""

    template_name = "capa/step_form.html"
    title = ""
    form_class = None
    multipart = False

    def capa_for(self, request, pk: int):
        return _capa(request, pk)

    def may(self, request, capa) -> bool:
        return True

    def form(self, request, capa, data=None, files=None):
        return self.form_class(data, files, capa=capa)

    def render(self, request, capa, form, status=200):
        return TemplateResponse(
            request,
            self.template_name,
            {"title": f"{self.title}: {capa.reference}", "capa": capa, "form": form, "multipart": self.multipart},
            status=status,
        )

    def dispatch(self, request, *args, **kwargs):
        self.capa = self.capa_for(request, kwargs["pk"])
        if not self.may(request, self.capa):
            raise PermissionDenied(_("You may not do this for this CAPA."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk: int, **kwargs):
        return self.render(request, self.capa, self.form(request, self.capa))

    def post(self, request, pk: int, **kwargs):
        form = self.form(request, self.capa, request.POST, request.FILES)
        if form.is_valid():
            try:
                self.apply(request, self.capa, form)
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, self.done)
                return redirect(self.capa)
        return self.render(request, self.capa, form, status=400)


class CapaRcaView(_StepView):
    title = gettext_lazy("Root-cause analysis")
    form_class = RcaForm
    done = gettext_lazy("Root-cause analysis recorded.")

    def may(self, request, capa):
        return capa.owner_id == request.user.pk or _may(request.user, "change_capa", capa)

    def apply(self, request, capa, form):
        services.capa_rca_record(actor=request.user, capa=capa, **form.rca())


class CapaActionAddView(_StepView):
    title = gettext_lazy("Plan an action")
    form_class = ActionForm
    done = gettext_lazy("Action planned.")

    def may(self, request, capa):
        return capa.owner_id == request.user.pk or _may(request.user, "add_capaaction", capa)

    def apply(self, request, capa, form):
        services.capa_action_add(actor=request.user, capa=capa, **form.cleaned_data)


class CapaRetrainingView(_StepView):
    title = gettext_lazy("Raise retraining")
    form_class = RetrainingForm
    done = gettext_lazy("Retraining assigned.")

    def may(self, request, capa):
        return _may(request.user, "add_capaaction", capa)

    def apply(self, request, capa, form):
        data = form.cleaned_data
        services.capa_retraining_raise(
            actor=request.user, capa=capa, people=list(data["people"]), course_code=data["course_code"],
            due_date=data["due_date"],
        )  # fmt: skip


class CapaCheckView(_StepView):
    title = gettext_lazy("Plan the effectiveness check")
    form_class = CheckForm
    done = gettext_lazy("Effectiveness check planned.")

    def may(self, request, capa):
        return _may(request.user, "add_effectivenesscheck", capa)

    def form(self, request, capa, data=None, files=None):
        return CheckForm(data, capa=capa, user=request.user)

    def apply(self, request, capa, form):
        data = form.cleaned_data
        services.capa_effectiveness_plan(
            actor=request.user, capa=capa, criterion=data["criterion"], objective=data["objective"],
            window_start=data["window_start"], due_date=data["due_date"], months=data["months"],
        )  # fmt: skip


class CapaReopenView(_StepView):
    title = gettext_lazy("Reopen")
    form_class = ReopenForm
    done = gettext_lazy("CAPA reopened.")

    def may(self, request, capa):
        return _may(request.user, "change_capa", capa)

    def form(self, request, capa, data=None, files=None):
        return ReopenForm(data)

    def apply(self, request, capa, form):
        services.capa_reopen(actor=request.user, capa=capa, **form.cleaned_data)


class ActionCompleteView(_StepView):
    title = gettext_lazy("Action done")
    form_class = ActionCompleteForm
    done = gettext_lazy("Action done; its evidence is kept.")
    multipart = True

    def dispatch(self, request, *args, **kwargs):
        self.action = get_object_or_404(
            CapaAction.objects.restrict(request.user, "view").select_related("capa__site"), pk=kwargs["pk"]
        )
        kwargs["pk"] = self.action.capa_id
        return super().dispatch(request, *args, **kwargs)

    def may(self, request, capa):
        return self.action.owner_id == request.user.pk or _may(request.user, "change_capaaction", capa)

    def form(self, request, capa, data=None, files=None):
        return ActionCompleteForm(data, files)

    def render(self, request, capa, form, status=200):
        response = super().render(request, capa, form, status)
        response.context_data["title"] = f"{self.title}: {self.action}"
        return response

    def apply(self, request, capa, form):
        services.capa_action_complete(
            actor=request.user, action=self.action, evidence_note=form.cleaned_data["evidence_note"],
            evidence_file=form.cleaned_data["evidence_file"],
        )  # fmt: skip


class ActionEvidenceView(View):
    def get(self, request, pk: int):
        action = get_object_or_404(CapaAction.objects.restrict(request.user, "view"), pk=pk)
        if not action.evidence_file:
            raise Http404
        return download_response(
            action.evidence_file, filename=action.evidence_name or "evidence", content_type=action.evidence_type
        )


class _SignView(View):
    """GET: the signing form; POST: sign (user ID on the first signing of a session, password, reason)."""

    template_name = "esign/sign_record.html"
    statement = ""
    verb = ""

    def record(self, request, pk: int) -> Capa:
        capa = _capa(request, pk)
        if not _may(request.user, "approve_capa", capa):
            raise PermissionDenied(_("You may not sign for this CAPA."))
        if capa.owner_id == request.user.pk:
            raise PermissionDenied(_("The owner of the CAPA cannot sign it (segregation of duties)."))
        return capa

    def render(self, record, form, status=200, refusal=None):
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": f"{self.verb}: {record}",
                "record": record,
                "form": form,
                "refusal": refusal,
                "statement": self.statement,
                "summary": [
                    (_("Reference"), record.reference),
                    (_("Plan digest (SHA-256)"), record.plan_digest or "—"),
                    *([(_("Closure digest (SHA-256)"), record.closure_digest)] if record.closure_digest else []),
                ],
            },
            status=status,
        )

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
            self.service(
                actor=request.user, capa=record, password=data["password"], username=data.get("username"),
                reason=data["reason"], session=request.session, channel=SignatureChannel.WEB, ip=client_ip(request),
            )  # fmt: skip
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data["reason"]}, ask_username=True)
            return self.render(record, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(record, form, status=409)
        messages.success(request, _("Signed: %(record)s.") % {"record": record})
        return redirect(record)


class CapaApproveView(_SignView):
    verb = gettext_lazy("Approve the action plan")
    statement = gettext_lazy(
        "Meaning of your signature: approved — the root cause and the planned actions of this CAPA are adequate."
    )
    service = staticmethod(services.capa_plan_approve)


class CapaCloseView(_SignView):
    verb = gettext_lazy("Verify and close")
    statement = gettext_lazy(
        "Meaning of your signature: verified — the actions are done with evidence and the effectiveness check "
        "passed; the CAPA is closed."
    )
    service = staticmethod(services.capa_close)


class CapaPdfView(View):
    def get(self, request, pk: int):
        capa = _capa(request, pk)
        response = HttpResponse(reports.capa_pdf(capa, viewer=request.user), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{capa.reference}.pdf"'
        return response


class TrendsView(View):
    template_name = "capa/trends.html"

    def get(self, request):
        from . import trends

        data = trends.capa_trends(user=request.user, site_id=_int(request.GET.get("site")))
        if request.GET.get("export") == "csv":
            return trends.trends_csv(data)
        if request.GET.get("export") == "pdf":
            response = HttpResponse(trends.trends_pdf(data), content_type="application/pdf")
            response["Content-Disposition"] = 'attachment; filename="capa-trends.pdf"'
            return response
        return TemplateResponse(
            request, self.template_name, {"title": _("CAPA trends"), "data": data, "charts": trends.trend_charts(data)}
        )


def _int(value) -> int | None:
    return int(value) if (value or "").isdigit() else None
