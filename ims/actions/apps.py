"""Tracked actions and the registry through which apps raise them."""

from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "ims.actions"
    label = "actions"
    verbose_name = "Actions"

    def ready(self) -> None:
        from . import registry

        registry.register_default_kind()
