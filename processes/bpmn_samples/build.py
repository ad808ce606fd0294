"""Writes the demo's BPMN maps (``*.bpmn`` in this folder) from short outlines, with their diagram layout.

The maps are ours (Helvetia Biologics' processes as a quality manager would draw them). Run
``.venv/bin/python -m processes.bpmn_samples.build`` after changing an outline; the files are committed
and read by ``processes.demo_maps``. Lanes are the demo company's functions.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from processes.bpmn import BPMNDI, DC, DI, MODEL

HERE = Path(__file__).resolve().parent
LANE_H = 140
COL_W = 160
LEFT = 160
TOP = 60
SIZES = {"event": (36, 36), "gateway": (50, 50), "task": (110, 70)}

PROD, QA, QC, EHS, ENG, SCM, HR, RA = (
    "Production",
    "Quality Assurance",
    "Quality Control",
    "Environment, Health & Safety",
    "Engineering & Maintenance",
    "Supply Chain",
    "Human Resources",
    "Regulatory Affairs",
)

# code: (map number, title, lanes, steps [(id, lane, type, name)], flows [(source, target, label)])
OUTLINES: dict[str, tuple] = {
    "MGT-01": (
        "MAP-MGT-01",
        "Management review",
        [QA, EHS, "Site leadership"],
        [
            ("start", 0, "startEvent", "Review due (twice a year)"),
            ("collect", 0, "userTask", "Collect KPIs, audit results and complaints"),
            ("ehs", 1, "userTask", "Report EHS performance and compliance obligations"),
            ("meet", 2, "userTask", "Hold the management review meeting"),
            ("decide", 2, "exclusiveGateway", "Actions needed?"),
            ("actions", 0, "userTask", "Raise actions and objectives"),
            ("minutes", 0, "userTask", "Issue the minutes"),
            ("end", 0, "endEvent", "Review recorded"),
        ],
        [
            ("start", "collect", ""),
            ("collect", "ehs", ""),
            ("ehs", "meet", ""),
            ("meet", "decide", ""),
            ("decide", "actions", "Yes"),
            ("decide", "minutes", "No"),
            ("actions", "minutes", ""),
            ("minutes", "end", ""),
        ],
    ),
    "MGT-02": (
        "MAP-MGT-02",
        "Document control",
        ["Author (any function)", QA],
        [
            ("start", 0, "startEvent", "Change to a document needed"),
            ("draft", 0, "userTask", "Write the draft and change summary"),
            ("review", 1, "userTask", "Review the draft"),
            ("ok", 1, "exclusiveGateway", "Fit for approval?"),
            ("approve", 1, "userTask", "Approve with e-signature"),
            ("train", 0, "userTask", "Train the readers"),
            ("end", 1, "endEvent", "Version effective"),
        ],
        [
            ("start", "draft", ""),
            ("draft", "review", ""),
            ("review", "ok", ""),
            ("ok", "approve", "Yes"),
            ("ok", "draft", "No"),
            ("approve", "train", ""),
            ("train", "end", ""),
        ],
    ),
    "SUP-01": (
        "MAP-SUP-01",
        "Training",
        [HR, "Trainer", "Employee"],
        [
            ("start", 0, "startEvent", "New hire or new document version"),
            ("assign", 0, "serviceTask", "Assign the training curriculum"),
            ("deliver", 1, "userTask", "Deliver the session"),
            ("read", 2, "userTask", "Read and acknowledge"),
            ("assess", 1, "userTask", "Assess effectiveness"),
            ("pass", 1, "exclusiveGateway", "Qualified?"),
            ("end", 0, "endEvent", "Training record complete"),
        ],
        [
            ("start", "assign", ""),
            ("assign", "deliver", ""),
            ("deliver", "read", ""),
            ("read", "assess", ""),
            ("assess", "pass", ""),
            ("pass", "end", "Yes"),
            ("pass", "deliver", "No: retrain"),
        ],
    ),
    "SUP-02": (
        "MAP-SUP-02",
        "Purchasing and supplier qualification",
        [SCM, QA, QC],
        [
            ("start", 0, "startEvent", "Material or service needed"),
            ("approved", 0, "exclusiveGateway", "Approved supplier?"),
            ("qualify", 1, "userTask", "Qualify the supplier (audit, quality agreement)"),
            ("order", 0, "userTask", "Place the purchase order"),
            ("receive", 0, "userTask", "Receive and quarantine"),
            ("sample", 2, "userTask", "Sample and test the incoming material"),
            ("release", 1, "userTask", "Release the material"),
            ("end", 0, "endEvent", "Material available"),
        ],
        [
            ("start", "approved", ""),
            ("approved", "order", "Yes"),
            ("approved", "qualify", "No"),
            ("qualify", "order", ""),
            ("order", "receive", ""),
            ("receive", "sample", ""),
            ("sample", "release", ""),
            ("release", "end", ""),
        ],
    ),
    "COR-01": (
        "MAP-COR-01",
        "Production of drug substance",
        [SCM, PROD, QA],
        [
            ("start", 0, "startEvent", "Production order released"),
            ("dispense", 0, "userTask", "Dispense the materials"),
            ("culture", 1, "userTask", "Cell culture and harvest"),
            ("purify", 1, "userTask", "Purification"),
            ("deviation", 1, "exclusiveGateway", "Deviation?"),
            ("investigate", 2, "userTask", "Record and investigate the deviation"),
            ("bmr", 2, "userTask", "Review the batch record"),
            ("end", 2, "endEvent", "Batch to QC testing"),
        ],
        [
            ("start", "dispense", ""),
            ("dispense", "culture", ""),
            ("culture", "purify", ""),
            ("purify", "deviation", ""),
            ("deviation", "investigate", "Yes"),
            ("deviation", "bmr", "No"),
            ("investigate", "bmr", ""),
            ("bmr", "end", ""),
        ],
    ),
    "COR-02": (
        "MAP-COR-02",
        "QC testing and batch release",
        [QC, QA, "Qualified Person"],
        [
            ("start", 0, "startEvent", "Batch sampled"),
            ("test", 0, "userTask", "Test to specification"),
            ("oos", 0, "exclusiveGateway", "Within specification?"),
            ("oosinv", 1, "userTask", "Investigate the out-of-specification result"),
            ("coa", 0, "userTask", "Issue the certificate of analysis"),
            ("disposition", 1, "userTask", "Review the batch documentation"),
            ("certify", 2, "userTask", "Certify the batch"),
            ("end", 2, "endEvent", "Batch released"),
            ("reject", 1, "endEvent", "Batch rejected"),
        ],
        [
            ("start", "test", ""),
            ("test", "oos", ""),
            ("oos", "coa", "Yes"),
            ("oos", "oosinv", "No"),
            ("oosinv", "reject", ""),
            ("coa", "disposition", ""),
            ("disposition", "certify", ""),
            ("certify", "end", ""),
        ],
    ),
    "COR-03": (
        "MAP-COR-03",
        "Complaint handling",
        ["Customer service", QA, RA],
        [
            ("start", 0, "startEvent", "Complaint received"),
            ("log", 0, "userTask", "Log the complaint and acknowledge it"),
            ("assess", 1, "userTask", "Assess severity and reportability"),
            ("report", 1, "exclusiveGateway", "Reportable?"),
            ("notify", 2, "userTask", "Notify the health authority"),
            ("investigate", 1, "userTask", "Investigate the root cause"),
            ("reply", 0, "userTask", "Reply to the customer"),
            ("end", 0, "endEvent", "Complaint closed"),
        ],
        [
            ("start", "log", ""),
            ("log", "assess", ""),
            ("assess", "report", ""),
            ("report", "notify", "Yes"),
            ("report", "investigate", "No"),
            ("notify", "investigate", ""),
            ("investigate", "reply", ""),
            ("reply", "end", ""),
        ],
    ),
    "MGT-03": (
        "MAP-MGT-03",
        "Corrective and preventive action (CAPA)",
        ["Process owner", QA],
        [
            ("start", 0, "startEvent", "Deviation, audit finding or complaint"),
            ("rca", 0, "userTask", "Find the root cause"),
            ("plan", 0, "userTask", "Plan the corrective and preventive actions"),
            ("approve", 1, "userTask", "Approve the CAPA plan"),
            ("implement", 0, "userTask", "Implement the actions"),
            ("check", 1, "userTask", "Check effectiveness"),
            ("effective", 1, "exclusiveGateway", "Effective?"),
            ("end", 1, "endEvent", "CAPA closed"),
        ],
        [
            ("start", "rca", ""),
            ("rca", "plan", ""),
            ("plan", "approve", ""),
            ("approve", "implement", ""),
            ("implement", "check", ""),
            ("check", "effective", ""),
            ("effective", "end", "Yes"),
            ("effective", "rca", "No"),
        ],
    ),
    "SUP-03": (
        "MAP-SUP-03",
        "Environmental management",
        [EHS, "Site leadership", ENG],
        [
            ("start", 0, "startEvent", "Yearly planning cycle"),
            ("aspects", 0, "userTask", "Review environmental aspects and impacts"),
            ("obligations", 0, "userTask", "Update compliance obligations"),
            ("objectives", 1, "userTask", "Set environmental objectives"),
            ("controls", 2, "userTask", "Operate controls (waste, energy, emissions)"),
            ("monitor", 0, "userTask", "Monitor and measure"),
            ("end", 1, "endEvent", "Results to management review"),
        ],
        [
            ("start", "aspects", ""),
            ("aspects", "obligations", ""),
            ("obligations", "objectives", ""),
            ("objectives", "controls", ""),
            ("controls", "monitor", ""),
            ("monitor", "end", ""),
        ],
    ),
    "SUP-04": (
        "MAP-SUP-04",
        "EHS incident management",
        ["Employee", "Supervisor", EHS],
        [
            ("start", 0, "startEvent", "Incident or near miss"),
            ("secure", 0, "manualTask", "Make the area safe and get first aid"),
            ("report", 0, "userTask", "Report the incident"),
            ("classify", 2, "userTask", "Classify the incident"),
            ("serious", 2, "exclusiveGateway", "Reportable to the authority?"),
            ("notify", 2, "userTask", "Notify the authority"),
            ("investigate", 1, "userTask", "Investigate with the team"),
            ("actions", 1, "userTask", "Agree corrective actions"),
            ("end", 2, "endEvent", "Incident closed"),
        ],
        [
            ("start", "secure", ""),
            ("secure", "report", ""),
            ("report", "classify", ""),
            ("classify", "serious", ""),
            ("serious", "notify", "Yes"),
            ("serious", "investigate", "No"),
            ("notify", "investigate", ""),
            ("investigate", "actions", ""),
            ("actions", "end", ""),
        ],
    ),
}


def _kind(step_type: str) -> str:
    if step_type.endswith("Event"):
        return "event"
    if step_type.endswith("Gateway"):
        return "gateway"
    return "task"


def build_bpmn(code: str, outline: tuple) -> str:
    """The BPMN XML of one outline: a pool named after the process, one lane per function, laid out by column."""
    _number, title, lanes, steps, flows = outline
    incoming: dict[str, list[str]] = {}
    for source, target, _label in flows:
        incoming.setdefault(target, []).append(source)
    column: dict[str, int] = {}
    taken: set[tuple[int, int]] = set()
    for step_id, lane, _type, _name in steps:
        col = max((column[s] + 1 for s in incoming.get(step_id, []) if s in column), default=0)
        while (lane, col) in taken:
            col += 1
        column[step_id] = col
        taken.add((lane, col))
    width = (max(column.values()) + 1) * COL_W + 80
    pool_x, pool_w, pool_h = LEFT, width + 30, LANE_H * len(lanes)
    shapes: dict[str, tuple[float, float, float, float]] = {}
    for step_id, lane, step_type, _name in steps:
        w, h = SIZES[_kind(step_type)]
        cx = pool_x + 30 + 60 + column[step_id] * COL_W
        cy = TOP + lane * LANE_H + LANE_H / 2
        shapes[step_id] = (cx - w / 2, cy - h / 2, w, h)
    pid = f"Process_{code.replace('-', '_')}"
    lane_xml, process_xml, di = [], [], []
    for index, lane in enumerate(lanes):
        refs = "".join(f"<bpmn:flowNodeRef>{s[0]}</bpmn:flowNodeRef>" for s in steps if s[1] == index)
        lane_xml.append(f'      <bpmn:lane id="Lane_{index + 1}" name="{escape(lane)}">{refs}</bpmn:lane>')
        di.append(
            f'      <bpmndi:BPMNShape id="Lane_{index + 1}_di" bpmnElement="Lane_{index + 1}" isHorizontal="true">'
            f'<dc:Bounds x="{pool_x + 30}" y="{TOP + index * LANE_H}" width="{pool_w - 30}" height="{LANE_H}" />'
            "</bpmndi:BPMNShape>"
        )
    flow_ids: dict[str, list[str]] = {}
    for n, (source, target, _label) in enumerate(flows, start=1):
        flow_ids.setdefault(source, []).append(f"Flow_{n}")
        flow_ids.setdefault(f"in:{target}", []).append(f"Flow_{n}")
    for step_id, _lane, step_type, name in steps:
        children = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in flow_ids.get(f"in:{step_id}", []))
        children += "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in flow_ids.get(step_id, []))
        process_xml.append(f'    <bpmn:{step_type} id="{step_id}" name="{escape(name)}">{children}</bpmn:{step_type}>')
        x, y, w, h = shapes[step_id]
        label = ""
        if _kind(step_type) != "task":
            label = (
                f'<bpmndi:BPMNLabel><dc:Bounds x="{x + w / 2 - 50:.0f}" y="{y + h + 4:.0f}" width="100" height="27" />'
                "</bpmndi:BPMNLabel>"
            )
        di.append(
            f'      <bpmndi:BPMNShape id="{step_id}_di" bpmnElement="{step_id}">'
            f'<dc:Bounds x="{x:.0f}" y="{y:.0f}" width="{w}" height="{h}" />{label}</bpmndi:BPMNShape>'
        )
    for n, (source, target, label) in enumerate(flows, start=1):
        name = f' name="{escape(label)}"' if label else ""
        process_xml.append(f'    <bpmn:sequenceFlow id="Flow_{n}"{name} sourceRef="{source}" targetRef="{target}" />')
        sx, sy, sw, sh = shapes[source]
        tx, ty, tw, th = shapes[target]
        if column[target] > column[source]:
            a = (sx + sw, sy + sh / 2)
            b = (tx, ty + th / 2)
            mid = (a[0] + b[0]) / 2
            points = [a, (mid, a[1]), (mid, b[1]), b] if a[1] != b[1] else [a, b]
        else:
            below = max(sy + sh, ty + th) + 22
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, below), (tx + tw / 2, below), (tx + tw / 2, ty + th)]
        waypoints = "".join(f'<di:waypoint x="{px:.0f}" y="{py:.0f}" />' for px, py in points)
        di.append(f'      <bpmndi:BPMNEdge id="Flow_{n}_di" bpmnElement="Flow_{n}">{waypoints}</bpmndi:BPMNEdge>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{MODEL}" xmlns:bpmndi="{BPMNDI}" xmlns:dc="{DC}" xmlns:di="{DI}" id="Definitions_{code.replace("-", "_")}" targetNamespace="urn:helvetia-bio:process-maps" exporter="Helvetia Biologics IMS" exporterVersion="1">
  <bpmn:collaboration id="Collaboration_1">
    <bpmn:participant id="Participant_1" name="{escape(title)}" processRef="{pid}" />
  </bpmn:collaboration>
  <bpmn:process id="{pid}" name="{escape(title)}" isExecutable="false">
    <bpmn:laneSet id="LaneSet_1">
{chr(10).join(lane_xml)}
    </bpmn:laneSet>
{chr(10).join(process_xml)}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">
      <bpmndi:BPMNShape id="Participant_1_di" bpmnElement="Participant_1" isHorizontal="true"><dc:Bounds x="{pool_x}" y="{TOP}" width="{pool_w}" height="{pool_h}" /></bpmndi:BPMNShape>
{chr(10).join(di)}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""  # noqa: E501


def main() -> None:
    for code, outline in OUTLINES.items():
        (HERE / f"{code}.bpmn").write_text(build_bpmn(code, outline), encoding="utf-8")


if __name__ == "__main__":
    main()
