"""Process maps as controlled documents: BPMN drafts saved from the modeler or imported, reviewed, approved
with e-signatures and made effective by the document-control kernel; diagrams immutable after approval; the
steps compared between versions, printed in the PDF; pages, API and site isolation."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import tempfile

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ims.documents import selectors as document_selectors
from ims.documents import services as document_services
from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign import services as esign_services
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Person
from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from processes import bpmn, maps
from processes.bpmn import MAX_BYTES, DrawingNotWellFormed
from processes.models import MapDiagram
from processes.models.maps import DiagramSource

from .test_bpmn import BIZAGI, CAMUNDA

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-Battery-9"
MODELER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><g class="djs-group">'
    '<rect x="10" y="10" width="100" height="80" rx="10" style="fill: white; stroke: black"/>'
    '<text><tspan x="20" y="50">Record the deviation</tspan></text></g></svg>'
)
HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>',
    "billion-laughs": b'<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>',
    "malformed": b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">',
    "no-process": b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>',
    "duplicate-ids": CAMUNDA.replace('id="Task_Assess"', 'id="Task_Record"').encode(),
    "dangling-flow": CAMUNDA.replace('targetRef="Task_Capa"', 'targetRef="Task_Gone"').encode(),
    "too-large": CAMUNDA.replace("</bpmn:definitions>", "<!--" + "x" * MAX_BYTES + "--></bpmn:definitions>").encode(),
}
EXPECTED_MESSAGE = {
    "xxe": "DTD",
    "billion-laughs": "DTD",
    "malformed": "well-formed",
    "no-process": "no process",
    "duplicate-ids": "Task_Record",
    "dangling-flow": "Task_Gone",
    "too-large": "limit is 5 MB",
}


@pytest.fixture(autouse=True)
def _maps_registered(settings):
    """The "process map" content kind (``ProcessesConfig.ready`` registers it in the running portal)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    maps.maps_ready()


def certified(person: Person) -> Person:
    Person.objects.filter(pk=person.pk).update(password=make_password(PASSWORD))
    person.refresh_from_db()
    if esign_services.certification_current(person) is None:
        esign_services.certification_create(person=person, password=PASSWORD, username=person.username, session={})
    return person


@pytest.fixture
def people(org):
    def person(username, role, site=org.site_a):
        p = org_services.person_create(
            username=username,
            employee_id=username.upper(),
            first_name="T",
            last_name=username,
            email=f"{username}@example.com",
        )
        org_services.membership_create(person=p, site=site, function=org.qa, role=org.roles[role])
        return certified(p)

    from types import SimpleNamespace

    return SimpleNamespace(
        author=person("po_author", RoleCode.PROCESS_OWNER),
        reviewer=person("dh_reviewer", RoleCode.DEPARTMENT_HEAD),
        approver=certified(org.qm_a),
        officer=person("co_officer", RoleCode.COMPLIANCE_OFFICER),
    )


def new_map(actor, site, *, number="MAP-QA-001", bpmn=CAMUNDA, functions=(), effective_date=None):
    return maps.map_create(
        actor=actor,
        number=number,
        title="Deviation handling",
        sites=[site],
        owner=actor,
        disciplines=[Discipline.QUALITY],
        functions=functions,
        bpmn=bpmn,
        effective_date=effective_date or timezone.localdate(),
    )


def counts() -> tuple[int, int, int]:
    return (
        ControlledDocument._base_manager.count(),
        DocumentVersion._base_manager.count(),
        MapDiagram._base_manager.count(),
    )


def sign(service, person, version):
    return service(actor=person, version=version, password=PASSWORD, username=person.username, reason="ok")


def take_to_effective(people, version, approver=None) -> DocumentVersion:
    document_services.version_submit(actor=version.author, version=version)
    sign(document_services.version_review, people.reviewer, version)
    sign(document_services.version_approve, approver or people.approver, version)
    return DocumentVersion.objects.get(pk=version.pk)


# --- Services -----------------------------------------------------------------------------------------------------


