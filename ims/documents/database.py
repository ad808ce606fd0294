"""Defence in depth for the version lifecycle: a database trigger that enforces it whatever the path.

The services are the only place that changes a version, but a direct ``UPDATE`` (raw SQL, a queryset
``update()``, a bug) must not skip a step or alter signed content either. The trigger refuses:
- a status change that is not one of the lifecycle's transitions;
- any change to the content (body, file, change summary, effective date, number, document) of a version
  that is no longer a draft.
It is installed after every ``migrate`` (idempotent), like the audit triggers.
"""

from __future__ import annotations

from django.db import connections

from .choices import VersionStatus as S

TRANSITIONS: tuple[tuple[str, str], ...] = (
    (S.DRAFT, S.IN_REVIEW),
    (S.IN_REVIEW, S.DRAFT),
    (S.IN_REVIEW, S.APPROVED),
    (S.APPROVED, S.EFFECTIVE),
    (S.EFFECTIVE, S.SUPERSEDED),
    (S.DRAFT, S.RETIRED),
    (S.IN_REVIEW, S.RETIRED),
    (S.APPROVED, S.RETIRED),
    (S.EFFECTIVE, S.RETIRED),
)
CONTENT_COLUMNS = (
    "document_id",
    "number",
    "body",
    "attachment",
    "attachment_name",
    "attachment_type",
    "attachment_size",
    "attachment_sha256",
    "change_summary",
    "effective_date",
    "author_id",
)


def guard_sql() -> str:
    pairs = ", ".join(f"('{a.value}', '{b.value}')" for a, b in TRANSITIONS)
    new = ", ".join(f"NEW.{c}" for c in CONTENT_COLUMNS)
    old = ", ".join(f"OLD.{c}" for c in CONTENT_COLUMNS)
    return f"""
CREATE OR REPLACE FUNCTION documents_documentversion_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status AND (OLD.status, NEW.status) NOT IN ({pairs}) THEN
    RAISE EXCEPTION 'document version % cannot go from % to %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status <> '{S.DRAFT.value}' AND ROW({new}) IS DISTINCT FROM ROW({old}) THEN
    RAISE EXCEPTION 'document version % is % and its content never changes', OLD.id, OLD.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS documents_documentversion_guard ON documents_documentversion;
CREATE TRIGGER documents_documentversion_guard BEFORE UPDATE ON documents_documentversion
  FOR EACH ROW EXECUTE FUNCTION documents_documentversion_guard();
"""


def lifecycle_guard_install(*, using: str = "default") -> None:
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(guard_sql())


def lifecycle_guard_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    lifecycle_guard_install(using=using)
