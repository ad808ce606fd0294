"""Management reviews for tests, made through the services."""

from __future__ import annotations

import datetime

from implementation.review import services
from ims.esign import services as esign_services
from tests.conftest import PASSWORD

START = datetime.date(2026, 7, 1)
END = datetime.date(2026, 9, 30)


def review_for(site, *, chair, actor=None, title="Q3 management review", start=START, end=END, **extra):
    return services.review_create(
        actor=actor,
        site=site,
        title=title,
        period_start=start,
        period_end=end,
        meeting_date=extra.pop("meeting_date", end + datetime.timedelta(days=10)),
        chair=chair,
        **extra,
    )


def certify(person) -> None:
    esign_services.certification_create(person=person, password=PASSWORD, username=person.username, session={})


def sign(review, person, **extra):
    return services.review_minutes_sign(
        signer=person, review=review, password=extra.pop("password", PASSWORD), username=person.username, **extra
    )
