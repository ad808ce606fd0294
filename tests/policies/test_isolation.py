"""Site isolation of objectives and readings through the generic kit.

The rows a site's people see are that site's rows plus the company-level ones (``rows_at``).
"""

from __future__ import annotations

from django.db.models import Q

from ims.org.models import Membership, Site
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from policies.models import Objective, ObjectiveReading

from .factories import ObjectiveFactory, ObjectiveReadingFactory


def owner_at(site: Site):
    return Membership.objects.filter(site=site).order_by("pk").first().person


def objective_form(objective: Objective) -> dict:
    return {
        "title": f"{objective.title} (revised)",
        "discipline": objective.discipline,
        "site": objective.site_id,
        "function": "",
        "parent": "",
        "kpi": objective.kpi,
        "unit": objective.unit,
        "direction": objective.direction,
        "target": "99",
        "owner": objective.owner_id,
        "start_date": objective.start_date.isoformat(),
        "due_date": objective.due_date.isoformat(),
        "status": objective.status,
    }


def new_objective_form(site: Site) -> dict:
    return {
        "title": "New objective",
        "discipline": "quality",
        "site": site.pk,
        "kpi": "K",
        "unit": "%",
        "direction": "higher",
        "target": "90",
        "owner": owner_at(site).pk,
        "start_date": "2026-01-01",
        "due_date": "2026-12-31",
        "status": "draft",
    }


class TestObjectiveIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Objective,
        create=lambda site: ObjectiveFactory(site=site, owner=owner_at(site)),
        rows_at=lambda site: Objective.objects.filter(Q(site=site) | Q(site__isnull=True)),
        list_url="policies:objective_list",
        detail_url="policies:objective_detail",
        api="objective",
        edit_url="policies:objective_edit",
        edit_data=objective_form,
        api_change=lambda objective: {"title": "Changed title"},
        add_url="policies:objective_add",
        add_data=new_objective_form,
        api_create=lambda site: {
            "title": "New",
            "kpi": "K",
            "direction": "higher",
            "target": "1",
            "site": site.code,
            "owner": owner_at(site).pk,
            "due_date": "2026-12-31",
        },
        deactivate_url="policies:objective_cancel",
    )


def new_reading_form(site: Site) -> dict:
    objective = ObjectiveFactory(site=site, owner=owner_at(site))
    return {"objective": objective.pk, "period_end": "2026-06-30", "value": "97", "comment": ""}


class TestObjectiveReadingIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ObjectiveReading,
        create=lambda site: ObjectiveReadingFactory(objective__site=site, objective__owner=owner_at(site)),
        rows_at=lambda site: ObjectiveReading.objects.filter(Q(objective__site=site) | Q(objective__site__isnull=True)),
        list_url="policies:reading_list",
        detail_url="policies:reading_detail",
        api="objective-reading",
        edit_url="policies:reading_edit",
        edit_data=lambda reading: {
            "objective": reading.objective_id,
            "period_end": reading.period_end.isoformat(),
            "value": "12.5",
            "comment": "Corrected",
        },
        api_change=lambda reading: {"value": "12.5"},
        add_url="policies:reading_add",
        add_data=new_reading_form,
        api_create=lambda site: new_reading_form(site),
        deactivate_url="policies:reading_void",
    )
