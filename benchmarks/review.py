"""Management review at scale (``python -m benchmarks review``): the management review pack of the largest site
(``seed_scale --size large``) for the last 12 months, every registered input assembled live as the site's quality
manager sees them, rendered to PDF by the pack job's body in this process (what a pdf worker runs).

Target: ≤ 30 s for one site's pack. Nothing is kept: the review and its pack are rolled back and the file removed.
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction
from django.utils import timezone

from benchmarks.web import largest_site, principals

TARGET_S = 30.0


class _RollBack(Exception):
    pass


def run_review(say) -> None:
    from implementation.review import services
    from implementation.review.models import ReviewPack
    from implementation.review.tasks import pack_build_now, pack_file
    from ims.indicators.review_inputs import inputs_all

    site = largest_site()
    qm = principals()[0][1]
    end = timezone.localdate()
    start = end - datetime.timedelta(days=365)
    say(f"Step 5 — management review pack for {site.code}, {start} – {end} (target ≤ {TARGET_S:.0f} s)")
    say(f"  as {qm.username}; {len(inputs_all())} registered inputs")
    result: dict = {}
    try:
        with transaction.atomic():
            review = services.review_create(
                actor=None, site=site, title="Benchmark review", period_start=start, period_end=end,
                meeting_date=end, chair=qm,
            )  # fmt: skip
            pack, _created = services.review_pack_request(actor=qm, review=review)
            began = time.perf_counter()
            result = pack_build_now(pack.job_id)
            result["seconds"] = time.perf_counter() - began
            pack = ReviewPack.objects.get(pk=pack.pk)
            path = pack_file(pack)
            result["kilobytes"] = path.stat().st_size / 1024 if path else 0
            if path:
                path.unlink(missing_ok=True)
            raise _RollBack
    except _RollBack:
        pass
    seconds = result.get("seconds", float("nan"))
    verdict = "ok" if seconds <= TARGET_S else "OVER TARGET"
    say(f"  pack: {seconds:.1f} s, {result.get('pages', 0)} pages, {result.get('kilobytes', 0):.0f} KB  {verdict}")
    say()
