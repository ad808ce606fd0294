"""Pages of inspector access (``/account/grants/…``): the grants, granting one with an e-signature, a grant with its
signatures, the inspector's live reads and its request board, and ending it early with an e-signature.

The pages are the quality manager's: an external inspector gets 404 here (they read in the inspection room).
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ims.documents.views import client_ip
from ims.esign import selectors as esign_selectors
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.views import ObjectDetailView, ObjectListView, apply_validation_error

from .choices import GrantStatus
from .filtersets import InspectorGrantFilterSet
from .forms import GrantEndForm, GrantForm
from .grant_panels import panels_for
from .inspection import grant_create_signed, grant_end_signed
from .models import InspectorGrant, InspectorRead
from .permissions import is_inspector_only, user_can, user_can_any_site
from .tables import InspectorGrantTable, grant_status_badge

READS_PER_PAGE = 25
GRANT_STATEMENT = _(
    "Meaning of your signature: approved — you grant this inspector read-only access to the evidence above, for "
    "the sites, sections, records and time shown."
)
END_STATEMENT = _("Meaning of your signature: approved — the inspector's access ends now, for the reason given.")


def _viewer_tz(user):
    return esign_selectors.viewer_timezone(user)


def in_viewer_zone(request, respond):
    """``respond()`` with the viewer's time zone active while the page is made and rendered: the times shown and
    the times typed into a form are the viewer's (a template response renders after the view, so render here)."""
    with timezone.override(_viewer_tz(request.user)):
        response = respond()
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
    return response


def _an_inspector(user) -> bool:
    return getattr(user, "external_inspector", False) or is_inspector_only(user)


