"""Register rows for the tests, created through the services as the pages and the API create them."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from ims.org.models import Membership
from manual.risks import obligations, services
from manual.risks.choices import EntryKind, EvaluationResult, ObligationType
from processes import register as process_register
from processes.models import ProcessType

_numbers = itertools.count(1)


def owner_at(site):
    return Membership.objects.filter(site=site).order_by("pk").first().person


def process_at(site):
    number = next(_numbers)
    return process_register.process_create(
        actor=None,
        code=f"RP-{site.code}-{number}",
        name=f"Risk process {number}",
        process_type=ProcessType.CORE,
        owner=owner_at(site),
        sites=[site],
    )


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def entry_data(site, kind: str = EntryKind.OHS_HAZARD, process=None, **extra) -> dict:
    data = {
        "kind": kind,
        "site": site,
        "process": process or process_at(site),
        "title": f"Entry {next(_numbers)}",
        "owner": owner_at(site),
        "review_date": in_days(90),
        "inherent_severity": 4,
        "inherent_likelihood": 3,
        "residual_severity": 4,
        "residual_likelihood": 2,
    }
    if kind == EntryKind.QUALITY_RISK:
        data.update(
            hazard="Cross-contamination in shared equipment", inherent_detectability=3, residual_detectability=2
        )
    elif kind == EntryKind.ENVIRONMENTAL_ASPECT:
        data.update(aspect="Solvent storage", impact="Soil contamination", operating_condition="abnormal")
    else:
        data.update(activity="Drum handling", hazard="Manual lifting", people_exposed="Warehouse operators")
    data.update(extra)
    return data


def entry_at(site, kind: str = EntryKind.OHS_HAZARD, **extra):
    return services.entry_create(actor=None, **entry_data(site, kind, **extra))


def control_at(site):
    return services.control_create(actor=None, entry=entry_at(site), description="Lifting aid and training")


def obligation_at(site, **extra):
    data = {
        "title": f"Obligation {next(_numbers)}",
        "obligation_type": ObligationType.LEGAL,
        "jurisdiction": "EU",
        "sites": [site],
        "owner": owner_at(site),
        "next_evaluation": in_days(60),
        **extra,
    }
    return obligations.obligation_create(actor=None, **data)


def evaluation_at(site):
    return obligations.evaluation_record(
        actor=None,
        obligation=obligation_at(site),
        site=site,
        evaluated_on=timezone.localdate(),
        result=EvaluationResult.COMPLIANT,
        evidence="Permit conditions checked on site",
        evaluated_by=owner_at(site),
    )
