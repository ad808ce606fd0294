"""Step 3 — one register of risks and obligations for quality, environment and health & safety.

Clause 6.1 of ISO 9001, 14001 and 45001 and ICH Q9 handled by one register: quality risks, environmental
aspects and OH&S hazards share one structure (site, process, scoring, controls, owner, review), and the legal
and other requirements (14001/45001 6.1.3, GMP regulations) are kept with their compliance evaluations.
"""

from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "manual.risks"
    label = "risks"
    verbose_name = "Risks and obligations"

    def ready(self) -> None:
        from ims.audit.registry import audited

        from .models import Obligation

        # Which sites an obligation applies to is part of the regulated record: audited like the record.
        audited(block_delete=False, site_sql="ARRAY[r.site_id]")(Obligation.sites.through)
        from . import blocks, reminders

        blocks.register()  # the manual's live block "risk_summary"
        reminders.register()  # owners' review and evaluation reminders in the daily digest

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import risks_demo_seed

        return risks_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Register entries and obligations at scale (``manage.py seed_scale``)."""
        from .scale import scale_risks_seed

        return scale_risks_seed(size_name, seed=seed, log=log)
