from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ims.access"
    label = "access"
    verbose_name = "Access control"

    def ready(self) -> None:
        from axes.models import AccessAttempt

        from ims.audit.registry import audited

        from .sessions import connect_signals

        connect_signals()
        # Lockouts and unlocks (an unlock deletes the attempts) are access-authorisation events (A11-12.3).
        audited(block_delete=False, ignored=("get_data", "post_data", "attempt_time"))(AccessAttempt)
