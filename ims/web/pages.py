"""The dashboard and the person's own profile (details, memberships, API tokens)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from ims.access.models import ApiToken
from ims.access.permissions import is_inspector_only
from ims.access.reauth import FreshAuthenticationRequired
from ims.access.services import api_token_create, api_token_revoke
from ims.org.models import Membership, Person, Site

from .cards import cards_for
from .navigation import NAVIGATION, inspector_navigation, item_visible
from .views import apply_validation_error


def _current(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}valid_from__lte": today}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today})
    )


def own_memberships(person):
    return (
        Membership.objects.current()
        .filter(person=person)
        .select_related("site", "function", "role")
        .order_by("site__code", "role__name")
    )


def ims_steps(user) -> list[dict]:
    """The six IMS steps (and inspection) with the pages ``user`` can open, and whether they are built yet."""
    from ims.access.inspection import inspector_scope

    scope = inspector_scope(user)
    if scope is not None:  # an external inspector: the room and the granted sections, as in the sidebar
        return [{**section, "built": True} for section in inspector_navigation(user, scope)]
    inspector_only = is_inspector_only(user)
    steps = []
    for section in NAVIGATION:
        if section.label == "Organisation":
            continue
        built = any(i.url() for i in section.items)
        items = [
            {"label": i.label, "url": i.url(), "icon": i.icon}
            for i in section.items
            if not i.url() or item_visible(user, i, inspector_only=inspector_only)
        ]
        if built and not any(item["url"] for item in items):
            continue  # a built step with nothing for this user
        steps.append(
            {
                "label": section.label,
                "step": section.step,
                "icon": section.icon,
                "items": items,
                "built": built,
            }
        )
    return steps


class DashboardView(TemplateView):
    template_name = "web/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sites = Site.objects.restrict(user, "view").filter(is_active=True)
        per_site = list(
            sites.annotate(
                people=Count("memberships__person", filter=_current("memberships__"), distinct=True)
            ).order_by("-people", "code")[:12]
        )
        top = max((s.people for s in per_site), default=0)
        context.update(
            {
                "title": _("Dashboard"),
                "site_count": sites.count(),
                "person_count": Person.objects.restrict(user, "view").filter(is_active=True).count(),
                "membership_count": Membership.objects.restrict(user, "view").current().count(),
                "per_site": [
                    {"site": s, "people": s.people, "percent": round(100 * s.people / top) if top else 0}
                    for s in per_site
                ],
                "steps": ims_steps(user),
                "my_memberships": own_memberships(user),
                "integrity": _latest_integrity(user),
                "cards": cards_for(user),
            }
        )
        return context


def _latest_integrity(user):
    """The last audit-trail verification, for people who may read the trail."""
    from ims.access.permissions import user_can_any_site
    from ims.audit.models import IntegrityRun

    if not user_can_any_site(user, "audit.view_auditevent"):
        return None
    return IntegrityRun.objects.filter(finished_at__isnull=False).order_by("-id").first() or False


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=80,
        help_text=gettext_lazy("What the token is for, e.g. “HR system sync”."),
    )
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1)
    read_only = forms.BooleanField(
        label=gettext_lazy("Read only"),
        required=False,
        initial=True,
        help_text=gettext_lazy("A read-only token can read records but never change them."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        days.max_value = settings.API_TOKEN_MAX_DAYS
        days.validators.append(MaxValueValidator(settings.API_TOKEN_MAX_DAYS))
        days.widget.attrs["max"] = settings.API_TOKEN_MAX_DAYS
        days.initial = settings.API_TOKEN_DEFAULT_DAYS


class ProfileView(TemplateView):
    """The signed-in person's details, memberships and API tokens (only their own)."""

    template_name = "web/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.setdefault("token_form", ApiTokenForm())
        context.update(
            {
                "title": _("My profile"),
                "person": user,
                "memberships": own_memberships(user),
                "tokens": ApiToken.objects.filter(person=user).order_by("-created_at"),
                "max_days": settings.API_TOKEN_MAX_DAYS,
            }
        )
        return context


class ApiTokenCreateView(FreshAuthenticationRequired, ProfileView):
    """POST: create a token and show its secret on this one response only (it is never stored)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            try:
                token, secret = api_token_create(
                    person=request.user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    read_only=form.cleaned_data["read_only"],
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                context = self.get_context_data(new_token=token, new_token_secret=secret)
                return self.render_to_response(context)
        messages.error(request, _("The token was not created; please correct the errors below."))
        return self.render_to_response(self.get_context_data(token_form=form, show_token_form=True), status=400)


class ApiTokenRevokeView(View):
    """POST: revoke one of the signed-in person's own tokens (another person's token is a 404)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        token = get_object_or_404(ApiToken, pk=pk, person=request.user)
        api_token_revoke(token=token)
        messages.success(
            request, _("Token “%(name)s” revoked; clients using it are refused from now on.") % {"name": token.name}
        )
        return redirect("web:profile")
