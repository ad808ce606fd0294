"""Step 4 — training matrix, assignments, sessions and competency assessments."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import training_demo_seed

        return training_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Courses, requirements, assignments and records at scale (called by ``manage.py seed_scale``)."""
        from .scale import scale_training_seed

        return scale_training_seed(size_name, seed=seed, log=log)

    def ready(self) -> None:
        from . import cards, receivers, reminders  # noqa: F401  (register the dashboard cards, the notice producer)

        receivers.connect()
