"""Evidence packs: the scope rules, the parallel build, the PDF (contents, bookmarks, footers), the manifest, the
e-signed release, the bundle and its checks (offline checker, sha256sum -c, verify_pack)."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from evidence import services
from evidence.models import EvidencePack, PackStatus
from evidence.offline import verify_pack as offline
from ims.jobs.models import Job, JobStatus
from ims.notifications.models import Notice
from ims.reports.manifest import attachment, manifest_records
from ims.reports.registry import EvidenceSection, SectionPart, register_section, unregister_section
from ims.reports.render import page_slice, paged_keys, table_html

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 130


def _sites_rows(scope):
    from ims.org.models import Site

    return list(Site.objects.filter(pk__in=scope.site_ids).order_by("code"))


def _parts(scope):
    return paged_keys(ROWS, per_part=50)


def _render(scope, key):
    rows = [(f"Row {i}", f"value-{i}") for i in range(ROWS)][page_slice(key, per_part=50)]
    sites = _sites_rows(scope)
    html = table_html(title=f"Rows for {', '.join(s.code for s in sites)}", columns=["Row", "Value"], rows=rows)
    extra = []
    if key == "0":
        extra = [attachment("demo/readme.txt", b"controlled copy of the demo", source=f"org.site:{sites[0].pk}")]
    return SectionPart(
        title=f"Demo rows part {int(key) + 1}", html=html, records=manifest_records(sites), attachments=extra
    )


@pytest.fixture
def demo_section():
    section = register_section(
        EvidenceSection(
            code="zz-demo", title="Demo evidence", order=999, models=("org.site",), parts=_parts, render=_render
        )
    )
    yield section
    unregister_section("zz-demo")


@pytest.fixture
def media(settings, tmp_path):
    """Pack files under a folder of the test's own; jobs are run here (``_build``), never sent to a broker."""
    from evidence.services import PACK_JOB
    from ims.jobs.registry import get_job_kind, register_job_kind

    settings.MEDIA_ROOT = str(tmp_path / "media")
    previous = get_job_kind(PACK_JOB)
    register_job_kind(PACK_JOB, dispatch=lambda job_id: None)
    yield tmp_path
    register_job_kind(PACK_JOB, dispatch=previous.dispatch, stale_after=previous.stale_after)


def _request(org, **overrides):
    today = timezone.localdate()
    fields = dict(
        actor=org.qm_a,
        sites=[org.site_a],
        period_start=today - datetime.timedelta(days=30),
        period_end=today,
        sections=["zz-demo"],
        title="Demo pack",
    )
    fields.update(overrides)
    return services.pack_request(**fields)


def _build(pack):
    """Run the job's tasks in this process, in order (the worker test runs them on a real worker)."""
    from ims.celery import app

    app.conf.task_always_eager = True
    try:
        from evidence.tasks import pack_build

        pack_build.apply(args=(pack.job_id,))
    finally:
        app.conf.task_always_eager = False
    pack.refresh_from_db()
    return pack


def _certify(org, person) -> None:
    from ims.esign import services as esign_services

    if esign_services.certification_current(person) is not None:
        return
    esign_services.certification_create(person=person, password=org.password, username=person.username, session={})


def _sign_release(org, pack):
    _certify(org, org.qm_a)
    services.pack_release_signed(pack=pack, actor=org.qm_a, password=org.password, username=org.qm_a.username)
    pack.refresh_from_db()
    return pack


