from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OrgConfig(AppConfig):
    name = "ims.org"
    label = "org"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from ims.audit.registry import audited

        from .models import Role
        from .roles import roles_sync_after_migrate

        # A role's permission set is configuration under change control (P11-10k, A11-10).
        audited(block_delete=False)(Role.permissions.through)

        post_migrate.connect(roles_sync_after_migrate, dispatch_uid="ims.org.roles_sync")

        from ims.web.lookups import lookup_register

        from .models import Person

        # The people a user may see, for "Who" and person filters (search by name, user name, employee id).
        lookup_register(
            "people",
            queryset=lambda user: Person.objects.restrict(user, "view"),
            search_fields=("username", "first_name", "last_name", "employee_id"),
            ordering=("last_name", "first_name", "username"),
        )
