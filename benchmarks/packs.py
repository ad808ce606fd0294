"""Evidence packs (``python -m benchmarks packs``): a 500-page pack on real pdf workers, next to raw WeasyPrint.

Figures:
- raw WeasyPrint: the same HTML (every part's body in one document) rendered in this process;
- the pack with one worker process, then with two: time from the request to the built pack (parts, cover,
  contents, bookmarks, footers, manifest), the speed-up of two over one, and the overhead of one over raw;
- memory: the largest resident size of any worker process while it rendered (each part is bounded);
- the largest site's pack (``seed_scale --size large``): its training records, acknowledgements and the trail
  extract of those records (the registered sections) for ``IMS_BENCH_PACK_DAYS`` (30) days, with the same figures:
  raw WeasyPrint of the same parts' HTML in this process, the pack with one worker process and with two.
Targets: ≥ 1.7× faster with 2 workers than 1; 500 pages ≤ 60 s (≥ 8.3 pages/s); overhead ≤ 1.15×; memory bounded.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class Workers:
    """``celery worker -Q <queue> --concurrency=N`` with the bench section; RSS sampled while it runs."""

    def __init__(self, queue: str, concurrency: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "ims", "worker", "-Q", queue, "-n", f"{queue}@%h",
             f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-mingle", "--without-gossip",
             "-I", "benchmarks.pack_hooks"],
            cwd=BASE_DIR, env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        self.peak_kb = 0
        self._stop = threading.Event()
        self._ready(queue)
        threading.Thread(target=self._sample, daemon=True).start()

    def _ready(self, queue: str) -> None:
        from ims.celery import app

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=0.5) or []
            if any(queue in name for reply in replies for name in reply):
                return
        raise RuntimeError("the benchmark worker did not start")

    def _pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in self._pids():
                try:
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmRSS:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(0.2)

    def stop(self) -> None:
        self._stop.set()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)


def _build(queue: str, actor, site, sections, period_start, period_end, title) -> tuple[float, object]:
    from evidence.models import EvidencePack
    from evidence.services import PACK_JOB, pack_request
    from evidence.tasks import pack_dispatch
    from ims.jobs.registry import get_job_kind, register_job_kind

    previous = get_job_kind(PACK_JOB)
    register_job_kind(PACK_JOB, dispatch=lambda job_id: pack_dispatch(job_id, queue), stale_after=900)
    try:
        started = time.monotonic()
        pack, _created = pack_request(
            actor=actor, sites=[site], period_start=period_start, period_end=period_end, sections=sections, title=title
        )
        deadline = started + 1800
        while time.monotonic() < deadline:
            pack = EvidencePack.objects.select_related("job").get(pk=pack.pk)
            if pack.built_at is not None or not pack.job.is_open:
                break
            time.sleep(0.1)
        return time.monotonic() - started, pack
    finally:
        register_job_kind(PACK_JOB, dispatch=previous.dispatch, stale_after=previous.stale_after)


def run_packs(say) -> None:
    from django.utils import timezone

    import benchmarks.pack_hooks as hooks
    from ims.org.choices import RoleCode
    from ims.org.models import Membership
    from ims.reports.render import html_to_pdf, paged_keys, part_document

    os.environ.setdefault("IMS_BENCH_PACK_ROWS", "9000")
    membership = (Membership.objects.filter(role__code=RoleCode.QUALITY_MANAGER).select_related("person", "site")
                  .order_by("site__code").first())  # fmt: skip
    actor, site = membership.person, membership.site
    today = timezone.localdate()
    keys = paged_keys(hooks.rows_total(), per_part=hooks.part_rows())
    say(f"Evidence packs ({hooks.rows_total():,} table rows in {len(keys)} parts; targets: ≥ 1.7× with 2 workers "
        "than 1, 500 pages ≤ 60 s, overhead ≤ 1.15×)")  # fmt: skip
    started = time.monotonic()
    html = part_document(section_title="Benchmark records", body="".join(hooks.body(k) for k in keys), first_part=True)
    raw_pdf = html_to_pdf(html)
    raw = time.monotonic() - started
    from io import BytesIO

    from pypdf import PdfReader

    raw_pages = len(PdfReader(BytesIO(raw_pdf)).pages)
    say(f"  raw WeasyPrint, one process:   {raw:6.1f} s  {raw_pages} pages  ({raw_pages / raw:.1f} pages/s)")
    figures = {}
    for concurrency in (1, 2):
        queue = f"bench-packs-{uuid.uuid4().hex[:6]}"
        workers = Workers(queue, concurrency)
        try:
            seconds, pack = _build(
                queue,
                actor,
                site,
                [hooks.SECTION],
                today - datetime.timedelta(days=30),
                today,
                f"Benchmark pack, {concurrency} worker process(es)",
            )
        finally:
            workers.stop()
        figures[concurrency] = seconds
        pages = pack.page_count or 0
        say(
            f"  pack, {concurrency} worker process{'es' if concurrency > 1 else ''}: {seconds:8.1f} s  "
            f"{pack.page_count} pages  {pack.job.status}  peak RSS per process {workers.peak_kb / 1024:.0f} MB"
        )
    speedup = figures[1] / figures[2]
    overhead = figures[1] / raw
    say(
        f"  speed-up 2 vs 1: {speedup:.2f}× {'ok' if speedup >= 1.7 else 'UNDER TARGET'};  "
        f"overhead 1 worker vs raw: {overhead:.2f}× {'ok' if overhead <= 1.15 else 'OVER TARGET'};  "
        f"{pages}-page pack with 2: {figures[2]:.1f} s {'ok' if pages >= 500 and figures[2] <= 60 else 'OVER TARGET'}"
    )
    _largest_site_pack(say, today)
    say()


def _largest_site_pack(say, today) -> None:
    """The largest site's training records, acknowledgements and their trail extract: raw WeasyPrint of the same
    parts' HTML (one part at a time: one document of thousands of pages would hold them all in memory), then the
    pack with one worker process and with two (``IMS_BENCH_SCALE_WORKERS``, default ``1,2``)."""
    import tempfile
    from io import BytesIO

    from django.db.models import Count
    from pypdf import PdfReader

    from evidence.build import ordered_sections
    from ims.org.choices import RoleCode
    from ims.org.models import Membership, Site
    from ims.reports.registry import PackScope
    from ims.reports.render import html_to_pdf, part_document

    codes = os.environ.get("IMS_BENCH_PACK_SECTIONS", "training,acknowledgements,trail").split(",")
    sections = ordered_sections(codes)
    biggest = Site.objects.annotate(n=Count("memberships")).order_by("-n").first()
    qm = (Membership.objects.current().filter(role__code=RoleCode.QUALITY_MANAGER, site=biggest)
          .select_related("person").first())  # fmt: skip
    if not sections or qm is None:
        say("  (no quality manager at the largest site: run the large seed first)")
        return
    start = today - datetime.timedelta(days=int(os.environ.get("IMS_BENCH_PACK_DAYS", "30")))
    scope = PackScope(site_ids=(biggest.pk,), period_start=start, period_end=today,
                      sections=tuple(s.code for s in sections), viewer_id=qm.person_id)  # fmt: skip
    names = ", ".join(s.code for s in sections)
    say(f"  {biggest.code}, the largest site ({names}, {start} to {today}):")
    built, html_seconds, parts, records = 0.0, 0.0, 0, 0
    with tempfile.TemporaryDirectory() as folder:
        documents = []
        started = time.monotonic()
        for section in sections:
            for position, key in enumerate(section.parts(scope)):
                part = section.render(scope, key)
                records += len(part.records)
                target = Path(folder) / f"{len(documents):05d}.html"
                target.write_text(part_document(section_title=section.title, body=part.html, first_part=position == 0))
                documents.append(target)
        html_seconds = time.monotonic() - started
        parts = len(documents)
        raw_pages = 0
        started = time.monotonic()
        for document in documents:
            raw_pages += len(PdfReader(BytesIO(html_to_pdf(document.read_text()))).pages)
        built = time.monotonic() - started
    say(f"    the parts' HTML: {parts} parts, {records:,} records, built in {html_seconds:.1f} s (not timed below)")
    say(f"    raw WeasyPrint, one process:   {built:7.1f} s  {raw_pages:,} pages  ({raw_pages / built:.1f} pages/s)")
    figures, pack_pages = {}, {}
    for concurrency in [int(n) for n in os.environ.get("IMS_BENCH_SCALE_WORKERS", "1,2").split(",")]:
        queue = f"bench-packs-{uuid.uuid4().hex[:6]}"
        workers = Workers(queue, concurrency)
        try:
            seconds, pack = _build(queue, qm.person, biggest, [s.code for s in sections], start, today,
                                   f"{biggest.code}: {names}, {concurrency} worker process(es)")  # fmt: skip
        finally:
            workers.stop()
        figures[concurrency] = seconds
        pages = pack_pages[concurrency] = pack.page_count or 0
        plural = "es" if concurrency > 1 else ""
        say(
            f"    pack, {concurrency} worker process{plural}: {seconds:8.1f} s  {pages:,} pages "
            f"({pages / seconds:.1f} pages/s)  {pack.record_count or 0:,} records  {pack.job.status}  "
            f"peak RSS per process {workers.peak_kb / 1024:.0f} MB"
        )
    verdicts = []
    if 1 in figures and 2 in figures:
        speedup = figures[1] / figures[2]
        verdicts.append(f"speed-up 2 vs 1: {speedup:.2f}× {'ok' if speedup >= 1.7 else 'UNDER TARGET'}")
    if 1 in figures:
        overhead = figures[1] / built
        verdicts.append(f"overhead 1 worker vs raw: {overhead:.2f}× {'ok' if overhead <= 1.15 else 'OVER TARGET'}")
    if 2 in figures:
        rate = pack_pages[2] / figures[2]
        verdicts.append(f"with 2: {rate:.1f} pages/s {'ok' if rate >= 500 / 60 else 'UNDER TARGET'} (≥ 8.3)")
    say("    " + ";  ".join(verdicts))
