"""BPMN 2.0 XML of process maps: parsed safely, sanity-checked, turned into a steps table and an SVG.

- ``bpmn_parse``: bytes or text → ``ParsedMap``; ``defusedxml`` refuses DTDs, entities and external
  references (XXE, billion laughs), the size is limited, and the model is checked (a ``definitions`` root,
  at least one process, unique ids, sequence flows and lanes pointing at existing flow nodes). Every
  refusal is a ``BpmnRefused`` (a ``ValidationError``) with a message a process owner can act on.
- ``ParsedMap.steps``: the steps table (lane, step, type, next steps) in the order of the flow.
- ``bpmn_svg``: an SVG drawn from the diagram interchange (BPMN DI) for viewers without JavaScript,
  PDFs and imports (the modeler sends its own SVG, which ``processes.svg`` sanitises).

Files exported by Camunda Modeler, Signavio and Bizagi use the OMG namespaces below; extension
elements and vendor attributes are ignored (their ``id`` attributes too: Signavio's stencil ids and ADONIS'
targets repeat by design, so only elements of the OMG namespaces must have unique ids).
"""

from __future__ import annotations

import hashlib
import math
import re
import xml.etree.ElementTree as ET  # noqa: S405 - only the element classes; parsing goes through defusedxml
from collections import deque
from dataclasses import dataclass, field
from html import escape
from xml.parsers import expat  # noqa: S410 - used only to refuse DTDs before the tree is built

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
#: The namespaces whose elements' ids are the model's (``xsd:ID``, unique in the file); a vendor's are not checked.
ID_NAMESPACES = frozenset({MODEL, BPMNDI, DC, DI})

TASK_TYPES = frozenset(
    {
        "task",
        "userTask",
        "serviceTask",
        "sendTask",
        "receiveTask",
        "manualTask",
        "businessRuleTask",
        "scriptTask",
        "subProcess",
        "adHocSubProcess",
        "transaction",
        "callActivity",
    }
)
EVENT_TYPES = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})
GATEWAY_TYPES = frozenset(
    {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}
)
FLOW_NODE_TYPES = TASK_TYPES | EVENT_TYPES | GATEWAY_TYPES
CONTAINER_TYPES = frozenset({"subProcess", "adHocSubProcess", "transaction"})


class BpmnRefused(ValidationError):
    """The file is not a BPMN 2.0 model the portal accepts; nothing was saved."""


