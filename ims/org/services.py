"""Every change to the organisation goes through these functions (pages, API, import, seed alike).

They validate with ``full_clean()``, save atomically and keep the per-site permission
groups in step with memberships (``ims.access.sync``). Nothing here deletes a row.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ims.access.permissions import ensure_may_grant_role
from ims.access.sync import person_permissions_sync

from .models import Function, Membership, Person, Role, Site
from .signals import memberships_changed

PERSON_FIELDS = ("username", "first_name", "last_name", "email", "employee_id", "job_title", "manager")


def _apply(instance, data: dict, allowed: Iterable[str]) -> list[str]:
    changed = []
    for field in allowed:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    return changed


# --- Sites ---------------------------------------------------------------------------------------


@transaction.atomic
def site_create(*, code: str, name: str, country: str, timezone: str = "UTC", is_active: bool = True) -> Site:
    site = Site(code=code.strip().upper(), name=name.strip(), country=country.strip().upper(), timezone=timezone)
    site.is_active = is_active
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def site_update(*, site: Site, data: dict) -> Site:
    site = Site.objects.select_for_update().get(pk=site.pk)
    if "code" in data and data["code"] != site.code:
        raise ValidationError({"code": "A site's code never changes: records and exports refer to it."})
    if "country" in data and data["country"]:
        data = {**data, "country": data["country"].strip().upper()}
    changed = _apply(site, data, ("name", "country", "timezone", "is_active"))
    if changed:
        site.full_clean()
        site.save()
    return site


@transaction.atomic
def site_deactivate(*, site: Site) -> Site:
    return site_update(site=site, data={"is_active": False})


# --- Functions -----------------------------------------------------------------------------------


@transaction.atomic
def function_create(*, code: str, name: str, description: str = "") -> Function:
    function = Function(code=code.strip().upper(), name=name.strip(), description=description)
    function.full_clean()
    function.save()
    return function


@transaction.atomic
def function_update(*, function: Function, data: dict) -> Function:
    function = Function.objects.select_for_update().get(pk=function.pk)
    if "code" in data and data["code"] != function.code:
        raise ValidationError({"code": "A function's code never changes."})
    if _apply(function, data, ("name", "description", "is_active")):
        function.full_clean()
        function.save()
    return function


@transaction.atomic
def function_deactivate(*, function: Function) -> Function:
    return function_update(function=function, data={"is_active": False})


# --- People ----------------------------------------------------------------------------------------


def _check_manager(person: Person) -> None:
    manager = person.manager
    seen = {person.pk} if person.pk else set()
    while manager is not None:
        if manager.pk in seen:
            raise ValidationError({"manager": "A person cannot (even indirectly) manage themself."})
        seen.add(manager.pk)
        manager = manager.manager


def _check_unique_ci(person: Person) -> None:
    """Usernames, employee ids and e-mail addresses are unique ignoring case, deactivated people included."""
    others = Person.objects.exclude(pk=person.pk)
    errors = {}
    if others.filter(username__iexact=person.username).exists():
        errors["username"] = "This username is taken (perhaps by a deactivated person); usernames are never reused."
    if others.filter(employee_id__iexact=person.employee_id).exists():
        errors["employee_id"] = "Another person already has this employee id."
    if person.email and others.filter(email__iexact=person.email).exists():
        errors["email"] = "Another person already uses this e-mail address."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(
    *,
    username: str,
    employee_id: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    manager: Person | None = None,
    password: str | None = None,
) -> Person:
    person = Person(
        username=username.strip(),
        employee_id=employee_id.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        job_title=job_title.strip(),
        manager=manager,
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    _check_unique_ci(person)
    person.full_clean(exclude=["password"])
    _check_manager(person)
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, data: dict) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if "email" in data and data["email"]:
        data = {**data, "email": data["email"].strip().lower()}
    changed = _apply(person, data, (*PERSON_FIELDS, "is_active"))
    if changed:
        _check_unique_ci(person)
        person.full_clean(exclude=["password"])
        _check_manager(person)
        person.save()
        if "is_active" in changed:
            person_permissions_sync(person_ids=[person.pk])
            memberships_changed.send(sender=Membership, person_ids={person.pk})
    return person


@transaction.atomic
def person_deactivate(*, person: Person, on: datetime.date | None = None) -> Person:
    """Deactivate a person: login refused from the next request; current memberships end today."""
    on = on or timezone.localdate()
    person = person_update(person=person, data={"is_active": False})
    for membership in Membership.objects.current(on).filter(person=person):
        membership_end(membership=membership, on=on)
    return person


# --- Memberships ------------------------------------------------------------------------------------


@transaction.atomic
def membership_create(
    *,
    person: Person,
    site: Site,
    function: Function,
    role: Role,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    actor: Person | None = None,
) -> Membership:
    """Give ``person`` ``role`` in ``function`` at ``site``; ``actor`` (None = command line) must be allowed to."""
    ensure_may_grant_role(actor, role, site)
    membership = Membership(
        person=person,
        site=site,
        function=function,
        role=role,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
    )
    membership.full_clean()
    _check_membership(membership)
    membership.save()
    person_permissions_sync(person_ids=[person.pk])
    memberships_changed.send(sender=Membership, person_ids={person.pk})
    return membership


def _check_membership(membership: Membership) -> None:
    errors = {}
    if not membership.site.is_active and membership.valid_to is None:
        errors["site"] = f"Site {membership.site.code} is deactivated."
    if not membership.function.is_active and membership.valid_to is None:
        errors["function"] = f"Function {membership.function.name} is deactivated."
    if not membership.person.is_active and membership.valid_to is None:
        errors["person"] = f"{membership.person} is deactivated."
    overlapping = (
        Membership.objects.filter(
            person=membership.person, site=membership.site, function=membership.function, role=membership.role
        )
        .exclude(pk=membership.pk)
        .filter(valid_to__isnull=True)
    )
    if membership.valid_to is None and overlapping.exists():
        errors["role"] = "This person already holds this role in this function at this site."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def membership_update(*, membership: Membership, data: dict, actor: Person | None = None) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if "role" in data or "site" in data:
        ensure_may_grant_role(actor, data.get("role", membership.role), data.get("site", membership.site))
    if "person" in data and data["person"] != membership.person:
        raise ValidationError({"person": "A membership cannot move to another person; end it and create a new one."})
    if _apply(membership, data, ("site", "function", "role", "valid_from", "valid_to")):
        membership.full_clean()
        _check_membership(membership)
        membership.save()
        person_permissions_sync(person_ids=[membership.person_id])
        memberships_changed.send(sender=Membership, person_ids={membership.person_id})
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, on: datetime.date | None = None) -> Membership:
    """End a membership (kept for history). Ending on day D means the role is held no longer after D."""
    on = on or timezone.localdate()
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.valid_to is not None and membership.valid_to <= on:
        return membership
    if on < membership.valid_from:
        raise ValidationError({"valid_to": "A membership cannot end before it starts."})
    membership.valid_to = on
    membership.save(update_fields=["valid_to", "updated_at"])
    # The role is still held on day D itself; it is withdrawn now when ending today.
    if membership.valid_to <= timezone.localdate():
        person_permissions_sync(person_ids=[membership.person_id])
    memberships_changed.send(sender=Membership, person_ids={membership.person_id})
    return membership
