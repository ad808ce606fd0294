"""Step 5 — management review (ISO 9001 / 14001 / 45001 clause 9.3): the meeting record with its inputs assembled
from the apps, decisions and actions, signed minutes and the management review pack."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "implementation.review"
    label = "review"
    verbose_name = "Management review"

    def ready(self) -> None:
        from . import tasks

        tasks.register()  # the pack job kind, so the sweeper can re-send a lost pack

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo`` after the other step-5 apps: Basel's review of the last quarter."""
        from .demo import review_demo_seed

        return review_demo_seed()