def test_an_imported_camunda_file_becomes_a_draft_with_its_diagram_and_steps(org, people):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    assert document.doc_type == DocumentType.PROCESS_MAP and not document.requires_acknowledgement
    assert version.status == VersionStatus.DRAFT and version.body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    diagram = version.diagram
    assert diagram.svg_source == DiagramSource.SERVER and diagram.svg.startswith("<svg")
    assert [s["name"] for s in diagram.steps] == [
        "Deviation observed",
        "Record the deviation",
        "Assess impact & classify",
        "Major?",
        "Open a CAPA",
        "Deviation closed",
    ]
    assert diagram.steps[3]["next"] == ["Open a CAPA", "Deviation closed"]


def test_a_blank_map_has_a_pool_and_one_lane_per_chosen_function(org, people):
    document = new_map(people.author, org.site_a, bpmn=None, functions=[org.prod, org.qa])
    version = document.versions.get()
    assert 'name="Production"' in version.body and 'name="Quality Assurance"' in version.body
    assert version.diagram.steps[0]["lane"] == "Production"
    assert "Deviation handling" in version.diagram.svg  # the pool is named after the map


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_or_broken_bpmn_is_refused_with_its_reason_and_nothing_is_saved(org, people, kind):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        new_map(people.author, org.site_a, bpmn=HOSTILE[kind])
    assert EXPECTED_MESSAGE[kind].lower() in " ".join(caught.value.messages).lower()
    document = new_map(people.author, org.site_a, number="MAP-QA-002")
    before = counts()
    version = document.versions.get()
    body = version.body
    with pytest.raises(ValidationError):
        maps.map_version_save(actor=people.author, version=version, bpmn=HOSTILE[kind], reason="Update")
    with pytest.raises(ValidationError):
        maps.map_import(actor=people.author, document=document, bpmn=HOSTILE[kind], reason="Update")
    assert counts() == before and DocumentVersion.objects.get(pk=version.pk).body == body


def test_the_body_of_a_map_is_never_edited_as_markdown(org, people):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    with pytest.raises(ValidationError) as caught:
        document_services.version_update(actor=people.author, version=version, data={"body": "# Steps\n\n1. Do it"})
    assert "body" in caught.value.message_dict
    from ims.documents.forms import DocumentVersionForm

    assert "body" not in DocumentVersionForm(instance=version, user=people.author).fields


def test_the_modeler_svg_is_kept_and_a_hostile_one_refused_without_saving(org, people):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    changed = CAMUNDA.replace("Open a CAPA", "Open a CAPA and notify QA")
    maps.map_version_save(actor=people.author, version=version, bpmn=changed, svg=MODELER_SVG, reason="Named")
    diagram = MapDiagram.objects.get(version=version)
    assert diagram.svg_source == DiagramSource.MODELER and "Record the deviation" in diagram.svg
    assert "Open a CAPA and notify QA" in [s["name"] for s in diagram.steps]
    before = (DocumentVersion.objects.get(pk=version.pk).body, diagram.svg)
    hostile = MODELER_SVG.replace("<g ", '<g onload="fetch(1)" ')
    with pytest.raises(ValidationError, match="onload"):
        maps.map_version_save(actor=people.author, version=version, bpmn=CAMUNDA, svg=hostile, reason="Again")
    diagram.refresh_from_db()
    assert (DocumentVersion.objects.get(pk=version.pk).body, diagram.svg) == before


def test_a_server_drawing_that_is_not_well_formed_xml_is_never_stored(org, people, monkeypatch):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    before = (DocumentVersion.objects.get(pk=version.pk).body, MapDiagram.objects.get(version=version).svg)
    monkeypatch.setattr(bpmn, "_text", lambda *args, **kwargs: '<text x="1" x="2">broken</text>')
    with pytest.raises(DrawingNotWellFormed):
        maps.map_version_save(actor=people.author, version=version, bpmn=BIZAGI, reason="Supplier qualification")
    assert (DocumentVersion.objects.get(pk=version.pk).body, MapDiagram.objects.get(version=version).svg) == before


