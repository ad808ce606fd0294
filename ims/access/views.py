"""Account security pages: the second factor, password change, own sessions, locked accounts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import TemplateView, View

from .choices import SessionEndReason
from .lockout import lockout_clear, lockouts_current
from .mfa import (
    match_second_factor,
    mfa_enrolled,
    recovery_codes_issue,
    recovery_codes_left,
    second_factor_verify,
    totp_device_confirm,
    totp_device_pending,
    totp_qr_svg,
    totp_secret,
    verification_wait_seconds,
)
from .models import UserSession
from .reauth import FreshAuthenticationRequired
from .sessions import (
    reauthenticated,
    sessions_open_for,
    user_session_rekey,
    user_session_terminate,
    user_sessions_terminate_others,
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next_url(request, default: str = "web:dashboard") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class SecondFactorVerifyView(View):
    """Step two of signing in: a code from the authenticator app, or a recovery code."""

    template_name = "access/mfa_verify.html"

    def get(self, request):
        if not mfa_enrolled(request.user):
            return redirect(f"{reverse('access:mfa_setup')}?next={_next_url(request)}")
        if request.user.is_verified():
            return redirect(_next_url(request))
        return self.render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            wait = verification_wait_seconds(request.user)
            if wait:
                form.add_error("code", _("Too many wrong codes. Wait %(s)s seconds, then try again.") % {"s": wait})
            elif second_factor_verify(request=request, code=form.cleaned_data["code"]) is not None:
                return redirect(_next_url(request))
            else:
                form.add_error("code", _("That code is not valid, or it was already used. Try the next one."))
        return self.render(request, form, status=400)

    def render(self, request, form, status=200):
        context = {"form": form, "next": _next_url(request), "title": _("Confirm your sign-in")}
        return render(request, self.template_name, context, status=status)


@method_decorator(sensitive_post_parameters("code"), name="dispatch")
class SecondFactorSetupView(View):
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code.

    The device counts only once confirmed; the ten recovery codes are shown on that one response.
    """

    template_name = "access/mfa_setup.html"

    def dispatch(self, request, *args, **kwargs):
        if mfa_enrolled(request.user):
            messages.info(request, _("Two-step sign-in is already set up for your account."))
            return redirect(_next_url(request) if not request.user.is_verified() else reverse("web:profile"))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(request, CodeForm())

    def post(self, request):
        form = CodeForm(request.POST)
        if form.is_valid():
            device = totp_device_pending(person=request.user)
            codes = totp_device_confirm(request=request, device=device, code=form.cleaned_data["code"])
            if codes is not None:
                context = {"codes": codes, "next": _next_url(request), "title": _("Your recovery codes")}
                return render(request, "access/recovery_codes.html", context)
            form.add_error("code", _("That code is not valid. Check the time on your phone and try the next code."))
        return self.render(request, form, status=400)

    def render(self, request, form, status=200):
        device = totp_device_pending(person=request.user)
        context = {
            "form": form,
            "qr_svg": totp_qr_svg(device),
            "secret": totp_secret(device),
            "next": _next_url(request),
            "title": _("Set up two-step sign-in"),
        }
        return render(request, self.template_name, context, status=status)


class ReauthenticateForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


@method_decorator(sensitive_post_parameters("password", "code"), name="dispatch")
class ReauthenticateView(View):
    """Confirm it is you: the password, and the authenticator code for those who have one."""

    template_name = "access/reauthenticate.html"

    def get(self, request):
        return self.render(request, ReauthenticateForm())

    def post(self, request):
        from django.contrib.auth import authenticate

        form = ReauthenticateForm(request.POST)
        if form.is_valid():
            user = request.user
            password_ok = (
                authenticate(request, username=user.get_username(), password=form.cleaned_data["password"]) == user
            )
            needs_code = mfa_enrolled(user)
            code_ok = not needs_code or match_second_factor(user, form.cleaned_data["code"] or "") is not None
            if password_ok and code_ok:
                reauthenticated(request)
                return redirect(_next_url(request, default="web:profile"))
            form.add_error(None, _("That did not match. Check your password and the code, then try again."))
        return self.render(request, form, status=400)

    def render(self, request, form, status=200):
        context = {
            "form": form,
            "needs_code": mfa_enrolled(request.user),
            "next": _next_url(request, default="web:profile"),
            "title": _("Confirm it is you"),
        }
        return render(request, self.template_name, context, status=status)


