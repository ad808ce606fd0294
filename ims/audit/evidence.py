"""The audit-trail sections of an inspector's evidence pack: an extract of the trail, and its integrity.

``trail``: the events of the period about the records the pack's other sections include (each section's
``included`` record sets, with their rows in audited link tables), in id order. ``parts()`` numbers the matching
events in one statement and cuts them into id ranges of ``TRAIL_EVENTS_PER_PART`` events (key ``<first
row>:<first id>-<last id>``), so a part reads its events by id range, never with OFFSET over the trail. Each
event's manifest entry is its stored row hash, the hash the seals chain.

``integrity``: the latest integrity verification, the verifications of the period and the head of the seal chain.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from functools import reduce

from django.db import connection, models
from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.db.models.lookups import In

from ims.org.models import Site
from ims.reports.manifest import manifest_records
from ims.reports.registry import (
    EvidenceSection,
    ManifestRecord,
    PackScope,
    SectionPart,
    included_records,
    register_section,
)
from ims.reports.render import table_html

from . import registry
from .models import AuditAction, AuditEvent, AuditSeal, IntegrityRun
from .selectors import EMPTY, MASK, TRAIL_LABEL, _changes, _columns, _is_relation, _model, record_type_label

TRAIL, INTEGRITY = "trail", "integrity"
TRAIL_TITLE = "Audit trail extract"
INTEGRITY_TITLE = "Audit trail integrity"
#: Events per part of the extract.
TRAIL_EVENTS_PER_PART = 250
#: The key of the one part of an extract with no events.
NO_EVENTS = "none"
#: Characters of one value, of one word of a value, and of one event's changes, in the extract.
VALUE_CHARS = 80
WORD_CHARS = 28
CHANGES_CHARS = 600
#: Problems of an integrity run listed in the pack.
PROBLEMS_SHOWN = 50


def _local(value: datetime.datetime | None, tz) -> str:
    if value is None:
        return EMPTY
    return f"{value.astimezone(tz):%Y-%m-%d %H:%M:%S} {getattr(tz, 'key', 'UTC')}"


def _utc(value: datetime.datetime) -> str:
    return f"{value.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S}Z"


def _site_zones(scope: PackScope) -> list[tuple[int, datetime.tzinfo]]:
    return [(site.pk, site.tzinfo) for site in Site.objects.filter(pk__in=scope.site_ids).order_by("code")]


# --- the extract -----------------------------------------------------------------------------------------------


def _link_columns(model: type[models.Model]) -> list[tuple[str, str]]:
    """The audited link tables of a model's many-to-many fields (an audit's clauses, a process's sites), each with
    the column naming the model's row."""
    links = []
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created and registry.get_audited(through) is not None:
            links.append((through._meta.db_table, field.m2m_column_name()))
    return links


def _record_conditions(scope: PackScope) -> list[Q]:
    """One condition per record set of the pack (``included_records``): the events of those records, and of
    their rows in the audited link tables (matched on the old or new row, so a removed link is there too)."""
    conditions = []
    for queryset in included_records(scope):
        texts = queryset.order_by().annotate(event_object_pk=Cast("pk", models.CharField())).values("event_object_pk")
        conditions.append(Q(table_name=queryset.model._meta.db_table, object_pk__in=texts))
        for table, column in _link_columns(queryset.model):
            conditions.append(
                Q(table_name=table)
                & (Q(In(KeyTextTransform(column, "new"), texts)) | Q(In(KeyTextTransform(column, "old"), texts)))
            )
    return conditions


def _in_period(scope: PackScope) -> Q:
    return Q(occurred_at__gte=scope.period_start_dt, occurred_at__lt=scope.period_end_dt)


def trail_events(scope: PackScope) -> QuerySet:
    """The events of the period about the records the pack's other sections include."""
    conditions = _record_conditions(scope)
    if not conditions:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(_in_period(scope) & reduce(operator.or_, conditions))


