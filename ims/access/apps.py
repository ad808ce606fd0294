from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ims.access"
    label = "access"
    verbose_name = "Access control"
