"""Audit context for Celery tasks: channel ``task``, actor ``task:<name>``."""

from __future__ import annotations

from . import context

_tokens: dict[str, object] = {}


def _task_started(task_id=None, task=None, **kwargs) -> None:
    manager = context.audit_context(replace=True, channel="task", actor_label=f"task:{task.name}", request_id=task_id)
    manager.__enter__()
    _tokens[task_id] = manager


def _task_finished(task_id=None, **kwargs) -> None:
    manager = _tokens.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)


def connect() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="ims.audit.task_started")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="ims.audit.task_finished")
