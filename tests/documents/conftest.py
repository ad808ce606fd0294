"""Fixtures of the document-control tests: authors, reviewers and approvers at site A, certified to sign."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ims.esign import services as esign_services
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person


@pytest.fixture
def people(org, password_hash):
    """Site A: a Process Owner (author), a Department Head (reviewer), a Compliance Officer (approver).

    With ``org.qm_a`` (Quality Manager, approver) and ``org.emp_a`` (Employee, reader). All of them
    have certified their e-signature, so they can sign.
    """

    def person(username, role):
        p = org_services.person_create(
            username=username,
            employee_id=username.upper(),
            first_name=username.split("_")[0].capitalize(),
            last_name=username.split("_")[-1].capitalize(),
            email=f"{username}@example.com",
        )
        Person.objects.filter(pk=p.pk).update(password=password_hash)
        p.refresh_from_db()
        org_services.membership_create(person=p, site=org.site_a, function=org.qa, role=org.roles[role])
        return p

    ns = SimpleNamespace(
        author=person("po_author", RoleCode.PROCESS_OWNER),
        reviewer=person("dh_reviewer", RoleCode.DEPARTMENT_HEAD),
        officer=person("co_officer", RoleCode.COMPLIANCE_OFFICER),
        qm=org.qm_a,
        employee=org.emp_a,
    )
    for signer in (ns.author, ns.reviewer, ns.officer, ns.qm, ns.employee):
        esign_services.certification_create(person=signer, password=org.password, username=signer.username, session={})
    return ns


@pytest.fixture
def sign(org):
    """``sign(service, person, version)`` → the signature, given with user ID and password (no session)."""

    def run(service, person, version, **extra):
        return service(actor=person, version=version, password=org.password, username=person.username, **extra)

    return run
