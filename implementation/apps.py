"""Step 5 — implementation across sites: rollout plans per site with readiness computed from the product's data,
the go-live gate, the rollout heat map and timeline."""

from django.apps import AppConfig


class ImplementationConfig(AppConfig):
    name = "implementation"
    verbose_name = "Implementation"

    def ready(self) -> None:
        from ims.indicators import indicators_autodiscover

        indicators_autodiscover()  # readiness criteria, KPI sources and review inputs of every app