def trail_parts(scope: PackScope) -> list[str]:
    conditions = _record_conditions(scope)
    if not conditions:
        return [NO_EVENTS]
    # One indexed lookup per record set (the record index on table and id), joined: an OR of them all would
    # read the whole period of the trail.
    matching = [AuditEvent.objects.filter(_in_period(scope), condition).values("id") for condition in conditions]
    ids = matching[0].union(*matching[1:]) if len(matching) > 1 else matching[0]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(id), max(id), count(*) FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS part "  # noqa: S608 - the ORM's own SQL and parameters
            f"FROM ({sql}) AS matching) AS numbered GROUP BY part ORDER BY part",
            [TRAIL_EVENTS_PER_PART, *params],
        )
        ranges = cursor.fetchall()
    if not ranges:
        return [NO_EVENTS]
    keys, first_row = [], 1
    for low, high, count in ranges:
        keys.append(f"{first_row}:{low}-{high}")
        first_row += count
    return keys


def _related_names(events: list[AuditEvent]) -> dict[tuple[type[models.Model], str], str]:
    """Names of the related records the changes point to: one query per related model (no viewer scope: the
    pack's sites were checked when it was requested)."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for event in events:
        model = _model(event.model_label) if event.action != AuditAction.READ else None
        if model is None:
            continue
        columns = _columns(model)
        for name, old, new in event.diff():
            if _is_relation(columns.get(name)):
                wanted[columns[name].related_model].update(str(v) for v in (old, new) if v not in (None, "", MASK))
    names = {}
    for related, ids in wanted.items():
        relations = [f.name for f in related._meta.concrete_fields if f.is_relation and f.many_to_one]
        rows = related._base_manager.select_related(*relations)
        for row in rows.filter(pk__in=[i for i in ids if i.lstrip("-").isdigit()]):
            names[(related, str(row.pk))] = str(row)
    return names


def _record_names(events: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """How people name the records of the events (``CAPA-000012 · Title``): one query per record type."""
    by_label: dict[str, set[str]] = defaultdict(set)
    for event in events:
        model = _model(event.model_label)
        if model is not None and not model._meta.auto_created and event.object_pk.isdigit():
            by_label[event.model_label].add(event.object_pk)
    names = {}
    for label, pks in by_label.items():
        for record in _model(label)._base_manager.filter(pk__in=pks).select_related():
            names[(label, str(record.pk))] = str(record)[:120]
    return names


def _short(value: str) -> str:
    """A value cut to ``VALUE_CHARS``, its long words (hashes, digests) to ``WORD_CHARS``: the extract stays a
    table that fits the page; the event's full values are in the trail, which its row hash identifies."""
    words = [w if len(w) <= WORD_CHARS else w[: WORD_CHARS - 1] + "…" for w in value.split(" ")]
    value = " ".join(words)
    return value if len(value) <= VALUE_CHARS else value[: VALUE_CHARS - 1] + "…"


def _changes_text(event: AuditEvent, names) -> str:
    """``Field: old → new`` per changed field; a creation or deletion lists the values it held (blank ones left
    out); cut at ``CHANGES_CHARS``."""
    parts = []
    for change in _changes(event, names):
        if event.action in (AuditAction.CREATE, AuditAction.DELETE):
            value = change.new if event.action == AuditAction.CREATE else change.old
            if value != EMPTY:
                parts.append(f"{change.label}: {_short(value)}")
        else:
            parts.append(f"{change.label}: {_short(change.old)} → {_short(change.new)}")
    text = "; ".join(parts)
    return (text if len(text) <= CHANGES_CHARS else text[: CHANGES_CHARS - 1] + "…") or EMPTY


def trail_render(scope: PackScope, key: str) -> SectionPart:
    events: list[AuditEvent] = []
    first_row = 1
    if key != NO_EVENTS:
        first, _, id_range = key.partition(":")
        low, _, high = id_range.partition("-")
        first_row = int(first)
        events = list(trail_events(scope).filter(id__gte=int(low), id__lte=int(high)).order_by("id"))
    zones = _site_zones(scope)
    default_tz = zones[0][1] if zones else datetime.UTC
    names = _related_names(events)
    records = _record_names(events)
    rows = []
    for event in events:
        tz = next((zone for pk, zone in zones if pk in (event.site_ids or ())), default_tz)
        record = f"{record_type_label(event.model_label)} #{event.object_pk}"
        if label := records.get((event.model_label, event.object_pk)):
            record += f" · {label}"
        rows.append([
            event.pk, f"{_utc(event.occurred_at)} · {_local(event.occurred_at, tz)}", event.actor_label,
            event.get_action_display(), record, _changes_text(event, names), event.reason or EMPTY, event.channel,
        ])  # fmt: skip
    html = table_html(
        title="Audit trail events",
        lead=(
            f"Changes from {scope.period_start} to {scope.period_end} (UTC) of the records this pack's other "
            "sections hold, in the order they were written; times in UTC and at the record's site."
        ),
        columns=[("Event", True), "When", "Who", "Action", "Record", "Changes (old → new)", "Reason", "Channel"],
        rows=rows,
        empty="No change to the records of this pack in the period.",
    )
    html = f'<div class="small">{html}</div>'  # eight columns of dense text
    entries = [ManifestRecord(model=TRAIL_LABEL, pk=str(e.pk), version="1", sha256=e.row_hash) for e in events]
    title = f"{TRAIL_TITLE} {first_row}–{first_row + len(events) - 1}" if events else TRAIL_TITLE
    return SectionPart(title=title, html=html, records=entries)


