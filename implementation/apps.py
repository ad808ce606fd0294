"""Step 5 — implementation across sites: rollout plans per site with readiness computed from the product's data,
the go-live gate, the rollout heat map and timeline."""

from django.apps import AppConfig


class ImplementationConfig(AppConfig):
    name = "implementation"
    verbose_name = "Implementation"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``: Basel live, Cork mid-rollout, Raleigh and Singapore planned."""
        from .demo import rollout_demo_seed

        return rollout_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """A rollout plan with tasks and criteria per scale site (``manage.py seed_scale``)."""
        from .scale import scale_rollout_seed

        return scale_rollout_seed(size_name, seed=seed, log=log)

    def ready(self) -> None:
        from ims.indicators import indicators_autodiscover

        indicators_autodiscover()  # readiness criteria, KPI sources and review inputs of every app
