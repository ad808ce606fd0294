"""Builders for acknowledgement tests: a policy taken to effective through the real signed workflow."""

from __future__ import annotations

import itertools

from django.utils import timezone

from ims.documents import services as doc_services
from ims.documents.choices import Discipline, DocumentType
from ims.esign import services as esign_services
from ims.org import services as org_services
from ims.org.models import Person

_numbers = itertools.count(1)
PASSWORD = "Correct-Horse-Battery-9"


def _controller(username: str, password_hash: str) -> Person:
    person = Person.objects.filter(username=username).first()
    if person is None:
        person = org_services.person_create(
            username=username,
            employee_id=username.upper(),
            first_name=username.capitalize(),
            last_name="Controller",
            email=f"{username}@example.com",
        )
        Person.objects.filter(pk=person.pk).update(is_superuser=True, password=password_hash)
        person.refresh_from_db()
        esign_services.certification_create(person=person, password=PASSWORD, username=username, session={})
    return person


def controllers(password_hash: str) -> tuple[Person, Person, Person]:
    """Company-wide author, reviewer and approver (superusers, certified to sign)."""
    return tuple(_controller(name, password_hash) for name in ("doc_author", "doc_reviewer", "doc_approver"))


def make_effective(version, password_hash: str):
    author, reviewer, approver = controllers(password_hash)
    doc_services.version_submit(actor=version.author, version=version)
    doc_services.version_review(actor=reviewer, version=version, password=PASSWORD, username=reviewer.username)
    doc_services.version_approve(actor=approver, version=version, password=PASSWORD, username=approver.username)
    version.refresh_from_db()
    return version


def effective_policy(password_hash: str, *, sites, functions=(), roles=(), body="# Policy\n\nWe commit.", **extra):
    """A policy in scope at ``sites`` (optionally functions/roles), version 1 effective today."""
    author, _r, _a = controllers(password_hash)
    number = extra.pop("number", f"POL-T-{next(_numbers):04d}")
    document = doc_services.document_create(
        actor=author,
        number=number,
        title=extra.pop("title", f"Policy {number}"),
        doc_type=DocumentType.POLICY,
        disciplines=[Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS],
        owner=author,
        sites=sites,
        functions=functions,
        roles=roles,
        body=body,
        effective_date=timezone.localdate(),
        **extra,
    )
    return make_effective(document.versions.get(number=1), password_hash)


def new_version_effective(document, password_hash: str, body="# Policy\n\nWe commit, revised."):
    author, _r, _a = controllers(password_hash)
    version = doc_services.version_create(
        actor=author,
        document=document,
        body=body,
        change_summary="Revised commitments",
        effective_date=timezone.localdate(),
    )
    return make_effective(version, password_hash)