def test_draft_review_approval_effective_and_the_diagram_never_changes_after_approval(org, people):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    maps.map_version_save(actor=people.author, version=version, bpmn=CAMUNDA, svg=MODELER_SVG, reason="Drawn")
    version = take_to_effective(people, version)
    assert version.status == VersionStatus.EFFECTIVE
    diagram = MapDiagram.objects.get(version=version)
    before = (diagram.svg, diagram.steps, diagram.bpmn_sha256, version.body)
    with pytest.raises(document_services.TransitionNotAllowed, match="start a new version"):
        maps.map_version_save(actor=people.author, version=version, bpmn=CAMUNDA.replace("Major?", "X"), reason="x")
    with pytest.raises(document_services.TransitionNotAllowed):
        maps._diagram_write(version, svg="<svg/>", source=DiagramSource.SERVER, steps=[], sha256="0")
    maps.map_body_saved(version)
    diagram.refresh_from_db()
    version.refresh_from_db()
    assert (diagram.svg, diagram.steps, diagram.bpmn_sha256, version.body) == before
    # A new version starts from the effective content with the modeler's drawing.
    second = maps.map_new_version(actor=people.author, document=document, change_summary="Adds the CAPA link")
    assert second.body == version.body and second.diagram.svg == diagram.svg
    assert second.diagram.svg_source == DiagramSource.MODELER


def test_the_diff_between_versions_compares_the_step_lists(org, people, client_for):
    document = new_map(people.author, org.site_a)
    take_to_effective(people, document.versions.get())
    added = CAMUNDA.replace('targetRef="Task_Capa" />', 'targetRef="Task_Capa" />', 1).replace(
        "Open a CAPA", "Open a CAPA within 5 days"
    )
    second = maps.map_import(actor=people.author, document=document, bpmn=added, change_summary="CAPA due in 5 days")
    first = document.versions.get(number=1)
    diff = str(document_selectors.version_diff(old=first, new=second, mode="unified"))
    assert "-Quality Assurance / Open a CAPA / serviceTask → Deviation closed" in diff
    assert "+Quality Assurance / Open a CAPA within 5 days / serviceTask → Deviation closed" in diff
    assert "+Quality Assurance / Major? / exclusiveGateway → Open a CAPA within 5 days, Deviation closed" in diff
    assert "bpmn:definitions" not in diff
    page = client_for(org.qm_a).get(reverse("documents:version_diff", args=[second.pk]), {"mode": "unified"})
    assert page.status_code == 200 and "Open a CAPA within 5 days / serviceTask" in page.content.decode()


def test_importing_into_an_open_draft_needs_a_reason_and_a_version_in_review_refuses(org, people):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    with pytest.raises(ValidationError, match="reason"):
        maps.map_import(actor=people.author, document=document, bpmn=CAMUNDA)
    replaced = maps.map_import(
        actor=people.author, document=document, bpmn=CAMUNDA.replace("Major?", "Major"), reason="x"
    )
    assert replaced.pk == version.pk and "Major" in [s["name"] for s in replaced.diagram.steps]
    document_services.version_submit(actor=people.author, version=version)
    with pytest.raises(document_services.TransitionNotAllowed, match="in review"):
        maps.map_import(actor=people.author, document=document, bpmn=CAMUNDA, reason="x")


