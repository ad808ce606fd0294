"""The database notes every change that can move a site's training compliance (``CompliancePending``).

Statement-level triggers on the tables the compliance statement reads write, in the changing transaction,
(site, NULL) for one site, (NULL, person) for every site of the person, (NULL, NULL) for every site; bulk
statements, imports and services alike, so no path can forget it. ``training.matrix.compliance_figures_refresh``
drains the notes. Installed (created or replaced) after every ``migrate`` and when the test database is created.
"""

from __future__ import annotations

PENDING = "training_compliancepending"
EVERY_SITE_IF_ANY_NEW = "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM new_rows)"
EVERY_SITE_IF_ANY_OLD = "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM old_rows)"

# (table, event, SELECT of (site_id, person_id) rows over the transition tables new_rows / old_rows)
MARKS = [
    ("training_assignment", "INSERT", "SELECT DISTINCT NULL::integer, person_id FROM new_rows"),
    (
        "training_assignment",
        "UPDATE",
        "SELECT DISTINCT NULL::integer, n.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.status, n.due_date, n.person_id, n.course_id) IS DISTINCT FROM "
        "(o.status, o.due_date, o.person_id, o.course_id) "
        "UNION SELECT NULL::integer, o.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n.person_id <> o.person_id",
    ),
    ("training_assignment", "DELETE", "SELECT DISTINCT NULL::integer, person_id FROM old_rows"),
    ("training_trainingrecord", "INSERT", "SELECT DISTINCT NULL::integer, person_id FROM new_rows"),
    (
        "training_trainingrecord",
        "UPDATE",
        "SELECT DISTINCT NULL::integer, n.person_id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.signature_id, n.verified_at, n.completed_on, n.valid_until, n.person_id, n.course_id) "
        "IS DISTINCT FROM (o.signature_id, o.verified_at, o.completed_on, o.valid_until, o.person_id, o.course_id)",
    ),
    ("training_trainingrecord", "DELETE", "SELECT DISTINCT NULL::integer, person_id FROM old_rows"),
    ("org_membership", "INSERT", "SELECT DISTINCT site_id, NULL::integer FROM new_rows"),
    (
        "org_membership",
        "UPDATE",
        "SELECT n.site_id, NULL::integer FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.site_id, n.function_id, n.role_id, n.person_id, n.valid_from, n.valid_to) IS DISTINCT FROM "
        "(o.site_id, o.function_id, o.role_id, o.person_id, o.valid_from, o.valid_to) "
        "UNION SELECT o.site_id, NULL::integer FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.site_id, n.function_id, n.role_id, n.person_id, n.valid_from, n.valid_to) IS DISTINCT FROM "
        "(o.site_id, o.function_id, o.role_id, o.person_id, o.valid_from, o.valid_to)",
    ),
    ("org_membership", "DELETE", "SELECT DISTINCT site_id, NULL::integer FROM old_rows"),
    (
        "org_person",
        "UPDATE",
        "SELECT NULL::integer, n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.is_active <> o.is_active",
    ),
    ("training_trainingrequirement", "INSERT", "SELECT DISTINCT site_id, NULL::integer FROM new_rows"),
    (
        "training_trainingrequirement",
        "UPDATE",
        "SELECT site_id, NULL::integer FROM new_rows UNION SELECT site_id, NULL::integer FROM old_rows",
    ),
    ("training_trainingrequirement", "DELETE", "SELECT DISTINCT site_id, NULL::integer FROM old_rows"),
    (
        "training_course",
        "UPDATE",
        "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.is_active, n.requires_practical) IS DISTINCT FROM (o.is_active, o.requires_practical))",
    ),
    (
        "training_curriculum",
        "UPDATE",
        "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n.is_active <> o.is_active)",
    ),
    ("training_curriculum_courses", "INSERT", EVERY_SITE_IF_ANY_NEW),
    ("training_curriculum_courses", "DELETE", EVERY_SITE_IF_ANY_OLD),
    ("training_course_documents", "INSERT", EVERY_SITE_IF_ANY_NEW),
    ("training_course_documents", "DELETE", EVERY_SITE_IF_ANY_OLD),
    (
        "documents_documentversion",
        "INSERT",
        "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM new_rows WHERE status = 'effective')",
    ),
    (
        "documents_documentversion",
        "UPDATE",
        "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE (n.status, n.effective_date) IS DISTINCT FROM (o.status, o.effective_date) "
        "AND 'effective' IN (n.status, o.status))",
    ),
    (
        "documents_controlleddocument",
        "UPDATE",
        "SELECT NULL::integer, NULL::integer WHERE EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n.is_active <> o.is_active)",
    ),
]


REPLAN_ROWS = 50


def _name(table: str, event: str) -> str:
    return f"training_cp_{table}_{event.lower()}"


def _create(table: str, event: str, select: str) -> str:
    name = _name(table, event)
    referencing = {
        "INSERT": "NEW TABLE AS new_rows",
        "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
        "DELETE": "OLD TABLE AS old_rows",
    }[event]
    statement = f"INSERT INTO {PENDING} (site_id, person_id) {select}"
    if event == "UPDATE":
        # An update pairs old and new rows: a statement over many rows is planned for its own rows (the plan
        # cached from a single-row update would pair them by a nested loop: quadratic at thousands of rows).
        statement = (
            f"IF (SELECT count(*) FROM new_rows) > {REPLAN_ROWS} THEN EXECUTE $note${statement}$note$; "  # noqa: S608
            f"ELSE {statement}; END IF"
        )
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  {statement};
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}
  FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _drop(table: str, event: str) -> str:
    name = _name(table, event)
    return f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();"


MARK_SQL = "".join(_create(*mark) for mark in MARKS)
UNMARK_SQL = "".join(_drop(table, event) for table, event, _select in MARKS)


def compliance_triggers_install(*, using: str = "default") -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    tables = sorted({table for table, _event, _select in MARKS} | {PENDING})
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)", [tables])
        if len({row[0] for row in cursor.fetchall()}) < len(tables):
            return  # not migrated this far yet
        cursor.execute(MARK_SQL)


def compliance_triggers_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    if app_config is not None and app_config.label == "training":
        compliance_triggers_install(using=using)