def _refuse(message: str, code: str) -> BpmnRefused:
    return BpmnRefused(message, code=code)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _label(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def size_check(data: bytes, *, what: str) -> None:
    if len(data) > MAX_BYTES:
        raise _refuse(
            _("The %(what)s is %(size).1f MB; the limit is 5 MB.") % {"what": what, "size": len(data) / 1024 / 1024},
            "too_large",
        )
    if not data.strip():
        raise _refuse(_("The %(what)s is empty.") % {"what": what}, "empty")


def _refuse_dtd(name, sysid, pubid, has_internal_subset):
    raise DTDForbidden(name, sysid, pubid)


def _refuse_entity(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _refuse_external(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def _guard(data: bytes) -> None:
    """defusedxml's rules in one pass of expat with no element callbacks (C speed): any DOCTYPE, entity
    declaration or external reference raises defusedxml's exception; a malformed file raises ``ParseError``."""
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = lambda *args: _refuse_entity(args[0], False, None, *args[1:])
    parser.ExternalEntityRefHandler = _refuse_external
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise ET.ParseError(str(error)) from error


def safe_parse(data: bytes, *, what: str, fast: bool = False) -> ET.Element:
    """Parse XML without DTDs, entities or external references (refused with a clear message).

    ``fast``: large BPMN models are first checked by ``_guard`` (defusedxml's rules, enforced by expat's
    declaration handlers) and, as that pass proved the bytes hold no DTD, built by the C tree builder;
    otherwise ``defusedxml.ElementTree`` parses (its pure-Python builder is ~5× slower).
    """
    try:
        if fast:
            _guard(data)
            return ET.fromstring(data)  # noqa: S314 - the same bytes passed _guard: no DTD, entity or external ref
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise _refuse(
            _(
                "The %(what)s declares a DTD, entities or external references, which are refused for safety "
                "(%(detail)s)."
            )
            % {"what": what, "detail": type(error).__name__},
            "unsafe_xml",
        ) from error
    except ET.ParseError as error:
        raise _refuse(
            _("The %(what)s is not well-formed XML: %(detail)s.") % {"what": what, "detail": error}, "malformed"
        ) from error


@dataclass
class ParsedMap:
    """A checked BPMN model: its text (UTF-8), hash, steps table and the parsed tree (for the SVG)."""

    xml: str
    sha256: str
    root: ET.Element
    steps: list[dict] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def lanes(self) -> list[str]:
        return list(dict.fromkeys(s["lane"] for s in self.steps if s["lane"]))


def _to_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def bpmn_parse(data: bytes | str) -> ParsedMap:
    """Parse and check a BPMN 2.0 file; raise ``BpmnRefused`` with the reason, otherwise the ``ParsedMap``."""
    raw = _to_bytes(data)
    size_check(raw, what=_("BPMN file"))
    root = safe_parse(raw, what=_("BPMN file"), fast=True)
    if root.tag != f"{{{MODEL}}}definitions":
        raise _refuse(
            _(
                "This is not a BPMN 2.0 file: its root element is <%(tag)s>, expected <bpmn:definitions> in the "
                "namespace %(ns)s."
            )
            % {"tag": _local(root.tag), "ns": MODEL},
            "not_bpmn",
        )
    processes = root.findall(f"{{{MODEL}}}process")
    if not processes:
        raise _refuse(_("The BPMN file holds no process (<bpmn:process>)."), "no_process")

    seen: dict[str, int] = {}
    for element in root.iter():
        element_id = element.get("id")
        if element_id and _ns(element.tag) in ID_NAMESPACES:
            seen[element_id] = seen.get(element_id, 0) + 1
    duplicates = sorted(i for i, n in seen.items() if n > 1)
    if duplicates:
        raise _refuse(
            _("Element ids must be unique; these are used more than once: %(ids)s.")
            % {"ids": ", ".join(duplicates[:10])},
            "duplicate_id",
        )

    pools = {
        p.get("processRef"): _label(p.get("name")) for p in root.iter(f"{{{MODEL}}}participant") if p.get("processRef")
    }
    nodes: dict[str, ET.Element] = {}
    node_process: dict[str, ET.Element] = {}
    flows: list[ET.Element] = []
    lanes_of: dict[str, str] = {}
    inside: dict[str, str] = {}
    for process in processes:
        _collect(process, process, nodes, node_process, flows, inside)
    for process in processes:
        for lane in process.iter(f"{{{MODEL}}}lane"):
            for ref in lane.findall(f"{{{MODEL}}}flowNodeRef"):
                target = (ref.text or "").strip()
                if target not in nodes:
                    raise _refuse(
                        _("Lane “%(lane)s” lists a flow node “%(ref)s” that does not exist.")
                        % {"lane": _label(lane.get("name")) or lane.get("id"), "ref": target},
                        "dangling_lane",
                    )
                # Nested lanes come later in document order: the innermost lane wins.
                lanes_of[target] = _label(lane.get("name"))
    outgoing: dict[str, list[str]] = {}
    for flow in flows:
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        for ref in (source, target):
            if not ref or ref not in nodes:
                raise _refuse(
                    _("Sequence flow “%(flow)s” points at “%(ref)s”, which is not a flow node of the process.")
                    % {"flow": flow.get("id") or "?", "ref": ref or ""},
                    "dangling_flow",
                )
        outgoing.setdefault(source, []).append(target)

    names = {node_id: _label(node.get("name")) for node_id, node in nodes.items()}

    def display(node_id: str) -> str:
        return names[node_id] or node_id

    order: list[str] = []
    placed: set[str] = set()
    starts = [i for i, n in nodes.items() if _local(n.tag) == "startEvent"]
    queue = deque()
    for start in [*starts, *nodes]:
        if start in placed:
            continue
        placed.add(start)
        queue.append(start)
        while queue:
            current = queue.popleft()
            order.append(current)
            for target in outgoing.get(current, []):
                if target not in placed:
                    placed.add(target)
                    queue.append(target)

    def lane_of(node_id: str | None) -> str:
        """The node's lane, else that of the sub-process it sits in (lanes list the sub-process, not its steps)."""
        while node_id is not None:
            if node_id in lanes_of:
                return lanes_of[node_id]
            node_id = inside.get(node_id)
        return ""

    steps = []
    for node_id in order:
        process = node_process[node_id]
        lane = lane_of(node_id) or pools.get(process.get("id")) or _label(process.get("name"))
        steps.append(
            {
                "id": node_id,
                "lane": lane,
                "name": names[node_id],
                "type": _local(nodes[node_id].tag),
                "next": [display(t) for t in outgoing.get(node_id, [])],
            }
        )
    text = _as_text(raw)
    return ParsedMap(xml=text, sha256=bpmn_sha256(text), root=root, steps=steps, names=names)


def _as_text(raw: bytes) -> str:
    """The file as text stored in UTF-8; a file declared in another encoding is re-declared as UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        match = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']", raw)
        encoding = match.group(1).decode("ascii") if match else "latin-1"
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            text = raw.decode("latin-1")
        return re.sub(r"^(<\?xml[^>]*encoding=)[\"'][A-Za-z0-9._-]+[\"']", r'\1"UTF-8"', text, count=1)


def _collect(container, process, nodes, node_process, flows, inside) -> None:
    """The flow nodes and sequence flows of ``container``, and of the sub-processes in it (``inside``: node id →
    the id of the sub-process that holds it)."""
    for child in container:
        if _ns(child.tag) != MODEL:
            continue
        kind = _local(child.tag)
        if kind in FLOW_NODE_TYPES and child.get("id"):
            nodes[child.get("id")] = child
            node_process[child.get("id")] = process
            if container is not process:
                inside[child.get("id")] = container.get("id")
            if kind in CONTAINER_TYPES:
                _collect(child, process, nodes, node_process, flows, inside)
        elif kind == "sequenceFlow":
            flows.append(child)


def step_line(step: dict) -> str:
    """One line of the steps list compared between versions: lane / step / type → next steps."""
    return f"{step['lane'] or '—'} / {step['name'] or step['id']} / {step['type']} → {', '.join(step['next']) or '—'}"


def bpmn_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- The blank map ---------------------------------------------------------------------------------------------

LANE_HEIGHT = 150
POOL_WIDTH = 900


def blank_bpmn(*, title: str, lanes: list[str]) -> str:
    """A BPMN model with one pool named ``title`` and one lane per function (at least one), with its DI."""
    lanes = [_label(lane) for lane in lanes if _label(lane)] or [_("Process owner")]
    height = LANE_HEIGHT * len(lanes)
    lane_xml, lane_di = [], []
    for index, name in enumerate(lanes, start=1):
        ref = "<bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>" if index == 1 else ""
        lane_xml.append(f'<bpmn:lane id="Lane_{index}" name="{escape(name)}">{ref}</bpmn:lane>')
        y = 80 + LANE_HEIGHT * (index - 1)
        lane_di.append(
            f'<bpmndi:BPMNShape id="Lane_{index}_di" bpmnElement="Lane_{index}" isHorizontal="true">'
            f'<dc:Bounds x="190" y="{y}" width="{POOL_WIDTH - 30}" height="{LANE_HEIGHT}" /></bpmndi:BPMNShape>'
        )
    start_y = 80 + LANE_HEIGHT // 2 - 18
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{MODEL}" xmlns:bpmndi="{BPMNDI}" xmlns:dc="{DC}" xmlns:di="{DI}"
    id="Definitions_1" targetNamespace="urn:ims:process-map">
  <bpmn:collaboration id="Collaboration_1">
    <bpmn:participant id="Participant_1" name="{escape(_label(title))}" processRef="Process_1" />
  </bpmn:collaboration>
  <bpmn:process id="Process_1" isExecutable="false">
    <bpmn:laneSet id="LaneSet_1">{"".join(lane_xml)}</bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="{escape(_("Start"))}" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Collaboration_1">
      <bpmndi:BPMNShape id="Participant_1_di" bpmnElement="Participant_1" isHorizontal="true">
        <dc:Bounds x="160" y="80" width="{POOL_WIDTH}" height="{height}" />
      </bpmndi:BPMNShape>
      {"".join(lane_di)}
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="240" y="{start_y}" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


# --- SVG from the diagram interchange --------------------------------------------------------------------------

STROKE = "#22242a"
FILL = "#ffffff"
FONT = "font-family:Arial,Helvetica,sans-serif;font-size:11px"
CHAR_WIDTH = 6.2
LINE_HEIGHT = 13


def _bounds(element: ET.Element) -> tuple[float, float, float, float] | None:
    b = element.find(f"{{{DC}}}Bounds")
    if b is None:
        return None
    try:
        return float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height"))
    except (TypeError, ValueError):
        return None


def _wrap(text: str, width: float) -> list[str]:
    limit = max(4, int(width / CHAR_WIDTH))
    lines, current = [], ""
    for word in text.split(" "):
        while len(word) > limit:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}".strip()
        if len(candidate) > limit and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _text(text: str, cx: float, cy: float, width: float, *, rotate: bool = False) -> str:
    if not text:
        return ""
    lines = _wrap(text, width)
    top = cy - (len(lines) - 1) * LINE_HEIGHT / 2
    spans = "".join(
        f'<tspan x="{cx:.1f}" y="{top + i * LINE_HEIGHT + 4:.1f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    transform = f' transform="rotate(-90 {cx:.1f} {cy:.1f})"' if rotate else ""
    return f'<text text-anchor="middle" style="{FONT}" fill="{STROKE}"{transform}>{spans}</text>'


class DrawingNotWellFormed(RuntimeError):
    """A fault in the server's drawing code, not in the user's file: raised instead of storing an SVG that
    browsers and WeasyPrint would silently drop."""


def svg_well_formed(svg: str) -> str:
    """``svg`` when it is well-formed XML (one expat pass under defusedxml's rules), else ``DrawingNotWellFormed``."""
    try:
        _guard(svg.encode("utf-8"))
    except (ET.ParseError, DefusedXmlException) as error:
        raise DrawingNotWellFormed(f"The server drew an SVG that is not well-formed XML: {error}") from error
    return svg


def bpmn_svg(parsed: ParsedMap) -> str:
    """An SVG of the model's first diagram (BPMN DI): pools and lanes, tasks, events, gateways, flows.

    Checked as well-formed XML before it is returned, so a drawing bug fails loudly instead of being stored.
    """
    root = parsed.root
    elements = {e.get("id"): e for e in root.iter() if e.get("id") and _ns(e.tag) == MODEL}
    plane = root.find(f"{{{BPMNDI}}}BPMNDiagram/{{{BPMNDI}}}BPMNPlane")
    back: list[str] = []
    front: list[str] = []
    edges: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    if plane is not None:
        for shape in plane.iter(f"{{{BPMNDI}}}BPMNShape"):
            bounds = _bounds(shape)
            element = elements.get(shape.get("bpmnElement"))
            if bounds is None or element is None:
                continue
            x, y, w, h = bounds
            xs.extend((x, x + w))
            ys.extend((y, y + h))
            label_bounds = None
            label = shape.find(f"{{{BPMNDI}}}BPMNLabel")
            if label is not None:
                label_bounds = _bounds(label)
            if label_bounds:
                xs.extend((label_bounds[0], label_bounds[0] + label_bounds[2]))
                ys.extend((label_bounds[1], label_bounds[1] + label_bounds[3]))
            expanded = shape.get("isExpanded") == "true"
            _shape(element, x, y, w, h, label_bounds, back, front, expanded=expanded)
        for edge in plane.iter(f"{{{BPMNDI}}}BPMNEdge"):
            points = []
            for point in edge.findall(f"{{{DI}}}waypoint"):
                try:
                    points.append((float(point.get("x")), float(point.get("y"))))
                except (TypeError, ValueError):
                    continue
            if len(points) < 2:
                continue
            xs.extend(p[0] for p in points)
            ys.extend(p[1] for p in points)
            element = elements.get(edge.get("bpmnElement"))
            kind = _local(element.tag) if element is not None else "sequenceFlow"
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            if kind == "messageFlow":
                style, marker = ' stroke-dasharray="8 5"', ' marker-end="url(#arrow-open)"'
            elif kind in ("association", "dataInputAssociation", "dataOutputAssociation"):
                style, marker = ' stroke-dasharray="2 4"', ""
            else:
                style, marker = "", ' marker-end="url(#arrow)"'
            edges.append(
                f'<polyline points="{coords}" fill="none" stroke="{STROKE}" stroke-width="1.5"{style}{marker} />'
            )
            name = _label(element.get("name")) if element is not None else ""
            if name:
                label = edge.find(f"{{{BPMNDI}}}BPMNLabel")
                lb = _bounds(label) if label is not None else None
                if lb:
                    edges.append(_text(name, lb[0] + lb[2] / 2, lb[1] + lb[3] / 2, max(lb[2], 60)))
                else:
                    (ax, ay), (bx, by) = points[0], points[1]
                    edges.append(_text(name, (ax + bx) / 2, (ay + by) / 2 - 8, 90))
    if not xs:
        note = escape(_("This map has no diagram layout (BPMN DI); see the steps table."))
        return svg_well_formed(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 480 40" width="480" height="40" role="img">'
            f'<text x="10" y="24" style="{FONT}" fill="{STROKE}">{note}</text></svg>'
        )
    margin = 20
    min_x, min_y = min(xs) - margin, min(ys) - margin
    width, height = max(xs) - min(xs) + 2 * margin, max(ys) - min(ys) + 2 * margin
    defs = (
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{STROKE}" /></marker>'
        '<marker id="arrow-open" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{FILL}" stroke="{STROKE}" /></marker>'
        "</defs>"
    )
    title = escape(_("Process map"))
    return svg_well_formed(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{min_x:.0f} {min_y:.0f} {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img"><title>{title}</title>{defs}'
        f"{''.join(back)}{''.join(edges)}{''.join(front)}</svg>"
    )


def _shape(element, x, y, w, h, label_bounds, back: list[str], front: list[str], *, expanded: bool = False) -> None:
    kind = _local(element.tag)
    name = _label(element.get("name"))
    line = f'stroke="{STROKE}" stroke-width="1.5"'
    if kind in ("participant", "lane"):
        band = 30
        back.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="none" {line} />')
        if kind == "participant":
            back.append(f'<line x1="{x + band:.1f}" y1="{y:.1f}" x2="{x + band:.1f}" y2="{y + h:.1f}" {line} />')
        back.append(_text(name, x + band / 2, y + h / 2, h - 10, rotate=True))
        return
    if kind in CONTAINER_TYPES and expanded:
        # Behind the flows: its own steps and their arrows are drawn inside it.
        back.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10" ry="10" fill="{FILL}" {line} />'
        )
        back.append(_text(name, x + w / 2, y + 14, w - 10))
        return
    if kind in TASK_TYPES:
        radius = 10
        width = "3" if kind == "callActivity" else "1.5"  # BPMN draws a call activity with a thick border
        front.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{radius}" ry="{radius}" '
            f'fill="{FILL}" stroke="{STROKE}" stroke-width="{width}" />'
        )
        if kind == "userTask":
            front.append(f'<circle cx="{x + 12:.1f}" cy="{y + 12:.1f}" r="5" fill="none" stroke="{STROKE}" />')
        elif kind in CONTAINER_TYPES or kind == "callActivity":  # collapsed: the [+] marker
            mx, my = x + w / 2, y + h - 8
            front.append(
                f'<path d="M {mx - 6:.1f} {my - 6:.1f} h 12 v 12 h -12 z M {mx:.1f} {my - 4:.1f} v 8 '
                f'M {mx - 4:.1f} {my:.1f} h 8" fill="none" stroke="{STROKE}" />'
            )
        front.append(_text(name, x + w / 2, y + h / 2, w - 10))
        return
    if kind in EVENT_TYPES:
        cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
        width = "4" if kind == "endEvent" else "1.5"
        front.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{FILL}" stroke="{STROKE}" stroke-width="{width}" />'
        )
        if kind.startswith("intermediate") or kind == "boundaryEvent":
            front.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r - 3:.1f}" fill="none" stroke="{STROKE}" />')
        _outer_label(name, x, y, w, h, label_bounds, front)
        return
    if kind in GATEWAY_TYPES:
        cx, cy = x + w / 2, y + h / 2
        front.append(
            f'<polygon points="{cx:.1f},{y:.1f} {x + w:.1f},{cy:.1f} {cx:.1f},{y + h:.1f} {x:.1f},{cy:.1f}" '
            f'fill="{FILL}" {line} />'
        )
        m = w / 5
        if kind == "exclusiveGateway":
            front.append(
                f'<path d="M {cx - m:.1f} {cy - m:.1f} L {cx + m:.1f} {cy + m:.1f} M {cx + m:.1f} {cy - m:.1f} '
                f'L {cx - m:.1f} {cy + m:.1f}" stroke="{STROKE}" stroke-width="3" />'
            )
        elif kind == "parallelGateway":
            front.append(
                f'<path d="M {cx:.1f} {cy - m:.1f} L {cx:.1f} {cy + m:.1f} M {cx - m:.1f} {cy:.1f} L {cx + m:.1f} '
                f'{cy:.1f}" stroke="{STROKE}" stroke-width="3" />'
            )
        elif kind == "inclusiveGateway":
            front.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{m:.1f}" fill="none" stroke="{STROKE}" stroke-width="2.5" />'
            )
        _outer_label(name, x, y, w, h, label_bounds, front)
        return
    if kind in ("dataObjectReference", "dataObject", "dataStoreReference"):
        fold = min(w, h) / 4
        front.append(
            f'<path d="M {x:.1f} {y:.1f} L {x + w - fold:.1f} {y:.1f} L {x + w:.1f} {y + fold:.1f} L {x + w:.1f} '
            f'{y + h:.1f} L {x:.1f} {y + h:.1f} Z" fill="{FILL}" {line} />'
        )
        _outer_label(name, x, y, w, h, label_bounds, front)
        return
    if kind == "textAnnotation":
        text = _label(element.findtext(f"{{{MODEL}}}text"))
        front.append(
            f'<path d="M {x + 10:.1f} {y:.1f} L {x:.1f} {y:.1f} L {x:.1f} {y + h:.1f} L {x + 10:.1f} {y + h:.1f}" '
            f'fill="none" {line} />'
        )
        front.append(_text(text, x + w / 2, y + h / 2, w - 6))
        return
    if kind == "group":
        back.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10" fill="none" {line} '
            'stroke-dasharray="10 4 2 4" />'
        )


def _outer_label(name, x, y, w, h, label_bounds, front: list[str]) -> None:
    if not name:
        return
    if label_bounds:
        lx, ly, lw, lh = label_bounds
        front.append(_text(name, lx + lw / 2, ly + lh / 2, max(lw, 60)))
    else:
        front.append(_text(name, x + w / 2, y + h + 14, max(w * 2.5, 90)))


def diagram_size(svg: str) -> tuple[int, int]:
    """The width and height an SVG declares (for the page's layout), 0 when unknown."""
    match = re.search(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"', svg[:2000])
    if not match:
        return 0, 0
    return math.ceil(float(match.group(1))), math.ceil(float(match.group(2)))
