"""Obligation services: legal and other requirements, and the compliance evaluations recorded against them.

An obligation is added at sites where the actor holds ``risks.add_obligation`` (every one of them), changed
with ``risks.change_obligation`` and withdrawn (kept) with ``risks.delete_obligation``. An evaluation is
recorded for one of the obligation's sites where the actor holds ``risks.add_complianceevaluation``; its next
evaluation date becomes the obligation's when it is the latest evaluation.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.audit.context import audit_context
from ims.documents.models import ControlledDocument
from ims.org.models import Person

from .models import ComplianceEvaluation, Obligation
from .scoring import change_reason

PERM_ADD = "risks.add_obligation"
PERM_CHANGE = "risks.change_obligation"
PERM_EVALUATE = "risks.add_complianceevaluation"
OBLIGATION_FIELDS = (
    "title", "obligation_type", "jurisdiction", "sites", "clause", "requirement_summary", "owner",
    "evaluation_interval_months", "next_evaluation",
)  # fmt: skip
EVALUATION_FIELDS = ("result", "evidence", "evidence_document", "next_evaluation")


def _require_at_sites(actor, perm: str, sites: Iterable, verb: str) -> None:
    for site in sites:
        if actor is not None and not user_can_at_site(actor, perm, site):
            raise PermissionDenied(
                _("You may not %(verb)s obligations at site %(site)s.") % {"verb": verb, "site": site.code}
            )


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _validate_obligation(obligation: Obligation, *, actor, sites: list) -> None:
    errors: dict[str, str] = {}
    if not sites:
        errors["sites"] = _("Name at least one site the obligation applies to.")
    if obligation.owner_id is None:
        errors["owner"] = _("Choose the owner of the obligation.")
    elif not obligation.owner.is_active:
        errors["owner"] = _("The owner must be an active person.")
    elif actor is not None and not Person.objects.restrict(actor, "view").filter(pk=obligation.owner_id).exists():
        errors["owner"] = _("Not visible to you: %(name)s.") % {"name": obligation.owner}
    if errors:
        raise ValidationError(errors)
    obligation.full_clean(validate_constraints=False)


@transaction.atomic
def obligation_create(
    *,
    actor,
    title: str,
    obligation_type: str,
    jurisdiction: str,
    sites: Iterable,
    owner,
    next_evaluation: datetime.date,
    clause=None,
    requirement_summary: str = "",
    evaluation_interval_months: int = 12,
) -> Obligation:
    sites = list(sites)
    _require_at_sites(actor, PERM_ADD, sites, _("add"))
    obligation = Obligation(
        title=(title or "").strip(), obligation_type=obligation_type, jurisdiction=(jurisdiction or "").strip(),
        clause=clause, requirement_summary=(requirement_summary or "").strip(), owner=owner,
        evaluation_interval_months=evaluation_interval_months, next_evaluation=next_evaluation,
    )  # fmt: skip
    _validate_obligation(obligation, actor=actor, sites=sites)
    obligation.save()
    obligation.sites.set(sites)
    return obligation


@transaction.atomic
def obligation_update(*, actor, obligation: Obligation, data: dict, reason: str | None = None) -> Obligation:
    _require(actor, "change", obligation)
    reason = change_reason(reason)
    obligation = Obligation._base_manager.select_for_update(of=("self",)).get(pk=obligation.pk)
    if not obligation.is_active:
        raise ValidationError(_("A withdrawn obligation cannot be changed."))
    unknown = set(data) - set(OBLIGATION_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    current = list(obligation.sites.all())
    sites = list(data["sites"]) if "sites" in data else current
    current_ids, new_ids = {s.pk for s in current}, {s.pk for s in sites}
    _require_at_sites(actor, PERM_ADD, [s for s in sites if s.pk not in current_ids], _("add"))
    _require_at_sites(actor, PERM_CHANGE, [s for s in current if s.pk not in new_ids], _("change"))
    if "next_evaluation" in data and data["next_evaluation"] != obligation.next_evaluation:
        obligation.evaluation_reminded_days = None
    for name, value in data.items():
        if name != "sites":
            setattr(obligation, name, value.strip() if isinstance(value, str) else value)
    _validate_obligation(obligation, actor=actor, sites=sites)
    with audit_context(reason=reason):
        obligation.save()
        if "sites" in data:
            obligation.sites.set(sites)
    return obligation


@transaction.atomic
def obligation_withdraw(*, actor, obligation: Obligation, reason: str | None = None) -> Obligation:
    _require(actor, "delete", obligation)
    reason = change_reason(reason)
    obligation = Obligation._base_manager.select_for_update().get(pk=obligation.pk)
    if not obligation.is_active:
        raise ValidationError(_("This obligation is already withdrawn."))
    with audit_context(reason=reason):
        obligation.is_active = False
        obligation.save(update_fields=["is_active", "updated_at"])
    return obligation


def _validate_evaluation(evaluation: ComplianceEvaluation, *, actor) -> None:
    errors: dict[str, str] = {}
    if not (evaluation.evidence or "").strip():
        errors["evidence"] = _("Describe the evidence the evaluation rests on.")
    if evaluation.evaluated_on and evaluation.next_evaluation and evaluation.next_evaluation <= evaluation.evaluated_on:
        errors["next_evaluation"] = _("The next evaluation must come after this one.")
    if evaluation.evidence_document_id is not None:
        document = evaluation.evidence_document
        if actor is not None and not ControlledDocument.objects.restrict(actor, "view").filter(pk=document.pk).exists():
            errors["evidence_document"] = _("Not visible to you: %(name)s.") % {"name": document.number}
    if errors:
        raise ValidationError(errors)
    evaluation.full_clean(validate_constraints=False)


def _sync_next_evaluation(obligation: Obligation) -> None:
    """The obligation is next due when the earliest of its sites' latest evaluations says so."""
    latest: dict[int, datetime.date] = {}
    for site_id, next_date in (
        ComplianceEvaluation._base_manager.filter(obligation=obligation)
        .order_by("site_id", "-evaluated_on", "-pk")
        .values_list("site_id", "next_evaluation")
    ):
        latest.setdefault(site_id, next_date)
    site_ids = set(obligation.sites.values_list("pk", flat=True))
    if latest and site_ids <= set(latest):
        due = min(latest[s] for s in site_ids)
    else:
        due = min(latest.values()) if latest else obligation.next_evaluation
        due = min(due, obligation.next_evaluation)
    if due != obligation.next_evaluation:
        obligation.next_evaluation = due
        obligation.evaluation_reminded_days = None  # a new date starts the reminder steps again
        obligation.save(update_fields=["next_evaluation", "evaluation_reminded_days", "updated_at"])


