"""The SQL side of the audit kernel: trigger functions, protections and privileges.

``audit_install()`` runs after every ``migrate`` (and when the test database is created); it is
idempotent. It needs the owner role: the application role owns nothing and cannot change any of it.
"""

from __future__ import annotations

import logging

from django.conf import settings

from . import registry

logger = logging.getLogger("ims.audit")

EVENT_TABLE = "audit_auditevent"
EVENT_TABLE_LABEL = "audit.auditevent"
SEAL_TABLE = "audit_auditseal"

# The row hash over an event's fields. ``ims_audit_hash`` takes them one by one (the capture triggers hash a
# statement's events before they exist as rows); ``ims_audit_row_hash`` hashes a stored event the same way.
ROW_HASH_SQL = f"""
CREATE OR REPLACE FUNCTION ims_audit_hash(
  p_id bigint, p_occurred_at timestamptz, p_table text, p_label text, p_pk text, p_action text, p_old jsonb,
  p_new jsonb, p_changed text[], p_actor_id bigint, p_actor_label text, p_token_id bigint, p_channel text,
  p_reason text, p_request_id text, p_client_ip inet, p_site_ids bigint[], p_txid bigint
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(concat_ws(chr(31),
    p_id,
    to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
    p_table, p_label, p_pk, p_action,
    coalesce(p_old::text, '-'), coalesce(p_new::text, '-'),
    array_to_string(p_changed, ','),
    coalesce(p_actor_id::text, '-'), p_actor_label, coalesce(p_token_id::text, '-'),
    p_channel, p_reason, p_request_id, coalesce(host(p_client_ip), '-'),
    coalesce(array_to_string(p_site_ids, ','), '-'), p_txid
  ), 'UTF8')), 'hex')
$$;
CREATE OR REPLACE FUNCTION ims_audit_row_hash(e {EVENT_TABLE}) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ims_audit_hash(e.id, e.occurred_at, e.table_name, e.model_label, e.object_pk, e.action, e.old, e.new,
    e.changed_fields::text[], e.actor_id, e.actor_label, e.token_id, e.channel, e.reason, e.request_id,
    e.client_ip, e.site_ids, e.txid)
$$;
"""

