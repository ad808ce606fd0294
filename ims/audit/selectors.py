"""Reading the audit trail: a record's history, the trail's rows in plain language, exports.

Events store column names and raw values (``manager_id: 7``). Everything shown to people goes
through ``event_rows()``, which turns them into field labels (verbose names), choice labels and
the names of related records the viewer may see — with a fixed number of queries per page,
whatever the number of events. Times are shown in the viewer's site time zone and in UTC.

Reads of the trail by an inspector are themselves recorded (``inspector_read_log``).
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection, models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from ims.access import registry as access_registry
from ims.access.permissions import user_can_any_site
from ims.web.links import may_open_path

from . import context
from .models import AuditAction, AuditEvent

TRAIL_PERMISSION = "audit.view_auditevent"
#: Events shown on a record's page; the rest are one click away on the trail page.
HISTORY_LIMIT = 50
#: The label under which reads of the trail itself are recorded.
TRAIL_LABEL = "audit.auditevent"
EMPTY = "—"
MASK = "***"
UTC = datetime.UTC


# --- who may read, and who is an inspector -----------------------------------------------------------------


def trail_readable_by(*, user) -> bool:
    """Does ``user`` hold the trail permission globally or at any site?"""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_ims_reads_trail", None)
    if cached is None:
        cached = user_can_any_site(user, TRAIL_PERMISSION)
        user._ims_reads_trail = cached
    return cached


def is_inspector(*, user) -> bool:
    """Does one of ``user``'s current memberships give the Inspector role? (Their reads are logged.)"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_ims_is_inspector", None)
    if cached is None:
        from ims.org.choices import RoleCode
        from ims.org.models import Membership

        cached = Membership.objects.current().filter(person_id=user.pk, role__code=RoleCode.INSPECTOR).exists()
        user._ims_is_inspector = cached
    return cached


def inspector_read_log(*, user, label: str, pk: object, detail: dict) -> bool:
    """Record an inspector's read of the trail as an 'R' event (COMPLIANCE §6 row 2). True if recorded.

    The application's database role cannot insert events; ``ims_audit_log_read`` is a definer
    function that checks the reader is a current inspector and the record exists, and writes a read event
    with the audit context the application set (who, channel, request, IP).
    """
    if not is_inspector(user=user):
        return False
    with context.audit_context(actor=user), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [context.SETTING, context.payload()])
        cursor.execute(
            "SELECT ims_audit_log_read(%s, %s, %s::jsonb)",
            [label, str(pk), json.dumps(detail, default=str, sort_keys=True)],
        )
    return True


def viewer_timezone(*, user) -> datetime.tzinfo:
    """The time zone of the site of the viewer's first current membership; UTC without one."""
    cached = getattr(user, "_ims_viewer_tz", None)
    if cached is not None:
        return cached
    tz: datetime.tzinfo = UTC
    if user is not None and getattr(user, "is_authenticated", False):
        from ims.org.models import Membership

        name = (
            Membership.objects.current()
            .filter(person_id=user.pk)
            .order_by("valid_from", "pk")
            .values_list("site__timezone", flat=True)
            .first()
        )
        if name:
            try:
                tz = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                tz = UTC
    if user is not None:
        user._ims_viewer_tz = tz
    return tz


# --- which events belong to a record's history -----------------------------------------------------------------

#: label → functions giving the events of related rows shown in that record's history.
_related_history: dict[str, list[Callable[[models.Model, object], models.Q]]] = defaultdict(list)


def register_related_history(label: str, events: Callable[[models.Model, object], models.Q]) -> None:
    """Show in the history of a ``label`` record the events selected by ``events(obj, user)`` too."""
    _related_history[label].append(events)


def _role_permission_events(role, user) -> models.Q:
    """A role's permission set lives in ``org_role_permissions``: its grants and withdrawals."""
    return models.Q(table_name=role.permissions.through._meta.db_table) & (
        models.Q(new__role_id=role.pk) | models.Q(old__role_id=role.pk)
    )


def _person_membership_events(person, user) -> models.Q:
    """A person's memberships that ``user`` may see (site by site)."""
    from ims.org.models import Membership

    visible = (
        Membership.objects.restrict(user, "view")
        .filter(person_id=person.pk)
        .annotate(pk_text=Cast("pk", models.CharField()))
        .values("pk_text")
    )
    return models.Q(table_name=Membership._meta.db_table, object_pk__in=visible)


register_related_history("org.role", _role_permission_events)
register_related_history("org.person", _person_membership_events)


