"""Readiness criteria of a site's IMS rollout, computed from the product's own data.

The app that owns the data registers a criterion in its ``readiness.py``::

    register_criterion(ReadinessCriterion(key="policy_acknowledged", label="IMS policy acknowledged", step=1,
                                          evaluate=policy_acknowledged, threshold=95.0, unit="%"))

``evaluate(*, site_ids, on, threshold)`` answers for many sites at once (a few queries, never one per site) with a
``CriterionValue`` per site id; a site without data answers ``value=None, passed=False`` and says why.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class CriterionValue:
    """The live value of one criterion at one site."""

    value: float | None  # e.g. 96.4 (a percentage), 3 (a count); None when there is nothing to measure yet
    passed: bool
    detail: str  # one sentence a quality manager understands: "412 of 430 people (95.8 %) acknowledged POL-IMS-001 v2"
    url: str = ""  # where to see the records behind the value (drill-down)


@dataclass(frozen=True)
class ReadinessCriterion:
    key: str
    label: str
    step: int  # the IMS step (1–6) the criterion belongs to
    evaluate: Callable[..., dict[int, CriterionValue]]
    description: str = ""
    threshold: float | None = None  # the default pass mark (a plan may set its own)
    unit: str = ""


_CRITERIA: dict[str, ReadinessCriterion] = {}


def register_criterion(criterion: ReadinessCriterion) -> None:
    _CRITERIA[criterion.key] = criterion


def criterion_get(key: str) -> ReadinessCriterion:
    try:
        return _CRITERIA[key]
    except KeyError:
        raise ValidationError(f"There is no readiness criterion called '{key}'.", code="unknown_criterion") from None


def criteria_all() -> list[ReadinessCriterion]:
    return sorted(_CRITERIA.values(), key=lambda c: (c.step, c.label))


def criteria_evaluate(
    keys: Iterable[str], *, site_ids: list[int], on: datetime.date, thresholds: dict[str, float] | None = None
) -> dict[str, dict[int, CriterionValue]]:
    """Every criterion named in ``keys`` for every site: ``{key: {site_id: value}}``."""
    thresholds = thresholds or {}
    out = {}
    for key in keys:
        criterion = criterion_get(key)
        out[key] = criterion.evaluate(site_ids=site_ids, on=on, threshold=thresholds.get(key, criterion.threshold))
    return out
