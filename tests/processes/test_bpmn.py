"""BPMN 2.0 handling of process maps: hostile and malformed files refused with their reason; files from
Camunda Modeler, Signavio and Bizagi read into the steps table; the SVG drawn from the diagram layout."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError

from processes import bpmn
from processes.bpmn import (
    EVENT_TYPES,
    GATEWAY_TYPES,
    MAX_BYTES,
    TASK_TYPES,
    DrawingNotWellFormed,
    blank_bpmn,
    bpmn_parse,
    bpmn_svg,
    step_line,
)
from processes.svg import svg_sanitise

SAMPLES = Path(__file__).resolve().parents[2] / "processes" / "bpmn_samples"
#: Trimmed exports written in the shape Signavio Process Manager and Bizagi Modeler give them (see each file's head).
EXPORTS = Path(__file__).resolve().parent / "bpmn_exports"
SIGNAVIO = (EXPORTS / "signavio.bpmn").read_bytes()
BIZAGI = (EXPORTS / "bizagi.bpmn").read_bytes()

# A file as Camunda Modeler 5 exports it: a collaboration with a pool and lanes, Camunda's namespace and
# extension elements, a gateway with labelled flows, and the diagram interchange.
CAMUNDA = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
  xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_0x1" targetNamespace="http://bpmn.io/schema/bpmn"
  exporter="Camunda Modeler" exporterVersion="5.28.0" modeler:executionPlatform="Camunda Platform">
  <bpmn:collaboration id="Collaboration_1">
    <bpmn:participant id="Participant_Deviation" name="Deviation handling" processRef="Process_Deviation" />
  </bpmn:collaboration>
  <bpmn:process id="Process_Deviation" isExecutable="true" camunda:historyTimeToLive="180">
    <bpmn:extensionElements><camunda:properties><camunda:property name="gxp" value="yes" /></camunda:properties></bpmn:extensionElements>
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_Prod" name="Production">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Record</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="Lane_QA" name="Quality Assurance">
        <bpmn:flowNodeRef>Task_Assess</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Gateway_Major</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_Capa</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_Closed</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="Deviation observed"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Record" name="Record the deviation" camunda:assignee="operator">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="Task_Assess" name="Assess impact &amp; classify"><bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_Major" name="Major?"><bpmn:incoming>F3</bpmn:incoming>
      <bpmn:outgoing>F4</bpmn:outgoing><bpmn:outgoing>F5</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:serviceTask id="Task_Capa" name="Open a CAPA" camunda:type="external" camunda:topic="capa">
      <bpmn:incoming>F4</bpmn:incoming><bpmn:outgoing>F6</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="End_Closed" name="Deviation closed"><bpmn:incoming>F5</bpmn:incoming><bpmn:incoming>F6</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Record" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Record" targetRef="Task_Assess" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Assess" targetRef="Gateway_Major" />
    <bpmn:sequenceFlow id="F4" name="yes" sourceRef="Gateway_Major" targetRef="Task_Capa" />
    <bpmn:sequenceFlow id="F5" name="no" sourceRef="Gateway_Major" targetRef="End_Closed" />
    <bpmn:sequenceFlow id="F6" sourceRef="Task_Capa" targetRef="End_Closed" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">
      <bpmndi:BPMNShape id="Participant_di" bpmnElement="Participant_Deviation" isHorizontal="true"><dc:Bounds x="120" y="60" width="760" height="300" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_Prod_di" bpmnElement="Lane_Prod" isHorizontal="true"><dc:Bounds x="150" y="60" width="730" height="150" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Lane_QA_di" bpmnElement="Lane_QA" isHorizontal="true"><dc:Bounds x="150" y="210" width="730" height="150" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="192" y="117" width="36" height="36" />
        <bpmndi:BPMNLabel><dc:Bounds x="170" y="160" width="80" height="27" /></bpmndi:BPMNLabel></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_Record_di" bpmnElement="Task_Record"><dc:Bounds x="280" y="95" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_Assess_di" bpmnElement="Task_Assess"><dc:Bounds x="280" y="245" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Gateway_Major_di" bpmnElement="Gateway_Major" isMarkerVisible="true"><dc:Bounds x="435" y="260" width="50" height="50" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="Task_Capa_di" bpmnElement="Task_Capa"><dc:Bounds x="540" y="245" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="End_Closed_di" bpmnElement="End_Closed"><dc:Bounds x="702" y="267" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="F1_di" bpmnElement="F1"><di:waypoint x="228" y="135" /><di:waypoint x="280" y="135" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F2_di" bpmnElement="F2"><di:waypoint x="330" y="175" /><di:waypoint x="330" y="245" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F3_di" bpmnElement="F3"><di:waypoint x="380" y="285" /><di:waypoint x="435" y="285" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F4_di" bpmnElement="F4"><di:waypoint x="485" y="285" /><di:waypoint x="540" y="285" />
        <bpmndi:BPMNLabel><dc:Bounds x="503" y="267" width="18" height="14" /></bpmndi:BPMNLabel></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F5_di" bpmnElement="F5"><di:waypoint x="460" y="310" /><di:waypoint x="460" y="340" /><di:waypoint x="720" y="340" /><di:waypoint x="720" y="303" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="F6_di" bpmnElement="F6"><di:waypoint x="640" y="285" /><di:waypoint x="702" y="285" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""  # noqa: E501


def refused(data, code: str) -> str:
    with pytest.raises(ValidationError) as caught:
        bpmn_parse(data)
    assert caught.value.code == code, caught.value.messages
    return " ".join(caught.value.messages)


def test_a_camunda_export_gives_the_steps_table_in_flow_order():
    parsed = bpmn_parse(CAMUNDA.encode())
    assert [(s["lane"], s["name"], s["type"], s["next"]) for s in parsed.steps] == [
        ("Production", "Deviation observed", "startEvent", ["Record the deviation"]),
        ("Production", "Record the deviation", "userTask", ["Assess impact & classify"]),
        ("Quality Assurance", "Assess impact & classify", "userTask", ["Major?"]),
        ("Quality Assurance", "Major?", "exclusiveGateway", ["Open a CAPA", "Deviation closed"]),
        ("Quality Assurance", "Open a CAPA", "serviceTask", ["Deviation closed"]),
        ("Quality Assurance", "Deviation closed", "endEvent", []),
    ]
    assert step_line(parsed.steps[3]) == "Quality Assurance / Major? / exclusiveGateway → Open a CAPA, Deviation closed"


def test_a_signavio_export_gives_the_steps_table_whatever_its_extension_elements():
    parsed = bpmn_parse(SIGNAVIO)
    assert [(s["lane"], s["name"], s["type"], s["next"]) for s in parsed.steps] == [
        ("Customer Service", "Complaint received", "startEvent", ["Register the complaint"]),
        ("Customer Service", "Register the complaint", "task", ["Product defect?"]),
        ("Quality Assurance", "Product defect?", "exclusiveGateway", ["Investigate the root cause",
                                                                      "Answer the customer"]),
        ("Quality Assurance", "Investigate the root cause", "task", ["Answer the customer"]),
        ("Customer Service", "Answer the customer", "task", ["Complaint closed"]),
        ("Customer Service", "Complaint closed", "endEvent", []),
    ]  # fmt: skip
    assert b'<signavio:signavioStencil id="Task"/>' in SIGNAVIO  # twice: vendor ids are not the model's


def test_a_bizagi_export_with_two_pools_a_call_activity_and_a_sub_process_gives_the_steps_table():
    parsed = bpmn_parse(BIZAGI)
    assert [(s["lane"], s["name"], s["type"], s["next"]) for s in parsed.steps] == [
        ("Buyer", "New supplier needed", "startEvent", ["Send the supplier questionnaire"]),
        ("Buyer", "Send the supplier questionnaire", "sendTask", ["Evaluate the answers"]),
        ("Quality Assurance", "Evaluate the answers", "subProcess", ["Supplier audit"]),
        ("Quality Assurance", "Supplier audit", "callActivity", ["Supplier approved?"]),
        ("Quality Assurance", "Supplier approved?", "exclusiveGateway", ["Add to the approved supplier list",
                                                                         "Supplier rejected"]),
        ("Buyer", "Add to the approved supplier list", "task", ["Supplier approved"]),
        ("Quality Assurance", "Supplier rejected", "endEvent", []),
        ("Buyer", "Supplier approved", "endEvent", []),
        # The sub-process's own steps, in the lane of the sub-process (lanes list it, not what it holds).
        ("Quality Assurance", "", "startEvent", ["Score the questionnaire"]),
        ("Quality Assurance", "Score the questionnaire", "userTask", ["Answers scored"]),
        ("Quality Assurance", "Answers scored", "endEvent", []),
        # The second pool has no lanes: its name is the lane.
        ("Supplier", "Questionnaire received", "startEvent", ["Answer the questionnaire"]),
        ("Supplier", "Answer the questionnaire", "task", ["Answers sent"]),
        ("Supplier", "Answers sent", "endEvent", []),
    ]  # fmt: skip


def test_ids_of_vendor_extension_elements_may_repeat_but_a_bpmn_id_may_not():
    adonis = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:adonis="http://www.boc-group.com"
      id="D"><process id="P"><task id="T1" name="Check"><extensionElements><adonis:target id="T1" />
      <adonis:target id="T1" /></extensionElements></task></process></definitions>"""
    assert [s["name"] for s in bpmn_parse(adonis).steps] == ["Check"]
    task = b'id="sid-TASK0003-6F7A-4B8C-9D9E-0F1A2B3C4D5E" isForCompensation'
    assert "sid-TASK0002-5E6F-4A7B-8C8D-9E0F1A2B3C4D" in refused(
        SIGNAVIO.replace(
            task, task.replace(b"TASK0003-6F7A-4B8C-9D9E-0F1A2B3C4D5E", b"TASK0002-5E6F-4A7B-8C8D-9E0F1A2B3C4D")
        ),
        "duplicate_id",
    )
    label = b'id="DiagramElement_96000000-0000-4000-8000-000000000003"'
    assert "DiagramElement_96000000-0000-4000-8000-000000000001" in refused(
        BIZAGI.replace(label, label.replace(b"000000000003", b"000000000001")), "duplicate_id"
    )  # the diagram interchange's ids are the model's too