def record_events(*, obj: models.Model, user) -> models.QuerySet:
    """The events of ``obj`` (and of its registered related rows), newest first.

    The caller has already shown ``obj`` to ``user`` (its detail page applies ``restrict()``):
    a record that may be seen is seen with its whole history, including events from before it
    belonged to the viewer's site (ALCOA+ "Available"). Related rows are filtered by their own scope.
    """
    condition = models.Q(table_name=obj._meta.db_table, object_pk=str(obj.pk))
    for events in _related_history.get(obj._meta.label_lower, ()):
        condition |= events(obj, user)
    return AuditEvent.objects.filter(condition).order_by("-id")


def trail_url(**filters) -> str:
    query = urlencode({k: v for k, v in filters.items() if v not in (None, "")})
    return reverse("audit:trail") + (f"?{query}" if query else "")


# --- events in plain language ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class EventRow:
    """One event as people read it."""

    event: AuditEvent
    record_type: str
    record_url: str | None
    actor_url: str | None
    local_time: datetime.datetime
    utc_iso: str
    changes: list[FieldChange] = field(default_factory=list)
    record_label: str = ""  # how people name the record (document number and title, person, course code)

    @property
    def action(self) -> str:
        return self.event.get_action_display()

    @property
    def local_display(self) -> str:
        """Wall-clock time at the viewer's site, with the zone's abbreviation (e.g. CET)."""
        return self.local_time.strftime("%Y-%m-%d %H:%M:%S %Z")


@lru_cache(maxsize=256)
def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


@lru_cache(maxsize=256)
def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.column: f for f in model._meta.concrete_fields}


def record_type_label(label: str) -> str:
    model = _model(label)
    return capfirst(str(model._meta.verbose_name)) if model is not None else label


