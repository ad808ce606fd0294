"""Step 3 — the IMS framework: integrated procedures (clauses, roles, records) and the monitoring plan.

A procedure is a controlled document that declares the clauses it fulfils in each standard, the roles that
run it and the records it produces; the procedure × clause matrix shows where the framework has gaps or
redundancy. The monitoring and measurement plan says, per process, what is measured, how, how often, by whom
and where the result goes.
"""

from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "manual.framework"
    label = "framework"
    verbose_name = "IMS framework"

    def ready(self) -> None:
        from .blocks import blocks_register

        blocks_register()  # the procedure register and the monitoring plan, as live blocks of the IMS manual
        _lookups_register()

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo`` after the processes, policies, training and CAPA demos."""
        from .demo import framework_demo_seed

        return framework_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Monitoring-plan items of the scale processes and records of the scale procedures (``seed_scale``)."""
        from .scale import scale_framework_seed

        return scale_framework_seed(size_name, seed=seed, log=log)


def _lookups_register() -> None:
    """Search boxes for processes and procedures (1,200 processes and hundreds of SOPs are no select list)."""
    from ims.documents.choices import DocumentType
    from ims.documents.models import ControlledDocument
    from ims.web.lookups import lookup_register
    from processes.models import Process

    lookup_register(
        "framework-process",
        queryset=lambda user: Process.objects.restrict(user, "view"),
        search_fields=("code", "name"),
        ordering=("code",),
        label=lambda process: f"{process.code} · {process.name}",
    )
    lookup_register(
        "framework-procedure",
        queryset=lambda user: ControlledDocument.objects.restrict(user, "view").filter(
            doc_type=DocumentType.PROCEDURE, is_active=True
        ),
        search_fields=("number", "title"),
        ordering=("number",),
        label=lambda document: f"{document.number} · {document.title}",
    )
