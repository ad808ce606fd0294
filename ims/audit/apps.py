from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "ims.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from django.db import connections

        from . import context, signals
        from .database import audit_install_after_migrate
        from .evidence import register as evidence_register

        context.connect_signal()
        for conn in connections.all(initialized_only=True):
            context.install(sender=None, connection=conn)
        post_migrate.connect(audit_install_after_migrate, dispatch_uid="ims.audit.install")
        signals.connect()
        evidence_register()  # the trail and integrity sections of inspectors' evidence packs