class QualityManagerPageMixin:
    """Grant pages are for the people who administer inspections; an inspector finds nothing here."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return not _an_inspector(user) and user_can_any_site(user, "access.view_inspectorgrant")

    def dispatch(self, request, *args, **kwargs):
        if _an_inspector(request.user):
            raise Http404
        return in_viewer_zone(request, lambda: super(QualityManagerPageMixin, self).dispatch(request, *args, **kwargs))


def _grant(request, pk: int) -> InspectorGrant:
    return get_object_or_404(
        InspectorGrant.objects.restrict(request.user, "view").select_related("inspector", "granted_by", "ended_by"),
        pk=pk,
    )


class GrantListView(QualityManagerPageMixin, ObjectListView):
    queryset = InspectorGrant.objects.select_related("inspector", "granted_by")
    table_class = InspectorGrantTable
    filterset_class = InspectorGrantFilterSet
    title = _("Inspector access")
    add_url_name = "access:grant_add"


class GrantCreateView(QualityManagerPageMixin, View):
    """GET: the grant form with the signature; POST: sign and grant (a refused signature creates nothing)."""

    template_name = "access/grants/grant_form.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return not _an_inspector(user) and user_can_any_site(user, "access.add_inspectorgrant")

    def dispatch(self, request, *args, **kwargs):
        if _an_inspector(request.user):
            raise Http404
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not grant inspector access."))
        return in_viewer_zone(request, lambda: View.dispatch(self, request, *args, **kwargs))

    def render(self, form, status=200, refusal=None):
        context = {
            "title": _("Grant inspector access"),
            "form": form,
            "refusal": refusal,
            "statement": GRANT_STATEMENT,
            "time_zone": str(timezone.get_current_timezone()),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render(GrantForm(user=request.user, ask_username=username_required(session=request.session)))

    def post(self, request):
        form = GrantForm(request.POST, user=request.user, ask_username=True)
        if not form.is_valid():
            messages.error(request, _("Please correct the errors below; nothing was granted."))
            return self.render(form, status=400)
        new_inspector = form.new_inspector
        first_password = None
        if new_inspector is not None:
            first_password = secrets.token_urlsafe(15)
            new_inspector = {**new_inspector, "password": first_password}
        data = form.cleaned_data
        try:
            grant, _signature = grant_create_signed(
                actor=request.user, password=data.get("password"), username=data.get("username"),
                session=request.session, channel=SignatureChannel.WEB, ip=client_ip(request),
                new_inspector=new_inspector, **form.grant_data,
            )  # fmt: skip
        except SignatureRefused as refusal:
            retry = GrantForm(request.POST, user=request.user, ask_username=True)
            retry.is_valid()
            return self.render(retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            messages.error(request, _("Please correct the errors below; nothing was granted."))
            return self.render(form, status=400)
        messages.success(request, _("Inspector access granted and signed: %(grant)s.") % {"grant": grant})
        if first_password is None:
            return redirect(grant)
        # The first password is shown on this one answer only (it is never stored in clear): hand it over, the
        # inspector sets up their second factor at the first sign-in.
        context = {"title": _("Inspector access granted"), "grant": grant, "first_password": first_password}
        return TemplateResponse(request, "access/grants/grant_created.html", context, status=201)


class GrantDetailView(QualityManagerPageMixin, ObjectDetailView):
    queryset = InspectorGrant.objects.select_related("inspector", "granted_by", "ended_by").prefetch_related("sites")
    template_name = "access/grants/grant_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        grant: InspectorGrant = kwargs["object"]
        user = self.request.user
        from ims.reports.registry import get_section

        status = grant.status
        context.update(
            {
                "grant": grant,
                "status": status,
                "status_badge": grant_status_badge(grant),
                "sections": [
                    (code, section.title if (section := get_section(code)) else code) for code in grant.sections
                ],
                "can_end": status in (GrantStatus.ACTIVE, GrantStatus.SCHEDULED) and user_can(user, "end", grant),
                "manifestations": esign_selectors.manifestations_for(grant, viewer=user),
                "tz": _viewer_tz(user),
                "panels": panels_for(grant, user),
                "list_url": reverse("access:grant_list"),
                "list_label": _("Inspector access"),
                **reads_context(self.request, grant),
            }
        )
        return context


def reads_context(request, grant: InspectorGrant) -> dict:
    """One page of the inspector's reads under ``grant``, newest first."""
    paginator = Paginator(InspectorRead.objects.filter(grant=grant).order_by("-at", "-pk"), READS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return {"reads": page, "reads_page": page, "grant": grant, "tz": _viewer_tz(request.user)}


class GrantReadsView(QualityManagerPageMixin, View):
    """The live reads of a grant (the partial the grant page polls every 5 seconds)."""

    def get(self, request, pk: int):
        grant = _grant(request, pk)
        return TemplateResponse(request, "access/grants/_reads.html", reads_context(request, grant))


class GrantEndView(QualityManagerPageMixin, View):
    """GET: the reason and the signature; POST: end the grant now (``grant_end_signed``)."""

    template_name = "access/grants/grant_end.html"

    def grant(self, request, pk: int) -> InspectorGrant:
        grant = _grant(request, pk)
        if not user_can(request.user, "end", grant):
            raise PermissionDenied(_("You may not end this grant."))
        return grant

    def render(self, grant, form, status=200, refusal=None):
        context = {
            "title": _("End inspector access: %(grant)s") % {"grant": grant},
            "grant": grant,
            "form": form,
            "refusal": refusal,
            "statement": END_STATEMENT,
            "tz": _viewer_tz(self.request.user),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        grant = self.grant(request, pk)
        return self.render(grant, GrantEndForm(ask_username=username_required(session=request.session)))

    def post(self, request, pk: int):
        grant = self.grant(request, pk)
        form = GrantEndForm(request.POST, ask_username=True)
        if not form.is_valid():
            return self.render(grant, form, status=400)
        data = form.cleaned_data
        try:
            grant_end_signed(
                grant=grant, actor=request.user, reason=data.get("reason", ""), password=data.get("password"),
                username=data.get("username"), session=request.session, channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )  # fmt: skip
        except SignatureRefused as refusal:
            retry = GrantEndForm(initial={"reason": data.get("reason", "")}, ask_username=True)
            return self.render(grant, retry, status=refusal.status, refusal=refusal)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(grant, form, status=400)
        messages.success(request, _("The inspector's access has ended: %(grant)s.") % {"grant": grant})
        return redirect(grant)
