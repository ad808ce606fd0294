"""Scale data of step 3 (``manage.py seed_scale``, through ``FrameworkConfig.scale_seed``).

Per scale process (``SCP-…``, 30 a site): three monitoring-plan items (its objectives' KPIs first, then measures
without an objective), and per scale procedure two records it produces. Built with bulk inserts in one transaction
(the audit triggers write their events as for any other write). Idempotent: when the scale processes already
have a plan, nothing changes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.db import transaction

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.documents.choices import DocumentType
from ims.documents.models import ControlledDocument
from ims.org.choices import RoleCode
from ims.org.models import Role
from processes.models import Process

from .choices import Frequency, ReportedTo
from .models import MonitoringPlanItem, ProcedureRecord

PROCESS_PREFIX = "SCP-"
ITEMS_PER_PROCESS = 3
MEASURES = ("Right first time, %", "Overdue actions, number", "Cycle time, days", "Audit findings, number",
            "Near misses reported, number", "Energy per batch, kWh")  # fmt: skip
RECORDS = (("Execution record", "10 years"), ("Review record", "5 years"))


def scale_framework_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    processes = Process._base_manager.filter(code__startswith=PROCESS_PREFIX)
    if not processes.exists():
        return "no scale processes; nothing to do"
    if MonitoringPlanItem._base_manager.filter(process__code__startswith=PROCESS_PREFIX).exists():
        return "scale monitoring plan already present; nothing changed"
    rng = random.Random(seed * 17 + 3)
    started = time.monotonic()
    roles = [Role.objects.get(code=code) for code in (RoleCode.PROCESS_OWNER, RoleCode.QUALITY_MANAGER)]
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        items = []
        for process in processes.prefetch_related("objectives").order_by("pk"):
            objectives = list(process.objectives.all())[:ITEMS_PER_PROCESS]
            measures = [o.kpi for o in objectives] + [m for m in MEASURES if m not in {o.kpi for o in objectives}]
            for index in range(ITEMS_PER_PROCESS):
                items.append(
                    MonitoringPlanItem(
                        process=process,
                        objective=objectives[index] if index < len(objectives) else None,
                        measure=measures[index],
                        method="From the process records in the portal.",
                        frequency=rng.choice(Frequency.values),
                        responsible_role=rng.choice(roles),
                        reported_to=rng.choice(ReportedTo.values),
                    )
                )
        MonitoringPlanItem.objects.bulk_create(items, batch_size=2000)
        procedures = ControlledDocument._base_manager.filter(
            doc_type=DocumentType.PROCEDURE, is_active=True, sites__code__startswith="SC"
        ).distinct()
        records = [
            ProcedureRecord(document_id=pk, name=name, retention=retention, location="IMS portal")
            for pk in procedures.values_list("pk", flat=True)
            for name, retention in RECORDS
        ]
        ProcedureRecord.objects.bulk_create(records, batch_size=2000)
    tables_analyze("framework_monitoringplanitem", "framework_procedurerecord")
    return (
        f"{len(items):,} monitoring-plan items and {len(records):,} procedure records in "
        f"{time.monotonic() - started:.1f} s"
    )
