from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ims.reports"
    label = "reports"
    verbose_name = "Reports and evidence sections"
