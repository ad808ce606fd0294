# ruff: noqa: E501 - one demo record per line reads best
"""Demo register for ``manage.py seed_demo``: 30 entries across quality, environment and OH&S at the demo sites,
with controls linked to the demo procedures, courses and CAPAs where they exist, and 15 obligations (titles of
real regulations only) with their compliance evaluations. Idempotent: a reference or title already there is kept.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ims.documents.models import ControlledDocument
from ims.org.models import Person, Site

from . import obligations, services
from .choices import EntryKind, EvaluationResult, ObligationType
from .models import Obligation, RiskEntry

Q, E, H = EntryKind.QUALITY_RISK, EntryKind.ENVIRONMENTAL_ASPECT, EntryKind.OHS_HAZARD

# (kind, site, process, owner, title, kind fields, inherent (S, L, D), residual (S, L, D), review in days,
#  control: (description, procedure number or "", link a course?, link a CAPA?))
ENTRIES = (
    (Q, "BSL", "PRD-MFG", "HB-1005", "Cross-contamination in multi-product suite", {"hazard": "Carry-over of active substance between campaigns"}, (5, 3, 3), (5, 1, 2), 120, ("Cleaning validation and visual inspection", "SOP-PRD-004", True, False)),
    (Q, "BSL", "QC-REL", "HB-1016", "Out-of-specification result released", {"hazard": "Analytical error not detected before release"}, (5, 2, 3), (5, 1, 2), 90, ("Second-person review of results", "SOP-QA-002", False, False)),
    (Q, "BSL", "SCM-PURCH", "HB-1015", "Unqualified supplier of excipient", {"hazard": "Material from a supplier without audit"}, (4, 3, 3), (4, 2, 2), 60, ("Approved supplier list checked at order", "", False, False)),
    (Q, "BSL", "QA-DOC", "HB-1003", "Obsolete procedure in use on the floor", {"hazard": "Superseded SOP copy used at the line"}, (3, 3, 4), (3, 1, 2), 180, ("Controlled copies withdrawn at effective date", "SOP-QA-001", True, False)),
    (Q, "BSL", "PRD-MFG", "HB-1018", "Bioreactor temperature excursion", {"hazard": "Loss of temperature control during fermentation"}, (4, 2, 2), (4, 1, 1), -10, ("Alarmed temperature monitoring", "", False, True)),
    (Q, "CRK", "PRD-MFG", "HB-2004", "Sterility assurance failure in aseptic filling", {"hazard": "Microbial ingress during filling"}, (5, 2, 4), (5, 1, 2), 45, ("Media fills and environmental monitoring", "", True, False)),
    (Q, "CRK", "QC-REL", "HB-2003", "Label mix-up at packaging", {"hazard": "Wrong label applied to vials"}, (5, 2, 3), (5, 1, 1), 150, ("Vision system and line clearance", "", False, False)),
    (Q, "CRK", "QA-COMPL", "HB-2001", "Late reporting of a serious complaint", {"hazard": "Regulatory reporting deadline missed"}, (4, 2, 3), (4, 1, 2), -5, ("Complaint triage within one working day", "", False, True)),
    (Q, "RDU", "QA-DOC", "HB-3001", "Data integrity gap in laboratory systems", {"hazard": "Shared log-ins on chromatography data system"}, (4, 3, 4), (4, 2, 2), 30, ("Individual accounts and audit trail review", "", True, False)),
    (Q, "SIN", "QA-CAPA", "HB-3010", "Ineffective CAPA closure", {"hazard": "Root cause not removed; deviation recurs"}, (3, 3, 3), (3, 2, 2), 200, ("Effectiveness check before closure", "", False, False)),
    (E, "BSL", "EHS-ENV", "HB-1014", "Solvent waste storage", {"aspect": "Storage of spent solvents", "impact": "Soil and groundwater contamination", "operating_condition": "abnormal"}, (4, 2, None), (4, 1, None), 90, ("Bunded store with weekly inspection", "SOP-EHS-003", False, False)),
    (E, "BSL", "EHS-ENV", "HB-1014", "Boiler combustion emissions", {"aspect": "Natural gas combustion", "impact": "CO2 and NOx emissions to air", "operating_condition": "normal"}, (3, 5, None), (3, 4, None), 120, ("Burner tuning and energy monitoring", "", False, False)),
    (E, "BSL", "PRD-MFG", "HB-1018", "Purified water generation", {"aspect": "Water abstraction and reject water", "impact": "Depletion of water resources", "operating_condition": "normal"}, (2, 5, None), (2, 4, None), 240, ("Reject water recovery", "", False, False)),
    (E, "BSL", "EHS-INC", "HB-1014", "Fire water run-off", {"aspect": "Fire-fighting water after a fire", "impact": "Pollution of the Rhine", "operating_condition": "emergency"}, (5, 1, None), (5, 1, None), 365, ("Retention basin and emergency plan", "", True, False)),
    (E, "BSL", "QC-REL", "HB-1016", "Laboratory chemical waste", {"aspect": "Disposal of laboratory reagents", "impact": "Hazardous waste to incineration", "operating_condition": "normal"}, (2, 3, None), (2, 2, None), 180, ("Segregated waste collection", "", False, False)),
    (E, "CRK", "EHS-ENV", "HB-2007", "Wastewater to municipal sewer", {"aspect": "Process wastewater discharge", "impact": "Load on the receiving water", "operating_condition": "normal"}, (3, 4, None), (3, 2, None), 60, ("Neutralisation and online pH monitoring", "", False, False)),
    (E, "CRK", "EHS-ENV", "HB-2007", "Refrigerant leak from chillers", {"aspect": "F-gas release", "impact": "Global warming", "operating_condition": "abnormal"}, (3, 2, None), (3, 1, None), -3, ("Leak checks by certified contractor", "", False, True)),
    (E, "CRK", "PRD-MFG", "HB-2004", "Energy use of HVAC for clean rooms", {"aspect": "Electricity consumption", "impact": "Indirect greenhouse gas emissions", "operating_condition": "normal"}, (2, 5, None), (2, 5, None), 150, ("Night set-back of air changes", "", False, False)),
    (E, "CRK", "EHS-INC", "HB-2007", "Diesel spill at tank farm", {"aspect": "Diesel delivery and storage", "impact": "Soil contamination", "operating_condition": "emergency"}, (4, 1, None), (4, 1, None), 300, ("Spill kits and drill", "", True, False)),
    (E, "RDU", "MGT-REVIEW", "HB-3007", "Packaging waste", {"aspect": "Cardboard and plastic waste", "impact": "Use of landfill", "operating_condition": "normal"}, (1, 4, None), (1, 3, None), 200, ("Recycling contract", "", False, False)),
    (H, "BSL", "PRD-MFG", "HB-1005", "Manual handling of media drums", {"activity": "Moving 200 l drums to the preparation room", "hazard": "Back injury from lifting", "people_exposed": "Production operators", "existing_controls": "Drum trolleys"}, (4, 3, None), (3, 2, None), 90, ("Drum lifter and manual-handling training", "", True, False)),
    (H, "BSL", "QC-REL", "HB-1016", "Exposure to potent compounds in the lab", {"activity": "Weighing of reference standards", "hazard": "Inhalation of potent powder", "people_exposed": "QC analysts", "existing_controls": "Fume hood"}, (5, 2, None), (5, 1, None), 120, ("Ventilated balance enclosure", "", False, False)),
    (H, "BSL", "EHS-INC", "HB-1014", "Working at height on the roof", {"activity": "Maintenance of roof ventilation units", "hazard": "Fall from height", "people_exposed": "Maintenance technicians, contractors", "existing_controls": "Permit to work"}, (5, 2, None), (5, 1, None), -20, ("Permanent guard rails", "", False, True)),
    (H, "BSL", "PRD-MFG", "HB-1018", "Steam lines in the utilities room", {"activity": "Operating clean-steam generator", "hazard": "Burns from hot surfaces", "people_exposed": "Utility operators", "existing_controls": "Insulation"}, (3, 3, None), (3, 2, None), 180, ("Insulation survey and signage", "", False, False)),
    (H, "CRK", "PRD-MFG", "HB-2004", "Repetitive work at the inspection line", {"activity": "Manual visual inspection of vials", "hazard": "Musculoskeletal strain and eye fatigue", "people_exposed": "Inspection operators", "existing_controls": "Job rotation"}, (2, 4, None), (2, 3, None), 60, ("Ergonomic stations and breaks", "", True, False)),
    (H, "CRK", "EHS-INC", "HB-2007", "Forklift traffic in the warehouse", {"activity": "Goods receipt and dispatch", "hazard": "Collision with pedestrians", "people_exposed": "Warehouse staff, drivers", "existing_controls": "Marked walkways"}, (5, 3, None), (5, 2, None), 30, ("Segregated pedestrian routes", "", True, False)),
    (H, "CRK", "PRD-MFG", "HB-2012", "Liquid nitrogen handling", {"activity": "Filling cryo-storage dewars", "hazard": "Asphyxiation and cold burns", "people_exposed": "Process technicians", "existing_controls": "Oxygen monitors"}, (5, 2, None), (5, 1, None), 150, ("Oxygen depletion alarms and PPE", "", False, False)),
    (H, "CRK", "QC-REL", "HB-2003", "Sharps in the microbiology lab", {"activity": "Sampling with needles", "hazard": "Needle-stick injury", "people_exposed": "QC analysts", "existing_controls": "Sharps bins"}, (3, 2, None), (3, 1, None), 240, ("Safety needles", "", False, False)),
    (H, "RDU", "HR-TRAIN", "HB-3007", "Lone working in the pilot plant", {"activity": "Night shifts in the pilot plant", "hazard": "Delayed help after an accident", "people_exposed": "Production technicians", "existing_controls": "Two-hourly check calls"}, (4, 2, None), (4, 1, None), 90, ("Lone-worker alarm devices", "", True, False)),
    (H, "SIN", "QA-DOC", "HB-3010", "Heat stress in the packaging hall", {"activity": "Secondary packaging in summer", "hazard": "Heat exhaustion", "people_exposed": "Packaging operators", "existing_controls": "Water stations"}, (3, 3, None), (3, 2, None), 120, ("Cooling and work-rest schedule", "", False, False)),
)  # fmt: skip

# (title, type, jurisdiction, sites, owner, interval months, clause (standard code, number) or None, result)
OBLIGATIONS = (
    ("EU GMP Chapter 1 — Pharmaceutical Quality System", ObligationType.GMP, "EU", ("BSL", "CRK"), "HB-1002", 12, None, EvaluationResult.COMPLIANT),
    ("EU GMP Annex 1 — Manufacture of Sterile Medicinal Products", ObligationType.GMP, "EU", ("CRK",), "HB-2001", 12, None, EvaluationResult.PARTLY),
    ("EU GMP Annex 11 — Computerised Systems", ObligationType.GMP, "EU", ("BSL", "CRK"), "HB-1002", 24, None, EvaluationResult.COMPLIANT),
    ("21 CFR Part 211 — cGMP for Finished Pharmaceuticals", ObligationType.GMP, "US FDA", ("BSL", "CRK", "RDU"), "HB-1002", 12, None, EvaluationResult.COMPLIANT),
    ("21 CFR Part 11 — Electronic Records; Electronic Signatures", ObligationType.GMP, "US FDA", ("RDU",), "HB-3001", 24, None, EvaluationResult.PARTLY),
    ("Swiss Chemical Risk Reduction Ordinance (ChemRRV)", ObligationType.LEGAL, "CH", ("BSL",), "HB-1014", 12, None, EvaluationResult.COMPLIANT),
    ("Swiss Ordinance on Air Pollution Control (LRV)", ObligationType.LEGAL, "CH", ("BSL",), "HB-1014", 12, None, EvaluationResult.COMPLIANT),
    ("Swiss Waters Protection Ordinance (GSchV)", ObligationType.LEGAL, "CH", ("BSL",), "HB-1014", 24, None, EvaluationResult.COMPLIANT),
    ("Irish EPA Industrial Emissions Licence", ObligationType.LEGAL, "IE EPA", ("CRK",), "HB-2007", 12, None, EvaluationResult.PARTLY),
    ("Safety, Health and Welfare at Work Act 2005", ObligationType.LEGAL, "IE", ("CRK",), "HB-2007", 12, None, EvaluationResult.COMPLIANT),
    ("REACH Regulation (EC) No 1907/2006", ObligationType.LEGAL, "EU", ("BSL", "CRK"), "HB-1014", 12, None, EvaluationResult.COMPLIANT),
    ("CLP Regulation (EC) No 1272/2008", ObligationType.LEGAL, "EU", ("BSL", "CRK"), "HB-1014", 24, None, EvaluationResult.COMPLIANT),
    ("EU F-gas Regulation (EU) 2024/573", ObligationType.LEGAL, "EU", ("CRK",), "HB-2007", 12, None, EvaluationResult.NON_COMPLIANT),
    ("OSHA 29 CFR 1910 — General Industry Standards", ObligationType.LEGAL, "US OSHA", ("RDU",), "HB-3007", 12, None, EvaluationResult.COMPLIANT),
    ("Customer quality agreement — sterile fill & finish", ObligationType.OTHER, "Contract", ("CRK",), "HB-2001", 12, None, EvaluationResult.COMPLIANT),
)  # fmt: skip


def _control_links(site, procedure_number: str, course: bool, capa: bool) -> dict:
    links: dict = {}
    if procedure_number:
        document = ControlledDocument._base_manager.filter(number=procedure_number, sites=site).first()
        if document is not None:
            links["procedure"] = document
    if course:
        course_model = apps.get_model("training", "Course")
        found = course_model._base_manager.filter(sites=site).order_by("pk").first()
        if found is not None:
            links["course"] = found
    if capa:
        found = apps.get_model("capa", "Capa")._base_manager.filter(site=site).order_by("pk").first()
        if found is not None:
            links["capa"] = found
    return links


@transaction.atomic
def risks_demo_seed() -> str:
    today = timezone.localdate()
    sites = {s.code: s for s in Site.objects.all()}
    people = {p.employee_id: p for p in Person.objects.filter(is_active=True)}
    processes = {p.code: p for p in apps.get_model("processes", "Process")._base_manager.filter(is_active=True)}
    existing_titles = set(RiskEntry._base_manager.values_list("title", flat=True))
    created = controls = 0
    for kind, site_code, process_code, owner_id, title, fields, inherent, residual, review, control in ENTRIES:
        site, process = sites.get(site_code), processes.get(process_code)
        if title in existing_titles or site is None or process is None:
            continue
        owner = people.get(owner_id) or process.owner
        entry = services.entry_create(
            actor=None, kind=kind, site=site, process=process, title=title, owner=owner,
            review_date=today + datetime.timedelta(days=review),
            inherent_severity=inherent[0], inherent_likelihood=inherent[1], inherent_detectability=inherent[2],
            residual_severity=residual[0], residual_likelihood=residual[1], residual_detectability=residual[2],
            **fields,
        )  # fmt: skip
        created += 1
        description, procedure, course, capa = control
        links = _control_links(site, procedure, course, capa)
        try:
            with transaction.atomic():
                services.control_create(actor=None, entry=entry, description=description, **links)
        except ValidationError:
            services.control_create(actor=None, entry=entry, description=description)
        controls += 1
    titles = set(Obligation._base_manager.values_list("title", flat=True))
    added = evaluations = 0
    for title, kind, jurisdiction, site_codes, owner_id, interval, _clause, result in OBLIGATIONS:
        chosen = [sites[c] for c in site_codes if c in sites]
        owner = people.get(owner_id)
        if title in titles or not chosen or owner is None:
            continue
        obligation = obligations.obligation_create(
            actor=None, title=title, obligation_type=kind, jurisdiction=jurisdiction, sites=chosen, owner=owner,
            evaluation_interval_months=interval, next_evaluation=today + datetime.timedelta(days=14),
            requirement_summary="Applies to the site's activities; see the legal register for the clauses.",
        )  # fmt: skip
        added += 1
        for index, site in enumerate(chosen):
            evaluated = today - datetime.timedelta(days=30 + 20 * index)
            obligations.evaluation_record(
                actor=None, obligation=obligation, site=site, evaluated_on=evaluated, result=result,
                evidence=f"Compliance review at {site.code}: permits, records and site walk checked.",
                evaluated_by=owner,
            )  # fmt: skip
            evaluations += 1
    return f"risk register: {created} entries, {controls} controls, {added} obligations, {evaluations} evaluations"
