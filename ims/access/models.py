"""Per-site grants (django-guardian with direct foreign keys) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from ims.audit.registry import append_only, audited
from ims.esign.registry import signable

from .choices import Agency, GrantStatus, SessionEndReason
from .querysets import RestrictedManager, RestrictedQuerySet
from .registry import site_scoped


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


class InspectorGrantQuerySet(RestrictedQuerySet):
    def active(self, at=None) -> InspectorGrantQuerySet:
        """Grants in force at ``at`` (now): started, not past their end, not ended early."""
        at = at or timezone.now()
        return self.filter(valid_from__lte=at, valid_until__gt=at, ended_at__isnull=True)


class InspectorGrantManager(RestrictedManager.from_queryset(InspectorGrantQuerySet)):
    pass


@audited(
    ignored=(), site_sql="ARRAY(SELECT s.site_id FROM access_inspectorgrant_sites s WHERE s.inspectorgrant_id = r.id)"
)
@site_scoped(site_lookup="sites", extra_actions=("end",))
@signable(
    fields=(
        "inspector",
        "agency",
        "reference",
        "site_codes",
        "sections",
        "records_from",
        "records_to",
        "valid_from",
        "valid_until",
        "ended_at",
        "end_reason",
    ),
    immutable=False,
    meanings=("approved",),
    workflow_meanings=("approved",),
    meaning_fields={
        "approved": (
            "inspector",
            "agency",
            "reference",
            "site_codes",
            "sections",
            "records_from",
            "records_to",
            "valid_from",
            "valid_until",
        )
    },
)
class InspectorGrant(models.Model):
    """Read-only access for an inspector: these sites, these sections of evidence, records of this period,
    from ``valid_from`` until ``valid_until`` (at most 90 days). Granted and ended by a quality manager with an
    e-signature; while it is in force the inspector reads, and nothing else (``ims.access.inspection``)."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspector_grants",
        verbose_name=_("inspector"),
    )
    agency = models.CharField(_("agency"), max_length=16, choices=Agency.choices)
    reference = models.CharField(
        _("inspection"), max_length=160, help_text=_("What the inspection is, e.g. 'FDA pre-approval inspection'.")
    )
    sites = models.ManyToManyField("org.Site", related_name="inspector_grants", verbose_name=_("sites"))
    site_codes = models.CharField(_("site codes"), max_length=400, editable=False)
    sections = ArrayField(models.CharField(max_length=40), verbose_name=_("sections of evidence"))
    records_from = models.DateField(_("records from"))
    records_to = models.DateField(_("records to"))
    valid_from = models.DateTimeField(_("access from"))
    valid_until = models.DateTimeField(_("access until"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now, editable=False)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True, editable=False)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(_("reason for ending"), max_length=300, blank=True)

    objects = InspectorGrantManager()

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("inspector grant")
        verbose_name_plural = _("inspector grants")
        permissions = [("end_inspectorgrant", "Can end an inspector grant early (e-signed)")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")), name="access_grant_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(records_to__gte=models.F("records_from")), name="access_grant_period_order"
            ),
        ]
        indexes = [models.Index(fields=["inspector", "valid_until"], name="access_grant_inspector_idx")]

    def __str__(self) -> str:
        return f"{self.get_agency_display()} — {self.inspector} ({self.site_codes})"

    def get_absolute_url(self) -> str:
        return reverse("access:grant_detail", args=[self.pk])

    @staticmethod
    def inspector_q(grant_ids: list[int]) -> models.Q:
        """What an inspector reads of these: their own grants."""
        return models.Q(pk__in=grant_ids)

    def delete(self, *args, **kwargs):
        from .querysets import RegulatedRecordDeletion

        raise RegulatedRecordDeletion("Inspector grants are never deleted; end them instead.")

    def status_at(self, at=None) -> str:
        at = at or timezone.now()
        if self.ended_at is not None:
            return GrantStatus.ENDED
        if at < self.valid_from:
            return GrantStatus.SCHEDULED
        if at >= self.valid_until:
            return GrantStatus.EXPIRED
        return GrantStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def is_active(self) -> bool:
        return self.status == GrantStatus.ACTIVE


@append_only
class InspectorRead(models.Model):
    """A page or API read by an inspector under a grant: what the quality manager watches live."""

    grant = models.ForeignKey(InspectorGrant, on_delete=models.PROTECT, related_name="reads")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("opened"), default=timezone.now)
    path = models.CharField(_("address"), max_length=400)
    view = models.CharField(_("page"), max_length=120, blank=True)
    query = models.CharField(_("filters"), max_length=400, blank=True)
    status = models.PositiveSmallIntegerField(_("answer"))
    channel = models.CharField(_("channel"), max_length=8, default="web")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("inspector read")
        verbose_name_plural = _("inspector reads")
        indexes = [models.Index(fields=["grant", "at"], name="access_read_grant_at_idx")]


__all__ = [
    "ApiToken",
    "InspectorGrant",
    "InspectorRead",
    "RoleGroup",
    "SessionEndReason",
    "SiteGroupObjectPermission",
    "SiteUserObjectPermission",
    "RestrictedManager",
    "UserSession",
]
