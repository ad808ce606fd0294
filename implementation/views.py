"""Pages of rollout plans: thin adapters over ``implementation.services`` and ``implementation.selectors``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from weasyprint import HTML

from ims.access.permissions import user_can, user_can_any_site
from ims.audit.context import audit_context
from ims.documents.forms import SignatureStepForm
from ims.documents.pdf import LockedURLFetcher
from ims.documents.views import client_ip
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.input import REASON_FIELD
from ims.web.views import ObjectDetailView, ObjectEditView, ObjectListView, apply_validation_error, reason_field

from . import selectors, services
from .choices import TaskStatus
from .forms import CriterionForm, PhaseForm, PlanForm, TaskForm, WaiverForm
from .heatmap import Bar, Cell, Row, rollout_heatmap_svg, timeline_svg
from .models import Phase, PlanCriterion, RolloutPlan, Task
from .tables import RolloutPlanTable

PLAN_EXPORT = ("id", "site__code", "title", "status", "start_date", "target_go_live", "live_since", "is_active")


class PlanListView(ObjectListView):
    queryset = selectors.with_criteria(RolloutPlan.objects.all()).order_by("-is_active", "site__code", "-created_at")
    table_class = RolloutPlanTable
    export_fields = PLAN_EXPORT
    add_url_name = "implementation:plan_add"
    title = gettext_lazy("Rollout plans")
    extra_actions = ((gettext_lazy("Heat map"), "implementation:heatmap", "grid-3x3"),)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = kwargs["table"]
        plans = [row.record for row in table.paginated_rows]
        table.readiness_by_plan = selectors.plans_readiness(plans)
        table.next_task_by_plan = selectors.next_tasks([p.pk for p in plans])
        return context


def heatmap_rows_svg(user) -> tuple[str, list]:
    rows = selectors.heatmap_rows(user=user)
    drawn = [
        Row(
            label=f"{row.plan.site.code} · {row.plan.site.name}",
            status=row.plan.status,
            url=row.plan.get_absolute_url(),
            cells={step: Cell(cell.colour, cell.detail, cell.url) for step, cell in row.cells.items()},
        )
        for row in rows
    ]
    return rollout_heatmap_svg(drawn), rows


class HeatmapView(View):
    """Site × IMS step, from the criteria of each active plan; ``?format=pdf`` gives the same drawing as a PDF."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, "implementation.view_rolloutplan")

    def get(self, request):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not see rollout plans."))
        svg, rows = heatmap_rows_svg(request.user)
        context = {"title": _("Rollout heat map"), "svg": mark_safe(svg), "rows": rows,  # noqa: S308 (escaped SVG)
                   "today": timezone.localdate()}  # fmt: skip
        if request.GET.get("format") == "pdf":
            html = render_to_string("implementation/heatmap_pdf.html", context, request=request)
            pdf = HTML(string=html, url_fetcher=LockedURLFetcher()).write_pdf()
            response = HttpResponse(pdf, content_type="application/pdf")
            response["Content-Disposition"] = 'attachment; filename="rollout-heatmap.pdf"'
            return response
        return TemplateResponse(request, "implementation/heatmap.html", context)


def plan_timeline_svg(plan: RolloutPlan) -> str:
    today = timezone.localdate()
    bars = []
    for entry in selectors.timeline(plan):
        tasks = [t for t in entry["tasks"] if t.due_date]
        if tasks:
            starts = [t.start_date or t.due_date for t in tasks]
            bars.append(Bar(str(entry["phase"]), min(starts), max(t.due_date for t in tasks), False, False, True))
        for task in tasks:
            done = task.status in (TaskStatus.DONE, TaskStatus.CANCELLED)
            bars.append(Bar(task.title, task.start_date or task.due_date, task.due_date, done,
                            not done and task.due_date < today))  # fmt: skip
    return timeline_svg(bars, today=today, title=f"Timeline · {plan}")


class PlanDetailView(ObjectDetailView):
    queryset = RolloutPlan.objects.select_related("site", "owner")
    template_name = "implementation/plan_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = kwargs["object"]
        user = self.request.user
        readiness = selectors.plan_readiness(plan)
        gate = getattr(plan, "go_live_gate", None)
        context.update(
            {
                "readiness": readiness,
                "phases": selectors.timeline(plan),
                "timeline_svg": mark_safe(plan_timeline_svg(plan)),  # noqa: S308 (escaped SVG)
                "gate": gate,
                "gate_manifestations": esign_selectors.manifestations_for(gate, viewer=user) if gate else [],
                "may_sign_gate": gate is None and services.may_sign_go_live(user, plan),
                "gate_blockers": services.go_live_blockers(plan) if gate is None else None,
                "may_waive": services.may_waive(user),
            }
        )
        return context


class PlanEditView(ObjectEditView):
    queryset = RolloutPlan.objects.select_related("site")
    form_class = PlanForm

    def save(self, form):
        data = form.cleaned_data
        if self.is_create():
            return services.plan_create(
                actor=self.request.user, site=data["site"], title=data["title"], owner=data["owner"],
                start_date=data["start_date"], target_go_live=data["target_go_live"],
            )  # fmt: skip
        return services.plan_update(actor=self.request.user, plan=self.object, data=data)


