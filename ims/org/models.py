"""The organisation: sites, functions, roles, people (the user model) and memberships.

People and sites are deactivated, never deleted; a membership ends (``valid_to``) instead
of disappearing, so that who held which role where and when can always be shown.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RegulatedRecordDeletion, RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited

from .choices import RoleCode

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$", _("Use capital letters, digits, '-' and '_' only, e.g. BSL or QA-OPS.")
)
employee_id_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$", _("Use letters, digits, '.', '_', '/' and '-' only.")
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone such as Europe/Zurich."), params={"value": value})


def validate_country(value: str) -> None:
    if len(value) != 2 or not value.isalpha() or not value.isupper():
        raise ValidationError(_("Use the two-letter ISO 3166 country code, e.g. CH."))


class RegulatedModel(models.Model):
    """Base for records that are never hard-deleted."""

    objects = RestrictedManager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise RegulatedRecordDeletion(f"{self._meta.verbose_name} records are never deleted; deactivate them instead.")


class SiteQuerySet(RestrictedQuerySet):
    def active(self) -> SiteQuerySet:
        return self.filter(is_active=True)


@audited(ignored=("updated_at",), site_sql="ARRAY[r.id]")
@site_scoped(site_lookup="")
class Site(RegulatedModel):
    """A manufacturing site, laboratory or office that runs the IMS."""

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country], help_text=_("ISO 3166 code"))
    timezone = models.CharField(_("time zone"), max_length=64, validators=[validate_timezone], default="UTC")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(SiteQuerySet)()

    class Meta:
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [models.UniqueConstraint(Lower("code"), name="org_site_code_ci_unique")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("org:site_detail", args=[self.pk])

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


@audited()
class Function(RegulatedModel):
    """A company-wide function or department: Production, Quality Assurance, EHS, …"""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("function")
        verbose_name_plural = _("functions")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:function_detail", args=[self.pk])


@audited()
class Role(RegulatedModel):
    """An IMS role with its permission set. Roles are data defined in code (``ims.org.roles``)."""

    code = models.CharField(_("code"), max_length=32, unique=True, choices=RoleCode.choices)
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_global = models.BooleanField(
        _("global"), default=False, help_text=_("Holders have the role's permissions at every site.")
    )
    is_read_only = models.BooleanField(_("read only"), default=False)
    requires_mfa = models.BooleanField(
        _("requires a second factor"),
        default=False,
        help_text=_("Holders must confirm each sign-in with a one-time code (ASVS 6.3.3)."),
    )
    permissions = models.ManyToManyField(
        "auth.Permission", related_name="ims_roles", blank=True, verbose_name=_("permissions")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("org:role_detail", args=[self.pk])


class PersonQuerySet(RestrictedQuerySet):
    def active(self) -> PersonQuerySet:
        return self.filter(is_active=True)


class PersonManager(UserManager.from_queryset(PersonQuerySet)):
    use_in_migrations = True


@audited(
    ignored=("last_login", "updated_at"),
    masked=("password",),
    site_sql="ARRAY(SELECT DISTINCT m.site_id FROM org_membership m WHERE m.person_id = r.id)",
)
@site_scoped(site_lookup="memberships__site")
class Person(AbstractUser):
    """A person in the organisation; also the login account. Deactivated, never deleted."""

    employee_id = models.CharField(
        _("employee id"),
        max_length=32,
        unique=True,
        validators=[employee_id_validator],
        help_text=_("The key shared with the HR system."),
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    manager = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("manager")
    )
    external_inspector = models.BooleanField(
        _("external inspector"),
        default=False,
        editable=False,
        help_text=_("An inspector from outside the company: reads only what their inspector grants allow."),
    )
    agency = models.CharField(_("agency"), max_length=120, blank=True, help_text=_("An inspector's authority or body."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PersonManager()

    REQUIRED_FIELDS = ["email", "employee_id"]

    class Meta:
        ordering = ["last_name", "first_name", "employee_id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(Lower("username"), name="org_person_username_ci_unique"),
            models.UniqueConstraint(Lower("employee_id"), name="org_person_employee_id_ci_unique"),
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="org_person_email_ci_unique"),
            models.CheckConstraint(condition=~models.Q(manager=models.F("pk")), name="org_person_not_own_manager"),
        ]
        indexes = [
            models.Index(fields=["last_name", "first_name", "employee_id"], name="org_person_name_order"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.get_full_name()
        return full or self.username

    def get_absolute_url(self) -> str:
        return reverse("org:person_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        raise RegulatedRecordDeletion("People are never deleted; deactivate them instead.")


class MembershipQuerySet(RestrictedQuerySet):
    def current(self, on: datetime.date | None = None) -> MembershipQuerySet:
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=on))


@audited(ignored=("updated_at",), site_sql="ARRAY[r.site_id]")
@site_scoped(site_lookup="site")
class Membership(RegulatedModel):
    """A person holding a role in a function at a site for a period."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("person"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("site"))
    function = models.ForeignKey(
        Function, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("function")
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role"))
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(MembershipQuerySet)()

    class Meta:
        ordering = ["site__code", "person__last_name", "person__first_name", "-valid_from"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="org_membership_valid_period",
            ),
        ]
        indexes = [models.Index(fields=["person", "site", "role"], name="org_membership_psr_idx")]

    def __str__(self) -> str:
        return f"{self.person} — {self.role} · {self.function} @ {self.site.code}"

    def get_absolute_url(self) -> str:
        return reverse("org:membership_detail", args=[self.pk])

    def clean(self) -> None:
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date cannot be before the start date.")})

    @property
    def is_current(self) -> bool:
        today = timezone.localdate()
        return self.valid_from <= today and (self.valid_to is None or self.valid_to >= today)