def test_a_second_identical_request_returns_the_running_job(org, demo_section, media):
    pack, created = _request(org)
    again, created_again = _request(org)
    assert created and not created_again
    assert again.pk == pack.pk and Job.objects.count() == 1
    other, created_other = _request(
        org, sections=["zz-demo"], period_start=pack.period_start - datetime.timedelta(days=1)
    )
    assert created_other and other.pk != pack.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sites": "B"}, "sites"),
        ({"sites": []}, "sites"),
        ({"period_end": "before"}, "period_end"),
        ({"sections": ["nonexistent"]}, "sections"),
        ({"sections": []}, "sections"),
    ],
)
def test_a_scope_outside_the_rules_is_refused_and_nothing_is_written(org, demo_section, media, overrides, field):
    if overrides.get("sites") == "B":
        overrides["sites"] = [org.site_b]
    if overrides.get("period_end") == "before":
        overrides["period_end"] = timezone.localdate() - datetime.timedelta(days=60)
    with pytest.raises(ValidationError) as refused:
        _request(org, **overrides)
    assert field in refused.value.message_dict
    assert not EvidencePack.objects.exists() and not Job.objects.exists()


def test_the_pack_is_built_from_its_parts_with_contents_bookmarks_and_a_footer_on_every_page(org, demo_section, media):
    from pypdf import PdfReader

    pack, _ = _request(org)
    pack = _build(pack)
    assert pack.status == PackStatus.BUILT and pack.job.status == JobStatus.DONE and pack.job.percent == 100
    assert pack.chunks.count() == 3 and set(pack.chunks.values_list("status", flat=True)) == {"done"}
    pdf = (media / "media" / pack.pdf_file).read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == pack.pdf_sha256
    reader = PdfReader(io.BytesIO(pdf))
    total = len(reader.pages)
    assert total == pack.page_count and total >= 4
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text, number
        assert pack.number in text and pack.contents_sha256[:12] in text
    assert "Contents" in texts[1] and "Demo rows part 3" in texts[1]
    assert any("Row 129" in text for text in texts) and any("Row 0" in text for text in texts)
    outline = reader.outline
    assert [item.title for item in outline[:3]] == ["Cover", "Contents", "Demo evidence"]
    assert [item.title for item in outline[3]] == ["Demo rows part 1", "Demo rows part 2", "Demo rows part 3"]
    # The contents name the page each part starts on.
    first_part_page = reader.get_destination_page_number(outline[3][0]) + 1
    assert f"Demo rows part 1 {first_part_page}" in " ".join(texts[1].split())
    contents = pack.manifest["contents"]
    assert pack.manifest["contents_sha256"] == offline.contents_digest(contents) == pack.contents_sha256
    assert {(r["model"], r["id"]) for r in contents["records"]} == {("org.site", str(org.site_a.pk))}
    assert contents["attachments"][0]["sha256"] == hashlib.sha256(b"controlled copy of the demo").hexdigest()
    notices = Notice.objects.filter(person=org.qm_a, category="evidence-pack")
    assert notices.count() == 1 and pack.number in notices.get().body


def test_assembling_again_changes_nothing_and_sends_no_second_notice(org, demo_section, media):
    from evidence.tasks import pack_assemble

    pack, _ = _request(org)
    pack = _build(pack)
    before = (pack.pdf_sha256, pack.built_at)
    pack_assemble.apply(args=(pack.job_id,))
    pack.refresh_from_db()
    assert (pack.pdf_sha256, pack.built_at) == before
    assert Notice.objects.get(person=org.qm_a, category="evidence-pack").item_count == 1


