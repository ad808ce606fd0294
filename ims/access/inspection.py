"""Inspector grants: what an external inspector may read, and the services that grant and end access.

An external inspector (``Person.external_inspector``) reads only through grants in force: the grant's sites,
the models of its sections (``ims.reports`` registry), records of its period, and only until it ends. Every
``restrict()`` of such a person goes through ``InspectorScope.restrict`` (``ims.access.querysets``): any action
other than "view" gets nothing, and with no grant in force nothing at all. The pages and the API answer a write
with 403 (405 in the API) and, once the grant has ended, every page with 404 (``InspectorGrantMiddleware``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from . import registry
from .sync import person_permissions_sync

MAX_GRANT_DAYS = 90


@dataclass(frozen=True)
class GrantView:
    pk: int
    site_ids: tuple[int, ...]
    sections: frozenset[str]
    records_from: datetime.date
    records_to: datetime.date
    valid_until: datetime.datetime


class InspectorScope:
    """The grants in force for one inspector (read once per request)."""

    def __init__(self, grants: list[GrantView]) -> None:
        self.grants = grants

    @property
    def active(self) -> bool:
        return bool(self.grants)

    @property
    def site_ids(self) -> frozenset[int]:
        return frozenset(s for g in self.grants for s in g.site_ids)

    @property
    def sections(self) -> frozenset[str]:
        return frozenset(s for g in self.grants for s in g.sections)

    def grants_for(self, label: str) -> list[GrantView]:
        """The grants under which ``label``'s records may be read: those granting a section that shows them
        (any grant, for a model no section claims, e.g. the people and sites the evidence names)."""
        from ims.reports.registry import claimed_models, sections

        if label not in claimed_models():
            return list(self.grants)
        codes = {s.code for s in sections() if label in s.models}
        return [g for g in self.grants if g.sections & codes]

    @staticmethod
    def period_q(model, grants: list[GrantView]) -> models.Q | None:
        """The records of ``model`` in the period of records of one of ``grants``; None for a model that no
        section places in time (its records are not limited by period)."""
        from ims.reports.registry import period_lookup

        lookup = period_lookup(model._meta.label_lower)
        if not lookup:
            return None
        condition = models.Q(pk__in=[])
        for grant in grants:
            condition |= _period_q(model, lookup, grant.records_from, grant.records_to)
        return condition

    def restrict(self, queryset: models.QuerySet, action: str, user) -> models.QuerySet:
        from ims.reports.registry import period_lookup

        from .permissions import site_id_list, site_permissions_held

        if action != "view" or not self.grants:
            return queryset.none()
        model = queryset.model
        opts = model._meta
        grants = self.grants_for(opts.label_lower)
        if not grants:
            return queryset.none()
        scoped = registry.get_scoped(model)
        if scoped is None:
            return queryset  # reference data (functions, roles, standards)
        codename = f"view_{opts.model_name}"
        if registry.site_codename(opts.app_label, codename) not in site_permissions_held(user):
            return queryset.none()
        held = set(site_id_list(user, opts.app_label, codename))
        lookup = period_lookup(opts.label_lower)
        condition = models.Q(pk__in=[])
        for grant in grants:
            sites = sorted(held.intersection(grant.site_ids))
            if not sites:
                continue
            if not scoped.site_lookup:
                part = models.Q(pk__in=sites)
            elif scoped.crosses_many:
                part = models.Q(pk__in=model._base_manager.filter(**{f"{scoped.site_lookup}__in": sites}).values("pk"))
            else:
                part = models.Q(**{f"{scoped.site_lookup}__in": sites})
            if lookup:
                part &= _period_q(model, lookup, grant.records_from, grant.records_to)
            condition |= part
        own = getattr(model, "inspector_q", None)
        if own is not None:
            # Records of the inspection itself (its grant, its requests, the packs released to it): the
            # inspector's own grants only, never another inspection's at the same site.
            condition &= own([g.pk for g in self.grants])
        return queryset.filter(condition)


def _period_q(model, lookup: str, start: datetime.date, end: datetime.date) -> models.Q:
    field = _final_field(model, lookup)
    if isinstance(field, models.DateTimeField):
        low = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
        high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
        return models.Q(**{f"{lookup}__gte": low, f"{lookup}__lt": high})
    return models.Q(**{f"{lookup}__gte": start, f"{lookup}__lte": end})


def _final_field(model, lookup: str):
    opts = model._meta
    field = None
    for part in lookup.split("__"):
        field = opts.get_field(part)
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
    return field


def inspector_scope(user) -> InspectorScope | None:
    """The inspector's grants in force, or None for someone who is not an external inspector."""
    if not getattr(user, "external_inspector", False):
        return None
    cached = user.__dict__.get("_ims_inspector_scope")
    if cached is not None:
        return cached
    from .models import InspectorGrant

    grants = []
    for grant in InspectorGrant.objects.active().filter(inspector_id=user.pk).prefetch_related("sites"):
        grants.append(
            GrantView(
                pk=grant.pk,
                site_ids=tuple(sorted(s.pk for s in grant.sites.all())),
                sections=frozenset(grant.sections),
                records_from=grant.records_from,
                records_to=grant.records_to,
                valid_until=grant.valid_until,
            )
        )
    scope = InspectorScope(grants)
    user.__dict__["_ims_inspector_scope"] = scope
    return scope


