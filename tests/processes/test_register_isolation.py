"""Site isolation of the process register (processes and their interactions) through the generic kit.

A process belongs to the sites it runs at; an interaction to the sites of its source process. Rows come from
the services (``processes.register``), as the pages and the API create them.
"""

from __future__ import annotations

import itertools

from ims.org.models import Membership
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from processes import register
from processes.models import Process, ProcessInteraction, ProcessType

_numbers = itertools.count(1)


def owner_at(site):
    return Membership.objects.filter(site=site).order_by("pk").first().person


def process_at(site, **extra) -> Process:
    number = next(_numbers)
    data = {
        "code": f"P-{site.code}-{number}",
        "name": f"Process {number}",
        "process_type": ProcessType.CORE,
        "owner": owner_at(site),
        "sites": [site],
        **extra,
    }
    return register.process_create(actor=None, **data)


def interaction_at(site) -> ProcessInteraction:
    return register.interaction_create(
        actor=None, source=process_at(site), target=process_at(site), description="Batches for testing"
    )


def process_form(process: Process) -> dict:
    return {
        "name": "Renamed on the page",
        "process_type": process.process_type,
        "owner": process.owner_id,
        "sites": list(process.sites.values_list("pk", flat=True)),
    }


class TestProcessIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Process,
        create=process_at,
        list_url="processes:process_list",
        detail_url="processes:process_detail",
        api="processes-process",
        edit_url="processes:process_edit",
        edit_data=process_form,
        api_change=lambda process: {"name": "Renamed through the API"},
        add_url="processes:process_create",
        add_data=lambda site: {
            "code": "NEW-PAGE",
            "name": "New",
            "process_type": ProcessType.SUPPORT,
            "owner": owner_at(site).pk,
            "sites": [site.pk],
        },
        api_create=lambda site: {
            "code": "NEW-API",
            "name": "New",
            "process_type": ProcessType.SUPPORT,
            "owner": owner_at(site).pk,
            "sites": [site.code],
        },
        deactivate_url="processes:process_retire",
        export_key="code",
    )


class TestProcessInteractionIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ProcessInteraction,
        create=interaction_at,
        list_url="processes:interaction_list",
        detail_url="processes:interaction_detail",
        api="processes-processinteraction",
        api_change=lambda interaction: {"description": "Changed through the API"},
        api_create=lambda site: {"source": process_at(site).code, "target": process_at(site).code},
        deactivate_url="processes:interaction_retire",
    )
