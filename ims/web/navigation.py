"""The main navigation: the six IMS steps, inspection and administration.

Apps that are not built yet appear as "planned" so people see the whole IMS journey.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str | None = None
    icon: str = "circle"
    permission: str | None = None
    # A page of the person's own work (tasks, training, check-in): not for a read-only inspector.
    personal: bool = False

    def url(self) -> str | None:
        if not self.url_name:
            return None
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


@dataclass(frozen=True)
class NavSection:
    label: str
    step: str
    icon: str
    items: tuple[NavItem, ...] = field(default_factory=tuple)


NAVIGATION: tuple[NavSection, ...] = (
    NavSection(
        "Objectives & policy",
        "1",
        "flag",
        (
            NavItem("Documents", "documents:document_list", "files"),
            NavItem("Policies", "policies:document_list", "file-earmark-text"),
            NavItem("My tasks", "policies:my_tasks", "check2-square", personal=True),
            NavItem("Inbox", "notifications:inbox", "inbox", personal=True),
            NavItem("Acknowledgements", "policies:coverage", "pie-chart"),
            NavItem("Objectives", "policies:objective_list", "bullseye", "policies.view_objective"),
            NavItem("IMS leadership", "policies:leadership", "people"),
            NavItem("Responsibilities (RACI)", "policies:raci_matrix", "grid-3x3", "policies.view_responsibility"),
        ),
    ),
    NavSection(
        "Processes & gaps",
        "2",
        "diagram-3",
        (
            NavItem("Standards library", "processes:standard_list", "journal-bookmark"),
            NavItem("Clauses", "processes:clause_list", "list-nested"),
            NavItem("Overlap & redundancy", "processes:overlap", "intersect"),
            NavItem("Processes", "processes:process_list", "diagram-3"),
            NavItem("Process landscape", "processes:landscape", "bounding-box"),
            NavItem("Process maps", "processes:map_list", "bezier2"),
            NavItem("Gap assessments", "processes:assessment_list", "clipboard-data"),
            NavItem("Gap heatmap", "processes:heatmap", "grid-3x3-gap"),
            NavItem("Applicability", "processes:statement_list", "check2-all"),
        ),
    ),
    NavSection(
        "IMS framework",
        "3",
        "book",
        (
            NavItem("IMS manual", "manual:manual_list", "book"),
            NavItem("Procedure matrix", "framework:matrix", "grid-3x3"),
            NavItem("Integrated procedures", "framework:procedure_list", "file-earmark-ruled"),
            NavItem("Monitoring plan", "framework:monitoring_plan", "speedometer"),
            NavItem("Risk register", "risks:entry_list", "exclamation-triangle"),
            NavItem("Risk heat map", "risks:heatmap", "grid-3x3-gap"),
            NavItem("Obligations", "risks:obligation_list", "bank"),
        ),
    ),
    NavSection(
        "Training",
        "4",
        "mortarboard",
        (
            NavItem("My training", "training:my_training", "person-check", personal=True),
            NavItem("Training matrix", "training:matrix", "grid-3x3"),
            NavItem("Compliance", "training:compliance", "bar-chart"),
            NavItem("Courses", "training:course_list", "journal-text"),
            NavItem("Requirements", "training:requirement_list", "diagram-2", "training.view_trainingrequirement"),
            NavItem("Sessions", "training:session_list", "calendar-event"),
            NavItem("Attend a session", "training:session_checkin", "qr-code", personal=True),
        ),
    ),
    NavSection(
        "Implementation",
        "5",
        "rocket-takeoff",
        (
            NavItem("Site rollout", "implementation:plan_list", "rocket"),
            NavItem("Rollout heat map", "implementation:heatmap", "grid-3x3-gap"),
            NavItem("KPI dashboard", "kpis:dashboard", "graph-up-arrow"),
            NavItem("KPIs", "kpis:kpi_list", "speedometer2"),
            NavItem("Feedback", "feedback:feedback_list", "chat-left-dots"),
            NavItem("Send feedback", "feedback:submit", "megaphone", personal=True),
            NavItem("Management reviews", "review:review_list", "people"),
        ),
    ),
    NavSection(
        "Monitoring & improvement",
        "6",
        "graph-up-arrow",
        (
            NavItem("Actions", "actions:action_list", "list-check"),
            NavItem("Audits", "audits:audit_list", "clipboard-check"),
            NavItem("My audits", "audits:my_audits", "person-check", personal=True),
            NavItem("Audit calendar", "audits:calendar", "calendar3", "audits.view_audit"),
            NavItem("Audit programmes", "audits:programme_list", "calendar-range", "audits.view_auditprogramme"),
            NavItem("Checklist templates", "audits:template_list", "card-checklist", "audits.view_audit"),
            NavItem("Audit trends", "audits:trends", "bar-chart", "audits.view_finding"),
            NavItem("CAPA", "capa:capa_list", "tools"),
            NavItem("CAPA trends", "capa:trends", "graph-up"),
        ),
    ),
    NavSection(
        "Inspection",
        "",
        "shield-check",
        (
            NavItem("Evidence packs", "evidence:pack_list", "archive"),
            NavItem("Inspector access", "access:grant_list", "person-badge", "access.view_inspectorgrant"),
            NavItem(
                "Inspection requests", "evidence:request_list", "chat-square-text", "evidence.change_inspectionrequest"
            ),
            NavItem("Audit trail", "audit:trail", "clock-history"),
            NavItem("E-signature register", "esign:certification_register", "pen"),
        ),
    ),
    NavSection(
        "Organisation",
        "",
        "building",
        (
            NavItem("Sites", "org:site_list", "geo-alt", "org.view_site"),
            NavItem("Functions", "org:function_list", "diagram-2", "org.view_function"),
            NavItem("Roles", "org:role_list", "person-badge", "org.view_role"),
            NavItem("People", "org:person_list", "people", "org.view_person"),
            NavItem("Memberships", "org:membership_list", "person-lines-fill", "org.view_membership"),
            NavItem("Import people", "org:import", "upload"),
            NavItem("E-signature locks", "esign:lock_list", "lock"),
        ),
    ),
)


def item_visible(user, item: NavItem, *, inspector_only: bool) -> bool:
    """Shown when the target page opens for ``user`` (its view decides, ``ims.web.links``), and, for items
    naming a permission, when the user holds it somewhere (a list they could open would be empty)."""
    from ims.access.permissions import user_can_any_site

    from .links import may_open

    if not item.url_name or (item.personal and inspector_only):
        return False
    if item.permission and not user_can_any_site(user, item.permission):
        return False
    return may_open(user, item.url_name)


#: The external inspector's own pages: the inspection room and its request board.
INSPECTION_ROOM = NavSection(
    "Inspection room",
    "",
    "shield-check",
    (
        NavItem("Inspection room", "evidence:room", "door-open"),
        NavItem("Request board", "evidence:room_requests", "chat-square-text"),
    ),
)


def inspector_navigation(user, scope) -> list[dict]:
    """An external inspector's navigation: the room and its board, then the pages of each granted section of
    evidence (``ims.reports`` registry), and nothing else."""
    from ims.reports.registry import sections

    from .links import may_open

    def entries(pages) -> list[dict]:
        items = []
        for label, url_name, icon in pages:
            url = NavItem(label, url_name).url()
            if url and may_open(user, url_name):
                items.append({"label": label, "url": url, "icon": icon})
        return items

    result = []
    room = entries((i.label, i.url_name, i.icon) for i in INSPECTION_ROOM.items)
    if room:
        result.append({"label": INSPECTION_ROOM.label, "step": "", "icon": INSPECTION_ROOM.icon, "items": room})
    for section in sections():
        if section.code not in scope.sections:
            continue
        items = entries((label, url_name, "file-earmark-text") for label, url_name in section.pages)
        if items:
            result.append({"label": section.title, "step": "", "icon": "collection", "items": items})
    return result
