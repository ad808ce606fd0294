"""Step 3's register at scale (``python -m benchmarks risks``): the pages the issue names, for the Global Admin
(40 sites × 200 register entries with a control each, 40 × 50 obligations with an evaluation each).

Target: p95 ≤ 300 ms for the register list, the heat map over every site and discipline (120 server-drawn SVGs),
the obligations list; the top risks, significant aspects and overdue reviews are shown for reference.
"""

from __future__ import annotations

from django.urls import reverse

from benchmarks.pages import TARGET_P95_MS, measure_page
from benchmarks.web import largest_site, principals
from ims.testing.auth import signed_in_client


def pages() -> list[tuple[str, str]]:
    site = largest_site()
    return [
        ("register list", reverse("risks:entry_list")),
        ("register list, one site, high band", f"{reverse('risks:entry_list')}?site={site.pk}&band=high"),
        ("heat map, all sites × 3 disciplines", reverse("risks:heatmap")),
        ("heat map, largest site", f"{reverse('risks:heatmap')}?site={site.pk}"),
        ("top risks per site", reverse("risks:top_risks")),
        ("significant aspects", reverse("risks:significant_aspects")),
        ("overdue reviews", reverse("risks:overdue_reviews")),
        ("obligations", reverse("risks:obligation_list")),
    ]


def run_risks(say) -> None:
    from manual.risks.models import Obligation, RiskEntry

    say(f"Step 3 — risk and obligation register (target p95 ≤ {TARGET_P95_MS:.0f} ms)")
    say(f"  {RiskEntry._base_manager.count():,} register entries, {Obligation._base_manager.count():,} obligations")
    admin = dict(principals())["global admin"]
    client = signed_in_client(admin)
    say(f"  as Global Admin ({admin.username})")
    for label, url in pages():
        timing = measure_page(client, label, url)
        mark = "ok" if timing.ok else "OVER TARGET"
        say(f"    {label:<36} {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.kilobytes:6.1f} KB  "
            f"{timing.queries:3d} queries  HTTP {timing.status}  {mark}")  # fmt: skip
    say()
