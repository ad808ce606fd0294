"""Figures that apps compute from their own data, for the apps that show them side by side.

Three registries, each filled by the app that owns the data (a module of that app named after the registry —
``readiness.py``, ``kpi_sources.py``, ``review_inputs.py`` — found by ``indicators_autodiscover()``), read by step 5:

- ``ims.indicators.readiness``: readiness criteria of a site's rollout (policy acknowledged, training compliance, …);
- ``ims.indicators.kpi_sources``: computed KPI sources (acknowledgement coverage, overdue CAPAs, …);
- ``ims.indicators.review_inputs``: the inputs of a management review (audit results, CAPA status, …).

The kernel imports no domain app: the registries hold callables; the apps hold the queries.
"""

from django.utils.module_loading import autodiscover_modules


def indicators_autodiscover() -> None:
    """Import ``<app>.readiness``, ``<app>.kpi_sources`` and ``<app>.review_inputs`` of every installed app."""
    autodiscover_modules("readiness", "kpi_sources", "review_inputs")