# --- granting and ending ---------------------------------------------------------------------------------------


def _inspector_function():
    from ims.org.models import Function

    function = Function.objects.filter(code__iexact="QA").first() or Function.objects.order_by("pk").first()
    if function is None:
        raise ValidationError("Create a function first: an inspector's access is recorded as a membership in one.")
    return function


def grant_validate(
    *,
    inspector,
    sites,
    sections,
    records_from,
    records_to,
    valid_from,
    valid_until,
    actor,
    agency: str,
    reference: str,
    new_inspector: dict | None = None,
) -> None:
    """Every rule a grant must meet, as field errors (nothing is written). ``new_inspector``: the account to create
    for an inspector who has none yet (``inspector_account_create``), instead of ``inspector``."""
    from ims.org.choices import RoleCode
    from ims.org.models import Membership
    from ims.reports.registry import section_choices

    from .choices import Agency
    from .permissions import user_can_at_site

    errors: dict[str, list[str]] = {}

    def add(name, message):
        errors.setdefault(name, []).append(message)

    if agency not in Agency.values:
        add("agency", "Choose the agency the inspector works for.")
    if not (reference or "").strip():
        add("reference", "Say what the inspection is, e.g. 'FDA pre-approval inspection'.")
    if not sites:
        add("sites", "Choose at least one site.")
    for site in sites:
        if actor is not None and not user_can_at_site(actor, "access.add_inspectorgrant", site):
            add("sites", f"You may not grant inspector access at {site.code}.")
    known = {code for code, _ in section_choices()}
    if not sections:
        add("sections", "Choose at least one section of evidence.")
    elif set(sections) - known:
        add("sections", f"Unknown sections: {', '.join(sorted(set(sections) - known))}.")
    if records_from is None or records_to is None:
        add("records_from", "Give the period of records the inspector may read.")
    elif records_to < records_from:
        add("records_to", "The period of records ends before it starts.")
    if valid_until is None:
        add("valid_until", "A grant needs an end: inspector access is always time-boxed.")
    if valid_from is None:
        add("valid_from", "Give the start of the access.")
    if valid_from is not None and valid_until is not None:
        if valid_until <= valid_from:
            add("valid_until", "The access must end after it starts.")
        elif valid_until - valid_from > datetime.timedelta(days=MAX_GRANT_DAYS):
            add("valid_until", f"A grant lasts at most {MAX_GRANT_DAYS} days; grant again for a longer inspection.")
        if valid_until <= timezone.now():
            add("valid_until", "The access would already be over.")
    if new_inspector is not None:
        if inspector is not None:
            add("inspector", "Choose an existing inspector or create a new account, not both.")
        for name, message in _inspector_account_problems(new_inspector).items():
            add(name, message)
    elif inspector is not None:
        if not inspector.is_active:
            add("inspector", "This account is deactivated.")
        other_roles = Membership.objects.current().filter(person=inspector).exclude(role__code=RoleCode.INSPECTOR)
        if other_roles.exists():
            add(
                "inspector",
                f"{inspector.display_name} holds roles in the company; inspector access is for people from outside it.",
            )
        if actor is not None and inspector.pk == actor.pk:
            add("inspector", "You cannot grant yourself inspector access.")
    else:
        add("inspector", "Choose the inspector or create their account.")
    if errors:
        raise ValidationError(errors)