def test_a_released_bundle_verifies_offline_with_sha256sum_and_in_the_portal(org, demo_section, media, tmp_path):
    pack = _sign_release(org, _build(_request(org)[0]))
    assert pack.status == PackStatus.RELEASED and pack.seal_hmac
    bundle = media / "media" / pack.bundle_file
    assert offline.check_bundle(bundle) == []
    checker = subprocess.run(
        [sys.executable, "-I", str(offline.__file__), str(bundle)], capture_output=True, text=True, check=False
    )
    assert checker.returncode == 0 and "PACK OK" in checker.stdout
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(unpacked)
        manifest = json.loads(archive.read("manifest.json"))
        assert "python3 verify_pack.py" in archive.read("README.txt").decode()
    assert manifest["release"]["signer"] == org.qm_a.get_full_name()
    if shutil.which("sha256sum"):
        result = subprocess.run(
            ["sha256sum", "-c", "SHA256SUMS"], cwd=unpacked, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
    call_command("verify_pack", str(bundle))


def _rewrite(bundle, target, change):
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(target, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            copy.writestr(item.filename, change(item.filename, data))


def test_one_changed_byte_of_the_pdf_fails_every_check(org, demo_section, media, tmp_path):
    pack = _sign_release(org, _build(_request(org)[0]))
    bundle = media / "media" / pack.bundle_file
    tampered = tmp_path / "tampered.zip"

    def flip(name, data):
        if name != "pack.pdf":
            return data
        middle = len(data) // 2
        return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]

    _rewrite(bundle, tampered, flip)
    assert any("pack.pdf" in p for p in offline.check_bundle(tampered))
    checker = subprocess.run(
        [sys.executable, "-I", str(offline.__file__), str(tampered)], capture_output=True, text=True, check=False
    )
    assert checker.returncode == 1 and "PACK FAILED" in checker.stdout
    with pytest.raises(CommandError, match="does not verify"):
        call_command("verify_pack", str(tampered))


def test_a_rewritten_manifest_with_matching_hashes_fails_the_seal(org, demo_section, media, tmp_path):
    """Someone who swaps a file and rewrites every hash passes the offline checks, but not the portal's seal."""
    pack = _sign_release(org, _build(_request(org)[0]))
    bundle = media / "media" / pack.bundle_file
    forged_pdf = b"%PDF-1.7 forged"
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(bundle) as source:
        manifest = json.loads(source.read("manifest.json"))
    for entry in manifest["files"]:
        if entry["file"] == "pack.pdf":
            entry.update(sha256=hashlib.sha256(forged_pdf).hexdigest(), size=len(forged_pdf))

    def swap(name, data):
        if name == "pack.pdf":
            return forged_pdf
        if name == "manifest.json":
            return json.dumps(manifest).encode()
        if name == "SHA256SUMS":
            return "".join(f"{e['sha256']}  {e['file']}\n" for e in manifest["files"]).encode()
        return data

    _rewrite(bundle, forged, swap)
    assert offline.check_bundle(forged) == []
    problems = services.bundle_verify(forged)
    assert any("seal" in p for p in problems)


def test_a_pack_is_released_once_and_only_when_built(org, demo_section, media):
    _certify(org, org.qm_a)
    pack, _ = _request(org)
    with pytest.raises(ValidationError, match="Only a built pack"):
        services.pack_release_signed(pack=pack, actor=org.qm_a, password=org.password, username=org.qm_a.username)
    pack = _sign_release(org, _build(pack))
    with pytest.raises(ValidationError, match="Only a built pack"):
        services.pack_release_signed(pack=pack, actor=org.qm_a, password=org.password, username=org.qm_a.username)


def test_a_wrong_password_releases_nothing(org, demo_section, media):
    from ims.esign.services import SignatureRefused

    _certify(org, org.qm_a)
    pack = _build(_request(org)[0])
    with pytest.raises(SignatureRefused):
        services.pack_release_signed(pack=pack, actor=org.qm_a, password="wrong", username=org.qm_a.username)
    pack.refresh_from_db()
    assert pack.released_at is None and not pack.bundle_file


def test_a_cancelled_build_stops_and_renders_no_pdf(org, demo_section, media):
    from ims.jobs.services import job_cancel

    pack, _ = _request(org)
    job_cancel(job=pack.job, by=org.qm_a)
    pack = _build(pack)
    assert pack.job.status == JobStatus.CANCELLED and not pack.pdf_file and pack.status == PackStatus.CANCELLED


def test_a_scope_too_large_for_one_pack_fails_with_the_reason(org, demo_section, media, settings):
    settings.IMS_PACK_MAX_PARTS = 2
    pack = _build(_request(org)[0])
    assert pack.status == PackStatus.FAILED and not pack.pdf_file and not pack.chunks.filter(status="done").exists()
    assert "holds 3 parts" in pack.job.last_error and "shorter period" in pack.job.last_error
