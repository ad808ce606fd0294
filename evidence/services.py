"""Evidence packs: request (one job per scope), release (e-signed, sealed, bundled), verification."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from ims.access.permissions import user_sites
from ims.jobs.services import job_request
from ims.reports.registry import get_section, section_choices

from . import storage
from .models import EvidencePack, PackStatus
from .offline import verify_pack as offline

PACK_JOB = "evidence.pack"
MAX_PERIOD_DAYS = 3 * 366 + 1


def pack_validate(*, actor, sites, period_start, period_end, sections, options, grant) -> None:
    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    allowed = set(user_sites(actor, "evidence.add_evidencepack").values_list("pk", flat=True))
    if not sites:
        add("sites", "Choose at least one site.")
    for site in sites:
        if site.pk not in allowed:
            add("sites", f"You may not build evidence packs for {site.code}.")
    if period_start is None or period_end is None:
        add("period_start", "Give the period of records the pack covers.")
    elif period_end < period_start:
        add("period_end", "The period ends before it starts.")
    elif (period_end - period_start).days > MAX_PERIOD_DAYS:
        add("period_end", "A pack covers at most three years of records; build one pack per period.")
    elif period_start > timezone.localdate():
        add("period_start", "The period starts in the future.")
    known = {code for code, _ in section_choices()}
    if not sections:
        add("sections", "Choose at least one section.")
    elif set(sections) - known:
        add("sections", f"Unknown sections: {', '.join(sorted(set(sections) - known))}.")
    for name, values in (options or {}).items():
        code = name.split(".", 1)[0]
        section = get_section(code)
        if section is None or name not in section.option_labels:
            add("options", f"Unknown choice {name!r}.")
        elif not isinstance(values, (list, tuple)) or not all(isinstance(v, int) for v in values):
            add("options", f"{name}: give a list of record ids.")
    if grant is not None:
        granted = set(grant.sites.values_list("pk", flat=True))
        if any(site.pk not in granted for site in sites):
            add("sites", "The pack's sites must be among the sites of the inspection it is for.")
        if grant.ended_at is not None or grant.valid_until <= timezone.now():
            add("grant", "This inspection's access has ended.")
    if errors:
        raise ValidationError(errors)


def pack_request(
    *,
    actor,
    sites,
    period_start: datetime.date,
    period_end: datetime.date,
    sections,
    options=None,
    grant=None,
    title: str = "",
) -> tuple[EvidencePack, bool]:
    """The pack being built for this scope, or a new one queued (``created`` True). Nothing is written when the
    scope is refused."""
    options = {k: sorted(set(v)) for k, v in (options or {}).items() if v}
    sections = sorted(set(sections or ()))
    pack_validate(
        actor=actor,
        sites=sites,
        period_start=period_start,
        period_end=period_end,
        sections=sections,
        options=options,
        grant=grant,
    )
    site_codes = ",".join(sorted(s.code for s in sites))
    scope = {
        "sites": sorted(s.pk for s in sites),
        "from": period_start.isoformat(),
        "to": period_end.isoformat(),
        "sections": sections,
        "options": options,
        "grant": grant.pk if grant else None,
    }
    made = {}

    def create(job):
        made["pack"] = pack = EvidencePack.objects.create(
            number=f"EP-{timezone.now():%Y}-{job.pk:05d}",
            job=job,
            title=(title or "").strip()[:200]
            or f"Evidence pack {site_codes} {period_start:%Y-%m-%d} to {period_end:%Y-%m-%d}",
            site_codes=site_codes,
            period_start=period_start,
            period_end=period_end,
            sections=sections,
            options=options,
            grant=grant,
            requested_by=actor,
        )
        pack.sites.set(sites)

    job, created = job_request(kind=PACK_JOB, scope=scope, requested_by=actor, create_subject=create)
    if created:
        return made["pack"], True
    return EvidencePack.objects.get(job=job), False


# --- release: e-signature, seal, bundle ----------------------------------------------------------------------


def _seal_key() -> bytes:
    configured = getattr(settings, "IMS_PACK_SEAL_KEY", "") or getattr(settings, "IMS_AUDIT_SEAL_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"ims-evidence-pack-seal", hashlib.sha256).digest()


def seal_of(manifest: dict) -> str:
    """HMAC-SHA256 over the manifest's digest, its files and its release block."""
    body = offline.canonical(
        {
            "contents_sha256": manifest.get("contents_sha256"),
            "files": manifest.get("files"),
            "release": manifest.get("release"),
        }
    )
    return hmac.new(_seal_key(), body, hashlib.sha256).hexdigest()


README = """IMS Portal evidence pack {number}
{title}

Files
  pack.pdf          the evidence, with a table of contents and bookmarks; every page's footer shows the pack
                    number, the page and the first 12 characters of the manifest's SHA-256
  attachments/      controlled copies and other files the pack holds
  manifest.json     every record included (model, id, version, SHA-256) and every file (SHA-256, size),
                    the release e-signature and the portal's seal
  SHA256SUMS        the SHA-256 of each file, for sha256sum -c
  verify_pack.py    a checker that needs only Python 3.8+

To check the pack without the portal:
  python3 verify_pack.py {number}.zip        (prints PACK OK, or what was changed)
or unpack the ZIP and run:
  sha256sum -c SHA256SUMS

Manifest SHA-256: {digest}
Released by {signer} ({meaning}) at {signed_at}
"""


