"""Site isolation of procedure records and monitoring-plan items through the generic kit."""

from __future__ import annotations

from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from manual.framework.choices import Frequency, ReportedTo
from manual.framework.models import MonitoringPlanItem, ProcedureRecord
from tests.framework.factories import (
    item_at,
    more_item_at,
    more_record_at,
    procedure_at,
    process_at,
    record_at,
    role,
)


class TestProcedureRecordIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ProcedureRecord,
        create=record_at,
        more=more_record_at,
        list_url="framework:procedurerecord_list",
        detail_url="framework:procedurerecord_detail",
        api="framework-procedurerecord",
        edit_url="framework:procedurerecord_edit",
        edit_data=lambda record: {
            "document": record.document_id,
            "name": "Changed on the page",
            "retention": record.retention,
            "location": record.location,
        },
        api_change=lambda record: {"retention": "15 years"},
        add_url="framework:procedurerecord_add",
        add_data=lambda site: {
            "document": procedure_at(site).pk,
            "name": "New record",
            "retention": "5 years",
            "location": "QA archive",
        },
        api_create=lambda site: {
            "document": procedure_at(site).pk,
            "name": "New record",
            "retention": "5 years",
            "location": "QA archive",
        },
        deactivate_url="framework:procedurerecord_retire",
    )


class TestMonitoringPlanItemIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=MonitoringPlanItem,
        create=item_at,
        more=more_item_at,
        list_url="framework:monitoring_plan",
        detail_url="framework:monitoringplanitem_detail",
        api="framework-monitoringplanitem",
        edit_url="framework:monitoringplanitem_edit",
        edit_data=lambda item: {
            "process": item.process_id,
            "measure": "Changed on the page",
            "method": item.method,
            "frequency": item.frequency,
            "responsible_role": item.responsible_role_id,
            "reported_to": item.reported_to,
        },
        api_change=lambda item: {"frequency": Frequency.QUARTERLY},
        add_url="framework:monitoringplanitem_add",
        add_data=lambda site: {
            "process": process_at(site).pk,
            "measure": "New measure",
            "method": "From the register",
            "frequency": Frequency.WEEKLY,
            "responsible_role": role().pk,
            "reported_to": ReportedTo.SITE_QM_MEETING,
        },
        api_create=lambda site: {
            "process": process_at(site).pk,
            "measure": "New measure",
            "method": "From the register",
            "frequency": Frequency.WEEKLY,
            "responsible_role": role().pk,
            "reported_to": ReportedTo.SITE_QM_MEETING,
        },
        deactivate_url="framework:monitoringplanitem_retire",
    )
