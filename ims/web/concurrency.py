"""No lost updates: an edit carries the version of the record it was read at, and a stale one is refused.

Pages put the version in a hidden field (``VERSION_FIELD``) of every edit form; the API gives it as the
``ETag`` of a record and honours ``If-Match`` on ``PUT``/``PATCH``. ``guarded_edit`` locks the record's row
for the saving transaction and raises ``StaleEdit`` when the record changed since that version was read, so
of two people editing the same record the second gets 409 "changed by N at T since you opened it" and
nothing of theirs is written. The version is the record's newest change in the audit trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

VERSION_FIELD = "_version"


def version_token(obj: models.Model, related: Iterable[models.Model] = ()) -> str | None:
    """An opaque version of ``obj``: its newest change in the audit trail (every audited record has one per
    change, written by the database itself), else its ``updated_at``; ``None`` when it keeps neither.

    ``related``: the records edited with it on the same form (a question's answers), whose versions are part
    of the form's version (one changed, added or removed since the form was opened makes it stale)."""
    from ims.audit.models import AuditEvent
    from ims.audit.registry import is_audited

    if is_audited(type(obj)):
        newest = (
            AuditEvent.objects.for_record(obj)
            .filter(action__in=("I", "U"))
            .order_by("-id")
            .values_list("id", flat=True)
        ).first()
        stamp = f"event {newest}"
    elif getattr(obj, "updated_at", None) is not None:
        stamp = obj.updated_at.isoformat()
    else:
        return None
    for item in related:
        stamp += f"|{item._meta.label_lower}:{item.pk}:{version_token(item)}"
    raw = f"{obj._meta.label_lower}:{obj.pk}:{stamp}"
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


def etag(obj: models.Model) -> str | None:
    token = version_token(obj)
    return f'"{token}"' if token else None


def if_match_tokens(header: str) -> set[str] | None:
    """The versions an ``If-Match`` header names (``None``: no header; ``{"*"}``: any)."""
    if not header:
        return None
    return {part.strip().removeprefix("W/").strip('"') for part in header.split(",") if part.strip()}


class StaleEdit(Exception):
    """The record changed since the editor read it."""

    def __init__(self, current: models.Model) -> None:
        self.current = current
        super().__init__(self.message)

    @property
    def message(self) -> str:
        from ims.audit.models import AuditEvent

        event = AuditEvent.objects.for_record(self.current).filter(action__in=("I", "U")).order_by("-id").first()
        who = event.actor_label if event else _("someone")
        when = timezone.localtime(event.occurred_at if event else timezone.now())
        return _(
            "This record was changed by %(who)s at %(when)s since you opened it. Nothing of yours was saved: "
            "open the current version, then make your change again."
        ) % {"who": who, "when": when.strftime("%Y-%m-%d %H:%M")}


@contextmanager
def guarded_edit(
    obj: models.Model,
    seen: set[str] | str | None,
    related: Callable[[models.Model], Iterable[models.Model]] | None = None,
) -> Iterator[models.Model]:
    """Inside one transaction: lock ``obj``'s row, check it is still at a version in ``seen`` (``None``: not
    checked), and yield the current row; the caller saves inside the block. ``related(current)`` gives the
    records edited on the same form (see ``version_token``)."""
    with transaction.atomic():
        current = type(obj)._base_manager.select_for_update().get(pk=obj.pk)
        if seen is not None:
            allowed = {seen} if isinstance(seen, str) else seen
            token = version_token(current, related(current) if related else ())
            if token is not None and "*" not in allowed and token not in allowed:
                raise StaleEdit(current)
        yield current


def table_version(model: type[models.Model]) -> str:
    """The version of a grid edited as a whole (all rows of ``model``): its newest change in the audit trail."""
    from ims.audit.models import AuditEvent

    newest = (
        AuditEvent.objects.filter(table_name=model._meta.db_table, action__in=("I", "U", "D"))
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return hashlib.sha256(f"{model._meta.label_lower}:event {newest}".encode()).hexdigest()[:24]


class StaleGrid(Exception):
    """The grid changed since the editor opened it."""

    def __init__(self, model: type[models.Model]) -> None:
        from ims.audit.models import AuditEvent

        event = AuditEvent.objects.filter(table_name=model._meta.db_table).order_by("-id").first()
        who = event.actor_label if event else _("someone")
        when = timezone.localtime(event.occurred_at if event else timezone.now()).strftime("%Y-%m-%d %H:%M")
        self.message = _(
            "The matrix was changed by %(who)s at %(when)s since you opened it. Nothing of yours was saved: "
            "reload it, then make your change again."
        ) % {"who": who, "when": when}
        super().__init__(self.message)


@contextmanager
def guarded_grid_edit(model: type[models.Model], seen: str | None) -> Iterator[None]:
    """Inside one transaction: one editor of ``model``'s grid at a time (an advisory lock), refused with
    ``StaleGrid`` when the grid changed since version ``seen`` (``None``: not checked)."""
    with transaction.atomic():
        key = int.from_bytes(hashlib.sha256(f"grid:{model._meta.db_table}".encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        if seen is not None and table_version(model) != seen:
            raise StaleGrid(model)
        yield
