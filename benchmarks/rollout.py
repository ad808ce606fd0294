"""Step 5 rollout at scale (``python -m benchmarks rollout``): the rollout heat map over 40 sites (every registered
readiness criterion evaluated for every site, six steps), the plan list and the largest plan's page, for the Global
Admin. Target: p95 ≤ 300 ms for the heat map."""

from __future__ import annotations

from django.urls import reverse

from benchmarks.pages import TARGET_P95_MS, measure_page
from benchmarks.web import principals
from ims.testing.auth import signed_in_client


def pages() -> list[tuple[str, str]]:
    from implementation.models import RolloutPlan

    plans = RolloutPlan.objects.filter(site__code__startswith="SC", is_active=True)
    listed = [
        (f"rollout heat map, {plans.count()} sites", reverse("implementation:heatmap")),
        ("rollout plan list", reverse("implementation:plan_list")),
    ]
    plan = plans.order_by("pk").first()
    if plan is not None:
        listed.append(("rollout plan page", reverse("implementation:plan_detail", args=[plan.pk])))
    return listed


def run_rollout(say) -> None:
    say(f"Step 5 — rollout plans (target p95 ≤ {TARGET_P95_MS:.0f} ms)")
    admin = dict(principals())["global admin"]
    client = signed_in_client(admin)
    say(f"  as Global Admin ({admin.username})")
    for label, url in pages():
        timing = measure_page(client, label, url)
        mark = "ok" if timing.ok else "OVER TARGET"
        say(f"    {label:<36} {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.kilobytes:6.1f} KB  "
            f"{timing.queries:3d} queries  HTTP {timing.status}  {mark}")  # fmt: skip
    say()
