from django.apps import AppConfig


class ManualConfig(AppConfig):
    name = "manual"
    verbose_name = "IMS manual"
