from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Inspection evidence"

    def ready(self) -> None:
        from .tasks import register

        register()
