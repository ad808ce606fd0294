"""Rows of the IMS framework, made through the services as the pages and the API make them."""

from __future__ import annotations

import itertools

from ims.documents.choices import Discipline, DocumentType
from ims.org.choices import RoleCode
from ims.org.models import Membership, Role
from manual.framework import services
from manual.framework.choices import Frequency, ReportedTo
from manual.framework.models import MonitoringPlanItem, ProcedureRecord
from processes import register
from processes.models import Process, ProcessType
from tests.documents.factories import document_at

_numbers = itertools.count(1)


def procedure_at(site, **extra):
    return document_at(site, **extra)


def form_at(site):
    return document_at(site, doc_type=DocumentType.FORM, disciplines=[Discipline.QUALITY])


def record_at(site, document=None, **extra) -> ProcedureRecord:
    number = next(_numbers)
    return services.procedure_record_create(
        actor=None,
        document=document or procedure_at(site),
        name=extra.pop("name", f"Record {number}"),
        retention=extra.pop("retention", "10 years"),
        location=extra.pop("location", "IMS portal"),
        **extra,
    )


def more_record_at(site) -> ProcedureRecord:
    existing = ProcedureRecord.objects.filter(document__sites=site).order_by("pk").first()
    return record_at(site, document=existing.document if existing else None)


def owner_at(site):
    return Membership.objects.filter(site=site).order_by("pk").first().person


def process_at(site, **extra) -> Process:
    number = next(_numbers)
    return register.process_create(
        actor=None,
        code=f"FW-{site.code}-{number}",
        name=f"Process {number}",
        process_type=ProcessType.CORE,
        owner=owner_at(site),
        sites=[site],
        **extra,
    )


def role(code: str = RoleCode.PROCESS_OWNER) -> Role:
    return Role.objects.get(code=code)


def item_at(site, process=None, **extra) -> MonitoringPlanItem:
    number = next(_numbers)
    return services.monitoring_item_create(
        actor=None,
        process=process or process_at(site),
        measure=extra.pop("measure", f"Measure {number}"),
        method=extra.pop("method", "Counted from the register."),
        frequency=extra.pop("frequency", Frequency.MONTHLY),
        responsible_role=extra.pop("responsible_role", role()),
        reported_to=extra.pop("reported_to", ReportedTo.MANAGEMENT_REVIEW),
        **extra,
    )


def more_item_at(site) -> MonitoringPlanItem:
    existing = MonitoringPlanItem.objects.filter(process__sites=site).order_by("pk").first()
    return item_at(site, process=existing.process if existing else None)
