"""Account lockout after repeated failed sign-ins (django-axes, database handler).

Failures are counted per account (``AXES_LOCKOUT_PARAMETERS``); the client address is recorded with
each attempt and comes from the connection itself unless the portal runs behind a trusted proxy, so a
forged ``X-Forwarded-For`` changes nothing (ASVS5-4.1.3). Without a cool-off a locked account stays
locked until someone holding ``org.change_person`` everywhere unlocks it (``lockout_clear``).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.audit.context import audit_context

log = logging.getLogger("ims.access.lockout")

LOCKED_MESSAGE = _(
    "This account is locked after too many failed sign-in attempts. Ask an administrator of the portal to unlock it."
)
COOLOFF_MESSAGE = _("This account is locked after too many failed sign-in attempts. Try again later.")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or the address the trusted proxies saw (never a client-set header)."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.IMS_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not forwarded:
        return remote
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    if len(chain) < hops:
        return remote
    candidate = chain[-hops]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out account before any password is checked; never signs anyone in itself.

    Callers without a request (``Client.login`` in tests, scripts) are still refused when the
    account is locked: the lock is per account, so no request data is needed to decide.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            request = HttpRequest()
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, with the reason, answered with 429 (refused even with the right password)."""
    message = COOLOFF_MESSAGE if settings.AXES_COOLOFF_TIME else LOCKED_MESSAGE
    context = {"form": AuthenticationForm(request), "locked_out": True, "lockout_message": message, "next": ""}
    return render(request, "registration/login.html", context, status=429)


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_attempt_at: datetime
    ip_address: str | None


def lockouts_current() -> list[Lockout]:
    """Accounts whose failures reached the limit (one query, grouped per account)."""
    attempts = AccessAttempt.objects.all()
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    rows = (
        attempts.values("username")
        .annotate(failures=Sum("failures_since_start"), last_attempt_at=Max("attempt_time"), ip=Max("ip_address"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt_at")
    )
    return [Lockout(r["username"], r["failures"], r["last_attempt_at"], r["ip"]) for r in rows]


def lockout_clear(*, actor, username: str) -> int:
    """Unlock ``username`` (delete its failed attempts); recorded with the acting person."""
    reason = f"account {username} unlocked after failed sign-ins"
    with audit_context(actor=actor, reason=reason):
        removed = reset(username=username)
    log.warning("lockout cleared: username=%s by=%s attempts_removed=%s", username, actor.get_username(), removed)
    return removed
