"""Part 11 electronic signatures."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def register_permission_ensure(sender=None, using="default", **kwargs) -> None:
    """The per-site copy (on ``org.Site``) of the certification register permission, like the scoped models' ones."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from ims.access.registry import site_codename
    from ims.org.models import Site

    from .constants import REGISTER_PERMISSION

    app_label, codename = REGISTER_PERMISSION.split(".", 1)
    ctype = ContentType.objects.db_manager(using).get_for_model(Site)
    Permission.objects.db_manager(using).get_or_create(
        content_type=ctype,
        codename=site_codename(app_label, codename),
        defaults={"name": "Can review the e-signature certification register at this site"},
    )


class EsignConfig(AppConfig):
    name = "ims.esign"
    label = "esign"
    verbose_name = "Electronic signatures"

    def ready(self) -> None:
        from ims.audit.integrity import register_integrity_check

        from .evidence import register as evidence_register
        from .integrity import signatures_verify

        register_integrity_check("e-signatures", signatures_verify)
        evidence_register()
        # Runs for every app's post_migrate (idempotent), so the permission exists before the roles are synced.
        post_migrate.connect(register_permission_ensure, dispatch_uid="ims.esign.register_permission")
