"""Site isolation of the organisation's scoped models, through the generic kit (ims.testing.kit).

Each class declares one model; the kit adds the list/export/API/detail/denied-write/anonymous/
query-count tests. The last test makes sure no ``@site_scoped`` model is left without a declaration.
"""

from __future__ import annotations

import datetime
import importlib
from pathlib import Path

import pytest
from django.utils import timezone

import tests
from ims.access import registry
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Person, Site
from ims.testing.factories import MembershipFactory, PersonFactory, SiteFactory, seeded_role
from ims.testing.kit import ScopedModelCase, SiteIsolationTests

#: Scoped models that deliberately have no list and detail pages of their own (label → reason), so the kit cannot
#: reach them; each names the test that checks their isolation instead.
NOT_DECLARED: dict[str, str] = {
    "manual.manualsection": "shown inside its manual version; API isolation in tests/manual/test_api.py",
    "manual.sectionblock": "shown inside its section; API isolation in tests/manual/test_api.py",
    "manual.manualsnapshot": "append-only, read through its version; isolation in tests/manual/test_api.py",
    "implementation.phase": "shown inside its rollout plan; API isolation in tests/implementation/test_api.py",
    "implementation.task": "shown inside its rollout plan; API isolation in tests/implementation/test_api.py",
    "implementation.plancriterion": "shown inside its rollout plan; API isolation in tests/implementation/test_api.py",
    "implementation.taskdependency": "a link between two tasks of one plan; read through its task",
    "implementation.waiver": "e-signed, shown inside its plan's criteria; created only by the waiver ceremony",
    "implementation.golivegate": "e-signed, shown on its plan's page; created only by the go-live ceremony",
    "review.reviewinputsnapshot": "append-only, inside its review; isolation in tests/review/test_child_isolation.py",
    "review.reviewdecision": "shown inside its review; isolation in tests/review/test_child_isolation.py",
    "review.reviewaction": "inside its review and as a tracked action; tests/review/test_child_isolation.py",
    "review.reviewpack": "a job's artefact reached through its review; tests/review/test_child_isolation.py",
}


def a_function() -> Function:
    return Function.objects.order_by("pk").first()


def in_a_month() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=30)


# --- Site: the scope itself ------------------------------------------------------------------------------


def site_shared_with(site: Site) -> Site:
    """A new site where everyone currently at ``site`` holds the same roles, so they see one more site."""
    new = SiteFactory()
    for membership in Membership.objects.current().filter(site=site):
        MembershipFactory(person=membership.person, site=new, function=membership.function, role=membership.role)
    return new


class TestSiteIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Site,
        create=lambda site: site,
        more=site_shared_with,
        list_url="org:site_list",
        detail_url="org:site_detail",
        api="site",
        edit_url="org:site_edit",
        edit_data=lambda site: {
            "code": site.code,
            "name": f"{site.name} renamed",
            "country": site.country,
            "timezone": site.timezone,
        },
        api_change=lambda site: {"name": f"{site.name} renamed"},
        add_url="org:site_add",
        add_data=lambda site: {"code": "NEWSITE", "name": "New plant", "country": "FR", "timezone": "Europe/Paris"},
        api_create=lambda site: {"code": "NEWSITE", "name": "New plant", "country": "FR", "timezone": "Europe/Paris"},
        deactivate_url="org:site_deactivate",
        export_key="code",
    )


# --- Person: scoped through their memberships -------------------------------------------------------------


def person_form(person: Person) -> dict:
    return {
        "first_name": person.first_name,
        "last_name": f"{person.last_name}-Renamed",
        "username": person.username,
        "employee_id": person.employee_id,
        "email": person.email,
        "job_title": person.job_title,
        "manager": "",
    }


def new_person_form(site: Site) -> dict:
    return {
        "first_name": "Nora",
        "last_name": "Newcomer",
        "username": "nora_newcomer",
        "employee_id": "NEW-0001",
        "email": "nora.newcomer@example.com",
        "site": site.pk,
        "function": a_function().pk,
        "role": seeded_role(RoleCode.EMPLOYEE).pk,
        "valid_from": timezone.localdate().isoformat(),
    }


class TestPersonIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Person,
        create=lambda site: PersonFactory(site=site),
        list_url="org:person_list",
        detail_url="org:person_detail",
        api="person",
        edit_url="org:person_edit",
        edit_data=person_form,
        api_change=lambda person: {"job_title": "Senior technician"},
        add_url="org:person_add",
        add_data=new_person_form,
        api_create=lambda site: {
            "username": "nora_newcomer",
            "employee_id": "NEW-0001",
            "first_name": "Nora",
            "last_name": "Newcomer",
            "site": site.code,
            "function": a_function().code,
            "role": RoleCode.EMPLOYEE,
        },
        deactivate_url="org:person_deactivate",
        export_key="employee_id",
    )


# --- Membership: scoped through its site -------------------------------------------------------------------


def membership_form(membership: Membership) -> dict:
    return {
        "person": membership.person_id,
        "site": membership.site_id,
        "function": membership.function_id,
        "role": membership.role_id,
        "valid_from": membership.valid_from.isoformat(),
        "valid_to": in_a_month().isoformat(),
    }


def new_membership(site: Site) -> dict:
    return {
        "person": PersonFactory().pk,
        "site": site.pk,
        "function": a_function().pk,
        "role": seeded_role(RoleCode.EMPLOYEE).pk,
        "valid_from": timezone.localdate().isoformat(),
    }


class TestMembershipIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Membership,
        create=lambda site: MembershipFactory(site=site),
        list_url="org:membership_list",
        detail_url="org:membership_detail",
        api="membership",
        edit_url="org:membership_edit",
        edit_data=membership_form,
        api_change=lambda membership: {"valid_to": in_a_month().isoformat()},
        add_url="org:membership_add",
        add_data=new_membership,
        api_create=lambda site: {
            "person": PersonFactory().pk,
            "site": site.code,
            "function": a_function().code,
            "role": RoleCode.EMPLOYEE,
        },
        deactivate_url="org:membership_end",
        export_key="person__employee_id",
    )


# --- Every scoped model is declared ----------------------------------------------------------------------------


def declared_models() -> set[str]:
    """Labels of the models declared by a ``SiteIsolationTests`` subclass in any test module."""
    for path in Path(tests.__path__[0]).rglob("test_*.py"):
        if "IsolationTests" in path.read_text():  # the kit or a subclass of it (ApiIsolationTests, …)
            relative = path.relative_to(Path(tests.__path__[0]).parent).with_suffix("")
            importlib.import_module(".".join(relative.parts))
    found, pending = set(), list(SiteIsolationTests.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "case", None) is not None:
            found.add(cls.case.model._meta.label_lower)
    return found


@pytest.mark.req("P11-10d", "ASVS5-8.4.1")
def test_every_site_scoped_model_is_declared_in_the_kit():
    scoped = {entry.label for entry in registry.scoped_models()}
    missing = scoped - declared_models() - set(NOT_DECLARED)
    assert not missing, f"declare a SiteIsolationTests case for: {sorted(missing)} (docs/dev/adding-a-model.md)"
    assert not set(NOT_DECLARED) - scoped, "NOT_DECLARED names a model that is not @site_scoped"
