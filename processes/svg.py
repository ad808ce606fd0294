"""The SVG of a process map posted by the modeler (bpmn-js ``saveSVG``), checked before it is stored.

The SVG is shown inline on pages and embedded in PDFs, so it must not carry anything active: a file that
holds a script, an ``on*`` event attribute, a ``foreignObject``, an external reference (``href`` other than
``#id``, ``url(…)`` other than ``url(#id)``, ``@import``) or a DTD / entities is **refused with the reason**
(not silently cleaned: the author learns what was wrong). What passes is re-serialised from an allow-list
of elements and attributes, so anything unknown is dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - only building the output; parsing goes through defusedxml

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .bpmn import safe_parse, size_check

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ALLOWED_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "marker",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "title",
        "desc",
        "style",
        "clipPath",
        "linearGradient",
        "radialGradient",
        "stop",
        "pattern",
        "mask",
        "symbol",
        "use",
    }
)
ALLOWED_ATTRIBUTES = frozenset(
    {
        "id",
        "class",
        "style",
        "x",
        "y",
        "x1",
        "y1",
        "x2",
        "y2",
        "dx",
        "dy",
        "cx",
        "cy",
        "r",
        "rx",
        "ry",
        "width",
        "height",
        "viewBox",
        "preserveAspectRatio",
        "version",
        "d",
        "points",
        "transform",
        "fill",
        "fill-opacity",
        "fill-rule",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "opacity",
        "font-family",
        "font-size",
        "font-weight",
        "font-style",
        "text-anchor",
        "dominant-baseline",
        "alignment-baseline",
        "letter-spacing",
        "word-spacing",
        "text-decoration",
        "lengthAdjust",
        "textLength",
        "marker-start",
        "marker-mid",
        "marker-end",
        "markerWidth",
        "markerHeight",
        "markerUnits",
        "refX",
        "refY",
        "orient",
        "offset",
        "stop-color",
        "stop-opacity",
        "gradientUnits",
        "gradientTransform",
        "patternUnits",
        "patternTransform",
        "clip-path",
        "clipPathUnits",
        "mask",
        "visibility",
        "display",
        "shape-rendering",
        "pointer-events",
        "role",
        "aria-label",
        "data-element-id",
        "href",
        f"{{{XLINK_NS}}}href",
        f"{{{XML_NS}}}space",
    }
)
REFUSED_ELEMENTS = {"script": "script", "foreignObject": "foreignObject", "iframe": "iframe", "image": "image"}
URL_RE = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
LOCAL_REF_RE = re.compile(r"^#[A-Za-z_][\w.:-]*$")


#: The one DOCTYPE accepted (bpmn-js ``saveSVG`` writes it): the public SVG 1.1 identifier, no internal subset, so it
#: declares no entity; it is removed before parsing and the DTD is never fetched. Any other DOCTYPE is refused.
SVG11_DOCTYPE = re.compile(
    rb"^(\s*(?:<\?xml[^>]*\?>)?\s*(?:<!--(?:(?!-->).){0,500}-->\s*)*)"
    rb'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1\.1//EN" "http://www\.w3\.org/Graphics/SVG/1\.1/DTD/svg11\.dtd">',
    re.DOTALL,
)


class SvgRefused(ValidationError):
    """The SVG holds something active or external; nothing was saved."""


def _refuse(message: str, code: str) -> SvgRefused:
    return SvgRefused(message, code=code)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _check_value(value: str, where: str) -> None:
    lowered = value.lower()
    if "@import" in lowered:
        raise _refuse(
            _("The SVG imports a style sheet (%(where)s); external references are refused.") % {"where": where},
            "external",
        )
    if "javascript:" in lowered:
        raise _refuse(_("The SVG holds a javascript: URL (%(where)s).") % {"where": where}, "script")
    for match in URL_RE.finditer(value):
        if not LOCAL_REF_RE.match(match.group(2).strip()):
            raise _refuse(
                _("The SVG refers to “%(url)s” (%(where)s); only references inside the drawing (url(#id)) are allowed.")
                % {"url": match.group(2)[:80], "where": where},
                "external",
            )


def svg_sanitise(data: bytes | str) -> str:
    """Check the SVG and return it re-serialised from the allow-list; raise ``SvgRefused`` with the reason."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    size_check(raw, what=_("SVG drawing"))
    raw = SVG11_DOCTYPE.sub(rb"\1", raw, count=1)
    try:
        root = safe_parse(raw, what=_("SVG drawing"))
    except ValidationError as error:
        raise _refuse(" ".join(error.messages), error.code or "invalid") from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _refuse(
            _("This is not an SVG drawing: its root element is <%(tag)s>.") % {"tag": _local(root.tag)}, "not_svg"
        )
    for element in root.iter():
        name = _local(element.tag)
        if name in REFUSED_ELEMENTS:
            raise _refuse(
                _("The SVG holds a <%(tag)s> element, which is not allowed in a process map.") % {"tag": name},
                "active_content",
            )
        for attribute, value in element.attrib.items():
            local = _local(attribute)
            if local.lower().startswith("on"):
                raise _refuse(
                    _("The SVG holds an event handler attribute “%(attr)s” on <%(tag)s>.")
                    % {"attr": local, "tag": name},
                    "event_handler",
                )
            if local == "href" and not LOCAL_REF_RE.match(value.strip()):
                raise _refuse(
                    _("The SVG links to “%(href)s”; only references inside the drawing (#id) are allowed.")
                    % {"href": value[:80]},
                    "external",
                )
            _check_value(value, f"{name}@{local}")
        if name == "style" and element.text:
            _check_value(element.text, "style")
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    clean = _copy(root)
    return ET.tostring(clean, encoding="unicode", short_empty_elements=True)


def _copy(element: ET.Element) -> ET.Element:
    out = ET.Element(element.tag, {k: v for k, v in element.attrib.items() if _allowed(k)})
    out.text = element.text
    for child in element:
        if (
            isinstance(child.tag, str)
            and child.tag.startswith(f"{{{SVG_NS}}}")
            and _local(child.tag) in ALLOWED_ELEMENTS
        ):
            copied = _copy(child)
            copied.tail = child.tail
            out.append(copied)
    return out


def _allowed(attribute: str) -> bool:
    return attribute in ALLOWED_ATTRIBUTES
