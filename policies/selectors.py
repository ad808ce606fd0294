"""Reads spanning objectives and readings: the list, the roll-up tree, an objective's readings.

Each starts from ``restrict(user, "view")`` and runs a fixed number of queries, however many
objectives there are (the tree is built in Python from one query).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from ims.documents.models import ControlledDocument
from ims.org.choices import RoleCode
from ims.org.models import Membership, Person, Role, Site

from .choices import Assignment, Health, ObjectiveLevel, ObjectiveStatus
from .constants import LEADERSHIP_ROLES, RACI_DOCUMENT_TYPES
from .health import worst
from .models import Objective, ObjectiveReading, Responsibility

#: Statuses whose health counts in a parent's roll-up.
COUNTED = (ObjectiveStatus.ACTIVE, ObjectiveStatus.ACHIEVED, ObjectiveStatus.NOT_ACHIEVED)
LEVEL_ORDER = {ObjectiveLevel.COMPANY: 0, ObjectiveLevel.SITE: 1, ObjectiveLevel.FUNCTION: 2}


def objective_queryset(*, user):
    """Visible objectives with what a list row shows (site, function, owner, latest reading)."""
    return (
        Objective.objects.restrict(user, "view")
        .select_related("site", "function", "owner", "parent")
        .with_latest_reading()
    )


@dataclass
class ObjectiveNode:
    objective: Objective
    health: Health
    children: list[ObjectiveNode] = field(default_factory=list)
    rolled_up: Health = Health.NOT_MEASURED
    counts: Counter = field(default_factory=Counter)

    @property
    def counted(self) -> bool:
        return self.objective.status in COUNTED

    @property
    def level(self) -> ObjectiveLevel:
        return self.objective.level


def _roll_up(node: ObjectiveNode) -> None:
    """Fill ``rolled_up`` (worst of itself and its counted descendants) and the health ``counts`` below it."""
    healths = [node.health] if node.counted else []
    for child in node.children:
        _roll_up(child)
        node.counts.update(child.counts)
        if child.counted:
            node.counts[child.health] += 1
        if child.counted or child.children:
            healths.append(child.rolled_up)
    node.rolled_up = worst(healths)


def objective_tree(
    *, user, site: Site | None = None, include_closed: bool = False, today: datetime.date | None = None
) -> list[ObjectiveNode]:
    """The cascade as a forest: company objectives, their site objectives, their function objectives.

    With ``site``: the company objectives and that site's objectives only. An objective whose parent
    is not shown (not visible, filtered out or none) is a root.
    """
    today = today or timezone.localdate()
    objectives = objective_queryset(user=user).order_by("title", "pk")
    if site is not None:
        objectives = objectives.filter(Q(site__isnull=True) | Q(site=site))
    if not include_closed:
        objectives = objectives.exclude(status=ObjectiveStatus.CANCELLED)
    nodes = {o.pk: ObjectiveNode(o, o.health_on(latest_value=o.latest_value, today=today)) for o in objectives}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.objective.parent_id)
        (parent.children if parent is not None else roots).append(node)
    for node in roots:
        _roll_up(node)

    def key(node: ObjectiveNode):
        o = node.objective
        return (LEVEL_ORDER[o.level], o.site.code if o.site else "", o.function.name if o.function else "", o.title)

    def sort(level: list[ObjectiveNode]) -> None:
        level.sort(key=key)
        for node in level:
            sort(node.children)

    sort(roots)
    return roots


def objective_readings(*, user, objective: Objective, include_void: bool = True) -> list[ObjectiveReading]:
    """The readings of ``objective`` the user may see, oldest first."""
    readings = (
        ObjectiveReading.objects.restrict(user, "view")
        .filter(objective=objective)
        .select_related("recorded_by")
        .order_by("period_end", "pk")
    )
    if not include_void:
        readings = readings.filter(is_void=False)
    return list(readings)


def objective_ancestors(*, user, objective: Objective) -> list[Objective]:
    """The visible chain above ``objective`` (company first); at most two queries: the cascade has three levels."""
    chain = []
    visible = Objective.objects.restrict(user, "view")
    current = objective
    while current.parent_id is not None:
        current = visible.filter(pk=current.parent_id).first()
        if current is None:
            break
        chain.insert(0, current)
    return chain


# --- Roles and responsibilities ------------------------------------------------------------------------


@dataclass
class SiteLeadership:
    site: Site
    quality_managers: list[Person] = field(default_factory=list)
    compliance_officers: list[Person] = field(default_factory=list)

    @property
    def has_quality_manager(self) -> bool:
        return bool(self.quality_managers)


def site_leadership(*, user, site: Site | None = None) -> list[SiteLeadership]:
    """Who leads the IMS at each visible active site: current Quality Manager and Compliance Officer members.

    Two queries however many sites: the sites, then their current leadership memberships.
    """
    sites = Site.objects.restrict(user, "view").active().order_by("code")
    if site is not None:
        sites = sites.filter(pk=site.pk)
    rows = {s.pk: SiteLeadership(site=s) for s in sites}
    memberships = (
        Membership.objects.current()
        .filter(site__in=list(rows), role__code__in=LEADERSHIP_ROLES, person__is_active=True)
        .select_related("person", "role")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    for membership in memberships:
        row = rows[membership.site_id]
        people = row.quality_managers if membership.role.code == RoleCode.QUALITY_MANAGER else row.compliance_officers
        if membership.person not in people:
            people.append(membership.person)
    return list(rows.values())


def raci_documents(*, user, doc_type: str | None = None, site: Site | None = None):
    """The active procedures and policies the user may see (optionally of one type, at one site)."""
    documents = ControlledDocument.objects.restrict(user, "view").filter(
        is_active=True, doc_type__in=RACI_DOCUMENT_TYPES
    )
    if doc_type:
        documents = documents.filter(doc_type=doc_type)
    if site is not None:
        documents = documents.filter(pk__in=ControlledDocument.objects.filter(sites=site).values("pk"))
    return documents.order_by("number")


@dataclass
class RaciRow:
    document: ControlledDocument
    cells: list[tuple[Role, str]]
    accountable_count: int

    @property
    def accountable_ok(self) -> bool:
        return self.accountable_count == 1


@dataclass
class RaciMatrix:
    roles: list[Role]
    rows: list[RaciRow]

    @property
    def gaps(self) -> list[RaciRow]:
        return [row for row in self.rows if not row.accountable_ok]


def responsibility_matrix(*, user, doc_type: str | None = None, site: Site | None = None) -> RaciMatrix:
    """Documents × roles with each cell's assignment; three queries whatever the number of documents."""
    documents = list(raci_documents(user=user, doc_type=doc_type, site=site))
    roles = list(Role.objects.order_by("name"))
    cells: dict[tuple[int, int], str] = {}
    assigned = (
        Responsibility.objects.restrict(user, "view")
        .assigned()
        .filter(document__in=[d.pk for d in documents])
        .values_list("document_id", "role_id", "assignment")
    )
    for document_id, role_id, assignment in assigned:
        cells[(document_id, role_id)] = assignment
    rows = []
    for document in documents:
        row_cells = [(role, cells.get((document.pk, role.pk), "")) for role in roles]
        count = sum(1 for _role, value in row_cells if value == Assignment.ACCOUNTABLE)
        rows.append(RaciRow(document=document, cells=row_cells, accountable_count=count))
    return RaciMatrix(roles=roles, rows=rows)


def accountability_gaps(*, user, doc_type: str | None = None, site: Site | None = None):
    """Procedures and policies without exactly one Accountable role, annotated with ``accountable_count``."""
    accountable = Count(
        "responsibilities", filter=Q(responsibilities__assignment=Assignment.ACCOUNTABLE), distinct=True
    )
    return (
        raci_documents(user=user, doc_type=doc_type, site=site)
        .annotate(accountable_count=accountable)
        .exclude(accountable_count=1)
    )
