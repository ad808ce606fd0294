"""Session policy and the second-factor gate, applied to every request."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .choices import SessionEndReason
from .mfa import mfa_enrolled, mfa_required
from .sessions import absolute_expiry_due, user_session_end, user_session_touch

#: Views a person may open before the second factor: the second-factor pages and signing out.
SECOND_FACTOR_EXEMPT = frozenset({"logout", "access:mfa_verify", "access:mfa_setup"})


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _bearer(request) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").lower().startswith("bearer ")


class SessionLifetimeMiddleware:
    """Ends a session ``IMS_SESSION_ABSOLUTE_SECONDS`` after sign-in, however active (ASVS5-7.3.2).

    The idle limit is the session's own expiry; this adds the absolute one and keeps the person's
    session record's ``last_seen_at`` current. Needs the session, authentication and message middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if absolute_expiry_due(request, limit_seconds=settings.IMS_SESSION_ABSOLUTE_SECONDS):
                user_session_end(session_key=request.session.session_key, reason=SessionEndReason.ABSOLUTE_TIMEOUT)
                logout(request)
                if _is_api(request):
                    return JsonResponse({"detail": _("Your session has ended; sign in again.")}, status=401)
                messages.info(request, _("Your session reached its maximum length; please sign in again."))
                return redirect_to_login(request.get_full_path())
            user_session_touch(request)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """No page or session-authenticated API call before the second factor, for those who need one.

    Runs after ``LoginRequiredMiddleware``: public views (``login_not_required``) stay public; the
    second-factor pages and signing out stay open. Bearer-token API calls carry no session and are
    not affected (tokens are created on the profile page, which needed the second factor).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Public pages stay public. API views (DRF marks them all login_not_required: it authenticates
        # itself) are still checked, so a session past the password alone cannot use the API.
        if not getattr(view_func, "login_required", True) and not hasattr(view_func, "cls"):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SECOND_FACTOR_EXEMPT:
            return None
        user = request.user
        if not user.is_authenticated or _bearer(request):
            return None
        if user.is_verified() or not mfa_required(user):
            return None
        if _is_api(request):
            return JsonResponse({"detail": _("Confirm your sign-in with your second factor first.")}, status=403)
        step = "access:mfa_verify" if mfa_enrolled(user) else "access:mfa_setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


#: What an external inspector may still open with no grant in force, and may post with one.
INSPECTOR_ALWAYS_OPEN = frozenset(
    {
        "logout",
        "login",
        "access:mfa_verify",
        "access:mfa_setup",
        "password_change",
        "password_change_done",
        "access:password_change",
    }
)


def inspector_may_write(match) -> bool:
    """Views an inspector posts to under a grant (asking for records): they declare ``inspector_writable``."""
    if match is None:
        return False
    func = match.func
    view_class = getattr(func, "view_class", None) or getattr(func, "cls", None)
    if getattr(func, "inspector_writable", False) or getattr(view_class, "inspector_writable", False):
        return True
    actions = getattr(func, "actions", None) or {}
    if view_class is not None and actions:
        writable = getattr(view_class, "inspector_writable_actions", ())
        return any(name in writable for name in actions.values())
    return False


def inspector_api_check(request, user) -> None:
    """An external inspector's API call (DRF ``request``; session or token): 404 with no grant in force, 405 for a
    write (but the request board's), and a read recorded like a page's. Token clients are known only once DRF has
    authenticated them, after the middleware, so the authentication and the API permission call this."""
    from rest_framework import exceptions

    from .inspection import inspector_scope

    scope = inspector_scope(user)
    if not scope.active:
        raise exceptions.NotFound()
    if request.method not in ("GET", "HEAD", "OPTIONS") and not inspector_may_write(request._request.resolver_match):
        raise exceptions.MethodNotAllowed(request.method, detail=_("Inspector access is read-only."))
    request._request._ims_inspector_read = scope


class InspectorGrantMiddleware:
    """An external inspector reads under a grant in force, and does nothing else.

    - No grant in force (not yet started, past its end, ended early): every page answers 404, except signing
      in and out and the second-factor pages.
    - With one: a write answers 403 (405 in the API), except the request board; each page or API read
      answering 200 is recorded against the grants (``InspectorRead``) for the quality manager to watch.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not getattr(user, "external_inspector", False) or not user.is_authenticated:
            return None
        match = request.resolver_match
        name = match.view_name if match else ""
        if name in INSPECTOR_ALWAYS_OPEN:
            return None
        from django.http import Http404

        from .inspection import inspector_scope

        scope = inspector_scope(user)
        if not scope.active:
            if _is_api(request):
                return JsonResponse({"detail": _("Not found.")}, status=404)
            raise Http404("No inspector grant in force")
        if request.method not in ("GET", "HEAD", "OPTIONS") and not inspector_may_write(match):
            if _is_api(request):
                response = JsonResponse({"detail": _("Inspector access is read-only.")}, status=405)
                response["Allow"] = "GET, HEAD, OPTIONS"
                return response
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Inspector access is read-only.")
        request._ims_inspector_read = scope
        return None

    @staticmethod
    def record(request, response) -> None:
        scope = getattr(request, "_ims_inspector_read", None)
        if scope is None or request.method != "GET" or response.status_code != 200:
            return
        from .models import InspectorRead

        match = request.resolver_match
        channel = "api" if _is_api(request) else "web"
        InspectorRead.objects.bulk_create(
            InspectorRead(
                grant_id=grant.pk,
                inspector_id=request.user.pk,
                path=request.path[:400],
                view=(match.view_name if match else "")[:120],
                query=request.META.get("QUERY_STRING", "")[:400],
                status=response.status_code,
                channel=channel,
            )
            for grant in scope.grants
        )


class InspectorReadLogMiddleware:
    """Records an inspector's successful reads after the response is made (see ``InspectorGrantMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        InspectorGrantMiddleware.record(request, response)
        return response
