"""Feedback items for tests, made through the services."""

from __future__ import annotations

from django.test import override_settings

from implementation.feedback.choices import FeedbackKind
from implementation.feedback.services import feedback_submit


def feedback_item(*, site, submitter=None, kind=FeedbackKind.NEAR_MISS, description="Wet floor near line 3"):
    """A named item by ``submitter`` (who must work at ``site``), or an anonymous one."""
    with override_settings(FEEDBACK_ANONYMOUS_LIMIT=10**6):  # many rows at once are no flood here
        return feedback_submit(
            actor=submitter, site=site, kind=kind, description=description, location="Hall B",
            anonymous=submitter is None,
        )  # fmt: skip
