"""Step 3 — the IMS manual: a controlled document of type manual assembled from sections on the harmonized
clauses 4–10, with live blocks that insert the company's records, rendered to an immutable snapshot on
approval, with site annexes, and published as HTML, PDF and DOCX."""

from django.apps import AppConfig


class ManualConfig(AppConfig):
    name = "manual"
    verbose_name = "IMS manual"

    def ready(self) -> None:
        from .blocks_core import register_core_blocks
        from .kind import manual_kind_register

        register_core_blocks()  # the policy, objectives, RACI, landscape, map and applicability blocks
        manual_kind_register()  # the manual's content, approval check and snapshot in document control

    def demo_seed(self) -> str:
        """The demo company's IMS manual, approved and effective (``manage.py seed_demo``)."""
        from .demo import manual_demo_seed

        return manual_demo_seed()
