"""Document control: controlled documents, versions, approval with e-signatures, periodic review."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class DocumentsConfig(AppConfig):
    name = "ims.documents"
    label = "documents"
    verbose_name = "Document control"

    def demo_seed(self) -> str:
        """The demo IMS policy, made effective (called by ``manage.py seed_demo``)."""
        from .demo import documents_demo_seed

        return documents_demo_seed()

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """The scale documents and their versions (called by ``manage.py seed_scale``)."""
        from .scale import scale_documents_seed

        return scale_documents_seed(size_name, seed=seed, log=log)

    def ready(self) -> None:
        from ims.audit.integrity import register_integrity_check
        from ims.audit.registry import audited

        from . import cards  # noqa: F401  (registers the dashboard card)
        from .evidence import register as evidence_register
        from .integrity import approvals_verify

        register_integrity_check("document approvals", approvals_verify)
        evidence_register()
        from .database import lifecycle_guard_after_migrate
        from .models import DOCUMENT_SITES_SQL, ControlledDocument

        post_migrate.connect(lifecycle_guard_after_migrate, sender=self, dispatch_uid="ims.documents.lifecycle_guard")

        # The sites, functions and roles in scope decide who reads a document: changes to them are regulated too.
        audited(block_delete=False, site_sql="ARRAY[r.site_id]")(ControlledDocument.sites.through)
        audited(block_delete=False, site_sql=DOCUMENT_SITES_SQL.format("r.controlleddocument_id"))(
            ControlledDocument.functions.through
        )
        audited(block_delete=False, site_sql=DOCUMENT_SITES_SQL.format("r.controlleddocument_id"))(
            ControlledDocument.roles.through
        )
