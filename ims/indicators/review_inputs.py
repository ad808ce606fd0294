"""Inputs of a management review (ISO 9001 / 14001 / 45001 clause 9.3), assembled from the apps that own them.

An app registers an input in its ``review_inputs.py``::

    register_input(ReviewInput(key="audit_results", label="Audit results", order=40, collect=audit_results))

``collect(*, user, site_ids, start, end)`` returns a ``ReviewSection`` for the sites and period, showing only what
``user`` may see: a short summary, figures, and an HTML fragment (escaped text, tables, inline server-side SVG) that
the review page and its PDF pack show as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class ReviewSection:
    summary: str
    html: SafeString
    figures: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewInput:
    key: str
    label: str
    order: int  # the clause 9.3.2 order: previous actions 10, context 20, performance 30, audits 40, …
    collect: Callable[..., ReviewSection]


_INPUTS: dict[str, ReviewInput] = {}


def register_input(review_input: ReviewInput) -> None:
    _INPUTS[review_input.key] = review_input


def inputs_all() -> list[ReviewInput]:
    return sorted(_INPUTS.values(), key=lambda i: (i.order, i.label))
