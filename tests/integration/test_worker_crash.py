"""kill -9 drills on a real prefork worker: a task in flight when its worker dies is redelivered within the
visibility timeout and completes on the restarted worker, and a task run twice sends nothing twice.

The drill's worker has a visibility timeout of 10 s (production: 300 s, ``IMS_CELERY_VISIBILITY_TIMEOUT``), a
slow mail server and a slow compliance query (``drill_hooks``), so that each kill lands mid-task.
"""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.integration.conftest import BASE_DIR, _database_url

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.req("A11-16"),
]

VISIBILITY_SECONDS = 10
CLAIM_SECONDS = 15


class Worker:
    """``celery -A ims worker`` (prefork, one child, as production runs it) on a queue of the drill's own."""

    def __init__(self, queue: str, env: dict[str, str]):
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "ims", "worker", "-Q", queue, "-n", f"{uuid.uuid4().hex[:6]}@%h",
                "--concurrency=1", "--loglevel=INFO", "--without-mingle", "--without-gossip",
                "-I", "tests.integration.drill_hooks",
            ],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()
        self.wait_for("ready", timeout=60)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in list(self.lines)):
                return
            assert self.proc.poll() is None or text != "ready", "the worker exited:\n" + "".join(self.lines[-30:])
            time.sleep(0.2)
        raise AssertionError(f"no {text!r} within {timeout} s:\n" + "".join(self.lines[-30:]))

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split() if int(pid) != self.proc.pid]

    def kill_main(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def kill_all(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)


def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.3)


@pytest.fixture
def drill():
    queue = f"drill-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="ims-drill-"))
    (work / "mail").mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ims.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "IMS_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
        "IMS_DIGEST_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "EMAIL_BACKEND": "tests.integration.drill_hooks.SlowFileBackend",
        "IMS_DRILL_MAIL_DIR": str(work / "mail"),
        "IMS_DRILL_MAIL_SECONDS": "1",
        "IMS_DRILL_TASK_SECONDS": "6",
        "IMS_DRILL_MARKER": str(work / "long-task-started"),
    }
    workers: list[Worker] = []

    def start() -> Worker:
        workers.append(Worker(queue, env))
        return workers[-1]

    yield {"queue": queue, "work": work, "start": start}
    for worker in workers:
        if worker.proc.poll() is None:
            worker.proc.terminate()
            try:
                worker.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill_all()
        subprocess.run(["pkill", "-9", "-g", str(worker.proc.pid)], check=False)


def _people_with_notices(count: int) -> list:
    from ims.notifications.models import Notice
    from ims.org import services

    today = timezone.localdate()
    people = [
        services.person_create(username=f"drill{i}", employee_id=f"D-{i}", email=f"drill{i}@example.com")
        for i in range(count)
    ]
    Notice.objects.bulk_create(
        Notice(person=p, category="drill", day=today, subject=f"Drill notice {p.pk}", body="Something is due.")
        for p in people
    )
    return people


def _mails(work: Path) -> list[str]:
    return [email.message_from_bytes(f.read_bytes())["Message-ID"] for f in (work / "mail").glob("*.eml")]


def test_a_daily_sweep_whose_worker_is_killed_sends_every_digest_once(drill):
    """kill -9 of the worker's main process after two of six digests went out: the pool child finishes or dies,
    the sweep is redelivered to the restarted worker and run again, and nobody gets a second e-mail."""
    from ims.notifications.models import Digest, DigestStatus, Notice
    from ims.notifications.tasks import daily_sweep, outbox_deliver

    people = _people_with_notices(6)
    notices_before = Notice.objects.count()
    first = drill["start"]()
    result = daily_sweep.apply_async(queue=drill["queue"])
    _until(lambda: len(_mails(drill["work"])) >= 2, 60, "two digests were not sent")
    first.kill_main()

    second = drill["start"]()
    second.wait_for(f"Task ims.notifications.tasks.daily_sweep[{result.id}] received", timeout=VISIBILITY_SECONDS + 60)
    second.wait_for(f"Task ims.notifications.tasks.daily_sweep[{result.id}] succeeded", timeout=120)
    # The digest being sent when the worker died stays claimed until its claim is stale; the outbox task (beat,
    # every 5 minutes) then sends it.
    time.sleep(CLAIM_SECONDS)
    outbox_deliver.apply_async(queue=drill["queue"])
    _until(
        lambda: Digest.objects.filter(status=DigestStatus.SENT).count() == len(people),
        60,
        "every digest was not sent",
    )

    message_ids = _mails(drill["work"])
    assert sorted(message_ids) == sorted(d.message_id for d in Digest.objects.all())  # one e-mail per digest
    assert len(message_ids) == len(set(message_ids)) == len(people)  # 0 duplicate e-mails
    assert Digest.objects.count() == len(people)  # 0 duplicate digests
    assert Notice.objects.count() == notices_before  # 0 duplicate notices
    assert not Notice.objects.filter(emailed_on__isnull=True).exists()


def test_a_long_task_whose_worker_is_killed_completes_on_the_restarted_worker(drill, org):
    """kill -9 of the whole worker (main process and pool child, as an out-of-memory kill does) while the nightly
    compliance snapshot runs: redelivered within the visibility timeout, it completes on the new worker."""
    from ims.org.choices import RoleCode
    from tests.training.factories import course_at, require
    from training.models import ComplianceSnapshot
    from training.tasks import compliance_snapshot_take

    require(org.site_a, course_at(org.site_a, code="C-DRILL"), role=org.roles[RoleCode.EMPLOYEE])
    marker = drill["work"] / "long-task-started"
    first = drill["start"]()
    result = compliance_snapshot_take.apply_async(queue=drill["queue"])
    _until(marker.exists, 60, "the long task did not start")
    assert int(marker.read_text()) in first.children()  # the task runs in the pool child that is about to die
    first.kill_all()
    killed_at = time.monotonic()
    marker.unlink()
    assert not ComplianceSnapshot.objects.exists()  # killed before it wrote anything

    second = drill["start"]()
    second.wait_for(f"Task training.tasks.compliance_snapshot_take[{result.id}] succeeded", timeout=120)
    assert time.monotonic() - killed_at < VISIBILITY_SECONDS + 60
    assert int(marker.read_text()) in second.children()  # it ran again, in the new worker
    rows = list(ComplianceSnapshot.objects.values_list("day", "site_id", "function_id", "required"))
    assert rows and all(day == timezone.localdate() and required >= 1 for day, _s, _f, required in rows)
    assert len({row[:3] for row in rows}) == len(rows)  # one row per day, site and function