class RecoveryCodesRenewView(FreshAuthenticationRequired, View):
    """POST: replace the recovery codes (the old ones stop working) and show the new ones once."""

    http_method_names = ["post"]

    def post(self, request):
        if not (request.user.is_verified() and mfa_enrolled(request.user)):
            raise PermissionDenied
        codes = recovery_codes_issue(person=request.user)
        context = {"codes": codes, "next": reverse("web:profile"), "title": _("Your recovery codes")}
        return render(request, "access/recovery_codes.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password; every other session of the person ends, this one stays (ASVS5-7.4.3)."""

    template_name = "access/password_change.html"
    success_url = reverse_lazy("access:sessions")

    def form_valid(self, form):
        old_key = self.request.session.session_key
        response = super().form_valid(form)  # new password hash; this session keeps a valid auth hash
        new_key = self.request.session.session_key
        user_session_rekey(old_key=old_key, new_key=new_key)
        ended = user_sessions_terminate_others(
            person=self.request.user, keep_session_key=new_key, reason=SessionEndReason.PASSWORD_CHANGE
        )
        messages.success(self.request, _("Password changed. Other sessions ended: %(count)s.") % {"count": ended})
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"title": _("Change password")}


class SessionListView(TemplateView):
    """The person's own open sessions (this one marked), each with an End button."""

    template_name = "access/sessions.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(**kwargs) | {
            "title": _("My sessions"),
            "sessions": sessions_open_for(user),
            "current_key": self.request.session.session_key,
            "mfa_enrolled": mfa_enrolled(user),
            "recovery_codes_left": recovery_codes_left(user),
        }


class SessionEndView(View):
    """POST: end one of one's own sessions (another person's session is a 404)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        record = get_object_or_404(UserSession.objects.open(), pk=pk, person=request.user)
        if record.session_key == request.session.session_key:
            logout(request)
            return redirect("login")
        user_session_terminate(record=record, reason=SessionEndReason.ENDED_BY_PERSON)
        messages.success(request, _("Session ended."))
        return redirect("access:sessions")


class SessionEndOthersView(View):
    """POST: end every session of the person except this one."""

    http_method_names = ["post"]

    def post(self, request):
        ended = user_sessions_terminate_others(
            person=request.user, keep_session_key=request.session.session_key, reason=SessionEndReason.ENDED_BY_PERSON
        )
        messages.success(request, _("Other sessions ended: %(count)s.") % {"count": ended})
        return redirect("access:sessions")


class LockoutPermissionMixin:
    """Unlocking accounts is for those who may change people at every site (global ``org.change_person``)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("org.change_person"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class LockoutListView(LockoutPermissionMixin, TemplateView):
    template_name = "access/lockouts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"title": _("Locked accounts"), "lockouts": lockouts_current()}


class LockoutClearView(LockoutPermissionMixin, View):
    """POST ``username``: unlock that account."""

    http_method_names = ["post"]

    def post(self, request):
        username = request.POST.get("username", "").strip()
        reason = request.POST.get("reason", "").strip()
        if not username:
            messages.error(request, _("No account given."))
        elif not reason:
            messages.error(request, _("Say why you unlock the account (e.g. “identity confirmed by phone”)."))
        elif lockout_clear(actor=request.user, username=username, reason=reason):
            messages.success(request, _("Account “%(username)s” unlocked.") % {"username": username})
        else:
            messages.info(request, _("Account “%(username)s” was not locked.") % {"username": username})
        return redirect("access:lockouts")
