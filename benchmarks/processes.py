"""Step 2 at scale (``python -m benchmarks processes``): the pages the issue names, for the Global Admin
(40 sites × 30 processes with ~50 KB maps, 40 assessments × ~600 results, one per leaf clause of the ten
standards and the corporate standard), and a 2 MB BPMN upload.

Targets: p95 ≤ 300 ms for the gap heatmap over 40 sites, the overlap view over 6 standards and the process list;
uploading a 2 MB BPMN model ≤ 1 s (parse, checks, steps table, server-drawn SVG, saved as a draft's content).
The upload is timed twice: the service alone (``map_import``), and ``POST /api/v1/processes/process-maps/{id}/bpmn/``
with the file as multipart form data through the Django test client, like the pages (middleware, session
authentication, DRF parsing, the service, the JSON response).
"""

from __future__ import annotations

import random
import re
import statistics
import time
from html import unescape
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse

from benchmarks.pages import TARGET_P95_MS, measure_page
from benchmarks.web import largest_site, principals
from ims.testing.auth import signed_in_client

UPLOAD_TARGET_S = 1.0
UPLOAD_BYTES = 2 * 1024 * 1024


OVERLAP_LABEL = "overlap view, 6 standards"
#: The standards the overlap page says it compares (``#overlap-standards``: one badge per standard).
SHOWN_STANDARDS = re.compile(r'<p[^>]*id="overlap-standards"[^>]*>(.*?)</p>', re.DOTALL)
BADGE = re.compile(r'<a class="badge[^"]*"[^>]*>(.*?)</a>', re.DOTALL)


def six_standards() -> list:
    """The current editions of the six standards the overlap view is measured over."""
    from processes.models import Standard
    from processes.scale import SIX_STANDARDS

    current = Standard.objects.filter(is_active=True)
    return [s for code, edition in SIX_STANDARDS for s in current.filter(code=code, edition=edition)]


def overlap_url(standards) -> str:
    """The overlap view over ``standards``: the form's ``standards`` field, once per standard."""
    return f"{reverse('processes:overlap')}?{urlencode([('standards', s.pk) for s in standards])}"


def overlap_standards_shown(client, url: str) -> list[str]:
    """The standards the overlap page at ``url`` compares, as it prints them."""
    match = SHOWN_STANDARDS.search(client.get(url).content.decode())
    return [unescape(badge).strip() for badge in BADGE.findall(match.group(1))] if match else []


def pages() -> list[tuple[str, str]]:
    from processes.models import GapAssessment

    assessment = GapAssessment.objects.filter(reference__startswith="SCGA-").order_by("pk").first()
    site = largest_site()
    listed = [
        ("gap heatmap, 40 sites", reverse("processes:heatmap")),
        (OVERLAP_LABEL, overlap_url(six_standards())),
        ("process list", reverse("processes:process_list")),
        ("process landscape, company", reverse("processes:landscape")),
        ("process landscape, largest site", f"{reverse('processes:landscape')}?site={site.pk}"),
        ("process maps", reverse("processes:map_list")),
        ("gap assessments", reverse("processes:assessment_list")),
    ]
    if assessment:
        results = assessment.results.count()
        listed.append(
            (f"gap assessment, {results} results", reverse("processes:assessment_detail", args=[assessment.pk]))
        )
    return listed


def big_bpmn() -> str:
    """A BPMN model of about 2 MB (the scale generator with enough steps)."""
    from processes.scale import scale_bpmn

    lanes = ["Quality Assurance", "Production", "Quality Control", "Supply Chain", "Validation"]
    steps = 1000
    while True:
        xml = scale_bpmn("Benchmark upload", lanes, steps, random.Random(7))
        if len(xml.encode()) >= UPLOAD_BYTES:
            return xml
        steps = int(steps * UPLOAD_BYTES / len(xml.encode())) + 20


def scale_map():
    from ims.documents.models import ControlledDocument

    return ControlledDocument.objects.filter(doc_type="process_map", number__contains="-MAP-").order_by("pk").first()


def upload_timings(admin, xml: bytes, runs: int = 5) -> list[float]:
    """Seconds to import a 2 MB model as the next draft of a scale map (parse, checks, steps table, server-drawn
    SVG, saved through document control; each run rolled back)."""
    from processes.maps import map_import

    document = scale_map()
    samples = []
    for _ in range(runs):
        with transaction.atomic():
            started = time.perf_counter()
            map_import(actor=admin, document=document, bpmn=xml, change_summary="Benchmark upload")
            samples.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    return samples


def upload_http_timings(client, xml: bytes, runs: int = 5) -> list[float]:
    """Seconds for ``POST …/process-maps/{id}/bpmn/`` with the model as a multipart ``bpmn_file`` (the body encoded
    once, outside the timing); each run answers 201 with the new draft's steps and is rolled back."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    boundary = "ImsBenchmarkBoundary"
    upload = SimpleUploadedFile("benchmark-upload.bpmn", xml, content_type="application/xml")
    body = encode_multipart(boundary, {"bpmn_file": upload, "change_summary": "Benchmark upload"})
    url = reverse("processes-processmap-bpmn", args=[scale_map().pk])
    samples = []
    for _ in range(runs):
        with transaction.atomic():
            started = time.perf_counter()
            response = client.post(url, body, content_type=f"multipart/form-data; boundary={boundary}")
            samples.append(time.perf_counter() - started)
            transaction.set_rollback(True)
        if response.status_code != 201 or not response.json()["steps"]:
            raise AssertionError(f"The benchmark upload answered HTTP {response.status_code}: {response.content[:300]}")
    return samples


def run_processes(say) -> None:
    say(f"Step 2 — processes and gap analysis (target p95 ≤ {TARGET_P95_MS:.0f} ms)")
    admin = dict(principals())["global admin"]
    client = signed_in_client(admin)
    say(f"  as Global Admin ({admin.username})")
    for label, url in pages():
        timing = measure_page(client, label, url)
        mark = "ok" if timing.ok else "OVER TARGET"
        say(f"    {label:<36} {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.kilobytes:6.1f} KB  "
            f"{timing.queries:3d} queries  HTTP {timing.status}  {mark}")  # fmt: skip
        if label == OVERLAP_LABEL:
            overlap_check(say, client, url)
    xml = big_bpmn().encode()
    size = f"{len(xml) / 1024 / 1024:.1f} MB"
    for what, samples in (
        (f"upload of a {size} BPMN model as a draft, service", upload_timings(admin, xml)),
        (f"upload of a {size} BPMN model as a draft, HTTP API", upload_http_timings(client, xml)),
    ):
        worst = max(samples)
        verdict = "ok" if worst <= UPLOAD_TARGET_S else "OVER TARGET"
        say(f"  {what}: median {statistics.median(samples):.2f} s, worst {worst:.2f} s "
            f"(target ≤ {UPLOAD_TARGET_S:.0f} s: {verdict})")  # fmt: skip
    say()


def overlap_check(say, client, url: str) -> None:
    """The overlap figure is over the six standards only if the page shows them: a wrong parameter falls back
    to the three default standards without an error, so say what is shown and stop when it is not the six."""
    expected = [str(standard) for standard in six_standards()]
    shown = overlap_standards_shown(client, url)
    say(f"      standards shown: {len(shown)} ({', '.join(shown)})")
    if sorted(shown) != sorted(expected) or len(expected) != 6:
        raise AssertionError(f"The overlap view was measured over {shown}, not the six standards {expected}.")
