"""Re-authentication before changes a stolen session must not make (ASVS: re-authenticate for sensitive
account changes): the person signed in, or confirmed their password and second factor, within five minutes."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .sessions import recently_authenticated


class FreshAuthenticationRequired:
    """A change a stolen session must not make (new API tokens, new recovery codes) needs the person to have
    signed in or confirmed their password within five minutes; otherwise they confirm first and repeat it."""

    reauth_return = "web:profile"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.method == "POST" and not recently_authenticated(request):
            messages.info(request, _("For your security, confirm it is you, then repeat the change."))
            return redirect(f"{reverse('access:reauthenticate')}?{urlencode({'next': reverse(self.reauth_return)})}")
        return super().dispatch(request, *args, **kwargs)
