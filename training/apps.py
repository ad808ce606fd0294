"""Step 4 — training matrix, assignments, sessions and competency assessments."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import training_demo_seed
        from .matrix import compliance_snapshot_take

        seeded = training_demo_seed()
        # Today's compliance figures, so that the dashboard card has a snapshot before the first night.
        return f"{seeded}; compliance snapshot: {compliance_snapshot_take()} rows"

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Courses, requirements, assignments and records at scale (called by ``manage.py seed_scale``)."""
        from .matrix import compliance_snapshot_take
        from .scale import scale_training_seed

        seeded = scale_training_seed(size_name, seed=seed, log=log)
        return f"{seeded}; compliance snapshot: {compliance_snapshot_take()} rows"

    def ready(self) -> None:
        from . import cards, receivers, reminders  # noqa: F401  (register the dashboard cards, the notice producer)
        from .evidence import register as evidence_register

        receivers.connect()
        evidence_register()

        from ims.actions.retraining import retraining_provider_register

        from .retraining import assign_for_capa

        retraining_provider_register("training", assign_for_capa)

        from django.db.models.signals import post_migrate

        from .compliance_triggers import compliance_triggers_after_migrate

        post_migrate.connect(compliance_triggers_after_migrate, dispatch_uid="training.compliance_triggers")

        from ims.web.lookups import lookup_register

        from .models import Course

        lookup_register(
            "courses",
            queryset=lambda user: Course.objects.restrict(user, "view"),
            search_fields=("code", "title"),
            ordering=("code",),
        )
