"""The demo seed (make run) and the scale seed (benchmarks)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models.functions import Lower

from ims.access.permissions import user_can_at_site
from ims.org.choices import RoleCode
from ims.org.demo import DEMO_LOGINS
from ims.org.models import Function, Membership, Person, Site

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "sites": Site.objects.count(),
        "functions": Function.objects.count(),
        "people": Person.objects.count(),
        "memberships": Membership.objects.count(),
        "groups": Person.groups.through.objects.count(),
    }


def test_seed_demo_twice_gives_the_same_organisation():
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    passwords = dict(Person.objects.values_list("username", "password"))
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == first
    assert dict(Person.objects.values_list("username", "password")) == passwords
    assert "0 sites and 0 functions created; people 0 created, 0 updated" in out.getvalue()


def test_demo_organisation_is_believable():
    call_command("seed_demo", stdout=StringIO())
    sites = Site.objects.all()
    assert sites.count() >= 3
    assert len({s.country for s in sites}) >= 3 and len({s.timezone for s in sites}) >= 3
    assert Function.objects.count() >= 8
    assert Person.objects.count() >= 60
    assert Person.objects.exclude(manager=None).count() >= 50
    names = " ".join(Person.objects.values_list("first_name", flat=True)) + " ".join(
        Person.objects.values_list("last_name", flat=True)
    )
    assert any(ch in names for ch in "éüàáóí") and any("\u4e00" <= ch <= "\u9fff" for ch in names)
    usernames = set(Person.objects.annotate(u=Lower("username")).values_list("u", flat=True))
    assert not usernames & {"admin", "root", "administrator", "superuser"}


def test_demo_logins_exist_one_per_role_with_the_demo_password():
    call_command("seed_demo", stdout=StringIO())
    assert {role for _u, role, _s in DEMO_LOGINS} == {str(label) for label in RoleCode.labels}
    for username, role, site in DEMO_LOGINS:
        person = Person.objects.get(username=username)
        assert person.check_password(settings.IMS_DEMO_PASSWORD), username
        membership = person.memberships.order_by("id").first()
        assert str(membership.role.name) == role
        if site != "all sites":
            assert membership.site.code == site
    qm = Person.objects.get(username="qm.basel")
    employee_b = Person.objects.get(username="employee.cork")
    assert user_can_at_site(qm, "org.add_person", Site.objects.get(code="BSL"))
    assert not user_can_at_site(qm, "org.add_person", Site.objects.get(code="CRK"))
    assert employee_b.memberships.get().site.code == "CRK"
    # Everybody else has no usable password: only the demo logins can sign in.
    others = Person.objects.exclude(username__in=[u for u, _r, _s in DEMO_LOGINS])
    assert not any(p.has_usable_password() for p in others)


def test_seed_scale_small_runs_and_refuses_to_duplicate():
    out = StringIO()
    call_command("seed_scale", "--size", "small", stdout=out)
    assert "Seeded small: 5 sites, 12 functions, 501 people" in out.getvalue()
    first = counts()
    assert first["memberships"] >= 750 and first["groups"] >= first["people"] - 1
    scale_site = Site.objects.get(code="SC01")
    qm = Person.objects.filter(memberships__site=scale_site, memberships__role__code=RoleCode.QUALITY_MANAGER).first()
    assert user_can_at_site(qm, "org.add_person", scale_site)
    assert Person.objects.filter(employee_id__startswith="SC-").exclude(manager=None).count() > 300
    again = StringIO()
    call_command("seed_scale", "--size", "small", stdout=again)
    assert "already present" in again.getvalue() and counts() == first