@transaction.atomic
def evaluation_record(
    *,
    actor,
    obligation: Obligation,
    site,
    evaluated_on: datetime.date,
    result: str,
    evidence: str,
    next_evaluation: datetime.date | None = None,
    evidence_document=None,
    evaluated_by=None,
) -> ComplianceEvaluation:
    """Record the evaluation of ``obligation`` at ``site``; the obligation's next evaluation follows."""
    if site is None:
        raise ValidationError({"site": _("Choose the site evaluated.")})
    if actor is not None and not user_can_at_site(actor, PERM_EVALUATE, site):
        raise PermissionDenied(_("You may not record compliance evaluations at site %(site)s.") % {"site": site.code})
    obligation = Obligation._base_manager.select_for_update(of=("self",)).get(pk=obligation.pk)
    if not obligation.is_active:
        raise ValidationError(_("A withdrawn obligation is not evaluated."))
    if not obligation.sites.filter(pk=site.pk).exists():
        raise ValidationError({"site": _("The obligation does not apply at %(site)s.") % {"site": site.code}})
    if next_evaluation is None and evaluated_on is not None:
        next_evaluation = evaluated_on + relativedelta(months=obligation.evaluation_interval_months)
    evaluation = ComplianceEvaluation(
        obligation=obligation, site=site, evaluated_on=evaluated_on, result=result, evidence=(evidence or "").strip(),
        evidence_document=evidence_document, evaluated_by=evaluated_by or actor, next_evaluation=next_evaluation,
    )  # fmt: skip
    if evaluation.evaluated_by_id is None:
        raise ValidationError({"evaluated_by": _("Name who evaluated.")})
    _validate_evaluation(evaluation, actor=actor)
    evaluation.save()
    with audit_context(reason=_("Compliance evaluation recorded")):
        _sync_next_evaluation(obligation)
    return evaluation


@transaction.atomic
def evaluation_update(*, actor, evaluation: ComplianceEvaluation, data: dict, reason: str | None = None):
    """Correct an evaluation's result, evidence or next date (the original stays in the audit trail)."""
    _require(actor, "change", evaluation)
    reason = change_reason(reason)
    evaluation = ComplianceEvaluation._base_manager.select_for_update(of=("self",)).get(pk=evaluation.pk)
    unknown = set(data) - set(EVALUATION_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    for name, value in data.items():
        setattr(evaluation, name, value.strip() if isinstance(value, str) else value)
    _validate_evaluation(evaluation, actor=actor)
    with audit_context(reason=reason):
        evaluation.save()
        obligation = Obligation._base_manager.select_for_update().get(pk=evaluation.obligation_id)
        _sync_next_evaluation(obligation)
    return evaluation


def earliest_due(obligations) -> datetime.date | None:
    return obligations.aggregate(first=Min("next_evaluation"))["first"]