def utc_iso(value: datetime.datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _is_relation(model_field: models.Field | None) -> bool:
    return model_field is not None and model_field.is_relation and model_field.many_to_one


def _related_names(events: list[AuditEvent], user) -> dict[tuple[type[models.Model], str], str]:
    """Names of the related records the events point to, one query per related model, visible ones only."""
    wanted: dict[type[models.Model], set[str]] = defaultdict(set)
    for event in events:
        model = _model(event.model_label) if event.action != AuditAction.READ else None
        if model is None:
            continue
        columns = _columns(model)
        for name, old, new in event.diff():
            model_field = columns.get(name)
            if _is_relation(model_field):
                wanted[model_field.related_model].update(str(v) for v in (old, new) if v not in (None, "", MASK))
    names: dict[tuple[type[models.Model], str], str] = {}
    for related, ids in wanted.items():
        if access_registry.get_scoped(related) is not None:
            rows = related._default_manager.restrict(user, "view")
        else:
            rows = related._base_manager.all()
        relations = [f.name for f in related._meta.concrete_fields if f.is_relation and f.many_to_one]
        if relations:
            rows = rows.select_related(*relations)
        numeric = [i for i in ids if i.lstrip("-").isdigit()]
        for row in rows.filter(pk__in=numeric):
            names[(related, str(row.pk))] = str(row)
    return names


def _value(model_field: models.Field | None, value, names) -> str:
    if value is None or value == "":
        return EMPTY
    if value == MASK:
        return MASK
    if _is_relation(model_field):
        name = names.get((model_field.related_model, str(value)))
        return f"{name} (#{value})" if name else f"#{value}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if model_field is not None and model_field.choices:
        choices = dict(model_field.flatchoices)
        if value in choices:
            return str(choices[value])
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _changes(event: AuditEvent, names) -> list[FieldChange]:
    if event.action == AuditAction.READ:
        return []
    model = _model(event.model_label)
    columns = _columns(model) if model is not None else {}
    pk_column = model._meta.pk.column if model is not None else "id"
    changes = []
    for name, old, new in event.diff():
        if name == pk_column and event.action != AuditAction.UPDATE:
            continue  # the record id is shown with the record
        model_field = columns.get(name)
        label = capfirst(str(model_field.verbose_name)) if model_field is not None else name
        changes.append(
            FieldChange(
                name=name, label=label, old=_value(model_field, old, names), new=_value(model_field, new, names)
            )
        )
    return changes


def _record_url(event: AuditEvent, visible: set[tuple[str, str]], user) -> str | None:
    if (event.model_label, event.object_pk) not in visible:
        return None
    try:
        url = _model(event.model_label)(pk=event.object_pk).get_absolute_url()
    except Exception:  # noqa: BLE001 - a record type whose URL needs more than its id: no link
        return None
    # A record whose only page is its edit form (a question) is linked only for those who may edit it.
    return url if may_open_path(user, url) else None


def _visible_records(events: list[AuditEvent], user, labels: dict | None = None) -> set[tuple[str, str]]:
    """(label, pk) of the records behind ``events`` that ``user`` may open: one query per record type.
    ``labels`` receives each visible record's name as people know it (its ``__str__``, related rows joined)."""
    by_label: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.action == AuditAction.DELETE:
            continue
        model = _model(event.model_label)
        if model is not None and hasattr(model, "get_absolute_url") and event.object_pk.isdigit():
            by_label[event.model_label].add(event.object_pk)
    visible = set()
    for label, pks in by_label.items():
        model = _model(label)
        manager = model._default_manager
        rows = manager.restrict(user, "view") if hasattr(manager, "restrict") else manager.all()
        for obj in rows.filter(pk__in=pks).select_related():
            visible.add((label, str(obj.pk)))
            if labels is not None:
                labels[(label, str(obj.pk))] = str(obj)[:120]
    return visible


def event_rows(*, events: Iterable[AuditEvent], user) -> list[EventRow]:
    """The events ready to show: labels, named values, links the viewer may follow, local and UTC times."""
    from ims.org.models import Person

    events = list(events)
    tz = viewer_timezone(user=user)
    names = _related_names(events, user)
    labels: dict[tuple[str, str], str] = {}
    visible = _visible_records(events, user, labels)
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = set(Person.objects.restrict(user, "view").filter(pk__in=actor_ids).values_list("pk", flat=True))
    rows = []
    for event in events:
        rows.append(
            EventRow(
                event=event,
                record_type=record_type_label(event.model_label),
                record_url=_record_url(event, visible, user),
                record_label=labels.get((event.model_label, event.object_pk), ""),
                actor_url=reverse("org:person_detail", args=[event.actor_id]) if event.actor_id in actors else None,
                local_time=event.occurred_at.astimezone(tz),
                utc_iso=utc_iso(event.occurred_at),
                changes=_changes(event, names),
            )
        )
    return rows


# --- a record's history ----------------------------------------------------------------------------------------


@dataclass
class RecordHistory:
    readable: bool
    rows: list[EventRow] = field(default_factory=list)
    has_more: bool = False
    trail_url: str = ""
    timezone_name: str = "UTC"


def record_history(*, obj: models.Model, user, limit: int = HISTORY_LIMIT) -> RecordHistory:
    """The newest ``limit`` events of ``obj`` for its page; empty (not readable) without the trail permission."""
    if not trail_readable_by(user=user):
        return RecordHistory(readable=False)
    events = list(record_events(obj=obj, user=user)[: limit + 1])
    inspector_read_log(
        user=user, label=obj._meta.label_lower, pk=obj.pk, detail={"view": "history", "events": len(events[:limit])}
    )
    tz = viewer_timezone(user=user)
    return RecordHistory(
        readable=True,
        rows=event_rows(events=events[:limit], user=user),
        has_more=len(events) > limit,
        trail_url=trail_url(model_label=obj._meta.label_lower, object_pk=obj.pk),
        timezone_name=str(getattr(tz, "key", "UTC")),
    )


# --- exports ---------------------------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "id",
    "occurred_at",
    "record_type",
    "record_id",
    "action",
    "actor",
    "actor_id",
    "channel",
    "reason",
    "request_id",
    "client_ip",
    "site_ids",
    "changed_fields",
    "old",
    "new",
)


def export_records(queryset: models.QuerySet, *, chunk_size: int = 2000) -> Iterator[dict]:
    """Every event of ``queryset`` as a flat dict (UTC ISO time, raw old/new values), streamed by chunks."""
    fields = (
        "id",
        "occurred_at",
        "model_label",
        "object_pk",
        "action",
        "actor_label",
        "actor_id",
        "channel",
        "reason",
        "request_id",
        "client_ip",
        "site_ids",
        "changed_fields",
        "old",
        "new",
    )
    for row in queryset.values_list(*fields).iterator(chunk_size=chunk_size):
        values = dict(zip(fields, row, strict=True))
        yield {
            "id": values["id"],
            "occurred_at": utc_iso(values["occurred_at"]),
            "record_type": values["model_label"],
            "record_id": values["object_pk"],
            "action": values["action"],
            "actor": values["actor_label"],
            "actor_id": values["actor_id"],
            "channel": values["channel"],
            "reason": values["reason"],
            "request_id": values["request_id"],
            "client_ip": values["client_ip"],
            "site_ids": values["site_ids"],
            "changed_fields": values["changed_fields"] or [],
            "old": values["old"],
            "new": values["new"],
        }