REJECT_SQL = """
CREATE OR REPLACE FUNCTION ims_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ims: % on % is not allowed: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# Writes one event from the current audit context (fills id, time, actor, channel, hash).
EMIT_SQL = f"""
CREATE OR REPLACE FUNCTION ims_audit_emit(
  p_table text, p_label text, p_pk text, p_action text, p_old jsonb, p_new jsonb,
  p_changed text[], p_site_ids bigint[], p_context jsonb
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ev {EVENT_TABLE}%ROWTYPE;
BEGIN
  ev.id := nextval(pg_get_serial_sequence('{EVENT_TABLE}', 'id'));
  ev.occurred_at := clock_timestamp();
  ev.table_name := p_table;
  ev.model_label := p_label;
  ev.object_pk := p_pk;
  ev.action := p_action;
  ev.old := p_old;
  ev.new := p_new;
  ev.changed_fields := coalesce(p_changed, '{{}}');
  ev.actor_id := nullif(p_context->>'actor_id', '')::bigint;
  ev.actor_label := coalesce(nullif(p_context->>'actor_label', ''), 'db:' || session_user);
  ev.token_id := nullif(p_context->>'token_id', '')::bigint;
  ev.channel := coalesce(nullif(p_context->>'channel', ''), 'database');
  ev.reason := coalesce(p_context->>'reason', '');
  ev.request_id := coalesce(p_context->>'request_id', '');
  ev.client_ip := nullif(p_context->>'client_ip', '')::inet;
  ev.site_ids := p_site_ids;
  ev.txid := pg_current_xact_id()::text::bigint;
  ev.row_hash := ims_audit_row_hash(ev);
  INSERT INTO {EVENT_TABLE} SELECT (ev).*;
  RETURN ev.id;
END $$;
"""

# An inspector's read, logged through a definer function (the app role cannot insert events). It takes only
# what the application must say: which record (a registered model's label and an existing row), what kind of
# read, and the request context the application set (``ims.audit_context``) for who reads. The reader must
# be an active person holding a current Inspector membership, and the event can only ever be a read ('R'):
# its actor label is the reader's user name as the database knows it, and its detail is limited to known keys.
READ_VIEWS = ("trail", "export", "api", "history")
READ_DETAIL_KEYS = ("view", "page", "filters", "format", "events")


def _log_read_sql(entries: list[registry.AuditedModel]) -> str:
    # Labels and table names come from the model registry, never from input.
    lookups = "\n".join(
        f"    WHEN '{entry.label}' THEN SELECT EXISTS (SELECT 1 FROM {entry.table} WHERE id = pk_num) INTO found;"  # noqa: S608
        for entry in entries
    )
    views = ", ".join(f"'{view}'" for view in READ_VIEWS)
    keys = ", ".join(f"'{key}'" for key in READ_DETAIL_KEYS)
    return f"""
DROP FUNCTION IF EXISTS ims_audit_log_read(text, text, jsonb, jsonb);
CREATE OR REPLACE FUNCTION ims_audit_log_read(p_label text, p_pk text, p_detail jsonb)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ctx jsonb := coalesce(nullif(current_setting('ims.audit_context', true), '')::jsonb, '{{}}'::jsonb);
  reader bigint := nullif(ctx->>'actor_id', '')::bigint;
  reader_name text;
  found boolean := false;
  pk_num bigint := CASE WHEN p_pk ~ '^[0-9]{{1,18}}$' THEN p_pk::bigint END;
BEGIN
  IF p_detail IS NULL OR jsonb_typeof(p_detail) <> 'object' OR NOT (p_detail->>'view' IN ({views}))
     OR EXISTS (SELECT 1 FROM jsonb_object_keys(p_detail) AS k WHERE k NOT IN ({keys})) THEN
    RAISE EXCEPTION 'ims: a read is logged with a known kind of view and detail only'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT p.username INTO reader_name FROM org_person p
   WHERE p.id = reader AND p.is_active AND EXISTS (
     SELECT 1 FROM org_membership m JOIN org_role r ON r.id = m.role_id
      WHERE m.person_id = p.id AND r.code = 'inspector' AND m.valid_from <= current_date
        AND (m.valid_to IS NULL OR m.valid_to >= current_date));
  IF reader_name IS NULL THEN
    RAISE EXCEPTION 'ims: only a current inspector''s reads are logged' USING ERRCODE = 'insufficient_privilege';
  END IF;
  CASE p_label
    WHEN '{EVENT_TABLE_LABEL}' THEN
      found := p_pk = 'trail' OR EXISTS (SELECT 1 FROM {EVENT_TABLE} WHERE id = pk_num);
{lookups}
    ELSE found := false;
  END CASE;
  IF NOT found THEN
    RAISE EXCEPTION 'ims: no record % % to log a read of', p_label, p_pk USING ERRCODE = 'no_data_found';
  END IF;
  RETURN ims_audit_emit('{EVENT_TABLE}', p_label, p_pk, 'R', NULL, p_detail, '{{}}', NULL, jsonb_build_object(
    'actor_id', reader, 'actor_label', reader_name, 'channel', coalesce(nullif(ctx->>'channel', ''), 'web'),
    'request_id', coalesce(ctx->>'request_id', ''), 'client_ip', ctx->>'client_ip', 'reason', ''));
END $$;
"""  # noqa: S608


def _masked(expression: str, names: tuple[str, ...]) -> str:
    """``expression`` (a row's values as jsonb) with each of ``names`` shown as ``***``."""
    for name in names:
        expression = (
            f"CASE WHEN {expression} ? '{name}' THEN jsonb_set({expression}, '{{{name}}}', '\"***\"') "
            f"ELSE {expression} END"
        )
    return expression


CAPTURE_OPERATIONS = (("insert", "INSERT", "NEW TABLE AS new_rows"), ("update", "UPDATE",
    "OLD TABLE AS old_rows NEW TABLE AS new_rows"), ("delete", "DELETE", "OLD TABLE AS old_rows"))  # fmt: skip


# The values a capture statement reads from the trigger function, passed as $1… to its dynamic (replanned) form.
_DYNAMIC_VARIABLES = (
    "TG_TABLE_NAME", "v_actor", "v_label", "v_token", "v_channel", "v_reason", "v_request", "v_ip", "v_txid",
    "v_sequence",
)  # fmt: skip
REPLAN_ROWS = 50


def _dynamic(statement: str) -> str:
    """``statement`` as a dollar-quoted string for EXECUTE, its variables as parameters ($1 … in that order)."""
    import re

    for number, name in enumerate(_DYNAMIC_VARIABLES, start=1):
        statement = re.sub(rf"\b{name}\b", f"${number}", statement)
    return "$capture$" + statement.rstrip().rstrip(";") + "$capture$"


def _capture_function_sql(entry: registry.AuditedModel) -> str:
    """One event per changed row, written by one statement per statement that changed rows: the triggers see
    the statement's rows as transition tables, so a bulk insert of 100,000 rows writes its events in one
    INSERT … SELECT instead of 100,000 function calls. An update that changes only ignored columns writes
    nothing; masked columns are stored as ``***``; the context (who, channel, reason) is read once."""
    table = entry.table
    pk = entry.model._meta.pk.column
    ignored = "ARRAY[" + (", ".join(f"'{name}'" for name in entry.ignored) or "''") + "]::text[]"
    site_expr = entry.site_sql or "NULL::bigint[]"
    columns = (
        "id, occurred_at, table_name, model_label, object_pk, action, old, new, changed_fields, actor_id, "
        "actor_label, token_id, channel, reason, request_id, client_ip, site_ids, txid, row_hash"
    )
    label = entry.label
    values = (
        f"e.id, e.at, TG_TABLE_NAME, '{label}', e.pk, e.act, e.old_j, e.new_j, e.changed, v_actor, v_label, v_token, "
        f"v_channel, v_reason, v_request, v_ip, e.sites, v_txid, ims_audit_hash(e.id, e.at, TG_TABLE_NAME, "
        f"'{label}', e.pk, e.act, e.old_j, e.new_j, e.changed, v_actor, v_label, v_token, v_channel, v_reason, "
        f"v_request, v_ip, e.sites, v_txid)"
    )
    # The events of one statement, numbered in the order of the rows' ids (``c`` is the changed rows).
    # Table, column and label names come from the model registry, never from input.
    write = (
        f"INSERT INTO {EVENT_TABLE} ({columns})\n"  # noqa: S608
        f"    SELECT {values}\n"
        f"    FROM (SELECT nextval(v_sequence) AS id, clock_timestamp() AS at, c.*\n"
        f"          FROM (SELECT * FROM ({{rows}}) AS s ORDER BY s.row_id) AS c) AS e;"
    )
    inserted = write.format(rows=(  # noqa: S608
        f"SELECT r.{pk} AS row_id, r.{pk}::text AS pk, 'I'::text AS act, NULL::jsonb AS old_j, "  # noqa: S608
        f"{_masked(f'(to_jsonb(r) - {ignored})', entry.masked)} AS new_j, '{{}}'::text[] AS changed, "
        f"{site_expr} AS sites FROM new_rows AS r"
    ))  # fmt: skip
    deleted = write.format(rows=(  # noqa: S608
        f"SELECT r.{pk} AS row_id, r.{pk}::text AS pk, 'D'::text AS act, "  # noqa: S608
        f"{_masked(f'(to_jsonb(r) - {ignored})', entry.masked)} AS old_j, NULL::jsonb AS new_j, "
        f"'{{}}'::text[] AS changed, {site_expr} AS sites FROM old_rows AS r"
    ))  # fmt: skip
    updated = write.format(rows=(  # noqa: S608
        f"SELECT r.{pk} AS row_id, r.{pk}::text AS pk, 'U'::text AS act, {_masked('j.old_j', entry.masked)} AS old_j, "  # noqa: S608
        f"{_masked('j.new_j', entry.masked)} AS new_j, d.changed, {site_expr} AS sites "
        f"FROM new_rows AS r JOIN old_rows AS o ON o.{pk} = r.{pk} "
        # OFFSET 0 keeps each row's two values computed once (inlined, they were rebuilt for every column compared)
        f"CROSS JOIN LATERAL (SELECT to_jsonb(o) - {ignored} AS old_j, to_jsonb(r) - {ignored} AS new_j OFFSET 0) AS j "
        f"CROSS JOIN LATERAL (SELECT coalesce(array_agg(k ORDER BY k), '{{}}')::text[] AS changed "
        f"  FROM jsonb_object_keys(j.new_j) AS k WHERE j.new_j -> k IS DISTINCT FROM j.old_j -> k) AS d "
        f"WHERE cardinality(d.changed) > 0"
    ))  # fmt: skip
    triggers = "\n".join(
        f"DROP TRIGGER IF EXISTS ims_audit_capture_{name} ON {table};\n"
        f"CREATE TRIGGER ims_audit_capture_{name} AFTER {operation} ON {table}\n"
        f"  REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION ims_audit_capture_{table}();"
        for name, operation, transition in CAPTURE_OPERATIONS
    )
    # Table and column names come from the model registry, never from input.
    return f"""
CREATE OR REPLACE FUNCTION ims_audit_capture_{table}() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ctx jsonb := coalesce(nullif(current_setting('ims.audit_context', true), '')::jsonb, '{{}}'::jsonb);
  v_actor bigint := nullif(ctx->>'actor_id', '')::bigint;
  v_label text := coalesce(nullif(ctx->>'actor_label', ''), 'db:' || session_user);
  v_token bigint := nullif(ctx->>'token_id', '')::bigint;
  v_channel text := coalesce(nullif(ctx->>'channel', ''), 'database');
  v_reason text := coalesce(ctx->>'reason', '');
  v_request text := coalesce(ctx->>'request_id', '');
  v_ip inet := nullif(ctx->>'client_ip', '')::inet;
  v_txid bigint := pg_current_xact_id()::text::bigint;
  v_sequence regclass := pg_get_serial_sequence('{EVENT_TABLE}', 'id')::regclass;
BEGIN
  IF TG_OP = 'INSERT' THEN
    {inserted}
  ELSIF TG_OP = 'UPDATE' THEN
    -- A statement over many rows is planned for its own rows (a plan cached from single-row updates would pair
    -- the old and new rows by a nested loop: quadratic); a single row keeps the cached plan.
    IF (SELECT count(*) FROM new_rows) > {REPLAN_ROWS} THEN
      EXECUTE {_dynamic(updated)} USING {", ".join(_DYNAMIC_VARIABLES)};
    ELSE
      {updated}
    END IF;
  ELSE
    {deleted}
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS ims_audit_capture ON {table};
{triggers}
"""  # noqa: S608


def _reject_trigger_sql(table: str, name: str, operations: str, message: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} BEFORE {operations} ON {table}
  FOR EACH ROW EXECUTE FUNCTION ims_reject_change('{message}');
"""


#: Bulk loads (the scale seed, imports) refresh the planner's statistics of the tables they filled. ANALYZE is the
#: table owner's; the application role runs it through this function, for tables of the public schema only.
ANALYZE_SQL = """
CREATE OR REPLACE FUNCTION ims_analyze(p_tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY p_tables LOOP
        IF to_regclass('public.' || quote_ident(t)) IS NULL THEN
            RAISE EXCEPTION 'ims_analyze: % is not a table of the application', t;
        END IF;
        EXECUTE format('ANALYZE public.%I', t);
    END LOOP;
END $$;
"""


def tables_analyze(*tables: str, using: str = "default") -> None:
    """Refresh the planner statistics of ``tables`` after a bulk load, whichever role the application connects
    as (the rows of the current transaction are counted too)."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql" or not tables:
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regprocedure('ims_analyze(text[])')")
        if cursor.fetchone()[0] is not None:
            cursor.execute("SELECT ims_analyze(%s)", [list(tables)])
        else:  # before the first migrate's install: the owner connects
            cursor.execute("ANALYZE " + ", ".join(conn.ops.quote_name(t) for t in tables))


def _role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def _grants_sql(app_role: str, present: set[str]) -> str:
    role = f'"{app_role}"'
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON {EVENT_TABLE} FROM {role}",
        f"REVOKE UPDATE, DELETE ON {SEAL_TABLE} FROM {role}",
        "REVOKE EXECUTE ON FUNCTION ims_audit_log_read(text, text, jsonb) FROM PUBLIC",
        "REVOKE EXECUTE ON FUNCTION ims_analyze(text[]) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION ims_analyze(text[]) TO {role}",
        f"GRANT EXECUTE ON FUNCTION ims_audit_log_read(text, text, jsonb) TO {role}",
        f"REVOKE EXECUTE ON FUNCTION ims_audit_emit(text, text, text, text, jsonb, jsonb, text[], bigint[], jsonb) "
        f"FROM PUBLIC, {role}",
    ]
    for entry in registry.append_only_models():
        if entry.table in present:
            statements.append(f"REVOKE UPDATE, DELETE ON {entry.table} FROM {role}")
    for entry in registry.audited_models():
        if entry.block_delete and entry.table in present:
            statements.append(f"REVOKE DELETE ON {entry.table} FROM {role}")
    return ";\n".join(statements) + ";"


def _existing(cursor, tables: list[str]) -> set[str]:
    cursor.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relname = ANY(%s)", [tables])
    return {row[0] for row in cursor.fetchall()}


def audit_install(*, using: str = "default") -> None:
    """Create or refresh the trigger functions, triggers and the application role's privileges."""
    from django.db import connections

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [EVENT_TABLE])
        if cursor.fetchone()[0] is None:
            return
        sql = [ROW_HASH_SQL, REJECT_SQL, EMIT_SQL, ANALYZE_SQL]
        for table in (EVENT_TABLE, SEAL_TABLE):
            sql.append(
                _reject_trigger_sql(table, "ims_append_only", "UPDATE OR DELETE", "the audit trail is append-only")
            )
        for entry in registry.append_only_models():
            cursor.execute("SELECT to_regclass(%s)", [entry.table])
            if cursor.fetchone()[0] is not None:
                sql.append(
                    _reject_trigger_sql(entry.table, "ims_append_only", "UPDATE OR DELETE", "append-only record")
                )
        for entry in registry.audited_models():
            cursor.execute("SELECT to_regclass(%s)", [entry.table])
            if cursor.fetchone()[0] is None:
                continue
            sql.append(_capture_function_sql(entry))
            if entry.block_delete:
                sql.append(
                    _reject_trigger_sql(entry.table, "ims_no_delete", "DELETE", "regulated records are never deleted")
                )
        audited_present = _existing(cursor, [e.table for e in registry.audited_models()])
        logged = [e for e in registry.audited_models() if e.table in audited_present]
        sql.append(_log_read_sql(logged))
        cursor.execute("\n".join(sql))
        app_role = settings.IMS_APP_DB_ROLE
        cursor.execute("SELECT current_user")
        current = cursor.fetchone()[0]
        if app_role and app_role != current and _role_exists(cursor, app_role):
            tables = [e.table for e in registry.append_only_models()] + [e.table for e in registry.audited_models()]
            present = _existing(cursor, tables)
            cursor.execute(_grants_sql(app_role, present))
        elif app_role == current:
            logger.warning(
                "The application connects as the owner role %s: the audit trail is protected by triggers only. "
                "Use separate roles (see README, 'Database roles').",
                current,
            )


def audit_install_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is None or app_config is not with_models[-1]:
        return
    audit_install(using=using)
