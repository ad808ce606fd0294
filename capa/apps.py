"""Step 6 — CAPA: nonconformances and corrective and preventive actions, effectiveness checks, trends."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapaConfig(AppConfig):
    name = "capa"
    verbose_name = "CAPA"

    def ready(self) -> None:
        from ims.actions.registry import action_kind_register

        from . import cards, reminders  # noqa: F401  (register the dashboard card and the notice producer)
        from .evidence import register as evidence_register
        from .services import capa_from_action, capa_url_for_reference

        action_kind_register("capa", _("CAPA"), create=capa_from_action, url=capa_url_for_reference)
        evidence_register()

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import capa_demo_seed

        return capa_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """CAPAs with actions over every site (``manage.py seed_scale``)."""
        from .scale import scale_capa_seed

        return scale_capa_seed(size_name, seed=seed, log=log)
