"""Builders of controlled documents for the tests. Rows are made through ``ims.documents.services``."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from ims.documents import services
from ims.documents.choices import Discipline, DocumentType
from ims.org import services as org_services
from ims.org.models import Person

_numbers = itertools.count(1)


def document_registrar() -> Person:
    """A company-wide document controller (superuser) who may register documents at any site."""
    person = Person.objects.filter(username="document_registrar").first()
    if person is None:
        person = org_services.person_create(
            username="document_registrar",
            employee_id="DOC-REG",
            first_name="Dana",
            last_name="Registrar",
            email="registrar@example.com",
        )
        Person.objects.filter(pk=person.pk).update(is_superuser=True)
        person.refresh_from_db()
    return person


def document_at(site, *, author=None, sites=None, body="# Purpose\n\nFirst text.", **extra):
    """A new controlled document in scope at ``site`` (and ``sites``), with version 1 as a draft."""
    author = author or document_registrar()
    number = extra.pop("number", f"SOP-T-{next(_numbers):05d}")
    return services.document_create(
        actor=author,
        number=number,
        title=extra.pop("title", f"Procedure {number}"),
        doc_type=extra.pop("doc_type", DocumentType.PROCEDURE),
        disciplines=extra.pop("disciplines", [Discipline.QUALITY, Discipline.OHS]),
        owner=extra.pop("owner", author),
        sites=sites or [site],
        body=body,
        effective_date=extra.pop("effective_date", timezone.localdate() + datetime.timedelta(days=7)),
        **extra,
    )


def draft_at(site, **kwargs):
    """Version 1 (a draft) of a new document at ``site``."""
    return document_at(site, **kwargs).versions.get(number=1)
