"""Building a pack: plan its parts, render each part (in parallel, one task per part), assemble the PDF.

- ``pack_plan``: one ``PackChunk`` per section part (idempotent: a redelivered plan finds its chunks).
- ``chunk_render``: renders one part with WeasyPrint to its own file; the chunk row is marked done once.
- ``pack_assemble``: cover and contents (with page numbers and PDF bookmarks), the parts merged with pypdf,
  a footer stamped on every page (pack number, page N of M, the manifest's short hash), the manifest.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import time

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ims.reports.registry import PackScope, get_section
from ims.reports.registry import sections as all_sections
from ims.reports.render import html_to_pdf, part_document

from . import storage
from .models import ChunkStatus, EvidencePack, PackChunk
from .offline.verify_pack import FORMAT, contents_digest

log = logging.getLogger("ims.evidence")


def pack_scope(pack: EvidencePack) -> PackScope:
    return PackScope(
        site_ids=tuple(sorted(pack.sites.values_list("pk", flat=True))),
        period_start=pack.period_start,
        period_end=pack.period_end,
        sections=tuple(pack.sections),
        viewer_id=pack.requested_by_id,
        options={k: tuple(v) for k, v in (pack.options or {}).items()},
        pack_number=pack.number,
    )


def ordered_sections(codes) -> list:
    wanted = set(codes)
    return [s for s in all_sections() if s.code in wanted]


def pack_plan(pack: EvidencePack) -> list[PackChunk]:
    """The pack's chunks, planned once (a second call returns the same rows)."""
    existing = list(pack.chunks.order_by("index"))
    if existing:
        return existing
    scope = pack_scope(pack)
    rows = []
    index = 0
    for section in ordered_sections(pack.sections):
        for position, key in enumerate(section.parts(scope)):
            rows.append(
                PackChunk(pack=pack, index=index, section=section.code, key=key[:120], first_of_section=position == 0)
            )
            index += 1
    with transaction.atomic():
        if not pack.chunks.exists():
            PackChunk.objects.bulk_create(rows)
    return list(pack.chunks.order_by("index"))


def chunk_render(chunk: PackChunk) -> bool:
    """Render one part to its file and mark the chunk done; False when another copy had already done it."""
    if chunk.status == ChunkStatus.DONE:
        return False
    pack = chunk.pack
    section = get_section(chunk.section)
    if section is None:
        raise LookupError(f"evidence section {chunk.section!r} is no longer registered")
    started = time.monotonic()
    part = section.render(pack_scope(pack), chunk.key)
    pdf = html_to_pdf(part_document(section_title=section.title, body=part.html, first_part=chunk.first_of_section))
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    folder = storage.pack_dir(pack.number)
    target = folder / f"part-{chunk.index:05d}.pdf"
    storage.write_atomic(target, pdf)
    attachments = []
    for item in part.attachments:
        name = item.name.lstrip("/").replace("..", "_")
        storage.write_atomic(folder / "attachments" / name, item.data)
        attachments.append(
            {
                "file": f"attachments/{name}",
                "sha256": item.sha256,
                "size": len(item.data),
                "record": item.source,
                "path": storage.relative(folder / "attachments" / name),
            }
        )
    records = [dict(r.as_dict(), section=section.code) for r in part.records]
    updated = PackChunk.objects.filter(pk=chunk.pk, status=ChunkStatus.PENDING).update(
        status=ChunkStatus.DONE,
        title=(part.title or section.title)[:200],
        file=storage.relative(target),
        pages=pages,
        records=records,
        attachments=attachments,
        rendered_at=timezone.now(),
        seconds=round(time.monotonic() - started, 3),
    )
    return bool(updated)


# --- assembling ---------------------------------------------------------------------------------------------


def manifest_contents(pack: EvidencePack, chunks: list[PackChunk]) -> dict:
    records, attachments, seen = [], [], set()
    for chunk in chunks:
        for record in chunk.records:
            key = (record["model"], record["id"])
            if key in seen:
                continue
            seen.add(key)
            records.append(record)
        for item in chunk.attachments:
            attachments.append({k: item[k] for k in ("file", "sha256", "size", "record")})
    return {
        "pack": pack.number,
        "title": pack.title,
        "sites": pack.site_codes.split(","),
        "period": {"from": pack.period_start.isoformat(), "to": pack.period_end.isoformat()},
        "sections": [s.code for s in ordered_sections(pack.sections)],
        "options": pack.options or {},
        "requested_by": pack.requested_by.get_full_name() or pack.requested_by.username,
        "requested_at": pack.created_at.astimezone(datetime.UTC).isoformat(),
        "records": records,
        "attachments": attachments,
    }


