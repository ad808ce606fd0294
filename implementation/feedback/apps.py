"""Step 5 — employee feedback: suggestions, concerns, near misses and unsafe conditions (ISO 45001 worker
participation), named or truly anonymous, from a phone or a site kiosk, triaged by the site's quality manager."""

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "implementation.feedback"
    label = "feedback"
    verbose_name = "Employee feedback"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``: 15 feedback reports across the demo sites."""
        from .demo import seed

        return seed()