def test_without_lanes_the_pool_or_process_name_is_the_lane_and_unreached_nodes_follow_the_flow():
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D">
      <collaboration id="C"><participant id="P" name="Supplier audit" processRef="Proc" /></collaboration>
      <process id="Proc"><task id="orphan" name="Archive the report" />
        <startEvent id="s" /><task id="t" name="Plan the audit" /><sequenceFlow id="f" sourceRef="s" targetRef="t" />
      </process></definitions>"""
    steps = bpmn_parse(xml).steps
    assert [(s["id"], s["lane"], s["next"]) for s in steps] == [
        ("s", "Supplier audit", ["Plan the audit"]),
        ("t", "Supplier audit", []),
        ("orphan", "Supplier audit", []),
    ]


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&xxe;</definitions>',
            "unsafe_xml",
            "DTD",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><definitions>&lol3;</definitions>',
            "unsafe_xml",
            "entities",
        ),
        (
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">',
            "malformed",
            "well-formed",
        ),
        (b"<html><body>hello</body></html>", "not_bpmn", "root element is <html>"),
        (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" />', "no_process", "no process"),
        (
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
            b'<task id="a" /><task id="a" /></process></definitions>',
            "duplicate_id",
            "a",
        ),
        (
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
            b'<task id="a" /><sequenceFlow id="f" sourceRef="a" targetRef="ghost" /></process></definitions>',
            "dangling_flow",
            "ghost",
        ),
        (
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"><laneSet id="ls">'
            b'<lane id="l" name="QA"><flowNodeRef>nowhere</flowNodeRef></lane></laneSet><task id="a" />'
            b"</process></definitions>",
            "dangling_lane",
            "nowhere",
        ),
        (b"   ", "empty", "empty"),
    ],
    ids=[
        "xxe",
        "billion-laughs",
        "malformed",
        "not-bpmn",
        "no-process",
        "duplicate-ids",
        "dangling-flow",
        "dangling-lane",
        "empty",
    ],  # fmt: skip
)
def test_hostile_or_broken_files_are_refused_with_their_reason(data, code, words):
    assert words.lower() in refused(data, code).lower()


def test_a_file_over_five_megabytes_is_refused_with_its_size():
    data = CAMUNDA.encode().replace(b"</bpmn:definitions>", b"<!--" + b"x" * MAX_BYTES + b"--></bpmn:definitions>")
    assert "5.0 MB; the limit is 5 MB" in refused(data, "too_large")


def test_a_file_declared_in_latin_1_is_stored_as_utf8_and_reads_the_same():
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'
        '<process id="p" name="Qualität"><task id="t" name="Prüfen" /></process></definitions>'
    ).encode("latin-1")
    parsed = bpmn_parse(xml)
    assert parsed.steps[0]["name"] == "Prüfen" and parsed.steps[0]["lane"] == "Qualität"
    assert 'encoding="UTF-8"' in parsed.xml
    assert bpmn_parse(parsed.xml).steps == parsed.steps


def test_the_server_draws_pools_lanes_shapes_and_flows_with_escaped_labels():
    svg = bpmn_svg(bpmn_parse(CAMUNDA))
    assert svg.startswith("<svg") and 'viewBox="100 40' in svg
    assert "&amp; classify" in svg and "& classify" not in svg  # the label is escaped
    assert "Deviation handling" in svg and "Quality Assurance" in svg
    assert svg.count("<polyline") == 6 and svg.count('marker-end="url(#arrow)"') == 6
    assert svg.count("<polygon") == 1  # the gateway's diamond
    assert svg_sanitise(svg)  # what the server draws passes its own sanitiser


def every_shape_bpmn() -> str:
    """A pool with a lane holding one shape of every kind the server draws, collapsed and expanded sub-processes."""
    kinds = sorted(TASK_TYPES | EVENT_TYPES | GATEWAY_TYPES) + ["dataObjectReference", "dataStoreReference"]
    nodes, shapes = [], []
    for n, kind in enumerate(kinds):
        nodes.append(f'<{kind} id="N{n}" name="{kind} &amp; more" />')
        shapes.append(
            f'<bpmndi:BPMNShape id="N{n}_di" bpmnElement="N{n}"><dc:Bounds x="{100 + n * 120}" y="100" width="100" '
            'height="80" /></bpmndi:BPMNShape>'
        )
    shapes.append(
        '<bpmndi:BPMNShape id="E_di" bpmnElement="E" isExpanded="true"><dc:Bounds x="100" y="250" width="400" '
        'height="160" /></bpmndi:BPMNShape><bpmndi:BPMNShape id="A_di" bpmnElement="A"><dc:Bounds x="100" y="450" '
        'width="100" height="50" /></bpmndi:BPMNShape><bpmndi:BPMNShape id="G_di" bpmnElement="G"><dc:Bounds x="90" '
        'y="90" width="300" height="100" /></bpmndi:BPMNShape>'
    )
    return (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'id="D"><collaboration id="C"><participant id="Pool" name="Every shape" processRef="P" /></collaboration>'
        f'<process id="P"><laneSet id="LS"><lane id="L" name="QA" /></laneSet>{"".join(nodes)}'
        '<subProcess id="E" name="Expanded &lt;sub-process&gt;"><task id="E1" name="Inside" /></subProcess>'
        '<textAnnotation id="A"><text>Note "quoted"</text></textAnnotation><group id="G" /></process>'
        '<bpmndi:BPMNDiagram id="DI"><bpmndi:BPMNPlane id="PL" bpmnElement="C">'
        '<bpmndi:BPMNShape id="Pool_di" bpmnElement="Pool"><dc:Bounds x="40" y="40" width="3500" height="500" />'
        '</bpmndi:BPMNShape><bpmndi:BPMNShape id="L_di" bpmnElement="L"><dc:Bounds x="70" y="40" width="3470" '
        f'height="500" /></bpmndi:BPMNShape>{"".join(shapes)}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>'
    )


@pytest.mark.parametrize(
    "source", [CAMUNDA.encode(), SIGNAVIO, BIZAGI, every_shape_bpmn().encode()],
    ids=["camunda", "signavio", "bizagi", "every-shape"],
)  # fmt: skip
def test_every_drawing_is_well_formed_xml_with_one_value_per_attribute(source):
    """A duplicate attribute (once on every call activity) makes the SVG invalid; WeasyPrint then drops it."""
    svg = bpmn_svg(bpmn_parse(source))
    root = fromstring(svg)  # defusedxml: a duplicate attribute or a stray "<" raises here
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg_sanitise(svg)


def test_a_call_activity_has_a_thick_border_and_an_expanded_sub_process_sits_behind_its_steps():
    svg = bpmn_svg(bpmn_parse(BIZAGI))
    rects = {(r.get("x"), r.get("y")): r for r in fromstring(svg).iter("{http://www.w3.org/2000/svg}rect")}
    assert rects[("640.0", "245.0")].get("stroke-width") == "3"  # "Supplier audit", the call activity
    # The expanded sub-process is drawn before the flows, its own task after them (so its arrows stay visible).
    assert svg.index('x="300.0" y="200.0"') < svg.index("<polyline") < svg.index('x="400.0" y="260.0"')


def test_a_drawing_that_is_not_well_formed_xml_fails_loudly(monkeypatch):
    monkeypatch.setattr(bpmn, "_text", lambda *args, **kwargs: '<text x="1" x="2">broken</text>')
    with pytest.raises(DrawingNotWellFormed, match="not well-formed"):
        bpmn_svg(bpmn_parse(CAMUNDA))


def test_a_model_without_layout_gets_a_note_instead_of_a_drawing():
    xml = '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p"><task id="t" /></process></definitions>'  # noqa: E501
    assert "no diagram layout" in bpmn_svg(bpmn_parse(xml))


def test_the_blank_map_has_one_pool_and_a_lane_per_function():
    parsed = bpmn_parse(blank_bpmn(title="Batch release", lanes=["Quality Control", "Quality Assurance"]))
    root = parsed.root
    lanes = [e.get("name") for e in root.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}lane")]
    assert lanes == ["Quality Control", "Quality Assurance"]
    assert parsed.steps == [{"id": "StartEvent_1", "lane": "Quality Control", "name": "Start", "type": "startEvent",
                             "next": []}]  # fmt: skip
    assert "Batch release" in bpmn_svg(parsed)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_demo_map_is_valid_with_lanes_and_a_drawing(path):
    parsed = bpmn_parse(path.read_bytes())
    assert len(parsed.steps) >= 6 and len(parsed.lanes) >= 2
    assert all(s["next"] for s in parsed.steps if s["type"] != "endEvent")
    assert "<rect" in bpmn_svg(parsed)


def test_a_two_megabyte_map_is_accepted_parsed_and_drawn_with_its_whole_steps_table():
    """Behaviour only: the time of a 2 MB upload is measured by ``make bench`` (section processes)."""
    big = _big_bpmn(2 * 1024 * 1024)
    tasks = big.count(b"<task ")
    parsed = bpmn_parse(big)
    assert len(big) >= 2 * 1024 * 1024 and tasks > 4000
    assert len(parsed.steps) == tasks and parsed.lanes == ["QA", "QC"]
    step = "Step {}: check the record and sign it as reviewed"
    assert parsed.steps[0] == {"id": "T0", "lane": "QA", "name": step.format(0), "type": "task",
                               "next": [step.format(1)]}  # fmt: skip
    assert all(len(s["next"]) == 1 for s in parsed.steps[:-1]) and parsed.steps[-1]["next"] == []
    assert [s["id"] for s in parsed.steps] == [f"T{n}" for n in range(tasks)]  # in the order of the flow
    svg = bpmn_svg(parsed)
    fromstring(svg)
    assert svg.count("<rect") == tasks and svg.count("<polyline") == tasks - 1


def _big_bpmn(size: int) -> bytes:
    """A long chain of tasks in two lanes, with layout, of at least ``size`` bytes."""
    nodes, flows, refs, shapes = [], [], {0: [], 1: []}, []
    n = 0
    body = 0
    while body < size:
        nodes.append(f'<task id="T{n}" name="Step {n}: check the record and sign it as reviewed" />')
        refs[n % 2].append(f"<flowNodeRef>T{n}</flowNodeRef>")
        if n:
            flows.append(f'<sequenceFlow id="F{n}" sourceRef="T{n - 1}" targetRef="T{n}" />')
            shapes.append(
                f'<bpmndi:BPMNEdge id="F{n}_di" bpmnElement="F{n}"><di:waypoint x="{n * 150 - 40}" y="100" />'
                f'<di:waypoint x="{n * 150}" y="100" /></bpmndi:BPMNEdge>'
            )
        shapes.append(
            f'<bpmndi:BPMNShape id="T{n}_di" bpmnElement="T{n}"><dc:Bounds x="{n * 150}" y="{60 + (n % 2) * 150}" '
            'width="110" height="80" /></bpmndi:BPMNShape>'
        )
        body += 420
        n += 1
    xml = (
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="D"><process id="P" name="Long">'
        f'<laneSet id="LS"><lane id="L0" name="QA">{"".join(refs[0])}</lane><lane id="L1" name="QC">{"".join(refs[1])}'
        f"</lane></laneSet>{''.join(nodes)}{''.join(flows)}</process>"
        f'<bpmndi:BPMNDiagram id="DI"><bpmndi:BPMNPlane id="PL" bpmnElement="P">{"".join(shapes)}'
        "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>"
    )
    return xml.encode()


def test_a_dtd_hidden_in_utf16_or_behind_a_comment_is_still_refused():
    xxe = (
        '<?xml version="1.0" encoding="UTF-16"?><!-- <bpmn:definitions> --><!DOCTYPE d [<!ENTITY x SYSTEM '
        '"file:///etc/passwd">]><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>'
    )
    assert "DTD" in refused(xxe.encode("utf-16"), "unsafe_xml")
    unparsed = '<!DOCTYPE d [<!NOTATION n SYSTEM "x"><!ENTITY e SYSTEM "y" NDATA n>]><definitions/>'
    assert "DTD" in refused(unparsed.encode(), "unsafe_xml")
