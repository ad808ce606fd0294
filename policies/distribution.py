"""Distribution of effective versions and the read-and-acknowledge tasks: every write goes through here.

Who must read what is decided in one place, ``acknowledgements_reconcile``: it compares the live tasks with
the audience of the effective versions (``ims.documents.selectors.audience_rows``, one SQL statement) and

* creates the missing tasks (a version just became effective, a person joined the scope),
* cancels the open tasks of people no longer in scope, keeping the reason,
* moves an open task to the person's current site and function when they moved within the scope.

It is idempotent (a second run changes nothing) and set-based, so making a company-wide policy effective for
25,000 people is a handful of statements. It runs when a version becomes effective, when memberships or a
document's scope change (signals from the kernel), and nightly for memberships that start or end on a date.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ims.audit.context import audit_context
from ims.documents.choices import VersionStatus
from ims.documents.models import DocumentVersion
from ims.documents.selectors import audience_rows
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.models import Signature
from ims.esign.services import db_now, signature_create
from ims.notifications.models import Notice
from ims.notifications.registry import notice_producer
from ims.notifications.services import notices_create, notices_write

from .models import Acknowledgement, AcknowledgementStatus, CancelReason, Distribution

BATCH = 5000


class AcknowledgementRefused(ValidationError):
    """The task cannot be acknowledged now (not yours, not read yet, no longer open); nothing was signed."""


def _today() -> datetime.date:
    return timezone.localdate()


def acknowledgement_statement(version: DocumentVersion) -> str:
    """The words the person signs."""
    return _("I have read and understood version %(n)s of %(doc)s.") % {
        "n": version.number,
        "doc": f"{version.document.number} {version.document.title}",
    }


# --- Reconciling tasks with the scope -----------------------------------------------------------------------------


def _distributions_for(version_ids: set[int], on: datetime.date) -> dict[int, Distribution]:
    found = {d.version_id: d for d in Distribution._base_manager.filter(version_id__in=version_ids)}
    missing = version_ids - set(found)
    if missing:
        versions = DocumentVersion._base_manager.filter(pk__in=missing).select_related("document")
        created = Distribution._base_manager.bulk_create(
            [
                Distribution(
                    version=v,
                    due_date=max(on, v.effective_date or on) + datetime.timedelta(days=v.document.acknowledgement_days),
                )
                for v in versions
            ]
        )
        found.update({d.version_id: d for d in created})
    return found


@transaction.atomic
def acknowledgements_reconcile(
    *,
    on: datetime.date | None = None,
    version_ids: list[int] | None = None,
    person_ids: list[int] | set[int] | None = None,
) -> dict[str, int]:
    """Bring the live tasks of the given versions and/or people (None: all) in line with the scope on ``on``."""
    on = on or _today()
    persons = sorted(person_ids) if person_ids is not None else None
    wanted = {(v, p): (s, f) for v, p, s, f in audience_rows(on=on, version_ids=version_ids, person_ids=persons)}
    live = Acknowledgement._base_manager.filter(
        status__in=[AcknowledgementStatus.OPEN, AcknowledgementStatus.ACKNOWLEDGED],
        version__status=VersionStatus.EFFECTIVE,
    )
    if version_ids is not None:
        live = live.filter(version_id__in=version_ids)
    if persons is not None:
        live = live.filter(person_id__in=persons)
    existing: dict[tuple[int, int], tuple[int, int, int, str]] = {
        (v, p): (pk, s, f, status)
        for pk, v, p, s, f, status in live.values_list(
            "pk", "version_id", "person_id", "site_id", "function_id", "status"
        )
    }

    to_create = [key for key in wanted if key not in existing]
    to_cancel = [row[0] for key, row in existing.items() if key not in wanted and row[3] == AcknowledgementStatus.OPEN]
    moves: dict[tuple[int, int], list[int]] = defaultdict(list)
    for key, (pk, site, function, status) in existing.items():
        if key in wanted and status == AcknowledgementStatus.OPEN and wanted[key] != (site, function):
            moves[wanted[key]].append(pk)

    if to_create:
        distributions = _distributions_for({v for v, _p in to_create}, on)
        days = dict(
            DocumentVersion._base_manager.filter(pk__in=distributions).values_list(
                "pk", "document__acknowledgement_days"
            )
        )
        # A distribution with no task yet is being sent out now: its tasks share its due date. Later joiners
        # get the document's days from the day they join.
        fresh_distribution = set(
            Distribution._base_manager.filter(pk__in=[d.pk for d in distributions.values()])
            .filter(~Exists(Acknowledgement._base_manager.filter(distribution=OuterRef("pk"))))
            .values_list("version_id", flat=True)
        )
        tasks = []
        for v, p in to_create:
            distribution = distributions[v]
            due = distribution.due_date if v in fresh_distribution else on + datetime.timedelta(days=days[v])
            site, function = wanted[(v, p)]
            tasks.append(
                Acknowledgement(
                    distribution=distribution,
                    version_id=v,
                    person_id=p,
                    site_id=site,
                    function_id=function,
                    due_date=due,
                )
            )
        with audit_context(reason=_("Asked to read and acknowledge the effective version")):
            Acknowledgement._base_manager.bulk_create(tasks, batch_size=BATCH)
        counts = defaultdict(int)
        for v, _p in to_create:
            counts[v] += 1
        for v in fresh_distribution:
            Distribution._base_manager.filter(pk=distributions[v].pk).update(audience_count=counts[v])
    now = db_now()
    if to_cancel:
        with audit_context(reason=_("Left the document's scope")):
            for start in range(0, len(to_cancel), BATCH):
                Acknowledgement._base_manager.filter(pk__in=to_cancel[start : start + BATCH]).update(
                    status=AcknowledgementStatus.CANCELLED,
                    cancelled_at=now,
                    cancel_reason=CancelReason.LEFT_SCOPE,
                    cancel_note=_("No current site, function and role in the document's scope on %(d)s.")
                    % {"d": on.isoformat()},
                )
    moved = 0
    if moves:
        with audit_context(reason=_("Moved within the document's scope")):
            for (site, function), pks in moves.items():
                moved += Acknowledgement._base_manager.filter(pk__in=pks).update(site_id=site, function_id=function)
    return {"created": len(to_create), "cancelled": len(to_cancel), "moved": moved}


def _cancel_open_of_versions(version_ids: list[int], reason: str, note: str) -> int:
    if not version_ids:
        return 0
    with audit_context(reason=note):
        return Acknowledgement._base_manager.filter(
            version_id__in=version_ids, status=AcknowledgementStatus.OPEN
        ).update(status=AcknowledgementStatus.CANCELLED, cancelled_at=db_now(), cancel_reason=reason, cancel_note=note)


def version_distribute(*, version: DocumentVersion, superseded=(), on: datetime.date | None = None) -> dict[str, int]:
    """A version became effective: open tasks on the versions it replaced end, everyone in scope is asked."""
    on = on or _today()
    note = _("Version %(n)s became effective.") % {"n": version.number}
    cancelled = _cancel_open_of_versions([v.pk for v in superseded], CancelReason.SUPERSEDED, note)
    if not version.document.requires_acknowledgement:
        return {"created": 0, "cancelled": cancelled, "moved": 0}
    Distribution._base_manager.get_or_create(
        version=version,
        defaults={
            "due_date": max(on, version.effective_date or on)
            + datetime.timedelta(days=version.document.acknowledgement_days)
        },
    )
    figures = acknowledgements_reconcile(on=on, version_ids=[version.pk])
    figures["cancelled"] += cancelled
    return figures


def version_withdraw(*, version: DocumentVersion) -> int:
    return _cancel_open_of_versions(
        [version.pk], CancelReason.WITHDRAWN, _("Version %(n)s was retired.") % {"n": version.number}
    )


def document_redistribute(*, document) -> dict[str, int]:
    """The scope of ``document`` changed: the tasks of its effective version follow."""
    ids = list(document.versions.filter(status=VersionStatus.EFFECTIVE).values_list("pk", flat=True))
    if not ids:
        return {"created": 0, "cancelled": 0, "moved": 0}
    return acknowledgements_reconcile(version_ids=ids)


# --- The person's side: read, then acknowledge with an e-signature ------------------------------------------------


def _own_open(actor, acknowledgement: Acknowledgement) -> Acknowledgement:
    if actor is None or acknowledgement.person_id != actor.pk:
        raise PermissionDenied(_("This task belongs to somebody else."))
    if acknowledgement.status != AcknowledgementStatus.OPEN:
        raise AcknowledgementRefused(
            _("This task is %(status)s; there is nothing to acknowledge.")
            % {"status": acknowledgement.get_status_display().lower()},
            code="not_open",
        )
    if acknowledgement.version.status != VersionStatus.EFFECTIVE:
        raise AcknowledgementRefused(_("This version is no longer effective."), code="not_effective")
    return acknowledgement


def acknowledgement_open(*, actor, acknowledgement: Acknowledgement) -> Acknowledgement:
    """The person opened the version to read it (recorded once; acknowledging needs it, Part 11 §11.10(f)).

    Reading a task that is no longer open (acknowledged, cancelled) records nothing; reading somebody
    else's task is refused.
    """
    if actor is None or acknowledgement.person_id != actor.pk:
        raise PermissionDenied(_("This task belongs to somebody else."))
    if acknowledgement.status != AcknowledgementStatus.OPEN:
        return acknowledgement
    if acknowledgement.opened_at is None:
        with audit_context(reason=_("Opened the version to read it")):
            Acknowledgement._base_manager.filter(pk=acknowledgement.pk, opened_at__isnull=True).update(
                opened_at=db_now()
            )
        acknowledgement.refresh_from_db(fields=["opened_at"])
    return acknowledgement


def acknowledgement_sign(
    *,
    actor,
    acknowledgement: Acknowledgement,
    password: str | None,
    username: str | None = None,
    session=None,
    channel: str = SignatureChannel.WEB,
    ip: str | None = None,
) -> Signature:
    """The person signs "I have read and understood version N" (meaning: acknowledged) for their own task."""
    acknowledgement = Acknowledgement._base_manager.select_related("version__document").get(pk=acknowledgement.pk)
    _own_open(actor, acknowledgement)
    if acknowledgement.opened_at is None:
        raise AcknowledgementRefused(_("Open and read the version before you acknowledge it."), code="not_read")

    def apply(signature: Signature) -> None:
        locked = Acknowledgement._base_manager.select_for_update().select_related("version").get(pk=acknowledgement.pk)
        _own_open(actor, locked)
        locked.status = AcknowledgementStatus.ACKNOWLEDGED
        locked.acknowledged_at = signature.signed_at
        locked.signature = signature
        with audit_context(reason=signature.reason):
            locked.save(update_fields=["status", "acknowledged_at", "signature", "updated_at"])

    return signature_create(
        signer=actor,
        record=acknowledgement,
        meaning=SignatureMeaning.ACKNOWLEDGED,
        password=password,
        username=username,
        reason=acknowledgement_statement(acknowledgement.version),
        session=session,
        channel=channel,
        ip=ip,
        apply=apply,
        workflow=True,
        check_visible=False,
    )


# --- Daily notices: the person's open tasks, and overdue ones for their manager -----------------------------------

MAX_LINES = 15


# What a notice line shows of a task (the version's text and attachment are not read for it).
_LINE_FIELDS = ("person_id", "due_date", "version__number", "version__document__number", "version__document__title")


def _lines(tasks: list[Acknowledgement], on: datetime.date, with_person: bool = False) -> str:
    lines = []
    for task in tasks[:MAX_LINES]:
        who = f"{task.person.display_name}: " if with_person else ""
        when = (
            _("overdue since %(d)s") % {"d": task.due_date.isoformat()}
            if task.due_date < on
            else _("due %(d)s") % {"d": task.due_date.isoformat()}
        )
        lines.append(
            f"- {who}{task.version.document.number} v{task.version.number} {task.version.document.title} ({when})"
        )
    if len(tasks) > MAX_LINES:
        lines.append(_("… and %(n)s more.") % {"n": len(tasks) - MAX_LINES})
    return "\n".join(lines)


@notice_producer("acknowledgements")
def acknowledgement_notices(on: datetime.date) -> int:
    """One notice per person with open tasks (a digest item), one per manager with newly escalated tasks."""
    open_tasks = (
        Acknowledgement._base_manager.filter(status=AcknowledgementStatus.OPEN, person__is_active=True)
        # People with today's notice already: one subquery, checked as a hashed list (NOT IN) whatever the planner
        # believes of notices written moments ago (as an anti-join it thought small: 11 s for 21,000 people).
        .exclude(person_id__in=Notice.objects.filter(category="acknowledgements", day=on).values("person_id"))
        .select_related("version__document")
        .only(*_LINE_FIELDS)
        .order_by("person_id", "due_date", "pk")
    )
    by_person: dict[int, list[Acknowledgement]] = defaultdict(list)
    for task in open_tasks.iterator(chunk_size=5000):
        by_person[task.person_id].append(task)
    url = reverse("policies:my_tasks")
    notices = [
        Notice(
            person_id=person_id,
            category="acknowledgements",
            day=on,
            subject=_("%(n)s document(s) to read and acknowledge") % {"n": len(tasks)},
            body=_lines(tasks, on),
            url=url,
            item_count=len(tasks),
        )
        for person_id, tasks in by_person.items()
    ]
    created = notices_create(notices)
    return created + acknowledgement_escalations(on=on)


@transaction.atomic
def acknowledgement_escalations(*, on: datetime.date) -> int:
    """Tell each manager, once per task, about reports overdue by the configured number of days."""
    days = settings.IMS_ACKNOWLEDGEMENT_ESCALATION_DAYS
    limit = on - datetime.timedelta(days=days)
    tasks = list(
        Acknowledgement._base_manager.select_for_update(skip_locked=True, of=("self",))
        .filter(
            status=AcknowledgementStatus.OPEN,
            escalated_at__isnull=True,
            due_date__lte=limit,
            person__manager__isnull=False,
            person__manager__is_active=True,
        )
        .select_related("version__document", "person")
        .only(*_LINE_FIELDS, "person__manager_id", "person__first_name", "person__last_name", "person__username")
        .order_by("person__manager_id", "person__last_name", "due_date")
    )
    if not tasks:
        return 0
    by_manager: dict[int, list[Acknowledgement]] = defaultdict(list)
    for task in tasks:
        by_manager[task.person.manager_id].append(task)
    messages = {manager: (_lines(items, on, with_person=True), len(items)) for manager, items in by_manager.items()}
    written = notices_write(
        category="acknowledgement_escalation",
        on=on,
        messages=messages,
        subject=_("%(n)s overdue acknowledgement(s) in your team"),
        url=reverse("policies:coverage"),
    )
    with audit_context(reason=_("Overdue by %(n)s days: escalated to the manager") % {"n": days}):
        Acknowledgement._base_manager.filter(pk__in=[t.pk for t in tasks]).update(escalated_at=db_now())
    return written
