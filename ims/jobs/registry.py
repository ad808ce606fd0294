"""Job kinds: each app that runs jobs registers how a job of its kind is sent to the workers.

The kernel's sweeper re-sends jobs left queued (a broker that was down when the request committed) or running
without progress (a worker that died) through this registry, so it never imports a domain app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    kind: str
    dispatch: Callable[[int], None]
    #: Seconds without progress after which a running job is taken as lost and sent again.
    stale_after: int = 600


_kinds: dict[str, JobKind] = {}


def register_job_kind(kind: str, *, dispatch: Callable[[int], None], stale_after: int = 600) -> None:
    _kinds[kind] = JobKind(kind=kind, dispatch=dispatch, stale_after=stale_after)


def get_job_kind(kind: str) -> JobKind | None:
    return _kinds.get(kind)
