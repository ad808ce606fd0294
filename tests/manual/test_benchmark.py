"""The benchmark's manual builds and renders (the figure itself comes from ``python -m benchmarks manual``)."""

from __future__ import annotations

import os

import pytest

from benchmarks.manual import manual_pdf_timing
from ims.org import services as org_services

pytestmark = pytest.mark.django_db


def test_the_benchmark_manual_renders(org):
    count = int(os.environ.get("MANUAL_BENCH_SITES", "0"))
    extra = [org_services.site_create(code=f"S{i:02d}", name=f"Site {i:02d}", country="CH", timezone="Europe/Zurich")
             for i in range(count)]  # fmt: skip
    result = manual_pdf_timing(org.admin, [org.site_a, org.site_b, *extra], largest=org.site_a)
    print(result)
    assert result["pages"] >= 10 + len(extra)
