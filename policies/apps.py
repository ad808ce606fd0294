from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies and objectives"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo`` (the kernel finds it on the app config, never imports the app)."""
        from .demo import objectives_demo_seed

        return objectives_demo_seed()

    def ready(self) -> None:
        from . import distribution, receivers  # noqa: F401  (registers the notice producer)

        receivers.connect()
