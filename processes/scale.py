"""Scale data of step 2 (``manage.py seed_scale``, through ``ProcessesConfig.scale_seed``).

Per scale site (40 at the large size, 5 at the small one): 30 processes (10 management, 10 core, 10 support)
with SIPOC, owner, functions, clauses addressed, two to four of the site's controlled documents and one to two
interactions each; each process has a map — a controlled document of type "process map" whose effective
version holds a BPMN model of about 50 KB (four lanes, about 60 steps, with its diagram), signed "reviewed"
and "approved", and its ``MapDiagram`` (the server-drawn SVG and the steps table). The site's documents address
a few clauses each (``DocumentClause``), so the overlap view has work to do. One gap assessment per site over
every current standard of the library and a corporate standard of 150 requirements the seed adds (one result per
site and leaf clause, as the service creates them: about 610 each); most completed and approved (signed), the
rest in progress with about half answered.

Built with bulk inserts inside one transaction (the audit triggers write their events as for any other
write). Idempotent: the scale processes are recognised by their codes (``SCP-…``); when present nothing changes.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections import defaultdict
from collections.abc import Callable
from xml.sax.saxutils import quoteattr

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.documents.scale import Signers, certifications_ensure, next_ids
from ims.esign.canonical import record_hash
from ims.esign.choices import SignatureMeaning
from ims.esign.models import Signature
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Site

from .bpmn import bpmn_parse, bpmn_svg
from .gaps import results_digest
from .models import (
    AssessmentStatus,
    Clause,
    ClauseResult,
    DiagramSource,
    DocumentClause,
    GapAssessment,
    MapDiagram,
    Process,
    ProcessInteraction,
    ProcessType,
    ResultStatus,
    Standard,
    StandardKind,
)

CODE_PREFIX = "SCP-"
SITE_PREFIX = "SC"
BATCH = 5000
PROCESSES_PER_SITE = 30
SIX_STANDARDS = (
    ("ISO 9001", "2015"),
    ("ISO 14001", "2015"),
    ("ISO 45001", "2018"),
    ("ISO 13485", "2016"),
    ("21 CFR Part 11", "1997"),
    ("21 CFR Part 211", "current"),
)
Q, E, H = Discipline.QUALITY.value, Discipline.ENVIRONMENT.value, Discipline.OHS.value

# (type, name, disciplines, clause numbers of 9001 / 14001 / 45001 it addresses)
PROCESSES = (
    (ProcessType.MANAGEMENT, "Management review", (Q, E, H), ("9.3", "9.3", "9.3")),
    (ProcessType.MANAGEMENT, "Strategic planning and objectives", (Q, E, H), ("6.2", "6.2", "6.2")),
    (ProcessType.MANAGEMENT, "Risk and opportunity management", (Q, E, H), ("6.1", "6.1", "6.1")),
    (ProcessType.MANAGEMENT, "Internal audit", (Q, E, H), ("9.2", "9.2", "9.2")),
    (ProcessType.MANAGEMENT, "Compliance obligations", (E, H), ("", "6.1.3", "6.1.3")),
    (ProcessType.MANAGEMENT, "Document and record control", (Q, E, H), ("7.5", "7.5", "7.5")),
    (ProcessType.MANAGEMENT, "Change control", (Q,), ("6.3", "", "8.1.3")),
    (ProcessType.MANAGEMENT, "Corrective and preventive action", (Q, E, H), ("10.2", "10.2", "10.2")),
    (ProcessType.MANAGEMENT, "Performance monitoring", (Q, E, H), ("9.1", "9.1", "9.1")),
    (ProcessType.MANAGEMENT, "Communication and consultation", (Q, E, H), ("7.4", "7.4", "7.4")),
    (ProcessType.CORE, "Customer order handling", (Q,), ("8.2", "", "")),
    (ProcessType.CORE, "Product design and development", (Q,), ("8.3", "", "")),
    (ProcessType.CORE, "Production planning", (Q,), ("8.1", "8.1", "8.1")),
    (ProcessType.CORE, "Manufacturing", (Q, E, H), ("8.5", "8.1", "8.1")),
    (ProcessType.CORE, "Packaging and labelling", (Q,), ("8.5", "", "")),
    (ProcessType.CORE, "Quality control testing", (Q, H), ("8.6", "", "")),
    (ProcessType.CORE, "Batch review and release", (Q,), ("8.6", "", "")),
    (ProcessType.CORE, "Warehousing and distribution", (Q, E), ("8.5", "8.1", "")),
    (ProcessType.CORE, "Complaint handling", (Q,), ("9.1", "", "")),
    (ProcessType.CORE, "Nonconforming product control", (Q,), ("8.7", "", "")),
    (ProcessType.SUPPORT, "Purchasing and supplier control", (Q, E, H), ("8.4", "8.1", "8.1")),
    (ProcessType.SUPPORT, "Training and competence", (Q, E, H), ("7.2", "7.2", "7.2")),
    (ProcessType.SUPPORT, "Maintenance and calibration", (Q, H), ("7.1", "", "8.1")),
    (ProcessType.SUPPORT, "Validation and qualification", (Q,), ("7.1", "", "")),
    (ProcessType.SUPPORT, "IT systems and data integrity", (Q,), ("7.1", "", "")),
    (ProcessType.SUPPORT, "Waste and emissions management", (E,), ("", "8.1", "")),
    (ProcessType.SUPPORT, "Emergency preparedness", (E, H), ("", "8.2", "8.2")),
    (ProcessType.SUPPORT, "Incident investigation", (H,), ("", "", "10.2")),
    (ProcessType.SUPPORT, "Occupational health", (H,), ("", "", "8.1")),
    (ProcessType.SUPPORT, "Human resources", (Q, H), ("7.1", "", "7.2")),
)
LANE_FUNCTIONS = ("Quality Assurance", "Production", "Quality Control", "Supply Chain", "Engineering & Maintenance",
                  "Environment, Health & Safety", "Human Resources", "Validation")  # fmt: skip
VERBS = ("Review", "Check", "Record", "Approve", "Prepare", "Verify", "Assess", "Schedule", "Inspect", "Release",
         "Escalate", "Document", "Sample", "Confirm", "Update", "Notify")  # fmt: skip
OBJECTS = ("request", "batch record", "deviation", "specification", "training record", "supplier file", "label",
           "work order", "change request", "risk assessment", "test result", "shipment", "waste manifest",
           "incident report", "calibration certificate", "audit plan")  # fmt: skip


def scale_processes_present() -> int:
    return Process._base_manager.filter(code__startswith=CODE_PREFIX).count()


# --- A BPMN model of about 50 KB with its diagram ------------------------------------------------------------


def scale_bpmn(title: str, lanes: list[str], steps: int, rng: random.Random) -> str:
    """A plausible BPMN 2.0 model: one pool, ``lanes`` lanes, a start event, ``steps`` tasks in sequence with an
    exclusive gateway every ten tasks (its "no" branch loops back two tasks), an end event, and the diagram."""
    lane_h, step_w, left = 160, 150, 80
    nodes: list[tuple[str, str, str, int]] = [("Start", "startEvent", "Request received", 0)]  # id, type, name, lane
    for index in range(1, steps + 1):
        lane = rng.randrange(len(lanes))
        name = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} ({index})"
        nodes.append((f"Task_{index}", rng.choice(("task", "userTask", "userTask", "manualTask")), name, lane))
        if index % 10 == 0:
            nodes.append((f"Gateway_{index}", "exclusiveGateway", f"Complete {index}?", lane))
    nodes.append(("End", "endEvent", "Done", nodes[-1][3]))
    flows: list[tuple[str, str, str, str]] = []
    for (source, *_), (target, *_rest) in zip(nodes, nodes[1:], strict=False):
        flows.append((f"Flow_{len(flows) + 1}", source, target, "yes" if source.startswith("Gateway") else ""))
    for node_id, kind, _name, _lane in nodes:
        if kind == "exclusiveGateway":
            index = int(node_id.split("_")[1])
            flows.append((f"Flow_{len(flows) + 1}", node_id, f"Task_{index - 2}", "no"))
    size = {"startEvent": (36, 36), "endEvent": (36, 36), "exclusiveGateway": (50, 50)}
    position: dict[str, tuple[int, int, int, int]] = {}
    for column, (node_id, kind, _name, lane) in enumerate(nodes):
        w, h = size.get(kind, (110, 70))
        x = left + 40 + column * step_w + (110 - w) // 2
        y = lane * lane_h + (lane_h - h) // 2
        position[node_id] = (x, y, w, h)
    width = left + 40 + len(nodes) * step_w + 40
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="Definitions_1" '
        'targetNamespace="http://bpmn.io/schema/bpmn" exporter="IMS Portal" exporterVersion="1">',
        '  <bpmn:collaboration id="Collaboration_1">',
        f'    <bpmn:participant id="Pool_1" name={quoteattr(title)} processRef="Process_1" />',
        "  </bpmn:collaboration>",
        '  <bpmn:process id="Process_1" isExecutable="false">',
        '    <bpmn:laneSet id="LaneSet_1">',
    ]
    for lane_index, lane in enumerate(lanes):
        out.append(f'      <bpmn:lane id="Lane_{lane_index + 1}" name={quoteattr(lane)}>')
        out.extend(
            f"        <bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id, *_, ln in nodes if ln == lane_index
        )
        out.append("      </bpmn:lane>")
    out.append("    </bpmn:laneSet>")
    incoming: dict[str, list[str]] = defaultdict(list)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for flow_id, source, target, _label in flows:
        outgoing[source].append(flow_id)
        incoming[target].append(flow_id)
    for node_id, kind, name, _lane in nodes:
        out.append(f"    <bpmn:{kind} id={quoteattr(node_id)} name={quoteattr(name)}>")
        out.extend(f"      <bpmn:incoming>{f}</bpmn:incoming>" for f in incoming[node_id])
        out.extend(f"      <bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing[node_id])
        out.append(f"    </bpmn:{kind}>")
    for flow_id, source, target, label in flows:
        name = f" name={quoteattr(label)}" if label else ""
        out.append(f'    <bpmn:sequenceFlow id="{flow_id}"{name} sourceRef="{source}" targetRef="{target}" />')
    out += [
        "  </bpmn:process>",
        '  <bpmndi:BPMNDiagram id="Diagram_1">',
        '    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="Collaboration_1">',
        '      <bpmndi:BPMNShape id="Pool_1_di" bpmnElement="Pool_1" isHorizontal="true">',
        f'        <dc:Bounds x="0" y="0" width="{width}" height="{lane_h * len(lanes)}" />',
        "      </bpmndi:BPMNShape>",
    ]
    for lane_index in range(len(lanes)):
        out += [
            f'      <bpmndi:BPMNShape id="Lane_{lane_index + 1}_di" bpmnElement="Lane_{lane_index + 1}" '
            'isHorizontal="true">',
            f'        <dc:Bounds x="30" y="{lane_index * lane_h}" width="{width - 30}" height="{lane_h}" />',
            "      </bpmndi:BPMNShape>",
        ]
    for node_id, kind, _name, _lane in nodes:
        x, y, w, h = position[node_id]
        marker = ' isMarkerVisible="true"' if kind == "exclusiveGateway" else ""
        out += [
            f'      <bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}"{marker}>',
            f'        <dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}" />',
            "      </bpmndi:BPMNShape>",
        ]
    for flow_id, source, target, _label in flows:
        sx, sy, sw, sh = position[source]
        tx, ty, tw, th = position[target]
        start = (sx + sw, sy + sh // 2) if tx > sx else (sx + sw // 2, sy + sh)
        end = (tx, ty + th // 2) if tx > sx else (tx + tw // 2, ty + th)
        points = [start, ((start[0] + end[0]) // 2, start[1]), ((start[0] + end[0]) // 2, end[1]), end]
        if tx <= sx:  # a loop back runs below both shapes
            low = max(sy + sh, ty + th) + 20
            points = [start, (start[0], low), (end[0], low), end]
        out.append(f'      <bpmndi:BPMNEdge id="{flow_id}_di" bpmnElement="{flow_id}">')
        out.extend(f'        <di:waypoint x="{px}" y="{py}" />' for px, py in points)
        out.append("      </bpmndi:BPMNEdge>")
    out += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>", "</bpmn:definitions>", ""]
    return "\n".join(out)


# --- The seed ------------------------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=datetime.UTC)


def scale_processes_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    present = scale_processes_present()
    if present:
        return f"{present:,} scale processes already present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    if not sites:
        return "no scale sites; nothing to do"
    if not Standard.objects.exists():
        from .library import standards_load

        standards_load()
    started = time.monotonic()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        counts = _seed(sites, random.Random(seed * 13 + 2), log)
    tables_analyze(
        "processes_process", "processes_processinteraction", "processes_documentclause", "processes_mapdiagram",
        "processes_gapassessment", "processes_clauseresult",
    )  # fmt: skip
    return (
        f"{counts['processes']:,} processes with {counts['maps']:,} maps ({counts['map_kb']:,} KB of BPMN), "
        f"{counts['interactions']:,} interactions, {counts['links']:,} document–clause links, "
        f"{counts['assessments']} gap assessments with {counts['results']:,} results in "
        f"{time.monotonic() - started:.1f} s"
    )


CORPORATE = ("SC-CORP-QMS", "2026", "Corporate quality and EHS standard (scale data)")
CORPORATE_TOPICS = ("Governance", "Risk management", "Data integrity", "Supplier management", "Change management",
                    "Deviation handling", "Training", "Validation", "Cleaning", "Environmental monitoring",
                    "Waste", "Occupational health", "Emergency response", "Audits", "Management review")  # fmt: skip


def corporate_standard_ensure() -> Standard:
    """The company's own standard, as a company adds it (kind "company standard"): 15 sections of 10 requirements
    each, so that an assessment over every current standard has about 600 results."""
    code, edition, title = CORPORATE
    standard, created = Standard.objects.get_or_create(
        code=code,
        edition=edition,
        defaults={"title": title, "kind": StandardKind.COMPANY, "disciplines": [Q, E, H]},
    )
    if not created:
        return standard
    sections = Clause.objects.bulk_create(
        [
            Clause(standard=standard, number=str(index + 1), title=topic, position=index * 11 + 1)
            for index, topic in enumerate(CORPORATE_TOPICS)
        ]
    )
    Clause.objects.bulk_create(
        [
            Clause(
                standard=standard,
                number=f"{index + 1}.{item + 1}",
                title=f"{section.title}: requirement {item + 1}",
                summary=f"The sites meet the corporate requirement {index + 1}.{item + 1} on {section.title.lower()}.",
                parent=section,
                position=index * 11 + item + 2,
            )
            for index, section in enumerate(sections)
            for item in range(10)
        ]
    )
    return standard


def _people(site_ids: list[int]) -> tuple[dict[int, dict[str, list[int]]], int | None]:
    wanted = (RoleCode.QUALITY_MANAGER, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD, RoleCode.INTERNAL_AUDITOR,
              RoleCode.COMPLIANCE_OFFICER, RoleCode.GLOBAL_ADMIN)  # fmt: skip
    by_site: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    admin = None
    for person_id, site_id, role in (
        Membership.objects.filter(role__code__in=wanted, person__employee_id__startswith="SC-", person__is_active=True)
        .order_by("person_id")
        .values_list("person_id", "site_id", "role__code")
    ):
        if role == RoleCode.GLOBAL_ADMIN:
            admin = admin or person_id
        elif site_id in site_ids:
            by_site[site_id][role].append(person_id)
    return by_site, admin


def _seed(sites: list[Site], rng: random.Random, log: Callable[[str], None]) -> dict[str, int]:
    today = timezone.localdate()
    site_ids = [s.pk for s in sites]
    people, admin = _people(site_ids)

    def pick(site_id: int, *roles: str) -> int:
        for role in roles:
            holders = people[site_id].get(role)
            if holders:
                return rng.choice(holders)
        return admin

    functions: dict[str, list[int]] = defaultdict(list)
    for pk, name in Function.objects.filter(code__startswith="SF").order_by("code").values_list("pk", "name"):
        functions[name.removesuffix(" (scale)").rstrip("0123456789 ")].append(pk)
    corporate_standard_ensure()
    standards = {(s.code, s.edition): s for s in Standard.objects.filter(is_active=True)}
    assessed = list(standards.values())  # every current standard, the corporate one too: ~610 leaf clauses
    clauses = list(
        Clause.objects.filter(standard__in=assessed, children__isnull=True).order_by("standard_id", "position")
    )
    by_number = {(c.standard.code, c.number): c.pk for c in Clause.objects.select_related("standard")}
    site_documents: dict[int, list[int]] = defaultdict(list)
    for document_id, site_id in ControlledDocument.sites.through.objects.filter(
        site_id__in=site_ids, controlleddocument__doc_type__in=("procedure", "work_instruction", "form", "policy")
    ).values_list("controlleddocument_id", "site_id"):
        site_documents[site_id].append(document_id)

    # Processes and their maps' documents.
    processes: list[Process] = []
    map_documents: list[ControlledDocument] = []
    plans: list[tuple[Site, tuple, list[str], list[int]]] = []  # site, process spec, lanes, function ids
    for site in sites:
        for index, spec in enumerate(PROCESSES[:PROCESSES_PER_SITE]):
            kind, name, disciplines, _clauses = spec
            code = f"{CODE_PREFIX}{site.code}-{index + 1:02d}"
            lanes = rng.sample(LANE_FUNCTIONS, k=4)
            lane_ids = [rng.choice(functions[lane]) for lane in lanes if functions.get(lane)]
            owner = pick(site.pk, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD)
            processes.append(
                Process(
                    code=code,
                    name=name,
                    process_type=kind,
                    purpose=f"{name} at {site.name}: how it is planned, done, checked and improved.",
                    owner_id=owner,
                    suppliers="\n".join(rng.sample(("Customers", "Suppliers", "Regulators", "Production", "QA"), 2)),
                    inputs="\n".join(rng.sample(OBJECTS, 3)),
                    outputs="\n".join(rng.sample(OBJECTS, 3)),
                    customers="\n".join(rng.sample(("Patients", "Distributors", "Production", "QA", "Management"), 2)),
                )
            )
            map_documents.append(
                ControlledDocument(
                    number=f"{site.code}-MAP-{index + 1:03d}",
                    title=f"Process map: {name} — {site.name}"[:200],
                    doc_type=DocumentType.PROCESS_MAP,
                    disciplines=sorted(set(disciplines)),
                    owner_id=owner,
                    review_interval_months=36,
                    review_due=today + datetime.timedelta(days=rng.randint(30, 900)),
                )
            )
            plans.append((site, spec, lanes, lane_ids))
    ControlledDocument._base_manager.bulk_create(map_documents, batch_size=BATCH)
    DocSites = ControlledDocument.sites.through
    DocSites.objects.bulk_create(
        [
            DocSites(controlleddocument_id=d.pk, site_id=plan[0].pk)
            for d, plan in zip(map_documents, plans, strict=True)
        ],
        batch_size=BATCH,
    )
    for process, document in zip(processes, map_documents, strict=True):
        process.map_document_id = document.pk
    Process._base_manager.bulk_create(processes, batch_size=BATCH)
    log(f"  processes: {len(processes):,} processes and map documents")

    ProcessSites = Process.sites.through
    ProcessFunctions = Process.functions.through
    ProcessDocuments = Process.documents.through
    ProcessClauses = Process.clauses.through
    ProcessSites.objects.bulk_create(
        [ProcessSites(process_id=p.pk, site_id=plan[0].pk) for p, plan in zip(processes, plans, strict=True)],
        batch_size=BATCH,
    )
    ProcessFunctions.objects.bulk_create(
        [ProcessFunctions(process_id=p.pk, function_id=f) for p, plan in zip(processes, plans, strict=True)
         for f in dict.fromkeys(plan[3])],
        batch_size=BATCH,
    )  # fmt: skip
    process_documents = []
    process_clauses = []
    for process, (site, spec, _lanes, _ids) in zip(processes, plans, strict=True):
        documents = site_documents.get(site.pk, [])
        for document_id in rng.sample(documents, k=min(len(documents), rng.randint(2, 4))):
            process_documents.append(ProcessDocuments(process_id=process.pk, controlleddocument_id=document_id))
        numbers = spec[3]
        chosen = {by_number.get((code, number)) for code, number in zip(("ISO 9001", "ISO 14001", "ISO 45001"), numbers,
                                                                          strict=True) if number}  # fmt: skip
        chosen |= {rng.choice(clauses).pk for _ in range(rng.randint(3, 8))}
        process_clauses += [ProcessClauses(process_id=process.pk, clause_id=c) for c in chosen if c]
    ProcessDocuments.objects.bulk_create(process_documents, batch_size=BATCH)
    ProcessClauses.objects.bulk_create(process_clauses, batch_size=BATCH)

    interactions = []
    by_site: dict[int, list[Process]] = defaultdict(list)
    for process, plan in zip(processes, plans, strict=True):
        by_site[plan[0].pk].append(process)
    for members in by_site.values():
        pairs: set[tuple[int, int]] = set()
        for position, process in enumerate(members):
            for _ in range(rng.randint(1, 2)):
                other = members[(position + rng.randint(1, len(members) - 1)) % len(members)]
                if (process.pk, other.pk) not in pairs:
                    pairs.add((process.pk, other.pk))
                    interactions.append(
                        ProcessInteraction(source_id=process.pk, target_id=other.pk, description=rng.choice(OBJECTS))
                    )
    ProcessInteraction._base_manager.bulk_create(interactions, batch_size=BATCH)

    # The maps: an effective version with the BPMN model, signed, and its diagram.
    signers = Signers()
    version_type = ContentType.objects.get_for_model(DocumentVersion, for_concrete_model=False)
    versions: list[DocumentVersion] = []
    diagrams: list[MapDiagram] = []
    map_bytes = 0
    started = time.monotonic()
    for document, (site, spec, lanes, _ids), process in zip(map_documents, plans, processes, strict=True):
        xml = scale_bpmn(f"{process.code} {spec[1]}", lanes, 55, rng)
        parsed = bpmn_parse(xml)
        svg, steps = bpmn_svg(parsed), parsed.steps
        map_bytes += len(xml)
        effective = today - datetime.timedelta(days=rng.randint(30, 600))
        author = process.owner_id
        approver = pick(site.pk, RoleCode.QUALITY_MANAGER)
        if approver == author:
            approver = pick(site.pk, RoleCode.COMPLIANCE_OFFICER)
        version = DocumentVersion(
            document_id=document.pk,
            number=1,
            status=VersionStatus.EFFECTIVE,
            body=xml,
            effective_date=effective,
            author_id=author,
            submitted_at=_at(effective - datetime.timedelta(days=14)),
            approved_by_id=approver,
            approved_at=_at(effective - datetime.timedelta(days=5), 15),
            effective_at=_at(effective, 5),
        )
        versions.append(version)
        diagrams.append(
            MapDiagram(svg=svg, svg_source=DiagramSource.SERVER, steps=steps, bpmn_sha256=hashlib.sha256(
                xml.encode()).hexdigest())
        )  # fmt: skip
    for pk, version in zip(next_ids(DocumentVersion, len(versions)), versions, strict=True):
        version.pk = pk
    DocumentVersion._base_manager.bulk_create(versions, batch_size=500)
    for version, diagram in zip(versions, diagrams, strict=True):
        diagram.version_id = version.pk
    MapDiagram._base_manager.bulk_create(diagrams, batch_size=500)
    log(f"  processes: {len(versions):,} effective map versions in {time.monotonic() - started:.1f} s")
    signatures = []
    first_signed: dict[int, datetime.datetime] = {}
    signers.load({p for v in versions for p in (v.approved_by_id, v.author_id)})
    for version, plan in zip(versions, plans, strict=True):
        digest = record_hash(version)
        reviewer = pick(plan[0].pk, RoleCode.DEPARTMENT_HEAD, RoleCode.COMPLIANCE_OFFICER)
        if reviewer in (version.author_id, version.approved_by_id):
            reviewer = pick(plan[0].pk, RoleCode.COMPLIANCE_OFFICER)
        signers.load([reviewer])
        for meaning, signer, at in (
            (SignatureMeaning.REVIEWED, reviewer, version.submitted_at + datetime.timedelta(days=2)),
            (SignatureMeaning.APPROVED, version.approved_by_id, version.approved_at),
        ):
            signatures.append(
                signers.signature(
                    content_type=version_type, object_pk=version.pk, record_digest=digest, meaning=meaning,
                    signer_id=signer, signed_at=at,
                )
            )  # fmt: skip
            first_signed[signer] = min(at, first_signed.get(signer, at))

    # Documents address clauses (the overlap view's input).
    links = []
    seen: set[tuple[int, int]] = set()
    for documents in site_documents.values():
        for document_id in documents:
            for _ in range(rng.randint(2, 5)):
                pair = (document_id, rng.choice(clauses).pk)
                if pair not in seen:
                    seen.add(pair)
                    links.append(DocumentClause(document_id=pair[0], clause_id=pair[1]))
    DocumentClause._base_manager.bulk_create(links, batch_size=BATCH)

    # One gap assessment per site over every current standard.
    assessment_type = ContentType.objects.get_for_model(GapAssessment, for_concrete_model=False)
    assessments: list[GapAssessment] = []
    for index, site in enumerate(sites):
        in_progress = index % 4 == 3
        start = today - datetime.timedelta(days=rng.randint(20, 200))
        lead = pick(site.pk, RoleCode.INTERNAL_AUDITOR, RoleCode.QUALITY_MANAGER)
        approver = pick(site.pk, RoleCode.QUALITY_MANAGER)
        assessments.append(
            GapAssessment(
                reference=f"SCGA-{site.code}-{today.year}",
                title=f"IMS gap assessment {today.year} — {site.name}",
                lead_assessor_id=lead,
                scope="Integrated management system against ISO 9001, 14001, 45001, 13485 and 21 CFR Parts 11/211.",
                planned_start=start,
                planned_end=start + datetime.timedelta(days=30),
                status=AssessmentStatus.IN_PROGRESS if in_progress else AssessmentStatus.APPROVED,
                started_at=_at(start),
                completed_at=None if in_progress else _at(start + datetime.timedelta(days=25)),
                approved_by_id=None if in_progress or approver == lead else approver,
                approved_at=None if in_progress else _at(start + datetime.timedelta(days=28)),
            )
        )
        if not in_progress and approver == lead:
            assessments[-1].status = AssessmentStatus.COMPLETED
            assessments[-1].approved_at = None
    for pk, assessment in zip(next_ids(GapAssessment, len(assessments)), assessments, strict=True):
        assessment.pk = pk
    results = []
    weights = ((ResultStatus.CONFORMING, 0.62), (ResultStatus.PARTIAL, 0.2), (ResultStatus.GAP, 0.1),
               (ResultStatus.NOT_APPLICABLE, 0.08))  # fmt: skip
    for assessment, site in zip(assessments, sites, strict=True):
        answered_share = 0.5 if assessment.status == AssessmentStatus.IN_PROGRESS else 1.0
        for clause in clauses:
            status = ""
            if rng.random() < answered_share:
                status = rng.choices([w[0] for w in weights], [w[1] for w in weights])[0]
            results.append(
                ClauseResult(
                    assessment_id=assessment.pk,
                    site_id=site.pk,
                    clause_id=clause.pk,
                    status=status,
                    justification="Not within the site's activities (scale data)."
                    if status == ResultStatus.NOT_APPLICABLE
                    else "",
                    finding="" if status in ("", ResultStatus.CONFORMING) else f"Finding on {clause.number}.",
                    owner_id=assessment.lead_assessor_id
                    if status in (ResultStatus.GAP, ResultStatus.PARTIAL)
                    else None,
                    due_date=today + datetime.timedelta(days=rng.randint(10, 120))
                    if status in (ResultStatus.GAP, ResultStatus.PARTIAL)
                    else None,
                    answered_by_id=assessment.lead_assessor_id if status else None,
                    answered_at=assessment.started_at + datetime.timedelta(days=rng.randint(1, 20)) if status else None,
                )
            )
    GapAssessment._base_manager.bulk_create(assessments, batch_size=BATCH)
    AssessmentSites = GapAssessment.sites.through
    AssessmentStandards = GapAssessment.standards.through
    AssessmentSites.objects.bulk_create(
        [AssessmentSites(gapassessment_id=a.pk, site_id=s.pk) for a, s in zip(assessments, sites, strict=True)]
    )
    AssessmentStandards.objects.bulk_create(
        [AssessmentStandards(gapassessment_id=a.pk, standard_id=s.pk) for a in assessments for s in assessed]
    )
    ClauseResult._base_manager.bulk_create(results, batch_size=BATCH)
    for assessment in assessments:  # the digest completion fixes (and the approval signature binds)
        if assessment.completed_at:
            assessment.results_digest = results_digest(assessment)
            GapAssessment._base_manager.filter(pk=assessment.pk).update(results_digest=assessment.results_digest)
    approved = [a for a in assessments if a.status == AssessmentStatus.APPROVED]
    signers.load({a.approved_by_id for a in approved})
    for assessment in approved:
        signatures.append(
            signers.signature(
                content_type=assessment_type,
                object_pk=assessment.pk,
                record_digest=record_hash(assessment),
                meaning=SignatureMeaning.APPROVED,
                signer_id=assessment.approved_by_id,
                signed_at=assessment.approved_at,
            )
        )
        first_signed[assessment.approved_by_id] = min(
            assessment.approved_at, first_signed.get(assessment.approved_by_id, assessment.approved_at)
        )
    certifications_ensure(signers, first_signed)
    Signature.objects.bulk_create(signatures, batch_size=BATCH)
    return {
        "processes": len(processes),
        "maps": len(versions),
        "map_kb": map_bytes // 1024,
        "interactions": len(interactions),
        "links": len(links),
        "assessments": len(assessments),
        "results": len(results),
    }
