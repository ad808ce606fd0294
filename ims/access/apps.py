from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ims.access"
    label = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        from .sessions import connect_signals

        connect_signals()
