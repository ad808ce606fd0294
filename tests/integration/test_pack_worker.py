"""Evidence packs on real Celery workers: parts render in parallel, and a worker killed with -9 in the middle of a
pack leaves a pack that completes after the restart with exactly one artefact and one notice (A11-16)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from tests.integration.conftest import _database_url
from tests.integration.test_worker_crash import Worker, _until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True), pytest.mark.req("A11-16")]

VISIBILITY_SECONDS = 10


class PackWorker(Worker):
    """A prefork worker with two processes (as ``make run``'s pdf worker) that knows the drill section."""

    def __init__(self, queue: str, env: dict[str, str]):
        import subprocess
        import sys
        import threading

        from tests.integration.conftest import BASE_DIR

        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ims", "worker", "-Q", queue, "-n", f"{uuid.uuid4().hex[:6]}@%h",
             "--concurrency=2", "--loglevel=INFO", "--without-mingle", "--without-gossip",
             "-I", "tests.integration.pack_drill_hooks"],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()
        self.wait_for("ready", timeout=60)


@pytest.fixture
def pack_drill(settings, tmp_path):
    import tests.integration.pack_drill_hooks  # noqa: F401 - registers the drill section here too
    from evidence.services import PACK_JOB
    from evidence.tasks import pack_dispatch
    from ims.jobs.registry import get_job_kind, register_job_kind

    queue = f"packs-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ims.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "IMS_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        "IMS_DRILL_PARTS": "6",
        "IMS_DRILL_PART_SECONDS": "1.5",
    }
    previous = get_job_kind(PACK_JOB)
    register_job_kind(PACK_JOB, dispatch=lambda job_id: pack_dispatch(job_id, queue), stale_after=900)
    workers: list[Worker] = []

    class Drill:
        media = Path(settings.MEDIA_ROOT)

        @staticmethod
        def start() -> Worker:
            workers.append(PackWorker(queue, env))
            return workers[-1]

    try:
        yield Drill
    finally:
        if previous is not None:
            register_job_kind(PACK_JOB, dispatch=previous.dispatch, stale_after=previous.stale_after)
        for worker in workers:
            worker.kill_all()


def _request(org):
    from evidence.services import pack_request

    today = timezone.localdate()
    pack, created = pack_request(
        actor=org.qm_a,
        sites=[org.site_a],
        period_start=today.replace(day=1),
        period_end=today,
        sections=["zz-drill"],
        title="Drill pack",
    )
    assert created
    return pack


def _artefacts(media: Path, pack) -> list[Path]:
    return sorted((media / "evidence" / pack.number).glob("*.pdf"))


def test_a_pack_renders_its_parts_on_parallel_workers(org, pack_drill):
    from evidence.models import PackStatus
    from ims.notifications.models import Notice

    pack_drill.start()
    pack = _request(org)
    _until(lambda: pack.__class__.objects.get(pk=pack.pk).built_at is not None, 120, "the pack built")
    pack.refresh_from_db()
    assert pack.status == PackStatus.BUILT and pack.job.status == "done"
    rendered = list(pack.chunks.values_list("rendered_at", "seconds"))
    assert len(rendered) == 6
    # Two processes rendered parts at the same time: some part started before another finished.
    spans = sorted((at.timestamp() - seconds, at.timestamp()) for at, seconds in rendered)
    assert any(spans[i + 1][0] < spans[i][1] for i in range(len(spans) - 1)), spans
    assert [p.name for p in _artefacts(pack_drill.media, pack)].count("pack.pdf") == 1
    assert Notice.objects.filter(person=org.qm_a, category="evidence-pack").count() == 1


def test_a_worker_killed_mid_pack_leaves_a_pack_that_completes_once_after_the_restart(org, pack_drill):
    from evidence.models import PackChunk
    from ims.notifications.models import Notice

    worker = pack_drill.start()
    pack = _request(org)
    _until(lambda: PackChunk.objects.filter(pack=pack, status="done").count() >= 1, 60, "a first part rendered")
    assert pack.__class__.objects.get(pk=pack.pk).built_at is None
    worker.kill_all()  # kill -9 of the main process and its children, mid-pack
    pack_drill.start()
    _until(
        lambda: pack.__class__.objects.get(pk=pack.pk).built_at is not None,
        VISIBILITY_SECONDS + 90,
        "the pack completed after the restart",
    )
    pack.refresh_from_db()
    assert pack.job.status == "done" and pack.chunks.filter(status="done").count() == 6
    names = [p.name for p in _artefacts(pack_drill.media, pack)]
    assert names.count("pack.pdf") == 1 and len([n for n in names if n.startswith("part-")]) == 6
    assert Notice.objects.filter(person=org.qm_a, category="evidence-pack").count() == 1
