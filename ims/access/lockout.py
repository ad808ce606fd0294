"""Account lockout after repeated failed sign-ins (django-axes, database handler).

Failures are counted per account and client address (``AXES_LOCKOUT_PARAMETERS``): the account is locked
from the address that failed, for a cool-off that doubles with each lockout from there within a day
(``cool_off``), so a stranger cannot lock someone out from elsewhere. The address comes from the connection
itself unless the portal runs behind a trusted proxy, so a forged ``X-Forwarded-For`` changes nothing
(ASVS5-4.1.3). Someone holding ``org.change_person`` everywhere can unlock early, with a reason
(``lockout_clear``).
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt, AccessFailureLog
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

COOLOFF_MESSAGE = _(
    "Too many failed sign-in attempts for this account from here. Try again in %(minutes)s minutes, or ask an "
    "administrator of the portal to unlock it."
)
#: The longest cool-off, however often the lock came back.
MAX_COOL_OFF = timedelta(hours=24)


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


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """15 minutes (``AXES_COOLOFF_MINUTES``) for a first lockout, doubled for each further lockout of the same
    account from the same address within the last day, at most 24 h."""
    base = timedelta(minutes=settings.IMS_LOCKOUT_COOLOFF_MINUTES)
    username = getattr(request, "POST", {}).get("username") if request is not None else None
    address = client_ip(request) if request is not None else None
    if not username or not address:
        return base
    failures = AccessFailureLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=timezone.now() - timedelta(days=1)
    ).count()
    lockouts = max(1, failures // settings.AXES_FAILURE_LIMIT)
    return min(base * 2 ** min(lockouts - 1, 10), MAX_COOL_OFF)


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out account before any password is checked; never signs anyone in itself.

    Callers without a request (``Client.login`` in tests, scripts) are checked as a request without an
    address.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            request = HttpRequest()
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, with the reason and the wait, answered with 429 (refused even with the right
    password)."""
    minutes = max(1, int(cool_off(request).total_seconds() // 60))
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "lockout_message": COOLOFF_MESSAGE % {"minutes": minutes},
        "next": "",
    }
    return render(request, "registration/login.html", context, status=429)


@dataclass(frozen=True)
class Lockout:
    username: str
    failures: int
    last_attempt_at: datetime
    ip_address: str | None


def lockouts_current() -> list[Lockout]:
    """Accounts locked from an address now: failures at the limit within the longest cool-off (one query)."""
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - MAX_COOL_OFF)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_attempt_at=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last_attempt_at")
    )
    return [Lockout(r["username"], r["failures"], r["last_attempt_at"], r["ip_address"]) for r in rows]


def lockout_clear(*, actor, username: str, reason: str) -> int:
    """Unlock ``username`` from every address (delete its failed attempts), for the reason given; recorded with
    the acting person and the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required to unlock an account")
    with audit_context(actor=actor, reason=f"account {username} unlocked: {reason}"):
        removed = reset(username=username)
    log.warning(
        "lockout cleared: username=%s by=%s reason=%r attempts_removed=%s",
        username,
        actor.get_username(),
        reason,
        removed,
    )
    return removed