def _inspector_account_problems(data: dict) -> dict[str, str]:
    from django.core.validators import validate_email

    from ims.org.models import Person

    problems = {}
    if not (data.get("first_name") or "").strip():
        problems["new_first_name"] = "Give the inspector's first name."
    if not (data.get("last_name") or "").strip():
        problems["new_last_name"] = "Give the inspector's last name."
    email = (data.get("email") or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        problems["new_email"] = "Give the inspector's e-mail address: it is their user ID."
    else:
        taken = models.Q(email__iexact=email) | models.Q(username__iexact=email)
        if Person._base_manager.filter(taken).exists():
            problems["new_email"] = (
                "Someone already has an account with this e-mail address; choose them as an existing inspector instead."
            )
    return problems


def inspector_account_create(*, first_name: str, last_name: str, email: str, agency: str, password: str):
    """An account for an inspector from outside the company: the e-mail address is the user ID, the password the
    one handed over once by the granting quality manager (the second factor is set up at the first sign-in)."""
    import secrets

    from ims.org import services as org_services
    from ims.org.models import Person

    from .choices import Agency

    problems = _inspector_account_problems({"first_name": first_name, "last_name": last_name, "email": email})
    if problems:
        raise ValidationError({name: [message] for name, message in problems.items()})
    email = email.strip().lower()
    person = org_services.person_create(
        username=email,
        employee_id=f"EXT-{secrets.token_hex(4).upper()}",
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=f"Inspector, {Agency(agency).label}",
        password=password,
    )
    Person.objects.filter(pk=person.pk).update(external_inspector=True, agency=str(Agency(agency).label))
    person.refresh_from_db()
    return person


def grant_apply(*, grant, sites, actor) -> None:
    """Give the inspector the Inspector role at the grant's sites for its dates (the role's read permissions are
    the upper bound of what any grant opens). Runs inside the signing transaction."""
    from ims.org import services as org_services
    from ims.org.choices import RoleCode
    from ims.org.models import Membership, Role

    role = Role.objects.get(code=RoleCode.INSPECTOR)
    function = _inspector_function()
    start = timezone.localdate(grant.valid_from)
    end = timezone.localdate(grant.valid_until)
    for site in sites:
        current = (
            Membership.objects.filter(person=grant.inspector, site=site, role=role)
            .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=start))
            .order_by("-valid_to")
            .first()
        )
        if current is not None and current.valid_from <= start:
            if current.valid_to is not None and current.valid_to < end:
                org_services.membership_update(membership=current, data={"valid_to": end})
            continue
        org_services.membership_create(
            person=grant.inspector,
            site=site,
            function=function,
            role=role,
            valid_from=start,
            valid_to=end,
            actor=None,
        )
    person_permissions_sync(person_ids=[grant.inspector_id])


def grant_create(
    *,
    actor,
    inspector,
    sites,
    sections,
    records_from,
    records_to,
    valid_from,
    valid_until,
    agency: str,
    reference: str,
    signature_apply=None,
):
    """Create and apply a grant (no signature: the signing wrapper calls this; seeds and tests call it as the
    trusted command-line channel with ``actor`` the granting person)."""
    from .models import InspectorGrant

    grant_validate(
        inspector=inspector,
        sites=sites,
        sections=sections,
        records_from=records_from,
        records_to=records_to,
        valid_from=valid_from,
        valid_until=valid_until,
        actor=None,
        agency=agency,
        reference=reference,
    )
    with transaction.atomic():
        if not inspector.external_inspector or not inspector.agency:
            from .choices import Agency

            # The account now reads only through grants; it says whom its holder inspects for.
            changes = {"external_inspector": True, "agency": inspector.agency or str(Agency(agency).label)}
            type(inspector).objects.filter(pk=inspector.pk).update(**changes)
            inspector.external_inspector, inspector.agency = changes["external_inspector"], changes["agency"]
        grant = InspectorGrant.objects.create(
            inspector=inspector,
            agency=agency,
            reference=reference.strip(),
            site_codes=",".join(sorted(s.code for s in sites)),
            sections=sorted(set(sections)),
            records_from=records_from,
            records_to=records_to,
            valid_from=valid_from,
            valid_until=valid_until,
            granted_by=actor,
        )
        grant.sites.set(sites)
        grant_apply(grant=grant, sites=sites, actor=actor)
    return grant


