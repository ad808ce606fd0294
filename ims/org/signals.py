"""What the organisation model tells the apps that build on it (acknowledgements, training assignments).

Sent inside the transaction of the change, so a receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

#: Memberships of these people started, changed or ended (page, API, import, deactivation).
#: Arguments: ``person_ids`` (a set of primary keys); ``background`` (optional, default False): the change is
#: large (an import of many people), so a receiver should do its follow-up after commit with
#: ``ims.org.signals.after_commit_in_background`` instead of inside the sender's transaction.
memberships_changed = Signal()


def after_commit_in_background(task, **kwargs) -> None:
    """Queue ``task.delay(**kwargs)`` once the current transaction commits; if the queue cannot be reached, run it
    here and now instead (slower, never lost; the nightly reconciles would catch up in any case)."""
    import logging

    from django.db import transaction

    def queue() -> None:
        try:
            task.delay(**kwargs)
        except Exception:  # noqa: BLE001 — any broker failure: do the work in this process
            logging.getLogger("ims.org").warning("could not queue %s; running it now", task.name, exc_info=True)
            task.apply(kwargs=kwargs, throw=True)

    transaction.on_commit(queue)
