from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "ims.org"
    label = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from .roles import roles_sync_after_migrate

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="ims.org.roles_sync")
