"""Step 5 — KPIs and monitoring: definitions on step 1's objectives, readings (manual, import, API, computed),
control charts with their rules, dashboards per site and company-wide, a time-series API."""

from django.apps import AppConfig


class KpisConfig(AppConfig):
    name = "implementation.kpis"
    label = "kpis"
    verbose_name = "KPIs and monitoring"
