from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Policies and objectives"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo`` (the kernel finds it on the app config, never imports the app)."""
        from .demo import acknowledgements_demo_seed, objectives_demo_seed, responsibilities_demo_seed

        return f"{objectives_demo_seed()}; {acknowledgements_demo_seed()}; {responsibilities_demo_seed()}"

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Distributions and acknowledgement tasks of the scale documents (called by ``manage.py seed_scale``)."""
        from .scale import scale_acknowledgements_seed

        return scale_acknowledgements_seed(size_name, seed=seed, log=log)

    def ready(self) -> None:
        from . import cards, distribution, receivers  # noqa: F401  (register the cards and the notice producer)
        from .evidence import register as evidence_register

        receivers.connect()
        evidence_register()
