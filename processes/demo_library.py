"""Demo records of step 2, library part: which of the demo company's controlled documents address which clauses.

The links are chosen so that the overlap view shows requirement groups addressed across 9001/14001/45001 (the
integrated IMS policy), plain gaps (most of the clauses: the demo company is at the start of its gap analysis)
and one redundancy: the gowning procedure and the waste procedure both claim operational planning and control
(ISO 14001 8.1 / ISO 45001 8.1), a candidate for one integrated procedure. Idempotent: a link that exists, or
that someone deactivated, is left as it is.
"""

from __future__ import annotations

from ims.documents.models import ControlledDocument

from .library import document_clause_add, standards_load
from .models import Clause, DocumentClause, Standard

ISO9001, ISO14001, ISO45001 = ("ISO 9001", "2015"), ("ISO 14001", "2015"), ("ISO 45001", "2018")

#: document number → [(standard, clause number, note)]
LINKS: dict[str, list[tuple[tuple[str, str], str, str]]] = {
    "POL-IMS-001": [
        (ISO9001, "5.2", "The integrated IMS policy"),
        (ISO14001, "5.2", "The integrated IMS policy"),
        (ISO45001, "5.2", "The integrated IMS policy"),
    ],
    "SOP-QA-001": [
        (ISO9001, "10.2", "Deviation handling, investigation and CAPA"),
        (ISO9001, "10.2.1", "Steps 1–6"),
    ],
    "FRM-QA-014": [(ISO9001, "10.2.2", "Retained record of each deviation")],
    "SOP-QA-002": [
        (ISO9001, "6.3", "Planned changes"),
        (ISO9001, "8.5.6", "Control of changes in production"),
        (ISO45001, "8.1.3", "Management of change for OH&S"),
    ],
    "SOP-PRD-004": [
        (ISO9001, "7.1.4", "Cleanroom environment"),
        (ISO45001, "8.1", "Gowning protects operators as well as product"),
    ],
    "SOP-EHS-003": [
        (ISO14001, "6.1.2", "Waste streams as environmental aspects"),
        (ISO14001, "8.1", "Operational control of waste"),
        (ISO45001, "8.1", "Safe handling of biological and chemical waste"),
    ],
    "WI-QC-010": [(ISO9001, "7.1.4", "Monitoring of grade A/B areas")],
}


def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    wanted = {key for links in LINKS.values() for key, _number, _note in links}
    present = set(Standard.objects.values_list("code", "edition"))
    if not wanted <= present:
        standards_load()
    clauses = {
        (code, edition, number): clause
        for clause in Clause.objects.filter(standard__code__in=[code for code, _ in wanted]).select_related("standard")
        for code, edition, number in [(clause.standard.code, clause.standard.edition, clause.number)]
    }
    documents = {
        document.number: document
        for document in ControlledDocument._base_manager.filter(number__in=list(LINKS), is_active=True)
    }
    existing = set(DocumentClause._base_manager.values_list("document_id", "clause_id"))
    created = 0
    for number, links in LINKS.items():
        document = documents.get(number)
        if document is None:
            continue
        for (code, edition), clause_number, note in links:
            clause = clauses.get((code, edition, clause_number))
            if clause is None or (document.pk, clause.pk) in existing:
                continue
            document_clause_add(actor=None, document=document, clause=clause, note=note)
            existing.add((document.pk, clause.pk))
            created += 1
    return f"{created} document–clause links" if created else ""
