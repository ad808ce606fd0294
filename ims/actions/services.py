"""The kernel's own kind of action: create one, mark it done or cancelled."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.audit.context import audit_context

from .models import Action, ActionStatus
from .registry import DEFAULT_KIND, ActionRef


def _next_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('actions_action', 'id'))")
        return cursor.fetchone()[0]


@transaction.atomic
def action_create(
    *,
    actor,
    source,
    title: str,
    description: str = "",
    owner=None,
    due_date: datetime.date | None = None,
    site,
) -> ActionRef:
    """A tracked action at ``site``, raised from ``source`` (any record; kept as content type and id)."""
    if actor is not None and not user_can_at_site(actor, "actions.add_action", site):
        raise PermissionDenied(_("You may not raise actions at %(site)s.") % {"site": site})
    if not (title or "").strip():
        raise ValidationError({"title": _("Give the action a title.")})
    pk = _next_id()
    action = Action(
        pk=pk,
        reference=f"ACT-{pk:06d}",
        site=site,
        title=title.strip()[:200],
        description=description,
        owner=owner,
        due_date=due_date,
        raised_by=actor,
    )
    if source is not None and source.pk is not None:
        action.source_type = ContentType.objects.get_for_model(type(source))
        action.source_id = str(source.pk)
        action.source_label = str(source)[:200]
    with audit_context(reason=_("Action raised")):
        action.save(force_insert=True)
    return ActionRef(kind=DEFAULT_KIND, reference=action.reference, url=action.get_absolute_url())


def action_url_for_reference(reference: str) -> str:
    pk = Action._base_manager.filter(reference=reference).values_list("pk", flat=True).first()
    return reverse("actions:action_detail", args=[pk]) if pk else ""


@transaction.atomic
def action_update(*, actor, action: Action, changes: dict) -> Action:
    """Change what an action says, who owns it, when it is due, or close it (done / cancelled)."""
    if not user_can(actor, "change", action):
        raise PermissionDenied(_("You may not change this action."))
    locked = Action._base_manager.select_for_update().get(pk=action.pk)
    if locked.status != ActionStatus.OPEN and changes.get("status", locked.status) == locked.status:
        raise ValidationError(_("A closed action is kept as it was closed."))
    fields = []
    for name in ("title", "description", "owner", "due_date", "status"):
        if name in changes and getattr(locked, name) != changes[name]:
            setattr(locked, name, changes[name])
            fields.append(name)
    if "status" in fields:
        locked.closed_at = None if locked.status == ActionStatus.OPEN else timezone.now()
        fields.append("closed_at")
    if not (locked.title or "").strip():
        raise ValidationError({"title": _("Give the action a title.")})
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


@transaction.atomic
def action_cancel(*, actor, action: Action) -> Action:
    """Open → cancelled (the reason comes with the audit context of the caller)."""
    if not user_can(actor, "delete", action):
        raise PermissionDenied(_("You may not cancel this action."))
    locked = Action._base_manager.select_for_update().get(pk=action.pk)
    if locked.status != ActionStatus.OPEN:
        raise ValidationError(_("This action is already %(status)s.") % {"status": locked.get_status_display()})
    locked.status = ActionStatus.CANCELLED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    return locked


@transaction.atomic
def action_close(*, actor, action: Action, status: str, reason: str) -> Action:
    """Open → done or cancelled, with a reason for the record."""
    if status not in (ActionStatus.DONE, ActionStatus.CANCELLED):
        raise ValidationError({"status": _("An action is closed as done or cancelled.")})
    if not user_can(actor, "change", action):
        raise PermissionDenied(_("You may not close this action."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give a reason for closing the action.")})
    locked = Action._base_manager.select_for_update().get(pk=action.pk)
    if locked.status != ActionStatus.OPEN:
        raise ValidationError(_("This action is already %(status)s.") % {"status": locked.get_status_display()})
    locked.status = status
    locked.closed_at = timezone.now()
    with audit_context(reason=reason.strip()):
        locked.save(update_fields=["status", "closed_at", "updated_at"])
    return locked