def grant_create_signed(
    *, actor, password, username=None, session=None, channel="web", ip=None, new_inspector: dict | None = None, **fields
):
    """A quality manager grants access with an e-signature ("approved"): the grant exists only if the signature
    is valid. ``new_inspector`` (first_name, last_name, email, password): the inspector's account is created in the
    same transaction, so a refused signature creates neither."""
    from ims.esign.services import signature_create_for_new_record

    from .models import InspectorGrant

    grant_validate(actor=actor, new_inspector=new_inspector, **fields)
    created = {}

    def create(now):
        if new_inspector is not None:
            fields["inspector"] = inspector_account_create(agency=fields["agency"], **new_inspector)
        created["grant"] = grant_create(actor=actor, **fields)
        return created["grant"]

    signature = signature_create_for_new_record(
        signer=actor,
        model=InspectorGrant,
        create_record=create,
        meaning="approved",
        password=password,
        username=username,
        reason=f"Inspector access granted: {fields.get('reference', '')}"[:300],
        session=session,
        channel=channel,
        ip=ip,
    )
    return created["grant"], signature


def grant_end(*, grant, actor, reason: str) -> None:
    """End a grant now (no signature: called inside the signing transaction)."""
    from ims.org import services as org_services
    from ims.org.choices import RoleCode
    from ims.org.models import Membership

    from .models import InspectorGrant

    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the access ends early."})
    grant = InspectorGrant.objects.select_for_update().get(pk=grant.pk)
    if grant.ended_at is not None or grant.valid_until <= timezone.now():
        raise ValidationError("This grant has already ended.")
    now = timezone.now()
    InspectorGrant.objects.filter(pk=grant.pk).update(ended_at=now, ended_by=actor, end_reason=reason.strip()[:300])
    # Grants in force or still to come keep their sites; memberships still to come (a scheduled grant) end too.
    other = InspectorGrant.objects.filter(
        inspector_id=grant.inspector_id, ended_at__isnull=True, valid_until__gt=now
    ).exclude(pk=grant.pk)
    keep_sites = set(other.values_list("sites", flat=True))
    today = timezone.localdate()
    not_ended = models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=today)
    for membership in Membership.objects.filter(
        not_ended, person_id=grant.inspector_id, role__code=RoleCode.INSPECTOR, site__in=grant.sites.all()
    ):
        if membership.site_id in keep_sites:
            continue
        end = max(membership.valid_from, today)
        org_services.membership_end(membership=membership, on=end)
    person_permissions_sync(person_ids=[grant.inspector_id])


def grant_end_signed(*, grant, actor, reason: str, password, username=None, session=None, channel="web", ip=None):
    """A quality manager ends a grant early with an e-signature; the inspector loses access at once."""
    from ims.esign.services import signature_create

    from .permissions import user_can

    if not user_can(actor, "end", grant):
        raise ValidationError("You may not end this grant.")
    if not reason or not reason.strip():
        raise ValidationError({"reason": "Say why the access ends early."})
    if grant.ended_at is not None or grant.valid_until <= timezone.now():
        raise ValidationError("This grant has already ended.")
    return signature_create(
        signer=actor,
        record=grant,
        meaning="approved",
        password=password,
        username=username,
        reason=f"Inspector access ended early: {reason.strip()}"[:300],
        session=session,
        channel=channel,
        ip=ip,
        apply=lambda signature: grant_end(grant=grant, actor=actor, reason=reason),
        workflow=True,
    )
