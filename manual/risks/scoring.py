"""Scoring: the discipline's method turns severity, likelihood (and detectability) into a score and a band.

``scoring_method_update`` changes a discipline's method company-wide; the discipline's entries are re-banded
in the same transaction (a scale can only shrink above the highest score already given, and the method's kind
can only change while the discipline has no active entries: scores of another kind do not convert).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, CharField, Max, Value, When
from django.utils.translation import gettext as _

from ims.access.permissions import has_global_permission
from ims.audit.context import audit_context
from ims.audit.context import current as current_audit_context

from .choices import Band
from .models import RiskEntry, ScoringMethod

PERM_CHANGE_METHOD = "risks.change_scoringmethod"
METHOD_FIELDS = ("kind", "severity_max", "likelihood_max", "detectability_max", "medium_from", "high_from")
REASON_REQUIRED = _("Give the reason for this change; it is kept in the audit trail.")


def change_reason(reason: str | None = None) -> str:
    """The reason of an update: given by the caller, else the interface's (pages and API set it)."""
    text = (reason or current_audit_context().get("reason") or "").strip()
    if not text:
        raise ValidationError({"change_reason": REASON_REQUIRED})
    return text


#: The method of a discipline until the company sets its own (the same values the first migration stores).
DEFAULT_METHODS: dict[str, dict] = {
    "quality": {"kind": "rpn", "severity_max": 5, "likelihood_max": 5, "detectability_max": 5,
                "medium_from": 20, "high_from": 50},
    "environment": {"kind": "matrix", "severity_max": 5, "likelihood_max": 5, "detectability_max": 5,
                    "medium_from": 6, "high_from": 12},
    "ohs": {"kind": "matrix", "severity_max": 5, "likelihood_max": 5, "detectability_max": 5,
            "medium_from": 8, "high_from": 15},
}  # fmt: skip


def methods() -> dict[str, ScoringMethod]:
    """The scoring method of each discipline (one query); a discipline never set uses its default."""
    found = {method.discipline: method for method in ScoringMethod.objects.all()}
    for discipline, values in DEFAULT_METHODS.items():
        found.setdefault(discipline, ScoringMethod(discipline=discipline, **values))
    return found


def method_for(discipline: str) -> ScoringMethod:
    method = ScoringMethod.objects.filter(discipline=discipline).first()
    if method is None:
        if discipline not in DEFAULT_METHODS:
            raise ValidationError(_("No scoring method is set for this discipline."))
        method = ScoringMethod(discipline=discipline, **DEFAULT_METHODS[discipline])
    return method


def scale_errors(method: ScoringMethod, prefix: str, severity, likelihood, detectability) -> dict[str, str]:
    """Messages for values outside the method's scales, keyed by field name (``prefix`` inherent/residual)."""
    errors: dict[str, str] = {}
    checks = [("severity", severity, method.severity_max), ("likelihood", likelihood, method.likelihood_max)]
    if method.uses_detectability:
        checks.append(("detectability", detectability, method.detectability_max))
    for name, value, top in checks:
        field = f"{prefix}_{name}"
        if value is None:
            errors[field] = _("Give a %(name)s score from 1 to %(top)s.") % {"name": name, "top": top}
        elif not 1 <= int(value) <= top:
            errors[field] = _("%(value)s is outside the %(name)s scale of 1 to %(top)s.") % {
                "value": value,
                "name": name,
                "top": top,
            }
    return errors


def may_change_methods(actor) -> bool:
    return actor is None or has_global_permission(actor, PERM_CHANGE_METHOD)


@transaction.atomic
def scoring_method_update(*, actor, method: ScoringMethod, data: dict, reason: str | None = None) -> ScoringMethod:
    """Change the discipline's method; its entries are re-banded at once (scores stay as given)."""
    if not may_change_methods(actor):
        raise PermissionDenied(_("Only a company-wide administrator may change a scoring method."))
    reason = change_reason(reason)
    if method.pk is None:
        method.save()  # the default, stored before it changes
    method = ScoringMethod._base_manager.select_for_update().get(pk=method.pk)
    unknown = set(data) - set(METHOD_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    entries = RiskEntry._base_manager.filter(discipline=method.discipline, is_active=True)
    errors: dict[str, str] = {}
    if "kind" in data and data["kind"] != method.kind and entries.exists():
        errors["kind"] = _(
            "The discipline has active entries scored by the current method; retire or re-score them first."
        )
    for name, value in data.items():
        setattr(method, name, value)
    highest = entries.aggregate(
        s=Max("inherent_severity"), l=Max("inherent_likelihood"), d=Max("inherent_detectability"),
        rs=Max("residual_severity"), rl=Max("residual_likelihood"), rd=Max("residual_detectability"),
    )  # fmt: skip
    for field, keys in (("severity_max", "s rs"), ("likelihood_max", "l rl"), ("detectability_max", "d rd")):
        used = max((highest[k] or 0) for k in keys.split())
        if getattr(method, field) < used:
            errors[field] = _("Entries already use scores up to %(used)s.") % {"used": used}
    if errors:
        raise ValidationError(errors)
    method.full_clean()
    with audit_context(reason=reason):
        method.save()
        rebanded = 0
        for prefix in ("inherent", "residual"):
            rebanded += entries.update(**{f"{prefix}_band": band_case(method, f"{prefix}_score")})
        if method.discipline == "environment":
            entries.update(is_significant=Case(When(inherent_score__gte=method.medium_from, then=Value(True)),
                                               default=Value(False)))  # fmt: skip
    return method


def band_case(method: ScoringMethod, score_field: str) -> Case:
    """The band of ``score_field`` under ``method``, as SQL (a set-based re-band)."""
    return Case(
        When(**{f"{score_field}__gte": method.high_from}, then=Value(Band.HIGH)),
        When(**{f"{score_field}__gte": method.medium_from}, then=Value(Band.MEDIUM)),
        default=Value(Band.LOW),
        output_field=CharField(),
    )
