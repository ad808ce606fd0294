"""The manual as a Word document: the cover, a contents list, each section with its text and its live blocks
(tables as Word tables, diagrams named), the site annexes, the signatures, and on every page the header with the
document number and version and the controlled-copy footer."""

from __future__ import annotations

import lxml.html
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt, RGBColor

HEADINGS = {"h1": 1, "h2": 1, "h3": 2, "h4": 3, "h5": 4, "h6": 4}


def _text(element) -> str:
    return " ".join((element.text_content() or "").split())


def _table(doc, element) -> None:
    rows = element.findall(".//tr")
    if not rows:
        return
    width = max(len(r.findall("th") + r.findall("td")) for r in rows)
    table = doc.add_table(rows=0, cols=width)
    table.style = "Table Grid"
    for row in rows:
        cells = row.findall("th") + row.findall("td")
        out = table.add_row().cells
        for index, cell in enumerate(cells[:width]):
            out[index].text = _text(cell)
            if cell.tag == "th":
                for run in out[index].paragraphs[0].runs:
                    run.bold = True
    doc.add_paragraph()


def _walk(doc, element) -> None:
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in HEADINGS:
            doc.add_heading(_text(child), level=HEADINGS[tag])
        elif tag == "p":
            if text := _text(child):
                doc.add_paragraph(text)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in child.findall("li"):
                doc.add_paragraph(_text(item), style=style)
        elif tag == "table":
            _table(doc, child)
        elif tag == "figure":
            title = child.find(".//title")
            caption = child.find("figcaption")
            name = _text(caption) if caption is not None else (_text(title) if title is not None else "")
            note = doc.add_paragraph()
            note.add_run(_("[Diagram: %(name)s — see the PDF or HTML edition]") % {"name": name}).italic = True
        elif tag in ("pre", "blockquote"):
            doc.add_paragraph(_text(child), style="Quote" if tag == "blockquote" else None)
        elif tag in ("section", "div", "article"):
            _walk(doc, child)
        elif tag and (text := _text(child)):
            doc.add_paragraph(text)


def _page_furniture(doc, *, label: str, notice: str, draft_mark: str) -> None:
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = label
    if draft_mark:
        mark = section.header.add_paragraph()
        run = mark.add_run(draft_mark)
        run.bold = True
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x20)
        mark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.text = notice
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER


def manual_docx(output, *, notice: str, draft_mark: str = ""):
    version, document = output.version, output.document
    doc = Document()
    _page_furniture(doc, label=f"{output.label} · {document.title}", notice=notice, draft_mark=draft_mark)
    doc.add_heading(document.title, level=0)
    meta = doc.add_table(rows=0, cols=2)
    meta.style = "Table Grid"
    rows = [
        (_("Document number"), document.number),
        (_("Version"), str(version.number)),
        (_("Status"), str(version.get_status_display())),
        (_("Effective date"), version.effective_date.isoformat() if version.effective_date else "—"),
        (_("Sites"), ", ".join(s.code for s in document.sites.order_by("code"))),
    ]
    if output.site is not None:
        rows.append((_("Edition for site"), f"{output.site.code} · {output.site.name}"))
    for key, value in rows:
        cells = meta.add_row().cells
        cells[0].text, cells[1].text = key, value
    doc.add_heading(_("Contents"), level=1)
    for entry in output.rendered.full_toc:
        doc.add_paragraph(entry["title"], style="List Number")
    doc.add_page_break()
    _walk(doc, lxml.html.fragment_fromstring(str(output.rendered.html) or "<div></div>", create_parent="div"))
    doc.add_heading(_("Electronic signatures"), level=1)
    if output.manifestations:
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        head = table.rows[0].cells
        head[0].text, head[1].text, head[2].text = _("Printed name"), _("Date and time"), _("Meaning")
        for m in output.manifestations:
            cells = table.add_row().cells
            cells[0].text = m.printed_name
            cells[1].text = f"{m.signed_at_utc} ({m.signed_at_local} {m.time_zone})"
            cells[2].text = str(m.meaning_label)
    else:
        doc.add_paragraph(_("Not signed yet."))
    return doc
