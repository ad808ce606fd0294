from __future__ import annotations

from .models import EvidencePack


def packs_for(user):
    """The packs ``user`` may see (an inspector: those released to their inspection)."""
    return EvidencePack.objects.restrict(user, "view").select_related("job", "requested_by", "grant")
