from django.apps import AppConfig


class EsignConfig(AppConfig):
    name = "ims.esign"
    label = "esign"
    verbose_name = "Electronic signatures"
