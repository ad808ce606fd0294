"""Pages of employee feedback: report (app and kiosk), my feedback, the list, the detail with triage, statistics."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site, user_sites
from ims.org.models import Site
from ims.web.views import ObjectDetailView, ObjectListView, ScopedViewMixin, apply_validation_error

from . import services
from .charts import monthly_chart_svg
from .filtersets import FeedbackFilterSet
from .forms import FeedbackForm, KioskFeedbackForm, TriageForm
from .kiosk import kiosk_qr_svg, kiosk_token, kiosk_token_valid
from .selectors import KIND_LABELS, STATUS_LABELS, feedback_mine, feedback_queryset, feedback_statistics
from .tables import FeedbackTable

FEEDBACK_EXPORT = (
    "id",
    "reference",
    "kind",
    "site__code",
    "function__code",
    "location",
    "description",
    "status",
    "outcome",
    "action_kind",
    "action_reference",
    "submitted_at",
    "triaged_at",
)


class FeedbackListView(ObjectListView):
    queryset = feedback_queryset()
    table_class = FeedbackTable
    filterset_class = FeedbackFilterSet
    export_fields = FEEDBACK_EXPORT
    title = _("Employee feedback")
    template_name = "feedback/feedback_list.html"


class FeedbackDetailView(ObjectDetailView):
    queryset = feedback_queryset()
    template_name = "feedback/feedback_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = kwargs["object"]
        may_triage = item.is_open and services.may_triage(self.request.user, item)
        context.update(
            {
                "item": item,
                "list_url": reverse("feedback:feedback_list"),
                "may_triage": may_triage,
                "show_name": user_can_any_site(self.request.user, services.PERM_TRIAGE),
                "triage_form": kwargs.get("triage_form")
                or (TriageForm(user=self.request.user, item=item) if may_triage else None),
                "action_url": services.feedback_action_url(item),
            }
        )
        return context


class FeedbackTriageView(ScopedViewMixin, TemplateView):
    """POST: take up, or decide (improvement action, CAPA, rejection) — through the services."""

    queryset = feedback_queryset()
    template_name = "feedback/feedback_detail.html"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        item = self.get_object("view")
        try:
            if request.POST.get("take_up"):
                services.feedback_take_up(actor=request.user, item=item)
                messages.success(request, _("%(ref)s is now under triage.") % {"ref": item.reference})
                return redirect(item.get_absolute_url())
            form = TriageForm(request.POST, user=request.user, item=item)
            if form.is_valid():
                data = form.cleaned_data
                item = services.feedback_triage(
                    actor=request.user, item=item, decision=data["decision"], outcome=data["outcome"],
                    title=data["title"], owner=data["owner"], due_date=data["due_date"],
                )  # fmt: skip
                messages.success(
                    request, _("%(ref)s: %(status)s.") % {"ref": item.reference, "status": item.get_status_display()}
                )
                return redirect(item.get_absolute_url())
        except PermissionDenied as error:
            form = self._refused(request, item, str(error))
            status = 403
        except ValidationError as error:
            form = TriageForm(request.POST, user=request.user, item=item)
            form.is_valid()
            apply_validation_error(form, error)
            status = 400
        else:
            status = 400
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        view = FeedbackDetailView(request=request, kwargs=self.kwargs)
        context = view.get_context_data(object=item, triage_form=form)
        context["may_triage"] = status != 403 or context["may_triage"]
        if status == 403:
            context["triage_refused"] = form.non_field_errors()
        return render(request, self.template_name, context, status=status)

    @staticmethod
    def _refused(request, item, message: str) -> TriageForm:
        form = TriageForm(request.POST, user=request.user, item=item)
        form.is_valid()
        form.add_error(None, message)
        return form


def _render_submit(request, template: str, form, *, status: int = 200, **extra):
    return render(request, template, {"form": form, **extra}, status=status)


class FeedbackSubmitView(View):
    """An employee's report, phone first: one short form, named or anonymous."""

    template_name = "feedback/submit.html"

    def get(self, request):
        return _render_submit(request, self.template_name, FeedbackForm(user=request.user), title=_("Send feedback"))

    def post(self, request):
        form = FeedbackForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = services.feedback_submit(
                    actor=request.user, site=data["site"], kind=data["kind"], description=data["description"],
                    location=data["location"], function=data["function"], anonymous=data["anonymous"],
                )  # fmt: skip
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                if item.is_anonymous:
                    return render(request, "feedback/thanks.html", {"title": _("Thank you"), "anonymous": True})
                messages.success(
                    request, _("Thank you: %(ref)s was sent to the site's quality manager.") % {"ref": item.reference}
                )
                return redirect("feedback:my_feedback")
        return _render_submit(request, self.template_name, form, status=400, title=_("Send feedback"))


