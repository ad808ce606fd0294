"""Keep django-guardian grants in step with roles and memberships.

- Every (role, site) pair has an auth group (``RoleGroup``) holding, as guardian object
  permissions on that site, the per-site copy of each of the role's permissions.
- A global role has one group holding the role's permissions as ordinary model permissions.
- A person belongs to exactly the groups of their *current* memberships.
These functions are called by the membership services and, for memberships that start or
end with the calendar, by an hourly beat task. All of them are idempotent.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from . import registry
from .models import RoleGroup, SiteGroupObjectPermission


def site_permissions_ensure() -> None:
    """Create the per-site permission (on ``org.Site``) for every action of every scoped model.

    Also for the roles' extra permissions (``RoleSpec.extra``, e.g. reading the audit trail):
    they are granted per site like the rest, so a role held at one site grants them there only.
    """
    from ims.org.models import Site
    from ims.org.roles import role_extra_permissions

    ctype = ContentType.objects.get_for_model(Site)
    existing = set(Permission.objects.filter(content_type=ctype).values_list("codename", flat=True))
    missing = []
    for scoped in registry.scoped_models():
        for action in scoped.all_actions:
            codename = scoped.site_codename(action)
            if codename not in existing:
                name = f"Can {action} {scoped.model._meta.verbose_name} at this site"
                missing.append(Permission(content_type=ctype, codename=codename, name=name[:255]))
                existing.add(codename)
    for dotted in sorted(role_extra_permissions()):
        app_label, codename = dotted.split(".", 1)
        if registry.site_codename(app_label, codename) in existing:
            continue
        base = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if base is not None:  # the app may not be installed or migrated yet
            name = f"{base.name} at this site"
            missing.append(
                Permission(content_type=ctype, codename=registry.site_codename(app_label, codename), name=name[:255])
            )
    Permission.objects.bulk_create(missing, ignore_conflicts=True)


def _group_name(role, site) -> str:
    return f"role:{role.code}@{site.code}" if site is not None else f"role:{role.code}@all-sites"


def role_group_get_or_create(*, role, site) -> RoleGroup:
    if role.is_global:
        site = None
    try:
        return RoleGroup.objects.select_related("group").get(role=role, site=site)
    except RoleGroup.DoesNotExist:
        group, _ = Group.objects.get_or_create(name=_group_name(role, site))
        role_group = RoleGroup.objects.create(role=role, site=site, group=group)
        role_group_permissions_sync(role_group)
        return role_group


def role_group_permissions_sync(role_group: RoleGroup) -> None:
    role_perms = list(role_group.role.permissions.select_related("content_type"))
    if role_group.site_id is None:
        role_group.group.permissions.set(role_perms)
        return
    from ims.org.models import Site

    ctype = ContentType.objects.get_for_model(Site)
    wanted_codenames = [f"{p.content_type.app_label}__{p.codename}" for p in role_perms]
    wanted = set(
        Permission.objects.filter(content_type=ctype, codename__in=wanted_codenames).values_list("pk", flat=True)
    )
    current = set(
        SiteGroupObjectPermission.objects.filter(
            group=role_group.group, content_object_id=role_group.site_id
        ).values_list("permission_id", flat=True)
    )
    SiteGroupObjectPermission.objects.filter(
        group=role_group.group, content_object_id=role_group.site_id, permission_id__in=current - wanted
    ).delete()
    SiteGroupObjectPermission.objects.bulk_create(
        [
            SiteGroupObjectPermission(group=role_group.group, content_object_id=role_group.site_id, permission_id=pk)
            for pk in wanted - current
        ]
    )


def role_groups_sync() -> None:
    """Re-apply every role's permission set to its groups (after roles_sync)."""
    for role_group in RoleGroup.objects.select_related("role", "group"):
        role_group_permissions_sync(role_group)


def _wanted_groups(person_ids=None) -> set[tuple[int, int]]:
    """(person id, group id) pairs implied by current memberships, creating missing role groups."""
    from ims.org.models import Membership

    memberships = Membership.objects.current()
    if person_ids is not None:
        memberships = memberships.filter(person_id__in=person_ids)
    pairs = set(memberships.values_list("person_id", "role_id", "role__is_global", "site_id"))
    groups = {(rg.role_id, rg.site_id): rg.group_id for rg in RoleGroup.objects.all()}
    wanted: set[tuple[int, int]] = set()
    from ims.org.models import Role, Site

    for person_id, role_id, is_global, site_id in pairs:
        key = (role_id, None if is_global else site_id)
        if key not in groups:
            role_group = role_group_get_or_create(
                role=Role.objects.get(pk=role_id), site=None if is_global else Site.objects.get(pk=site_id)
            )
            groups[key] = role_group.group_id
        wanted.add((person_id, groups[key]))
    return wanted


@transaction.atomic
def person_permissions_sync(*, person_ids=None) -> tuple[int, int]:
    """Put people in exactly the role groups of their current memberships.

    ``person_ids=None`` syncs everyone (used after bulk imports and by the beat task).
    Returns (added, removed) group memberships.
    """
    from ims.org.models import Person

    through = Person.groups.through
    wanted = _wanted_groups(person_ids)
    role_group_ids = RoleGroup.objects.values("group_id")
    existing_qs = through.objects.filter(group_id__in=role_group_ids)
    if person_ids is not None:
        existing_qs = existing_qs.filter(person_id__in=person_ids)
    existing = set(existing_qs.values_list("person_id", "group_id"))
    to_add = wanted - existing
    to_remove = existing - wanted
    for person_id, group_id in to_remove:
        through.objects.filter(person_id=person_id, group_id=group_id).delete()
    through.objects.bulk_create(
        [through(person_id=p, group_id=g) for p, g in to_add], ignore_conflicts=True, batch_size=5000
    )
    return len(to_add), len(to_remove)
