"""Loaded into a drill's worker (``celery worker -I tests.integration.drill_hooks``): a slow mail server and a
slow long task, so that a kill -9 lands in the middle of the work. Never imported by the product."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from celery.signals import worker_process_init
from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    """One file per message in ``IMS_DRILL_MAIL_DIR``, each after ``IMS_DRILL_MAIL_SECONDS`` (a slow SMTP server)."""

    def send_messages(self, email_messages) -> int:
        directory = Path(os.environ["IMS_DRILL_MAIL_DIR"])
        for message in email_messages:
            time.sleep(float(os.environ.get("IMS_DRILL_MAIL_SECONDS", "1")))
            (directory / f"{uuid.uuid4().hex}.eml").write_bytes(message.message().as_bytes())
        return len(email_messages)


@worker_process_init.connect
def _slow_compliance_rows(**_kwargs) -> None:
    """The nightly compliance snapshot's query takes ``IMS_DRILL_TASK_SECONDS``; ``IMS_DRILL_MARKER`` says it began."""
    from training import matrix

    original = matrix.compliance_rows

    def slow(*args, **kwargs):
        marker = os.environ.get("IMS_DRILL_MARKER")
        if marker:
            Path(marker).write_text(str(os.getpid()))
        time.sleep(float(os.environ.get("IMS_DRILL_TASK_SECONDS", "0")))
        return original(*args, **kwargs)

    matrix.compliance_rows = slow
