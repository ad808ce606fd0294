"""The registry of retraining providers: an app that assigns training registers how; others ask for retraining.

Training registers in its ``AppConfig.ready()``::

    retraining_provider_register("training", assign_for_capa)

and a CAPA whose root cause is training raises assignments without importing the training app::

    retraining_assign(actor=user, people=[...], course_code="SOP-001", due_date=day, reference="CAPA-000012",
                      site=site)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Provider = Callable[..., int]

_providers: dict[str, Provider] = {}


def retraining_provider_register(key: str, provider: Provider) -> None:
    """``provider(*, actor, people, course_code, due_date, reference, site) -> int`` (assignments raised); it
    runs in the caller's transaction and raises ``ValidationError``/``PermissionDenied`` to refuse."""
    _providers[key] = provider


def retraining_providers() -> dict[str, Provider]:
    return dict(_providers)


def retraining_assign(
    *, actor, people, course_code: str, due_date: datetime.date, reference: str, site, provider: str = "training"
) -> int:
    """Assign retraining through the registered provider (a clear refusal when none is installed)."""
    entry = _providers.get(provider)
    if entry is None:
        raise ValidationError({"course_code": _("No training provider is installed to assign retraining.")})
    return entry(actor=actor, people=list(people), course_code=course_code, due_date=due_date,
                 reference=reference, site=site)  # fmt: skip
