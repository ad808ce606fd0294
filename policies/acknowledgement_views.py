"""Pages of distribution and acknowledgement: "My tasks" (phone first), the task with its e-signature, coverage."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ims.access.permissions import user_can, user_can_any_site
from ims.documents.content_kinds import version_content_html
from ims.documents.forms import SignatureStepForm
from ims.documents.models import ControlledDocument
from ims.documents.views import client_ip
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.org.models import Function, Site
from ims.web.views import apply_validation_error, csv_response

from . import coverage, distribution
from .charts import coverage_chart
from .models import Acknowledgement

PEOPLE_PER_PAGE = 50


class AcknowledgeForm(SignatureStepForm):
    """User ID (first signing of a session) and password; the statement signed is fixed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]


class MyTasksView(TemplateView):
    template_name = "policies/my_tasks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = list(coverage.my_tasks(person=self.request.user))
        context.update(
            title=_("My tasks"),
            tasks=tasks,
            overdue=sum(1 for t in tasks if t.is_overdue),
            done=coverage.my_recent_acknowledgements(person=self.request.user),
        )
        return context


class TaskDetailView(View):
    """GET: the version to read (opening it is recorded); POST: acknowledge it with an e-signature."""

    template_name = "policies/task_detail.html"

    def task(self, pk: int) -> Acknowledgement:
        task = get_object_or_404(
            Acknowledgement._base_manager.select_related("version__document", "person", "site", "signature"), pk=pk
        )
        if task.person_id != self.request.user.pk and not user_can(self.request.user, "view", task):
            raise Http404
        return task

    def render(self, task, form, status=200, refusal=None):
        own = task.person_id == self.request.user.pk
        return TemplateResponse(
            self.request,
            self.template_name,
            {
                "title": str(task.version.document),
                "task": task,
                "version": task.version,
                "own": own,
                "form": form,
                "refusal": refusal,
                "statement": distribution.acknowledgement_statement(task.version),
                "body_html": version_content_html(task.version),
            },
            status=status,
        )

    def get(self, request, pk: int):
        task = self.task(pk)
        if task.person_id == request.user.pk:
            task = distribution.acknowledgement_open(actor=request.user, acknowledgement=task)
        return self.render(task, AcknowledgeForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        task = self.task(pk)
        form = AcknowledgeForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(task, form, status=400)
        data = form.cleaned_data
        try:
            distribution.acknowledgement_sign(
                actor=request.user,
                acknowledgement=task,
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except PermissionDenied:
            raise
        except SignatureRefused as refusal:
            retry = AcknowledgeForm(ask_username=True)
            return self.render(task, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(task, form, status=409)
        messages.success(
            request, _("Signed: %(statement)s") % {"statement": distribution.acknowledgement_statement(task.version)}
        )
        return redirect("policies:my_tasks")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


class CoverageView(TemplateView):
    """Coverage per site → per function → people, for all effective documents or one; CSV at each level."""

    template_name = "policies/coverage.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, "policies.view_acknowledgement")

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not view acknowledgement coverage."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        user = request.user
        documents = ControlledDocument.objects.restrict(user, "view").filter(
            requires_acknowledgement=True, is_active=True
        )
        sites = Site.objects.restrict(user, "view").filter(is_active=True)
        document = (
            documents.filter(pk=_int(request.GET.get("document"))).first() if request.GET.get("document") else None
        )
        site = sites.filter(pk=_int(request.GET.get("site"))).first() if request.GET.get("site") else None
        function = (
            Function.objects.filter(pk=_int(request.GET.get("function"))).first()
            if site and request.GET.get("function")
            else None
        )
        state = request.GET.get("state") if request.GET.get("state") in coverage.STATE_KEYS else None
        document_id = document.pk if document else None

        base = coverage.coverage_tasks(user=user, document_id=document_id)
        if site:
            base = base.filter(site=site)
        if function:
            base = base.filter(function=function)
        level = "people" if function else "function" if site else "site"
        if level == "site":
            rows = coverage.coverage_by_site(user=user, document_id=document_id)
            label_key = "site__code"
        elif level == "function":
            rows = coverage.coverage_by_function(user=user, site_id=site.pk, document_id=document_id)
            label_key = "function__name"
        else:
            rows = []
            label_key = ""
        # The rows of a site or function level cover every task counted: their sum is the totals.
        totals = coverage.coverage_sum(rows) if level != "people" else coverage.coverage_totals(base)
        people = None
        if level == "people" or state:
            people_qs = coverage.coverage_people(
                user=user,
                site_id=site.pk if site else None,
                function_id=function.pk if function else None,
                document_id=document_id,
                state=state,
            )
            if request.GET.get("export") == "csv":
                return self.people_csv(people_qs)
            people = Paginator(people_qs, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
        elif request.GET.get("export") == "csv":
            return self.rows_csv(rows, level)
        by_document = (
            coverage.coverage_by_document(
                user=user, site_id=site.pk if site else None, function_id=function.pk if function else None
            )
            if document is None
            else []
        )
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "title": _("Acknowledgement coverage"),
            "documents": documents.order_by("number"),
            "sites": sites.order_by("code"),
            "document": document,
            "site": site,
            "function": function,
            "state": state,
            "states": coverage.STATES,
            "level": level,
            "rows": rows,
            "totals": totals,
            "chart": coverage_chart(rows, label_key, coverage.STATES) if rows else "",
            "by_document": by_document,
            "people": people,
            "query": query.urlencode(),
        }
        return TemplateResponse(request, self.template_name, context)

    def rows_csv(self, rows, level):
        key = {"site": ("site__code", "site__name"), "function": ("function__code", "function__name")}[level]
        header = [
            level,
            "name",
            "in_scope",
            "acknowledged",
            "in_progress",
            "not_started",
            "overdue",
            "percent_acknowledged",
        ]
        return csv_response(
            f"acknowledgement-coverage-by-{level}.csv",
            header,
            (
                [
                    r[key[0]],
                    r[key[1]],
                    r["total"],
                    r["acknowledged"],
                    r["in_progress"],
                    r["not_started"],
                    r["overdue"],
                    r["percent"],
                ]
                for r in rows
            ),
        )

    def people_csv(self, tasks):
        header = [
            "document",
            "version",
            "employee_id",
            "name",
            "site",
            "function",
            "state",
            "due",
            "opened",
            "acknowledged",
        ]
        return csv_response(
            "acknowledgement-coverage-people.csv",
            header,
            (
                [
                    t.version.document.number,
                    t.version.number,
                    t.person.employee_id,
                    t.person.display_name,
                    t.site.code,
                    t.function.code,
                    t.state,
                    t.due_date.isoformat(),
                    t.opened_at.isoformat() if t.opened_at else "",
                    t.acknowledged_at.isoformat() if t.acknowledged_at else "",
                ]
                for t in tasks.iterator(chunk_size=2000)
            ),
        )


class PolicyListView(View):
    """The policies in the document register (the register filtered by type)."""

    def get(self, request):
        return redirect(reverse("documents:document_list") + "?doc_type=policy")
