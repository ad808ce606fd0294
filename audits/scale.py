"""Scale data of internal audits (``manage.py seed_scale``, through ``AuditsConfig.scale_seed``).

Three yearly programmes over the scale sites (40 at the large size), each with one high-risk area (ISO 9001, all
its clauses in scope): the programme task itself plans 4 audits a year per site (480 audits at the large size).
Past audits are in progress with their findings: 50,000 at the large size (5,000 at the small one), spread over
the audits, their clauses (skewed, as real findings are: a few clauses collect most of them), the site's processes
and the grades. No signatures are made up: no scale audit is marked completed.

Set based: the audits by the scheduler's single ``INSERT … ON CONFLICT DO NOTHING``, the findings by one
``INSERT … SELECT`` over ``generate_series``. Idempotent: the scale programmes are recognised by their title.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.org.models import Person, Site

from . import scheduling
from .choices import AuditStatus, RiskLevel
from .models import Audit, AuditProgramme, ProgrammeArea

TITLE = "Scale audit programme"
SITE_PREFIX = "SC"
YEARS = 3
FINDINGS = {"large": 50_000, "small": 5_000}

_FINDINGS_INSERT = """
INSERT INTO audits_finding (
    audit_id, site_id, reference, grade, clause_id, process_id, checklist_item_id, statement, evidence_reference,
    raised_on, raised_by_id, status, action_kind, action_ref, created_at, updated_at
)
SELECT a.id, a.site_id, a.reference || '-F' || lpad(g::text, 3, '0'),
       (ARRAY['major', 'minor', 'minor', 'minor', 'observation', 'observation', 'opportunity'])
           [1 + (hashtext(a.id::text || ':' || g::text) & 2147483647) %% 7],
       cl.ids[1 + floor(array_length(cl.ids, 1)
           * power(((hashtext(g::text || ':' || a.id::text) & 2147483647) / 2147483648.0), 3))::int],
       CASE WHEN array_length(pr.ids, 1) IS NULL OR g %% 4 = 0 THEN NULL
            ELSE pr.ids[1 + (hashtext(a.id::text || '/' || g::text) & 2147483647) %% array_length(pr.ids, 1)] END,
       NULL, 'Finding of the scale data', 'Record ' || g,
       a.planned_date, COALESCE(a.lead_auditor_id, %(raiser)s), 'open', '', '', %(now)s, %(now)s
FROM audits_audit a
CROSS JOIN LATERAL (
    SELECT array_agg(ac.clause_id ORDER BY ac.clause_id) AS ids FROM audits_audit_clauses ac WHERE ac.audit_id = a.id
) cl
CROSS JOIN LATERAL (
    SELECT array_agg(ps.process_id ORDER BY ps.process_id) AS ids
    FROM processes_process_sites ps WHERE ps.site_id = a.site_id
) pr
CROSS JOIN generate_series(1, %(per)s) g
WHERE a.id = ANY(%(ids)s::bigint[]) AND cl.ids IS NOT NULL
ORDER BY a.id, g
LIMIT %(total)s
"""


def audits_scale_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    from processes.models import Standard

    if AuditProgramme.objects.filter(title__startswith=TITLE).exists():
        present = Audit.objects.filter(programme__title__startswith=TITLE).count()
        return f"{present:,} scale audits present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    standard = Standard.objects.filter(code="ISO 9001", is_active=True).first()
    if not sites or standard is None:
        return "no scale sites or no ISO 9001 in the library; nothing to do"
    today = timezone.localdate()
    started = time.monotonic()
    raiser = Person.objects.filter(is_active=True, is_superuser=True).order_by("pk").first() or Person.objects.first()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        planned = 0
        for year in range(today.year - YEARS + 1, today.year + 1):
            programme = AuditProgramme.objects.create(year=year, title=f"{TITLE} {year}")
            programme.sites.set(sites)
            ProgrammeArea.objects.create(programme=programme, standard=standard, risk=RiskLevel.HIGH)
            planned += scheduling.programme_schedule(
                today=datetime.date(year, 1, 1), horizon_days=366, programme_id=programme.pk
            )
        log(f"  {planned} audits planned by the programme task in {time.monotonic() - started:.1f} s")
        past = Audit.objects.filter(programme__title__startswith=TITLE, planned_date__lt=today)
        past.update(status=AuditStatus.IN_PROGRESS, started_at=timezone.now())
        ids = list(past.values_list("pk", flat=True))
        total = FINDINGS.get(size_name, FINDINGS["small"])
        per = -(-total // max(len(ids), 1))
        with connection.cursor() as cursor:
            cursor.execute(
                _FINDINGS_INSERT,
                {"ids": ids, "per": per, "total": total, "raiser": raiser.pk, "now": timezone.now()},
            )
            findings = cursor.rowcount
    tables_analyze("audits_audit", "audits_finding", "audits_audit_clauses")
    return (
        f"{planned:,} audits over {len(sites)} sites and {YEARS} years, {findings:,} findings in "
        f"{time.monotonic() - started:.1f} s"
    )
