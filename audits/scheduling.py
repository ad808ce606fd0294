"""Planning the programme's audits: one audit per slot (programme, area, site, period), set based.

Each active area of an active programme is audited at every active site of the programme ``frequency`` times a
year (high risk 4, medium 2, low 1, or the area's override). A slot is the n-th period of the year; the beat task
creates the audits of the slots that start before the horizon (the next quarter) and have not ended yet.

Idempotent whatever the number of runs, workers or restarts: the slot is a unique constraint of ``Audit``
(``audits_audit_slot_once``) and the audits are created by one ``INSERT … SELECT … ON CONFLICT DO NOTHING``; the
slots that exist already are left out before a reference number is drawn, so a re-run creates nothing and
consumes nothing. The scope (processes, clauses) of the new audits is added by three more statements.

The area's lead auditor is assigned where they are independent of the area at that site (no current membership
there in a function of the audited process); elsewhere the audit is planned without one, to be assigned.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

from ims.audit.context import audit_context

from .choices import AuditStatus
from .constants import DEFAULT_HORIZON_DAYS

_SLOTS = """
WITH slot AS (
    SELECT a.id AS area_id, p.id AS programme_id, p.year, ps.site_id, s.code AS site_code, a.auditor_id,
           a.process_id, f.n, k,
           make_date(p.year, 1 + k * (12 / f.n), 1) AS period_start
    FROM audits_programmearea a
    JOIN audits_auditprogramme p ON p.id = a.programme_id
    JOIN audits_auditprogramme_sites ps ON ps.auditprogramme_id = p.id
    JOIN org_site s ON s.id = ps.site_id AND s.is_active
    CROSS JOIN LATERAL (
        SELECT COALESCE(a.frequency_override,
                        CASE a.risk WHEN 'high' THEN 4 WHEN 'medium' THEN 2 ELSE 1 END) AS n
    ) f
    CROSS JOIN LATERAL generate_series(0, f.n - 1) AS k
    WHERE p.is_active AND a.is_active
      AND (%(programme)s::bigint IS NULL OR p.id = %(programme)s::bigint)
), due AS (
    SELECT slot.*, (slot.period_start + make_interval(months => 12 / slot.n) - interval '1 day')::date AS period_end
    FROM slot
    WHERE slot.period_start <= %(until)s::date
      AND NOT EXISTS (
          SELECT 1 FROM audits_audit x
          WHERE x.programme_id = slot.programme_id AND x.area_id = slot.area_id
            AND x.site_id = slot.site_id AND x.period_start = slot.period_start
      )
), fresh AS (
    SELECT due.*, nextval(pg_get_serial_sequence('audits_audit', 'id')) AS new_id
    FROM due
    WHERE due.period_end >= %(today)s::date
)
INSERT INTO audits_audit (
    id, reference, title, programme_id, area_id, period_start, site_id, scope_note, planned_date, planned_end,
    status, lead_auditor_id, cancel_reason, summary, report_digest, created_at, updated_at
)
SELECT f.new_id,
       format('AU-%%s-%%s', f.year, lpad(f.new_id::text, 5, '0')),
       left(concat_ws(' · ',
            pr.code || ' ' || pr.name,
            st.code || ':' || st.edition,
            cs.code || ' ' || c.number || ' ' || c.title)
            || ' — ' || f.site_code || ' '
            || CASE f.n WHEN 4 THEN 'Q' || (f.k + 1) || ' ' WHEN 2 THEN 'H' || (f.k + 1) || ' '
                        WHEN 12 THEN to_char(f.period_start, 'Mon') || ' ' ELSE '' END
            || f.year, 200),
       f.programme_id, f.area_id, f.period_start, f.site_id, '',
       LEAST(f.period_end, GREATEST(%(today)s::date, f.period_start + ((f.site_id * 7 + f.area_id * 3) %% 28)::int)),
       NULL, %(planned)s,
       CASE WHEN f.auditor_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM org_membership m
                JOIN processes_process_functions pf ON pf.function_id = m.function_id AND pf.process_id = f.process_id
                WHERE m.person_id = f.auditor_id AND m.site_id = f.site_id
                  AND m.valid_from <= %(today)s::date AND (m.valid_to IS NULL OR m.valid_to >= %(today)s::date)
            ) THEN f.auditor_id END,
       '', '', '', %(now)s, %(now)s
FROM fresh f
JOIN audits_programmearea a ON a.id = f.area_id
LEFT JOIN processes_process pr ON pr.id = a.process_id
LEFT JOIN processes_standard st ON st.id = a.standard_id
LEFT JOIN processes_clause c ON c.id = a.clause_id
LEFT JOIN processes_standard cs ON cs.id = c.standard_id
ON CONFLICT DO NOTHING
RETURNING id
"""

_SCOPE_PROCESSES = """
INSERT INTO audits_audit_processes (audit_id, process_id)
SELECT au.id, ar.process_id
FROM audits_audit au JOIN audits_programmearea ar ON ar.id = au.area_id
WHERE au.id = ANY(%(ids)s::bigint[]) AND ar.process_id IS NOT NULL
ON CONFLICT DO NOTHING
"""

#: A clause area: the clause and its sub-clauses (two levels); a standard: all its clauses; a process: the
#: clauses it addresses.
_SCOPE_CLAUSES = """
INSERT INTO audits_audit_clauses (audit_id, clause_id)
SELECT DISTINCT au.id, c.id
FROM audits_audit au
JOIN audits_programmearea ar ON ar.id = au.area_id
JOIN processes_clause c ON (
        c.id = ar.clause_id OR c.parent_id = ar.clause_id
     OR c.parent_id IN (SELECT ch.id FROM processes_clause ch WHERE ch.parent_id = ar.clause_id)
     OR c.standard_id = ar.standard_id
     OR c.id IN (SELECT pc.clause_id FROM processes_process_clauses pc WHERE pc.process_id = ar.process_id)
)
WHERE au.id = ANY(%(ids)s::bigint[])
ON CONFLICT DO NOTHING
"""


def programme_schedule(
    *, today: datetime.date | None = None, horizon_days: int = DEFAULT_HORIZON_DAYS, programme_id: int | None = None
) -> int:
    """Create the planned audits of every slot due within the horizon; returns how many were created."""
    today = today or timezone.localdate()
    params = {
        "programme": programme_id,
        "today": today,
        "until": today + datetime.timedelta(days=horizon_days),
        "planned": AuditStatus.PLANNED,
        "now": timezone.now(),
    }
    with transaction.atomic(), audit_context(reason="Planned by the audit programme"):
        with connection.cursor() as cursor:
            cursor.execute(_SLOTS, params)
            ids = [row[0] for row in cursor.fetchall()]
            if ids:
                cursor.execute(_SCOPE_PROCESSES, {"ids": ids})
                cursor.execute(_SCOPE_CLAUSES, {"ids": ids})
    return len(ids)