def bundle_build(pack: EvidencePack, manifest: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("pack.pdf", storage.absolute(pack.pdf_file).read_bytes())
        for chunk in pack.chunks.order_by("index"):
            for item in chunk.attachments:
                bundle.writestr(item["file"], storage.absolute(item["path"]).read_bytes())
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False))
        sums = "".join(f"{entry['sha256']}  {entry['file']}\n" for entry in manifest["files"])
        bundle.writestr("SHA256SUMS", sums)
        bundle.writestr("verify_pack.py", Path(offline.__file__).read_text())
        release = manifest["release"]
        bundle.writestr(
            "README.txt",
            README.format(
                number=pack.number,
                title=pack.title,
                digest=manifest["contents_sha256"],
                signer=release["signer"],
                meaning=release["meaning"],
                signed_at=release["signed_at"],
            ),
        )
    return buffer.getvalue()


def _release(pack: EvidencePack, signature, actor) -> None:
    pack = EvidencePack.objects.select_for_update().get(pk=pack.pk)
    if pack.released_at is not None:
        raise ValidationError("This pack is already released.")
    files = [{"file": "pack.pdf", "sha256": pack.pdf_sha256, "size": storage.absolute(pack.pdf_file).stat().st_size}]
    for chunk in pack.chunks.order_by("index"):
        files.extend({"file": a["file"], "sha256": a["sha256"], "size": a["size"]} for a in chunk.attachments)
    manifest = dict(pack.manifest)
    manifest["files"] = files
    manifest["release"] = {
        "signer": signature.signer_name,
        "username": signature.signer_username,
        "meaning": signature.meaning,
        "signed_at": signature.signed_at.astimezone(datetime.UTC).isoformat(),
        "signature_id": signature.pk,
        "record_hash": signature.record_hash,
        "signature_hash": signature.signature_hash,
    }
    manifest["seal"] = {"algorithm": "HMAC-SHA256", "hmac": seal_of(manifest)}
    data = bundle_build(pack, manifest)
    target = storage.pack_dir(pack.number) / f"{pack.number}.zip"
    storage.write_atomic(target, data)
    EvidencePack.objects.filter(pk=pack.pk).update(
        released_at=timezone.now(),
        released_by=actor,
        manifest=manifest,
        seal_hmac=manifest["seal"]["hmac"],
        bundle_file=storage.relative(target),
        bundle_sha256=hashlib.sha256(data).hexdigest(),
    )


def pack_release_signed(*, pack: EvidencePack, actor, password, username=None, session=None, channel="web", ip=None):
    """A quality manager releases a built pack with an e-signature ("approved"): the manifest is sealed and the
    bundle written; only a released pack can be downloaded by an inspector."""
    from ims.access.permissions import user_can
    from ims.esign.services import signature_create

    if not user_can(actor, "release", pack):
        raise ValidationError("You may not release this pack.")
    if pack.status != PackStatus.BUILT:
        raise ValidationError(f"Only a built pack can be released; this one is {pack.get_status_display().lower()}.")
    return signature_create(
        signer=actor,
        record=pack,
        meaning="approved",
        password=password,
        username=username,
        reason=f"Evidence pack {pack.number} released",
        session=session,
        channel=channel,
        ip=ip,
        apply=lambda signature: _release(pack, signature, actor),
        workflow=True,
    )


def bundle_verify(path) -> list[str]:
    """Everything the offline checker checks, plus the seal (the portal's key) and the pack's own record."""
    problems = offline.check_bundle(path)
    try:
        with zipfile.ZipFile(path) as bundle:
            manifest = json.loads(bundle.read("manifest.json"))
    except Exception:  # noqa: BLE001 - the offline check already said why
        return problems or ["the bundle cannot be read"]
    seal = (manifest.get("seal") or {}).get("hmac", "")
    if not seal or not hmac.compare_digest(seal, seal_of(manifest)):
        problems.append("the seal does not match: the manifest was not released by this portal or was changed")
    number = (manifest.get("contents") or {}).get("pack")
    pack = EvidencePack.objects.filter(number=number).first()
    if pack is None:
        problems.append(f"no pack {number} in this portal")
    else:
        if pack.contents_sha256 != manifest.get("contents_sha256"):
            problems.append("the manifest's digest differs from the pack recorded in the portal")
        if pack.released_at is None or pack.seal_hmac != seal:
            problems.append("the portal has no release of this pack with this seal")
        release = manifest.get("release") or {}
        from ims.esign.models import Signature

        signature = Signature.objects.filter(pk=release.get("signature_id")).first()
        if signature is None or signature.object_pk != str(pack.pk):
            problems.append("the release e-signature is not in the portal")
    return problems