class _PlanChildEditView(View):
    """Add or change a phase, task or criterion of a plan the user may change (404 outside their sites)."""

    model = None
    form_class = None
    template_name = "web/object_edit.html"

    def dispatch(self, request, *args, **kwargs):
        plan_pk = kwargs.get("plan")
        if "pk" in kwargs:
            self.object = get_object_or_404(self.model.objects.restrict(request.user, "view"), pk=kwargs["pk"])
            self.plan = self.object.plan
        else:
            self.object = None
            self.plan = get_object_or_404(RolloutPlan.objects.restrict(request.user, "view"), pk=plan_pk)
        if not user_can(request.user, "change", self.plan):
            raise PermissionDenied(_("You may view this plan but not change it."))
        return super().dispatch(request, *args, **kwargs)

    def form_kwargs(self) -> dict:
        return {"instance": self.object, "user": self.request.user}

    def get_form(self, data=None):
        form = self.form_class(data=data, **self.form_kwargs())
        if self.object is not None:
            form.fields[REASON_FIELD] = reason_field()
        return form

    def render(self, form, status=200):
        title = _("Edit %(obj)s") % {"obj": self.object} if self.object else _("New %(thing)s") % {
            "thing": self.model._meta.verbose_name}  # fmt: skip
        return TemplateResponse(self.request, self.template_name, {"title": title, "form": form, "object": self.object,
                                "model_name": self.model._meta.verbose_name}, status=status)  # fmt: skip

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                with audit_context(reason=form.cleaned_data.get(REASON_FIELD) or None):
                    obj = self.save(form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("“%(obj)s” saved.") % {"obj": obj})
                return redirect(obj.get_absolute_url())
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(form, status=400)


class PhaseEditView(_PlanChildEditView):
    model, form_class = Phase, PhaseForm

    def save(self, data):
        return services.phase_save(actor=self.request.user, plan=self.plan, phase=self.object, name=data["name"],
                                   step=data["step"], position=data["position"])  # fmt: skip


class TaskEditView(_PlanChildEditView):
    model, form_class = Task, TaskForm

    def form_kwargs(self) -> dict:
        return {**super().form_kwargs(), "plan": self.plan}

    def save(self, data):
        data = {k: v for k, v in data.items() if k != REASON_FIELD}
        return services.task_save(actor=self.request.user, plan=self.plan, task=self.object, data=data)


class CriterionEditView(_PlanChildEditView):
    model, form_class = PlanCriterion, CriterionForm

    def save(self, data):
        if self.object is None:
            return services.criterion_add(
                actor=self.request.user, plan=self.plan, key=data.get("key") or "", description=data["description"],
                step=data["step"], threshold=data["threshold"], mandatory=data["mandatory"],
            )  # fmt: skip
        data = {k: v for k, v in data.items() if k not in (REASON_FIELD, "key")}
        return services.criterion_update(actor=self.request.user, criterion=self.object, data=data)


class _SignView(View):
    """GET: the signing form; POST: sign (user ID on the first signing of a session, password, reason)."""

    template_name = "implementation/sign.html"
    statement = ""

    def record(self, request, pk: int):
        raise NotImplementedError

    def render(self, record, form, extra=None, status=200, refusal=None):
        context = {"title": self.title(record), "record": record, "form": form, "refusal": refusal,
                   "statement": self.statement, "summary": self.summary(record), "extra": extra}  # fmt: skip
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def summary(self, record) -> list[tuple[str, str]]:
        return []

    def extra_form(self, data=None):
        return None

    def get(self, request, pk: int):
        record = self.record(request, pk)
        form = SignatureStepForm(ask_username=username_required(session=request.session))
        return self.render(record, form, self.extra_form())

    def post(self, request, pk: int):
        record = self.record(request, pk)
        form = SignatureStepForm(request.POST, ask_username=True)
        extra = self.extra_form(request.POST)
        if not form.is_valid() or (extra is not None and not extra.is_valid()):
            return self.render(record, form, extra, status=400)
        data = {**form.cleaned_data, **(extra.cleaned_data if extra is not None else {})}
        kwargs = {"actor": request.user, "password": data["password"], "username": data.get("username"),
                  "reason": data["reason"], "session": request.session, "channel": SignatureChannel.WEB,
                  "ip": client_ip(request)}  # fmt: skip
        try:
            self.sign(record, data, kwargs)
        except SignatureRefused as refusal:
            retry = SignatureStepForm(initial={"reason": data["reason"]}, ask_username=True)
            return self.render(record, retry, extra, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(record, form, extra, status=409)
        messages.success(request, _("Signed."))
        return redirect(record)


class GoLiveSignView(_SignView):
    statement = gettext_lazy(
        "Meaning of your signature: approved — the site is ready to run the IMS; the readiness shown is what you saw."
    )

    def title(self, record):
        return _("Go-live: %(plan)s") % {"plan": record}

    def record(self, request, pk: int):
        plan = get_object_or_404(RolloutPlan.objects.restrict(request.user, "view").select_related("site"), pk=pk)
        if not services.may_sign_go_live(request.user, plan):
            raise PermissionDenied(_("Only a quality manager of site %(site)s signs its go-live.") % {
                "site": plan.site.code})  # fmt: skip
        return plan

    def summary(self, record):
        readiness = selectors.plan_readiness(record)
        return [(s.label, ("✓ " if s.value.passed else "✗ ") + s.value.detail + (" (waived)" if s.waived else ""))
                for s in readiness.states]  # fmt: skip

    def sign(self, record, data, kwargs):
        services.go_live_sign(plan=record, **kwargs)


class WaiverSignView(_SignView):
    statement = gettext_lazy(
        "Meaning of your signature: approved — the site may go live although this mandatory criterion is not met, "
        "for the reason given."
    )

    def title(self, record):
        return _("Waive: %(criterion)s") % {"criterion": record}

    def record(self, request, pk: int):
        criterion = get_object_or_404(PlanCriterion.objects.restrict(request.user, "view"), pk=pk)
        if not services.may_waive(request.user):
            raise PermissionDenied(_("Only a Global Admin may waive a readiness criterion."))
        return criterion

    def extra_form(self, data=None):
        return WaiverForm(data)

    def sign(self, record, data, kwargs):
        services.waiver_sign(criterion=record, justification=data["justification"], **kwargs)