def _front_pdf(pack: EvidencePack, entries: list[dict], digest: str, offset: int) -> bytes:
    html = render_to_string(
        "evidence/pack_front.html",
        {
            "pack": pack,
            "entries": [dict(e, page=e["page"] + offset) for e in entries],
            "digest": digest,
            "sections": ordered_sections(pack.sections),
            "built_at": timezone.now(),
        },
    )
    return html_to_pdf(html)


def _footer_text(number: str, page: int, total: int, digest: str) -> bytes:
    text = f"{number}   \u00b7   Page {page} of {total}   \u00b7   Manifest SHA-256 {digest[:12]}"
    raw = text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"BT /IMSFooter 7.5 Tf 0.3 0.33 0.37 rg 40 22 Td (" + raw + b") Tj ET"


def stamp_footers(writer, number: str, digest: str) -> None:
    """Every page gets the footer, drawn after the page's own content in a clean graphics state."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    push = DecodedStreamObject()
    push.set_data(b"q")
    push_ref = writer._add_object(push)
    total = len(writer.pages)
    for number_on_page, page in enumerate(writer.pages, start=1):
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        if resources is None:
            resources = DictionaryObject()
            page[NameObject("/Resources")] = resources
        fonts = resources.get("/Font")
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        else:
            fonts = fonts.get_object()
        fonts[NameObject("/IMSFooter")] = font
        footer = DecodedStreamObject()
        footer.set_data(b"Q q " + _footer_text(number, number_on_page, total, digest) + b" Q")
        footer_ref = writer._add_object(footer)
        contents = page.get("/Contents")
        parts = []
        if contents is not None:
            resolved = contents.get_object()
            if isinstance(resolved, ArrayObject):
                parts = list(resolved)
            else:
                parts = [contents]
        page[NameObject("/Contents")] = ArrayObject([push_ref, *parts, footer_ref])


def pack_assemble(pack: EvidencePack) -> dict:
    """Merge the rendered parts into the pack's PDF and compute its manifest. Returns what the pack records."""
    from pypdf import PdfReader, PdfWriter

    chunks = list(pack.chunks.order_by("index"))
    pending = [c.index for c in chunks if c.status != ChunkStatus.DONE]
    if pending:
        raise RuntimeError(f"parts {pending[:5]} are not rendered yet")
    contents = manifest_contents(pack, chunks)
    digest = contents_digest(contents)
    titles = {s.code: s.title for s in all_sections()}
    # Table of contents: each section and part with its first page, counted from the first page of the parts.
    entries, page = [], 1
    for chunk in chunks:
        if chunk.first_of_section:
            entries.append({"level": 1, "title": titles.get(chunk.section, chunk.section), "page": page})
        entries.append({"level": 2, "title": chunk.title, "page": page})
        page += chunk.pages or 0
    front = _front_pdf(pack, entries, digest, offset=0)
    front_pages = len(PdfReader(io.BytesIO(front)).pages)
    for _attempt in range(3):
        candidate = _front_pdf(pack, entries, digest, offset=front_pages)
        pages_now = len(PdfReader(io.BytesIO(candidate)).pages)
        front = candidate
        if pages_now == front_pages:
            break
        front_pages = pages_now
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
    writer.add_outline_item(title="Cover", page_number=0)
    writer.add_outline_item(title="Contents", page_number=min(1, front_pages - 1))
    outline_parent = None
    for chunk in chunks:
        start = len(writer.pages)
        writer.append(PdfReader(str(storage.absolute(chunk.file))), import_outline=False)
        if chunk.first_of_section:
            outline_parent = writer.add_outline_item(title=titles.get(chunk.section, chunk.section), page_number=start)
        writer.add_outline_item(title=chunk.title, page_number=start, parent=outline_parent)
    stamp_footers(writer, pack.number, digest)
    writer.add_metadata(
        {
            "/Title": f"{pack.number} — {pack.title}",
            "/Producer": "IMS Portal evidence pack",
            "/Subject": f"Manifest SHA-256 {digest}",
        }
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = buffer.getvalue()
    target = storage.pack_dir(pack.number) / "pack.pdf"
    storage.write_atomic(target, pdf)
    return {
        "pdf_file": storage.relative(target),
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        "page_count": len(writer.pages),
        "record_count": len(contents["records"]),
        "manifest": {"format": FORMAT, "contents": contents, "contents_sha256": digest},
        "contents_sha256": digest,
    }
