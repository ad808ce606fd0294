"""The SVG the modeler posts: anything active or external is refused with its reason; what passes is
re-serialised from an allow-list."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from processes.svg import svg_sanitise

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="50">'

# What bpmn-js ``saveSVG`` produces, in short: markers in defs, groups with data attributes, styled shapes.
BPMN_JS = (
    HEAD + '<defs><marker id="sequenceflow-end-white-black-1" viewBox="0 0 20 20" refX="11" refY="10" '
    'markerWidth="10" markerHeight="10" orient="auto"><path d="M 1 5 L 11 10 L 1 15 Z" '
    'style="fill: black; stroke-width: 1px; stroke: black;"/></marker></defs>'
    '<g class="djs-group"><g class="djs-element djs-shape" data-element-id="Task_1" transform="matrix(1 0 0 1 10 10)">'
    '<rect x="0" y="0" width="100" height="80" rx="10" ry="10" style="stroke: black; fill: white;"/>'
    '<text lineHeight="1.2" class="djs-label" style="font-family: Arial, sans-serif; font-size: 12px;">'
    '<tspan x="12" y="43">Record &amp; sign</tspan></text></g>'
    '<path d="M 0 0 L 10 10" style="marker-end: url(\'#sequenceflow-end-white-black-1\');"/>'
    '<use xlink:href="#sequenceflow-end-white-black-1"/></g></svg>'
)


def test_a_bpmn_js_drawing_passes_and_keeps_its_shapes_labels_and_local_markers():
    clean = svg_sanitise(BPMN_JS)
    assert clean.startswith("<svg") and "Record &amp; sign" in clean
    assert 'data-element-id="Task_1"' in clean and "url('#sequenceflow-end-white-black-1')" in clean
    assert "lineHeight" not in clean  # not on the allow-list: dropped
    assert svg_sanitise(clean) == clean


@pytest.mark.parametrize(
    ("svg", "words"),
    [
        (HEAD + "<script>alert(1)</script></svg>", "<script>"),
        (HEAD.replace("<svg ", '<svg onload="alert(1)" ') + "</svg>", "onload"),
        (HEAD + '<rect width="10" height="10" onclick="steal()"/></svg>', "onclick"),
        (
            HEAD + "<foreignObject><div xmlns='http://www.w3.org/1999/xhtml'>x</div></foreignObject></svg>",
            "foreignObject",
        ),
        (HEAD + '<use xlink:href="https://evil.example/sprite.svg#x"/></svg>', "evil.example"),
        (HEAD + '<a href="javascript:alert(1)"><text>x</text></a></svg>', "javascript:alert"),
        (HEAD + '<rect style="fill: url(https://evil.example/p.svg#g)" width="1" height="1"/></svg>', "evil.example"),
        (HEAD + '<rect fill="url(http://169.254.169.254/x)" width="1" height="1"/></svg>', "169.254"),
        (HEAD + "<style>@import url('https://evil.example/x.css');</style></svg>", "imports a style sheet"),
        (
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + HEAD + "&x;</svg>",
            "DTD",
        ),
        ("<html xmlns='http://www.w3.org/1999/xhtml'/>", "not an SVG"),
        (HEAD + "<rect", "well-formed"),
    ],
    ids=[
        "script",
        "onload",
        "onclick",
        "foreignObject",
        "external-use",
        "javascript-href",
        "style-url",
        "attribute-url",
        "import",
        "doctype",
        "not-svg",
        "malformed",
    ],  # fmt: skip
)
def test_active_or_external_content_is_refused_with_the_reason(svg, words):
    with pytest.raises(ValidationError) as caught:
        svg_sanitise(svg)
    assert words.lower() in " ".join(caught.value.messages).lower()


def test_a_drawing_over_five_megabytes_is_refused():
    big = HEAD + "<desc>" + "x" * (5 * 1024 * 1024) + "</desc></svg>"
    with pytest.raises(ValidationError, match="limit is 5 MB"):
        svg_sanitise(big)


def test_the_svg_1_1_doctype_bpmn_js_writes_is_accepted_and_any_other_refused():
    standard = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- created with bpmn-js / http://bpmn.io -->\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    )
    assert svg_sanitise(standard + BPMN_JS).startswith("<svg")
    with_subset = standard.replace('svg11.dtd">', 'svg11.dtd" [<!ENTITY x "y">]>')
    with pytest.raises(ValidationError, match="DTD"):
        svg_sanitise(with_subset + BPMN_JS)
