"""The one answer to "may user U do action A on object O" and its building blocks."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import registry


def has_global_permission(user, perm: str) -> bool:
    """Model permission held everywhere: superuser or a global role (Global Admin)."""
    if not getattr(user, "is_active", False):
        return False
    if user.is_superuser:
        return True
    return perm in _grants(user).everywhere


def global_permissions(user) -> frozenset[str]:
    """``app_label.codename`` of the model permissions held everywhere, directly or through a group."""
    return _grants(user).everywhere


class _Grants:
    """What one user holds: permissions everywhere, and per-site codename → the ids of its sites."""

    __slots__ = ("everywhere", "at_sites")

    def __init__(self, everywhere: frozenset[str], at_sites: dict[str, list[int]]) -> None:
        self.everywhere = everywhere
        self.at_sites = at_sites


_NO_GRANTS = _Grants(frozenset(), {})


def _grants(user) -> _Grants:
    """Every permission ``user`` holds, everywhere and per site, in one query (a union of the four ways a
    permission is held), kept on the user object for the request: navigation, buttons, cards and every
    ``restrict()`` of a page read it without asking the database again."""
    if not getattr(user, "is_active", False) or getattr(user, "pk", None) is None:
        return _NO_GRANTS
    cached = user.__dict__.get("_ims_grants")
    if cached is not None:
        return cached
    from django.contrib.auth.models import Permission

    from .models import SiteGroupObjectPermission, SiteUserObjectPermission

    user_model = user.__class__  # request.user may be a lazy wrapper; __class__ is the real model
    user_groups = user_model.groups.through.objects.filter(
        **{user_model.groups.field.m2m_field_name(): user.pk}
    ).values("group_id")
    ctype = _site_content_type()
    from django.db.models.functions import Cast

    no_site = Cast(models.Value(None), models.BigIntegerField())  # typed NULL: the union matches column types
    columns = ("grant_kind", "grant_app", "grant_code", "grant_site")
    everywhere = {
        "grant_kind": models.Value("g"),
        "grant_app": models.F("content_type__app_label"),
        "grant_code": models.F("codename"),
        "grant_site": no_site,
    }
    at_site = {
        "grant_kind": models.Value("s"),
        "grant_app": models.Value(""),
        "grant_code": models.F("permission__codename"),
        "grant_site": models.F("content_object_id"),
    }
    rows = (
        Permission.objects.filter(user=user).order_by().annotate(**everywhere).values_list(*columns)
        .union(
            Permission.objects.filter(group__user=user).order_by().annotate(**everywhere).values_list(*columns),
            SiteGroupObjectPermission.objects.filter(group_id__in=user_groups, permission__content_type=ctype)
            .order_by().annotate(**at_site).values_list(*columns),
            SiteUserObjectPermission.objects.filter(user=user, permission__content_type=ctype)
            .order_by().annotate(**at_site).values_list(*columns),
        )
    )  # fmt: skip
    held: set[str] = set()
    sites: dict[str, set[int]] = {}
    for kind, app_label, codename, site_id in rows:
        if kind == "g":
            held.add(f"{app_label}.{codename}")
        else:
            sites.setdefault(codename, set()).add(site_id)
    grants = _Grants(frozenset(held), {name: sorted(ids) for name, ids in sites.items()})
    user.__dict__["_ims_grants"] = grants
    return grants


def _site_content_type() -> ContentType:
    from ims.org.models import Site

    return ContentType.objects.get_for_model(Site)


def site_ids_with_permission(user, app_label: str, codename: str) -> models.QuerySet:
    """A queryset of site ids where ``user`` holds ``app_label.codename`` (one SQL subquery, never a list)."""
    from ims.org.models import Site

    from .models import SiteGroupObjectPermission, SiteUserObjectPermission

    name = registry.site_codename(app_label, codename)
    cache = user.__dict__.setdefault("_ims_site_subqueries", {}) if hasattr(user, "__dict__") else {}
    if name in cache:
        return cache[name]
    ctype = _site_content_type()
    user_model = user.__class__  # request.user may be a lazy wrapper; __class__ is the real model
    user_groups = user_model.groups.through.objects.filter(**{user_model.groups.field.m2m_field_name(): user.pk})
    via_groups = SiteGroupObjectPermission.objects.filter(
        group_id__in=user_groups.values("group_id"), permission__codename=name, permission__content_type=ctype
    ).values("content_object_id")
    via_user = SiteUserObjectPermission.objects.filter(
        user=user, permission__codename=name, permission__content_type=ctype
    ).values("content_object_id")
    cache[name] = Site._base_manager.filter(models.Q(pk__in=via_groups) | models.Q(pk__in=via_user)).values("pk")
    return cache[name]


def site_id_list(user, app_label: str, codename: str) -> list[int]:
    """The ids of the sites where ``user`` holds ``app_label.codename`` (read with the user's other permissions,
    once per request): what ``restrict()`` filters on."""
    return _grants(user).at_sites.get(registry.site_codename(app_label, codename), [])


def site_permissions_held(user) -> frozenset[str]:
    """The per-site codenames (``app__codename``) ``user`` holds at one site or more (read with the user's other
    permissions, once per request), so that navigation, cards and buttons ask the database once per page."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(_grants(user).at_sites)


