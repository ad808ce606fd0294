"""Per-site grants (django-guardian with direct foreign keys) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ims.audit.registry import audited

from .choices import SessionEndReason
from .querysets import RestrictedManager


class SiteUserObjectPermission(UserObjectPermissionBase):
    """A permission granted directly to one user at one site."""

    content_object = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("site permission of a user")


class SiteGroupObjectPermission(GroupObjectPermissionBase):
    """A permission granted to a per-site role group at its site."""

    content_object = models.ForeignKey("org.Site", on_delete=models.CASCADE, related_name="+")

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("site permission of a role group")


class RoleGroup(models.Model):
    """The auth group standing for one role at one site, or for a global role everywhere (``site`` empty).

    Membership services put people in these groups; the groups hold the guardian
    per-site permissions (or, for global roles, ordinary model permissions).
    """

    role = models.ForeignKey("org.Role", on_delete=models.PROTECT, related_name="groups", verbose_name=_("role"))
    site = models.ForeignKey(
        "org.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="role_groups", verbose_name=_("site")
    )
    group = models.OneToOneField("auth.Group", on_delete=models.PROTECT, related_name="role_group")

    class Meta:
        ordering = ["site_id", "role_id"]
        verbose_name = _("role group")
        verbose_name_plural = _("role groups")
        constraints = [
            models.UniqueConstraint(fields=["role", "site"], name="access_rolegroup_role_site_unique"),
            models.UniqueConstraint(
                fields=["role"], condition=models.Q(site__isnull=True), name="access_rolegroup_global_role_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.group.name


TOKEN_PREFIX = "ims_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


@audited(
    ignored=("last_used_at",),
    masked=("key_hash",),
    site_sql="ARRAY(SELECT DISTINCT m.site_id FROM org_membership m WHERE m.person_id = r.person_id)",
)
class ApiToken(models.Model):
    """A bearer token for REST clients. Only the SHA-256 of the secret is stored."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("person")
    )
    name = models.CharField(_("name"), max_length=80, help_text=_("What the token is for, e.g. 'HR system sync'."))
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("prefix"), max_length=12, editable=False)
    read_only = models.BooleanField(_("read only"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def generate_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"


class UserSessionQuerySet(models.QuerySet):
    def open(self) -> UserSessionQuerySet:
        """Not ended and still backed by an unexpired server-side session (idle expiry ends it silently)."""
        from django.contrib.sessions.models import Session

        alive = Session.objects.filter(session_key=models.OuterRef("session_key"), expire_date__gt=timezone.now())
        return self.filter(ended_at__isnull=True).filter(models.Exists(alive))


class UserSession(models.Model):
    """One sign-in of a person: where and when it started, when it was last used, how it ended.

    The server-side session (``django_session``) holds the state; this row lets the person see
    their sessions and end them (ASVS 7.5.2), and keeps the history after the session is gone.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="user_sessions", verbose_name=_("person")
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True, editable=False)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now, editable=False)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True, editable=False)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)
    end_reason = models.CharField(_("end reason"), max_length=32, choices=SessionEndReason.choices, blank=True)

    objects = UserSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        indexes = [models.Index(fields=["person", "ended_at"], name="access_usersession_person_open")]

    def __str__(self) -> str:
        return f"{self.person} since {self.created_at:%Y-%m-%d %H:%M}"


__all__ = [
    "ApiToken",
    "RoleGroup",
    "SessionEndReason",
    "SiteGroupObjectPermission",
    "SiteUserObjectPermission",
    "RestrictedManager",
    "UserSession",
]
