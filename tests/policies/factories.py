"""factory_boy factories for objectives; rows are made through ``policies.services`` (as the command line)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from ims.testing.factories import PersonFactory, SiteFactory
from policies import services
from policies.choices import Direction, ObjectiveStatus
from policies.models import Objective, ObjectiveReading


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    """An active site objective "≥ 98 %" due in 180 days; ``site=None`` makes a company objective."""

    title = factory.Sequence(lambda n: f"Objective {n:04d}")
    kpi = "Right-first-time batch release"
    unit = "%"
    direction = Direction.HIGHER
    target = Decimal("98")
    site = factory.SubFactory(SiteFactory)
    owner = factory.SubFactory(PersonFactory)
    start_date = factory.LazyFunction(lambda: in_days(-180))
    due_date = factory.LazyFunction(lambda: in_days(180))
    status = ObjectiveStatus.ACTIVE

    class Meta:
        model = Objective

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Objective:
        return services.objective_create(actor=None, **kwargs)


class ObjectiveReadingFactory(factory.django.DjangoModelFactory):
    objective = factory.SubFactory(ObjectiveFactory)
    period_end = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(days=n))
    value = Decimal("97.5")
    recorded_by = factory.SelfAttribute("objective.owner")

    class Meta:
        model = ObjectiveReading

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> ObjectiveReading:
        return services.reading_record(actor=None, **kwargs)