def user_can(user, action: str, obj: models.Model) -> bool:
    """May ``user`` take ``action`` on ``obj``? The same rule as ``restrict()``, applied to one row."""
    manager = type(obj)._default_manager
    return manager.restrict(user, action).filter(pk=obj.pk).exists()


def user_can_at_site(user, perm: str, site) -> bool:
    """May ``user`` use ``perm`` (``app_label.codename``) at ``site``, e.g. to add a person there?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if has_global_permission(user, perm):
        return True
    app_label, codename = perm.split(".", 1)
    if registry.site_codename(app_label, codename) not in site_permissions_held(user):
        return False
    return site.pk in site_id_list(user, app_label, codename)


def user_sites(user, perm: str) -> models.QuerySet:
    """The sites where ``user`` may use ``perm`` (all sites for a global holder)."""
    from ims.org.models import Site

    if has_global_permission(user, perm):
        return Site.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Site.objects.none()
    app_label, codename = perm.split(".", 1)
    if registry.site_codename(app_label, codename) not in site_permissions_held(user):
        return Site.objects.none()
    return Site.objects.filter(pk__in=site_id_list(user, app_label, codename))


def user_can_any_site(user, perm: str) -> bool:
    """Does ``user`` hold ``perm`` everywhere or at one site or more? (Answered from ``site_permissions_held``.)"""
    if has_global_permission(user, perm):
        return True
    app_label, codename = perm.split(".", 1)
    return registry.site_codename(app_label, codename) in site_permissions_held(user)


def ensure_may_grant_role(user, role, site) -> None:
    """Raise ValidationError unless ``user`` may give ``role`` at ``site``.

    ``user=None`` is the trusted command-line channel (seed, ``import_org`` without ``--as``).
    A global role reaches every site, so only someone holding the membership permission
    everywhere may grant it; otherwise the permission is needed at the site itself.
    """
    from django.core.exceptions import ValidationError

    if user is None:
        return
    if role.is_global:
        if not has_global_permission(user, "org.add_membership"):
            raise ValidationError({"role": "Only a global administrator may grant a global role."})
        return
    if not user_can_at_site(user, "org.add_membership", site):
        raise ValidationError({"site": f"You may not give roles at site {site.code}."})


def is_inspector_only(user) -> bool:
    """True for someone whose every current role is Inspector: read-only evidence, no work of their own."""
    from ims.org.choices import RoleCode
    from ims.org.models import Membership

    if not getattr(user, "is_authenticated", False):
        return False
    cached = user.__dict__.get("_ims_inspector_only")
    if cached is None:
        roles = set(Membership.objects.current().filter(person=user).values_list("role__code", flat=True))
        cached = roles == {RoleCode.INSPECTOR}
        user.__dict__["_ims_inspector_only"] = cached
    return cached


def inspector_access(user) -> list[dict]:
    """What a read-only inspector was granted: per site, who granted it (the membership's creator in the audit
    trail) and until when. Shown on every page the inspector opens."""
    from ims.audit.models import AuditEvent
    from ims.org.choices import RoleCode
    from ims.org.models import Membership, Person

    memberships = list(
        Membership.objects.current()
        .filter(person=user, role__code=RoleCode.INSPECTOR)
        .select_related("site")
        .order_by("site__code")
    )
    created = {
        event.object_pk: event
        for event in AuditEvent.objects.filter(
            model_label="org.membership", action="I", object_pk__in=[str(m.pk) for m in memberships]
        ).only("object_pk", "actor_id", "actor_label")
    }
    actor_ids = {event.actor_id for event in created.values() if event.actor_id}
    names = {p.pk: p.display_name for p in Person.objects.filter(pk__in=actor_ids)}
    grants = []
    for membership in memberships:
        event = created.get(str(membership.pk))
        granted_by = names.get(event.actor_id) if event and event.actor_id else None
        if granted_by is None and event is not None:
            granted_by = event.actor_label
        grants.append({"site": membership.site, "until": membership.valid_to, "granted_by": granted_by or "—"})
    return grants
