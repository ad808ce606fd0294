"""A person's sign-in sessions: recorded at login, shown to them, ended by them or by policy.

The server-side session (``django_session``, database engine) is the source of truth; a
``UserSession`` row mirrors it so a person can list and end their own sessions (ASVS5-7.5.2) and so
the history of sign-ins stays after the session itself is gone. Sessions end after 30 idle minutes
(``SESSION_COOKIE_AGE``, restarted by ``user_session_touch`` at most once a minute) and at the latest
``IMS_SESSION_ABSOLUTE_SECONDS`` after sign-in (``SessionLifetimeMiddleware``).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from .choices import SessionEndReason
from .lockout import client_ip
from .models import UserSession

log = logging.getLogger("ims.access.sessions")

#: Session keys: when the person signed in (epoch seconds), and when ``last_seen_at`` was last written.
LOGIN_AT = "ims_login_at"
SEEN_AT = "ims_seen_at"
#: ``last_seen_at`` is written at most this often, so browsing does not write a row per request.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def user_session_start(*, request: HttpRequest, person) -> UserSession | None:
    """Record a new sign-in (called from ``user_logged_in``, after Django gave the session a new key)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    now = time.time()
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    if session.session_key is None:
        session.save()
    record, _ = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "person": person,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
            "created_at": timezone.now(),
            "last_seen_at": timezone.now(),
            "ended_at": None,
            "end_reason": "",
        },
    )
    return record


def user_session_rekey(*, old_key: str | None, new_key: str | None) -> None:
    """Follow the session to its new key (the key changes after the second factor and a password change)."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_cycle(request: HttpRequest) -> None:
    """Give the session a new key, keeping its data (privilege changed: the old key must be worthless)."""
    old_key = request.session.session_key
    request.session.cycle_key()
    user_session_rekey(old_key=old_key, new_key=request.session.session_key)


def user_session_touch(request: HttpRequest) -> None:
    """Restart the idle clock and update ``last_seen_at``, at most once per ``LAST_SEEN_GRANULARITY``.

    Writing ``SEEN_AT`` marks the session modified, so Django saves it with a new expiry (30 idle minutes
    from now); requests in between write nothing, so browsing does not cost a session write per page.
    """
    now = time.time()
    if now - request.session.get(SEEN_AT, 0) < LAST_SEEN_GRANULARITY.total_seconds():
        return
    request.session[SEEN_AT] = now
    UserSession.objects.filter(session_key=request.session.session_key, ended_at__isnull=True).update(
        last_seen_at=timezone.now()
    )


def user_session_end(*, session_key: str | None, reason: str) -> None:
    """Mark the record of ``session_key`` ended (the caller ends the server-side session itself)."""
    if session_key:
        UserSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=reason
        )


@transaction.atomic
def user_session_terminate(*, record: UserSession, reason: str) -> None:
    """End one session of a person from elsewhere: its server-side session is deleted at once."""
    Session.objects.filter(session_key=record.session_key).delete()
    user_session_end(session_key=record.session_key, reason=reason)
    log.info("session ended: person=%s session=%s reason=%s", record.person_id, record.pk, reason)


@transaction.atomic
def user_sessions_terminate_others(*, person, keep_session_key: str | None, reason: str) -> int:
    """End every open session of ``person`` except ``keep_session_key``; returns how many ended."""
    others = UserSession.objects.filter(person=person, ended_at__isnull=True).exclude(session_key=keep_session_key)
    keys = list(others.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    ended = UserSession.objects.filter(session_key__in=keys).update(ended_at=timezone.now(), end_reason=reason)
    log.info("sessions ended: person=%s count=%s reason=%s", person.pk, ended, reason)
    return ended


def sessions_open_for(person):
    """The person's open sessions, most recently used first (one query)."""
    return UserSession.objects.open().filter(person=person).order_by("-last_seen_at")


#: Session key: when the person last proved who they are again (epoch seconds), and how long that counts.
REAUTH_AT = "ims_reauth_at"
REAUTH_SECONDS = 300


def recently_authenticated(request: HttpRequest) -> bool:
    """Did the person sign in or confirm their password (and second factor) in the last five minutes?

    Changes that would let a stolen session take the account over (new API tokens, new recovery codes) ask
    for this (ASVS5-6.3.x / 7.5.x re-authentication).
    """
    last = max(request.session.get(LOGIN_AT) or 0, request.session.get(REAUTH_AT) or 0)
    return time.time() - last <= REAUTH_SECONDS


def reauthenticated(request: HttpRequest) -> None:
    request.session[REAUTH_AT] = time.time()


def absolute_expiry_due(request: HttpRequest, *, limit_seconds: int) -> bool:
    """Whether the signed-in session is older than ``limit_seconds`` (sessions without a start get one now)."""
    started = request.session.get(LOGIN_AT)
    if started is None:
        request.session[LOGIN_AT] = time.time()
        return False
    return time.time() - started > limit_seconds


def _on_logged_in(sender, request, user, **kwargs) -> None:
    user_session_start(request=request, person=user)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        user_session_end(session_key=session.session_key, reason=SessionEndReason.LOGOUT)


def connect_signals() -> None:
    user_logged_in.connect(_on_logged_in, dispatch_uid="ims.access.sessions.logged_in")
    user_logged_out.connect(_on_logged_out, dispatch_uid="ims.access.sessions.logged_out")