# --- integrity -------------------------------------------------------------------------------------------------


def integrity_parts(scope: PackScope) -> list[str]:
    return ["latest"]


def _hmac_short(value: str) -> str:
    return f"{value[:16]}…" if value else EMPTY


def integrity_render(scope: PackScope, key: str) -> SectionPart:
    zones = _site_zones(scope)
    tz = zones[0][1] if zones else datetime.UTC
    run = IntegrityRun.objects.order_by("-id").first()
    in_period = IntegrityRun.objects.filter(
        started_at__gte=scope.period_start_dt, started_at__lt=scope.period_end_dt
    ).aggregate(total=Count("pk"), failed=Count("pk", filter=Q(ok=False)))
    seal = AuditSeal.objects.order_by("-id").first()
    html = table_html(
        title="Latest integrity verification",
        lead=(
            "The verification recomputes every event's row hash, the digest of every sealed block and the HMAC "
            f"chain of the seals. From {scope.period_start} to {scope.period_end}: {in_period['total']} "
            f"verifications, {in_period['failed']} with problems."
        ),
        columns=["Run", "Started", "Finished", "Trigger", "Result", ("Events checked", True), ("Seals checked", True)],
        rows=[
            [
                run.pk,
                _local(run.started_at, tz),
                _local(run.finished_at, tz),
                run.trigger,
                "OK" if run.ok else f"{len(run.problems)} problems",
                run.events_checked,
                run.seals_checked,
            ]
        ]
        if run
        else [],  # fmt: skip
        empty="The integrity of the audit trail has not been verified yet.",
    )
    if run is not None and run.problems:
        problems = [[i, str(p)] for i, p in enumerate(run.problems[:PROBLEMS_SHOWN], start=1)]
        more = len(run.problems) - PROBLEMS_SHOWN
        html += table_html(
            title="Problems found",
            lead=f"{more} more not listed." if more > 0 else "",
            columns=[("#", True), "Problem"],
            rows=problems,
        )
    html += table_html(
        title="Seal chain head",
        lead="Events are sealed in blocks of transactions; each seal's HMAC covers the previous one.",
        columns=["Seal", "Transactions", ("Events", True), "Sealed", "HMAC", "Previous HMAC"],
        rows=[
            [
                seal.pk,
                f"{seal.first_txid}–{seal.last_txid}",
                seal.event_count,
                _local(seal.sealed_at, tz),
                _hmac_short(seal.hmac),
                _hmac_short(seal.previous_hmac),
            ]
        ]
        if seal
        else [],  # fmt: skip
        empty="No events have been sealed yet.",
    )
    records = manifest_records([run] if run else []) + manifest_records([seal] if seal else [])
    return SectionPart(title=INTEGRITY_TITLE, html=html, records=records)


def register() -> None:
    register_section(
        EvidenceSection(
            code=TRAIL,
            title=TRAIL_TITLE,
            order=90,
            models=(TRAIL_LABEL,),
            parts=trail_parts,
            render=trail_render,
            description="The audit trail, during the period, of the records the pack's other sections hold.",
            pages=(("Audit trail", "audit:trail"),),
            period_lookups={TRAIL_LABEL: "occurred_at"},
        )
    )
    register_section(
        EvidenceSection(
            code=INTEGRITY,
            title=INTEGRITY_TITLE,
            order=95,
            models=(IntegrityRun._meta.label_lower, AuditSeal._meta.label_lower),
            parts=integrity_parts,
            render=integrity_render,
            description="The latest verification of the audit trail's integrity and the head of its seal chain.",
        )
    )
