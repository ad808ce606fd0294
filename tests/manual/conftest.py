"""Fixtures of the manual tests: an author, a reviewer and an approver at site A (certified to sign), a manual."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from ims.documents import services as document_services
from ims.esign import services as esign_services
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from manual import services
from manual.models import ManualSection


@pytest.fixture
def people(org, password_hash):
    def person(username, role, site):
        p = org_services.person_create(
            username=username,
            employee_id=username.upper(),
            first_name=username.split("_")[0].capitalize(),
            last_name=username.split("_")[-1].capitalize(),
            email=f"{username}@example.com",
        )
        Person.objects.filter(pk=p.pk).update(password=password_hash)
        p.refresh_from_db()
        org_services.membership_create(person=p, site=site, function=org.qa, role=org.roles[role])
        return p

    ns = SimpleNamespace(
        author=org.qm_a,
        reviewer=person("dh_reviewer", RoleCode.DEPARTMENT_HEAD, org.site_a),
        approver=person("co_officer", RoleCode.COMPLIANCE_OFFICER, org.site_a),
    )
    for signer in (ns.author, ns.reviewer, ns.approver):
        esign_services.certification_create(person=signer, password=org.password, username=signer.username, session={})
    return ns


@pytest.fixture
def manual(org, people):
    """A manual for sites A and B, registered by the global admin (a QM may add documents at their site only)."""
    return services.manual_create(
        actor=org.admin,
        number="IMS-MAN-001",
        title="Integrated management system manual",
        owner=people.author,
        sites=[org.site_a, org.site_b],
        effective_date=timezone.localdate(),
    )


def draft(manual):
    return manual.versions.order_by("-number").first()


def fill_mandatory(actor, version) -> None:
    for section in ManualSection.objects.filter(version=version, mandatory=True, is_active=True):
        services.section_update(actor=actor, section=section, data={"body": f"Our approach to {section.title}."})


def approve(org, people, version, approver=None):
    """Submit, review and approve ``version`` (written by the global admin or the author)."""
    sign = dict(password=org.password)
    document_services.version_submit(actor=org.admin, version=version)
    document_services.version_review(actor=people.reviewer, version=version, username=people.reviewer.username, **sign)
    approver = approver or people.approver
    document_services.version_approve(actor=approver, version=version, username=approver.username, **sign)
    version.refresh_from_db()
    return version


def in_days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
