"""Training follows the kernel's events: memberships changed, a linked document's version became effective."""

from __future__ import annotations

from ims.documents.signals import version_effective
from ims.esign.qualification import signer_check
from ims.org.signals import after_commit_in_background, memberships_changed

from . import assignments, services


def on_memberships_changed(sender, person_ids, background=False, **kwargs) -> None:
    if not person_ids:
        return
    if background:
        from .tasks import assignments_reconcile_people

        after_commit_in_background(assignments_reconcile_people, person_ids=sorted(person_ids))
    else:
        assignments.assignments_reconcile(person_ids=person_ids)


def on_version_effective(sender, version, superseded=(), **kwargs) -> None:
    services.document_version_effective(version=version)


def connect() -> None:
    memberships_changed.connect(on_memberships_changed, dispatch_uid="training.assignments.memberships")
    version_effective.connect(on_version_effective, dispatch_uid="training.assignments.revision")
    signer_check(services.signer_training_check)
