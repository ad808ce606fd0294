"""Acknowledgement tasks follow the kernel's events: a version became effective or was withdrawn, a document's
scope or people's memberships changed. Connected in ``PoliciesConfig.ready``."""

from __future__ import annotations

from ims.documents.signals import document_scope_changed, version_effective, version_withdrawn
from ims.org.signals import after_commit_in_background, memberships_changed

from . import distribution


def on_version_effective(sender, version, superseded=(), **kwargs) -> None:
    distribution.version_distribute(version=version, superseded=superseded)


def on_version_withdrawn(sender, version, **kwargs) -> None:
    distribution.version_withdraw(version=version)


def on_scope_changed(sender, document, **kwargs) -> None:
    distribution.document_redistribute(document=document)


def on_memberships_changed(sender, person_ids, background=False, **kwargs) -> None:
    if not person_ids:
        return
    if background:
        from .tasks import acknowledgements_reconcile_people

        after_commit_in_background(acknowledgements_reconcile_people, person_ids=sorted(person_ids))
    else:
        distribution.acknowledgements_reconcile(person_ids=person_ids)


def connect() -> None:
    version_effective.connect(on_version_effective, dispatch_uid="policies.acknowledgements.effective")
    version_withdrawn.connect(on_version_withdrawn, dispatch_uid="policies.acknowledgements.withdrawn")
    document_scope_changed.connect(on_scope_changed, dispatch_uid="policies.acknowledgements.scope")
    memberships_changed.connect(on_memberships_changed, dispatch_uid="policies.acknowledgements.memberships")
