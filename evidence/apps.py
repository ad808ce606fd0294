from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "evidence"
    verbose_name = "Inspection evidence"

    def ready(self) -> None:
        from .tasks import register

        register()  # the evidence-pack job kind (``ims.jobs``)
        # The request board's summary on the inspector grant's page (``ims.access.grant_panels``).
        from . import views_room  # noqa: F401

    def demo_seed(self) -> str:
        from .demo import inspection_demo_seed

        return inspection_demo_seed()