class MyFeedbackView(TemplateView):
    template_name = "feedback/my_feedback.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(title=_("My feedback"), items=feedback_mine(person=self.request.user)[:200])
        return context


def _kiosk_site(site_code: str, token: str) -> Site:
    site = Site._base_manager.filter(code=site_code, is_active=True).first()
    if site is None or not kiosk_token_valid(site, token):
        raise Http404
    return site


@method_decorator(login_not_required, name="dispatch")
class KioskFeedbackView(View):
    """The public form of a site's kiosk, reached by its QR code. Nothing about the visitor is stored: no session
    is opened, and the report is written without request id or address."""

    template_name = "feedback/kiosk.html"

    def get(self, request, site_code: str, token: str):
        site = _kiosk_site(site_code, token)
        return _render_submit(request, self.template_name, KioskFeedbackForm(), site=site, title=_("Report"))

    def post(self, request, site_code: str, token: str):
        site = _kiosk_site(site_code, token)
        form = KioskFeedbackForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.feedback_submit(
                    actor=None, site=site, kind=data["kind"], description=data["description"],
                    location=data["location"], anonymous=True,
                )  # fmt: skip
            except services.FeedbackFlooded as error:
                form.add_error(None, error)
                status = 429
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return render(
                    request,
                    "feedback/thanks.html",
                    {"title": _("Thank you"), "anonymous": True, "site": site, "kiosk": True},
                )
        return _render_submit(request, self.template_name, form, status=status, site=site, title=_("Report"))


class KioskPosterView(TemplateView):
    """The QR codes of the kiosk forms of the sites where the user triages feedback, to print and post."""

    template_name = "feedback/kiosk_posters.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, services.PERM_TRIAGE)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("Kiosk codes are for the people who triage feedback."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        posters = []
        for site in user_sites(self.request.user, services.PERM_TRIAGE).filter(is_active=True).order_by("code"):
            url = self.request.build_absolute_uri(reverse("feedback:kiosk", args=[site.code, kiosk_token(site)]))
            posters.append({"site": site, "url": url, "qr": kiosk_qr_svg(url)})
        context.update(title=_("Kiosk QR codes"), posters=posters)
        return context


class FeedbackStatisticsView(TemplateView):
    template_name = "feedback/statistics.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = FeedbackFilterSet(
            self.request.GET or None,
            queryset=feedback_queryset().restrict(self.request.user, "view"),
            request=self.request,
        )
        queryset = filterset.qs if (not filterset.is_bound or filterset.is_valid()) else filterset.queryset.none()
        stats = feedback_statistics(queryset=queryset)
        context.update(
            title=_("Feedback statistics"),
            filter_form=filterset.form,
            stats=stats,
            chart=monthly_chart_svg(stats),
            kind_labels=KIND_LABELS,
            status_labels=STATUS_LABELS,
            site_rows=[
                {
                    "code": code,
                    "name": name,
                    "kinds": [kinds.get(k, 0) for k in KIND_LABELS],
                    "total": sum(kinds.values()),
                    "response": stats.response_days_by_site.get(code),
                }
                for (code, name), kinds in stats.by_site.items()
            ],  # fmt: skip
        )
        return context
