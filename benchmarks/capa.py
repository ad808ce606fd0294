"""Step 6, CAPA, at scale (``python -m benchmarks capa``): the CAPA list and the trends page for the Global Admin
over 10,000 CAPAs at 40 sites (the scale seed). Target: p95 ≤ 300 ms."""

from __future__ import annotations

from django.urls import reverse

from benchmarks.pages import TARGET_P95_MS, measure_page
from benchmarks.web import principals
from ims.testing.auth import signed_in_client


def pages() -> list[tuple[str, str]]:
    return [
        ("CAPA list", reverse("capa:capa_list")),
        ("CAPA list, overdue filter", f"{reverse('capa:capa_list')}?overdue=true"),
        ("CAPA trends, 40 sites", reverse("capa:trends")),
    ]


def run_capa(say) -> None:
    from capa.models import Capa

    say(f"Step 6 — CAPA ({Capa._base_manager.count():,} CAPAs; target p95 ≤ {TARGET_P95_MS:.0f} ms)")
    admin = dict(principals())["global admin"]
    client = signed_in_client(admin)
    say(f"  as Global Admin ({admin.username})")
    for label, url in pages():
        timing = measure_page(client, label, url)
        mark = "ok" if timing.ok else "OVER TARGET"
        say(f"    {label:<36} {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.kilobytes:6.1f} KB  "
            f"{timing.queries:3d} queries  HTTP {timing.status}  {mark}")  # fmt: skip
    say()