def test_the_version_pdf_shows_the_steps(org, people):
    from ims.documents.pdf import render_version_pdf

    document = new_map(people.author, org.site_a)
    version = take_to_effective(people, document.versions.get())
    content = render_version_pdf(version, viewer=org.qm_a)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        text = subprocess.run(["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True).stdout
    text = text.decode()
    for name in ("Record the deviation", "Assess impact & classify", "Open a CAPA", "Quality Assurance"):
        assert name in text
    assert "bpmn:definitions" not in text


def test_the_version_pdf_embeds_the_server_drawing_of_a_call_activity_and_a_sub_process(org, people, caplog):
    """WeasyPrint drops an SVG that is not well-formed XML with only a log line; the PDF must hold the drawing."""
    from pypdf import PdfReader

    from ims.documents.pdf import render_version_pdf

    document = new_map(people.author, org.site_a, bpmn=BIZAGI)
    version = take_to_effective(people, document.versions.get())
    assert version.diagram.svg_source == DiagramSource.SERVER
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        content = render_version_pdf(version, viewer=org.qm_a)
    assert not [r.getMessage() for r in caplog.records if "Failed to load image" in r.getMessage()]
    forms = [page["/Resources"].get("/XObject") for page in PdfReader(io.BytesIO(content)).pages]
    assert any(forms)  # the diagram is drawn as vector forms
    text = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    assert "Purchasing" in text  # the pool's name, printed only by the drawing (its lanes name the steps)
    assert "Supplier audit" in text  # the call activity, in the steps table


# --- Pages --------------------------------------------------------------------------------------------------------


def test_the_map_pages_show_the_diagram_without_javascript_and_other_sites_get_404(org, people, client_for):
    mine = new_map(people.author, org.site_a)
    theirs = new_map(org.qm_b, org.site_b, number="MAP-B-001")
    client = client_for(org.emp_a)
    listing = client.get(reverse("processes:map_list")).content.decode()
    assert "MAP-QA-001" in listing and "MAP-B-001" not in listing
    detail = client.get(reverse("processes:map_detail", args=[mine.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "<svg" in html and "Record the deviation" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert client.get(reverse("processes:map_detail", args=[theirs.pk])).status_code == 404
    their_version = theirs.versions.get()
    for name in ("map_edit", "map_bpmn", "map_svg"):
        assert client.get(reverse(f"processes:{name}", args=[their_version.pk])).status_code == 404
    kernel = client_for(org.qm_a).get(reverse("documents:version_detail", args=[mine.versions.get().pk]))
    assert "data-map-steps" in kernel.content.decode() and "Record the deviation" in kernel.content.decode()


def test_the_map_list_asks_the_same_number_of_queries_for_two_or_twelve_maps(org, people, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org.qm_a)
    sizes = []
    for total in (2, 12):
        while ControlledDocument.objects.filter(doc_type=DocumentType.PROCESS_MAP).count() < total:
            n = ControlledDocument.objects.count() + 1
            new_map(people.author, org.site_a, number=f"MAP-N-{n:03d}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("processes:map_list")).status_code == 200
        sizes.append(len(queries.captured_queries))
    assert sizes[0] == sizes[1]


def test_the_modeler_page_saves_a_draft_and_refuses_a_locked_version(org, people, client_for):
    document = new_map(people.author, org.site_a)
    version = document.versions.get()
    client = client_for(people.author)
    page = client.get(reverse("processes:map_edit", args=[version.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and 'id="process-modeler-config"' in html
    assert "bpmn-modeler.production.min" in html and "<script>" not in html  # no inline script (CSP)
    config = json.loads(html.split('id="process-modeler-config" type="application/json">')[1].split("</script>")[0])
    assert config["editable"] and config["bpmnUrl"] == reverse("processes:map_bpmn", args=[version.pk])
    url = reverse("processes:map_edit", args=[version.pk])
    changed = CAMUNDA.replace("Open a CAPA", "Open a CAPA today")
    assert client.post(url, {"bpmn": changed, "svg": MODELER_SVG}).status_code == 400  # no reason for change
    hostile = client.post(url, {"bpmn": changed, "svg": "<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
                                "change_reason": "x"})  # fmt: skip
    assert hostile.status_code == 400 and "script" in hostile.json()["errors"][0]
    assert "Open a CAPA today" not in DocumentVersion.objects.get(pk=version.pk).body
    saved = client.post(url, {"bpmn": changed, "svg": MODELER_SVG, "change_reason": "Same-day CAPA"})
    assert saved.status_code == 200 and saved.json()["svg_source"] == "modeler"
    assert "Open a CAPA today" in [s["name"] for s in saved.json()["steps"]]
    # The kernel's Markdown edit page sends the author to the modeler.
    edit = client.get(reverse("documents:version_edit", args=[version.pk]))
    assert edit.status_code == 302 and edit["Location"] == url
    version = take_to_effective(people, version)
    locked = client.get(url)
    assert locked.status_code == 409 and "start a new version" in locked.content.decode().lower()
    assert client.post(url, {"bpmn": CAMUNDA, "change_reason": "x"}).status_code == 409
    assert client_for(org.emp_a).post(url, {"bpmn": CAMUNDA, "change_reason": "x"}).status_code in (403, 409)


def test_create_and_import_pages(org, people, client_for):
    client = client_for(org.qm_a)
    upload = SimpleUploadedFile("deviation.bpmn", CAMUNDA.encode(), content_type="application/xml")
    response = client.post(
        reverse("processes:map_create"),
        {"number": "map-qa-010", "title": "Deviations", "disciplines": ["quality"], "owner": org.qm_a.pk,
         "sites": [org.site_a.pk], "bpmn_file": upload, "effective_date": timezone.localdate().isoformat()},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    document = ControlledDocument.objects.get(number="MAP-QA-010")
    bad = SimpleUploadedFile("evil.bpmn", HOSTILE["xxe"], content_type="application/xml")
    before = counts()
    refused = client.post(
        reverse("processes:map_create"),
        {"number": "MAP-QA-011", "title": "X", "disciplines": ["quality"], "owner": org.qm_a.pk,
         "sites": [org.site_a.pk], "bpmn_file": bad},
    )  # fmt: skip
    assert refused.status_code == 400 and "DTD" in refused.content.decode() and counts() == before
    take_to_effective(people, document.versions.get(), approver=people.officer)
    new_file = SimpleUploadedFile("v2.bpmn", CAMUNDA.replace("Major?", "Critical?").encode())
    imported = client.post(
        reverse("processes:map_import", args=[document.pk]), {"bpmn_file": new_file, "change_summary": "Critical"}
    )
    assert imported.status_code == 302
    second = document.versions.get(number=2)
    assert imported["Location"] == reverse("processes:map_edit", args=[second.pk])
    assert "Critical?" in [s["name"] for s in second.diagram.steps]
    bpmn = client.get(reverse("processes:map_bpmn", args=[second.pk]))
    assert bpmn["Content-Disposition"].endswith('.bpmn"') and b"Critical?" in bpmn.content
    svg = client.get(reverse("processes:map_svg", args=[second.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")


# --- API ----------------------------------------------------------------------------------------------------------


def test_the_api_creates_uploads_and_downloads_maps(org, people, client_for):
    client = client_for(org.qm_a)
    created = client.post(
        "/api/v1/processes/process-maps/",
        {"number": "MAP-API-1", "title": "Deviations", "disciplines": ["quality"], "owner": org.qm_a.pk,
         "sites": [org.site_a.pk], "bpmn_file": io.BytesIO(CAMUNDA.encode())},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    document = ControlledDocument.objects.get(pk=created.json()["id"])
    version = document.versions.get()
    before = counts()
    hostile = client.post(
        f"/api/v1/processes/process-maps/{document.pk}/bpmn/",
        HOSTILE["billion-laughs"],
        content_type="application/xml",
        HTTP_X_CHANGE_REASON="Replace",
    )
    assert hostile.status_code == 400 and "DTD" in json.dumps(hostile.json()) and counts() == before
    no_reason = client.post(
        f"/api/v1/processes/process-maps/{document.pk}/bpmn/", CAMUNDA.encode(), content_type="application/xml"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    replaced = client.post(
        f"/api/v1/processes/process-maps/{document.pk}/bpmn/",
        CAMUNDA.replace("Major?", "Major deviation?").encode(),
        content_type="application/xml",
        HTTP_X_CHANGE_REASON="Clearer gateway",
    )
    assert replaced.status_code == 201 and replaced.json()["id"] == version.pk
    assert "Major deviation?" in [s["name"] for s in replaced.json()["steps"]]
    steps = client.get(f"/api/v1/processes/process-map-versions/{version.pk}/steps/").json()
    assert steps[3]["type"] == "exclusiveGateway" and steps[3]["name"] == "Major deviation?"
    bpmn = client.get(f"/api/v1/processes/process-map-versions/{version.pk}/bpmn/")
    assert bpmn.status_code == 200 and b"Major deviation?" in bpmn.content
    svg = client.get(f"/api/v1/processes/process-map-versions/{version.pk}/svg/")
    assert svg.status_code == 200 and svg.content.startswith(b"<svg")
    listing = client.get("/api/v1/processes/process-maps/").json()
    assert [row["number"] for row in listing["results"]] == ["MAP-API-1"]
    other = client_for(org.qm_b)
    assert other.get(f"/api/v1/processes/process-maps/{document.pk}/").status_code == 404
    assert other.get(f"/api/v1/processes/process-map-versions/{version.pk}/bpmn/").status_code == 404
    assert (
        other.post(
            f"/api/v1/processes/process-maps/{document.pk}/bpmn/", CAMUNDA.encode(), content_type="application/xml"
        ).status_code
        == 404
    )


# --- Site isolation -------------------------------------------------------------------------------------------------


def diagram_at(site) -> MapDiagram:
    from tests.documents.factories import document_registrar

    n = ControlledDocument._base_manager.count() + 1
    document = new_map(document_registrar(), site, number=f"MAP-{site.code}-{n:03d}")
    return MapDiagram.objects.get(version__document=document)


class TestMapDiagramIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=MapDiagram,
        create=diagram_at,
        list_url="processes:mapdiagram_list",
        detail_url="processes:mapdiagram_detail",
        api="processes-mapdiagram",
        inspector_sees=lambda diagram: diagram.version.status in (VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED),
    )

    @pytest.fixture(autouse=True)
    def _kind(self):
        maps.maps_ready()


def test_a_two_megabyte_bpmn_upload_is_checked_drawn_and_saved(org, client_for):
    """The whole path of a large upload works (its time is measured by ``make bench``, section processes)."""
    from .test_bpmn import _big_bpmn

    client = client_for(org.qm_a)
    big = _big_bpmn(2 * 1024 * 1024)
    form = {"number": "MAP-BIG-1", "title": "Long process", "disciplines": ["quality"], "owner": org.qm_a.pk,
            "sites": [org.site_a.pk]}  # fmt: skip
    client.get("/api/v1/processes/process-maps/")  # the first request loads the URL configuration
    created = client.post("/api/v1/processes/process-maps/", {**form, "bpmn_file": io.BytesIO(big)})
    assert created.status_code == 201, created.content
    version = ControlledDocument.objects.get(number="MAP-BIG-1").versions.get()
    assert len(version.body) >= 2 * 1024 * 1024 and len(version.diagram.steps) > 4000


def test_a_map_registered_without_content_opens_in_the_modeler_as_a_blank_pool(org, people, client_for):
    document = document_services.document_create(
        actor=people.author,
        number="MAP-EMPTY-1",
        title="Change control",
        doc_type=DocumentType.PROCESS_MAP,
        disciplines=[Discipline.QUALITY],
        owner=people.author,
        sites=[org.site_a],
        functions=[org.qa],
    )
    version = document.versions.get()
    html = client_for(people.author).get(reverse("processes:map_edit", args=[version.pk])).content.decode()
    config = json.loads(html.split('id="process-modeler-config" type="application/json">')[1].split("</script>")[0])
    assert "Quality Assurance" in config["blankXml"] and "Change control" in config["blankXml"]
    with pytest.raises(ValidationError):
        document_services.document_create(
            actor=people.author, number="MAP-MD-1", title="Markdown map", doc_type=DocumentType.PROCESS_MAP,
            disciplines=[Discipline.QUALITY], owner=people.author, sites=[org.site_a], body="# Not BPMN",
        )  # fmt: skip
    assert not ControlledDocument.objects.filter(number="MAP-MD-1").exists()


def test_the_kernel_new_version_page_starts_a_map_draft_from_the_effective_bpmn(org, people, client_for):
    document = new_map(people.author, org.site_a)
    first = take_to_effective(people, document.versions.get())
    client = client_for(people.author)
    form = client.get(reverse("documents:version_add", args=[document.pk])).content.decode()
    assert 'name="body"' not in form  # a map's content is never typed as Markdown
    response = client.post(reverse("documents:version_add", args=[document.pk]), {"change_summary": "Add a step"})
    assert response.status_code == 302
    second = document.versions.get(number=2)
    assert second.body == first.body and second.diagram.steps == first.diagram.steps


def test_the_schema_describes_the_steps_table_as_the_list_it_is():
    """``…/steps/`` answers the whole table as a JSON list; its schema must say so (not a paginated page)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    response = schema["paths"]["/api/v1/processes/process-map-versions/{id}/steps/"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/MapStep"},
    }
