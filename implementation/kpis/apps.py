"""Step 5 — KPIs and monitoring: definitions on step 1's objectives, readings (manual, import, API, computed),
control charts with their rules, dashboards per site and company-wide, a time-series API."""

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "implementation.kpis"
    label = "kpis"
    verbose_name = "KPIs and monitoring"

    def demo_seed(self) -> str:
        """20 KPIs across quality, environment and safety with 24 months of readings (``manage.py seed_demo``)."""
        from .demo import kpis_demo_seed

        return kpis_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """KPIs × sites × monthly readings with set-based inserts (``manage.py seed_scale``)."""
        from .scale import kpis_scale_seed

        return kpis_scale_seed(size_name, seed=seed, log=log)

    def ready(self) -> None:
        from ims.audit.registry import audited

        from .models import Kpi

        # The sites a KPI is measured at decide who reads it: changes to them are regulated too.
        audited(block_delete=False, site_sql="ARRAY[r.site_id]")(Kpi.sites.through)
