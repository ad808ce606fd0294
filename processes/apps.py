"""Step 2 — standards library, process register and maps, gap assessments."""

from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "processes"
    verbose_name = "Processes and gap analysis"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import processes_demo_seed

        return processes_demo_seed()

    def ready(self) -> None:
        from .evidence import register as evidence_register
        from .library import library_ready
        from .maps import maps_ready

        library_ready()  # the clause lookup of the search boxes
        maps_ready()  # process maps: BPMN content in the document-control kernel
        _links_audited()
        evidence_register()  # the processes section of inspectors' evidence packs

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Processes, maps, document–clause links and gap assessments at scale (``manage.py seed_scale``)."""
        from .scale import scale_processes_seed

        return scale_processes_seed(size_name, seed=seed, log=log)


def _links_audited() -> None:
    """The link tables are part of the regulated records (which sites a process or an assessment covers, the
    standards assessed, the evidence of a result, …): audited like the records themselves. Unlike records, a
    link may be removed; its removal is an audited DELETE."""
    from ims.audit.registry import audited

    from .models import ApplicabilityStatement, ClauseResult, GapAssessment, Process
    from .models.gaps import ASSESSMENT_SITES_SQL
    from .models.register import PROCESS_SITES_SQL

    result_site = "(SELECT ARRAY[cr.site_id] FROM processes_clauseresult cr WHERE cr.id = r.clauseresult_id)"
    statement_site = (
        "(SELECT ARRAY[st.site_id] FROM processes_applicabilitystatement st WHERE st.id = r.applicabilitystatement_id)"
    )
    process_sites = PROCESS_SITES_SQL.format("r.process_id")
    for through, site_sql in (
        (Process.sites.through, "ARRAY[r.site_id]"),
        (Process.functions.through, process_sites),
        (Process.objectives.through, process_sites),
        (Process.documents.through, process_sites),
        (Process.clauses.through, process_sites),
        (GapAssessment.sites.through, "ARRAY[r.site_id]"),
        (GapAssessment.standards.through, ASSESSMENT_SITES_SQL.format("r.gapassessment_id")),
        (ClauseResult.evidence_documents.through, result_site),
        (ClauseResult.evidence_processes.through, result_site),
        (ApplicabilityStatement.standards.through, statement_site),
    ):
        audited(block_delete=False, site_sql=site_sql)(through)
