"""Step 6 — internal audits: the risk-based programme, audits, checklists, findings, the signed report, trends."""

from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Internal audits"

    def ready(self) -> None:
        from . import cards, reminders  # noqa: F401 - registers the dashboard card and the notice producer
        from .evidence import register as evidence_register

        _links_audited()
        evidence_register()

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import audits_demo_seed

        return audits_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Audits and findings at scale (``manage.py seed_scale``)."""
        from .scale import audits_scale_seed

        return audits_scale_seed(size_name, seed=seed, log=log)


def _links_audited() -> None:
    """The link tables of programmes and audits (sites, scope, team) are audited like the records."""
    from ims.audit.registry import audited

    from .models import Audit, AuditProgramme
    from .models.audit import AUDIT_SITE_SQL

    audit_site = AUDIT_SITE_SQL.format("r.audit_id")
    for through, site_sql in (
        (AuditProgramme.sites.through, "ARRAY[r.site_id]"),
        (Audit.processes.through, audit_site),
        (Audit.clauses.through, audit_site),
        (Audit.auditors.through, audit_site),
        (Audit.auditees.through, audit_site),
    ):
        audited(block_delete=False, site_sql=site_sql)(through)
