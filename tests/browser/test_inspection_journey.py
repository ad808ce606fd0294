"""An FDA inspection through the real pages (headless Chromium) with a real pdf worker.

1. A quality manager grants an FDA inspector site A for 5 days, with an e-signature (a new external account).
2. The inspector signs in with a second factor, sees the banner and only site A, opens the training records and
   asks for the CAPA log on the request board.
3. The quality manager builds an evidence pack for the inspection and watches its progress bar; it is released
   with an e-signature and given to the request.
4. The inspector downloads the bundle; the offline checker passes.
5. One changed byte of the PDF makes the checker fail.
6. After the grant ends, the inspector gets 404 everywhere.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import uuid
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from evidence.models import EvidencePack, InspectionRequest
from evidence.offline import verify_pack as offline
from ims.access.models import InspectorGrant
from ims.org.models import Person
from tests.capa.capakit import capa_at, certify
from tests.integration.conftest import _database_url
from tests.integration.test_pack_worker import PackWorker

from .conftest import login, sign

SHOTS = Path(os.environ.get("IMS_INSPECTION_SHOTS") or Path(tempfile.gettempdir()) / "inspection_shots")

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True),
              pytest.mark.req("P11-10b", "P11-10g")]  # fmt: skip


@pytest.fixture
def pdf_worker(settings, tmp_path):
    """A real pdf worker on a queue of the test's own, with pack files under the test's folder."""
    from evidence.services import PACK_JOB
    from evidence.tasks import pack_dispatch
    from ims.jobs.registry import get_job_kind, register_job_kind

    queue = f"journey-{uuid.uuid4().hex[:8]}"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ims.settings",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "MEDIA_ROOT": settings.MEDIA_ROOT,
    }
    previous = get_job_kind(PACK_JOB)
    register_job_kind(PACK_JOB, dispatch=lambda job_id: pack_dispatch(job_id, queue), stale_after=900)
    worker = PackWorker(queue, env)
    yield worker
    register_job_kind(PACK_JOB, dispatch=previous.dispatch, stale_after=previous.stale_after)
    worker.kill_all()


def _check(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", str(offline.__file__), str(path)], capture_output=True, text=True, check=False
    )


def test_an_fda_inspection_from_the_grant_to_the_end_of_access(org, page_factory, pdf_worker, tmp_path):
    certify(org, org.qm_a)
    capa = capa_at(org, title="Cold room 2 excursion")
    capa_at(org, site=org.site_b, title="Boston only deviation")

    # 1. The quality manager grants access with an e-signature.
    qm = page_factory()
    login(qm, org.qm_a.username, org.password)
    qm.goto("/account/grants/new/")
    qm.fill("input[name=new_first_name]", "Dana")
    qm.fill("input[name=new_last_name]", "Reyes")
    qm.fill("input[name=new_email]", "dana.reyes@fda.example")
    qm.select_option("select[name=agency]", "fda")
    qm.fill("input[name=reference]", "FDA pre-approval inspection")
    qm.check(f"input[name=sites][value='{org.site_a.pk}']")
    sign(qm, org.qm_a.username, org.password)
    expect(qm.locator("[data-first-password]")).to_be_visible()
    first_password = qm.input_value("[data-first-password] input")
    grant = InspectorGrant.objects.get(reference="FDA pre-approval inspection")
    assert grant.site_codes == org.site_a.code and grant.status == "active"
    assert (grant.valid_until - grant.valid_from).days == 5

    # 2. The inspector signs in with a second factor, sees the banner and site A only, reads and asks.
    inspector = page_factory()
    login(inspector, "dana.reyes@fda.example", first_password)
    inspector.goto("/evidence/room/")
    banner = inspector.locator("[data-inspection-banner]")
    expect(banner).to_contain_text("FDA")
    expect(banner).to_contain_text(org.site_a.code)
    assert org.site_b.code not in banner.inner_text()
    inspector.goto("/capa/")
    expect(inspector.locator("main")).to_contain_text("Cold room 2 excursion")
    assert "Boston only deviation" not in inspector.locator("main").inner_text()
    inspector.goto("/training/records/")
    assert inspector.locator("main").count() == 1
    inspector.goto("/evidence/room/requests/")
    inspector.fill("[data-ask] input[name=subject]", "CAPA log 2026 for Basel")
    inspector.click("[data-ask] button[type=submit]")
    inspector.wait_for_load_state("networkidle")
    expect(inspector.locator("[data-request='1']")).to_have_attribute("data-status", "requested")
    ask = InspectionRequest.objects.get(grant=grant, number=1)

    # The quality manager sees, live, what the inspector opened.
    qm.goto(grant.get_absolute_url())
    expect(qm.locator("main")).to_contain_text("/training/records/")

    # 3. The quality manager builds a pack for the inspection and watches its progress.
    today = timezone.localdate()
    qm.goto(f"/evidence/packs/new/?grant={grant.pk}")
    qm.fill("input[name=title]", "FDA PAI — Basel CAPA log")
    qm.check(f"input[name=sites][value='{org.site_a.pk}']")
    for box in qm.locator("input[name=sections]").all():
        box.uncheck()
    qm.check("input[name=sections][value=capa]")
    qm.fill("input[name=period_start]", (today - datetime.timedelta(days=365)).isoformat())
    qm.fill("input[name=period_end]", today.isoformat())
    qm.fill("input[name=option__capa__files]", capa.reference.lower())  # the full CAPA file, named as people do
    SHOTS.mkdir(parents=True, exist_ok=True)
    qm.screenshot(path=str(SHOTS / "pack-form.png"), full_page=True)
    qm.click("main form button[type=submit]")
    qm.wait_for_load_state("networkidle")
    expect(qm.locator("#pack-progress .progress")).to_be_visible()
    expect(qm.locator("[data-pack-status]")).to_have_attribute("data-pack-status", "built", timeout=90000)
    pack = EvidencePack.objects.get(grant=grant)
    assert pack.page_count >= 3 and pack.job.status == "done"
    assert pack.options == {"capa.files": [capa.pk]}
    expect(qm.locator("main dl").first).to_contain_text("CAPA log: CAPA files")
    expect(qm.locator("main dl").first).to_contain_text(capa.reference)
    qm.screenshot(path=str(SHOTS / "pack-built.png"), full_page=True)
    qm.click("[data-release]")
    sign(qm, org.qm_a.username, org.password)
    expect(qm.locator("[data-pack-status]")).to_have_attribute("data-pack-status", "released")
    qm.goto(f"/evidence/requests/{ask.pk}/")
    qm.click(f"main form[action$='{ask.pk}/prepare/'] button[type=submit]")
    qm.wait_for_load_state("networkidle")
    qm.fill("[data-provide] textarea[name=answer]", "The CAPA log of Basel for the last year.")
    qm.check(f"[data-provide] input[name=packs][value='{pack.pk}']")
    qm.click("[data-provide] button[type=submit]")
    qm.wait_for_load_state("networkidle")
    ask.refresh_from_db()
    assert ask.status == "provided" and list(ask.packs.all()) == [pack]

    # 4. The inspector downloads the bundle; the offline checker passes.
    inspector.goto("/evidence/room/")
    inspector.click(f"[data-pack='{pack.pk}'] a")
    inspector.wait_for_load_state("networkidle")
    with inspector.expect_download() as download:
        inspector.click("[data-download-bundle]")
    bundle = tmp_path / f"{pack.number}.zip"
    download.value.save_as(bundle)
    passed = _check(bundle)
    assert passed.returncode == 0 and "PACK OK" in passed.stdout, passed.stdout
    with zipfile.ZipFile(bundle) as archive:
        manifest = archive.read("manifest.json").decode()
    assert f'"id": "{capa.pk}"' in manifest and '"model": "capa.capa"' in manifest

    # 5. One changed byte of the PDF makes the checker fail.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(tampered, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "pack.pdf":
                data = data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:]
            copy.writestr(item.filename, data)
    failed = _check(tampered)
    assert failed.returncode == 1 and "PACK FAILED" in failed.stdout and "pack.pdf" in failed.stdout

    # 6. The quality manager ends the access early; the inspector gets 404 everywhere.
    qm.goto(f"{grant.get_absolute_url()}end/")
    qm.fill("main form [name=reason]", "Inspection closed out")
    sign(qm, org.qm_a.username, org.password)
    grant.refresh_from_db()
    assert grant.status == "ended"
    for url in (
        "/",
        "/evidence/room/",
        "/capa/",
        f"/capa/{capa.pk}/",
        pack.get_absolute_url(),
        "/training/records/",
        "/evidence/room/requests/",
    ):
        response = inspector.goto(url)
        assert response.status == 404, url
    assert Person.objects.get(username="dana.reyes@fda.example").external_inspector
