"""The seeded IMS roles and their permission sets: roles are data defined in code.

Each role names the *actions* it may take on every site-scoped model (``view``, ``add``,
``change``, ``delete`` — which means deactivate — and model-specific ones such as
``approve``), plus explicit extra permissions. ``roles_sync()`` turns that into
``Role`` rows with their ``auth.Permission`` sets after every migrate, so a new app's
models are picked up without editing this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import Permission
from django.db import transaction

from ims.access import registry

from .choices import RoleCode

ALL = "*"
READ = ("view",)
MANAGE = ("view", "add", "change", "delete")
# Reading the audit trail. Audit events are not site-scoped records, so roles name the permission
# explicitly; it is granted per site like the scoped ones (``ims.access.sync.site_permissions_ensure``).
AUDIT_TRAIL = "audit.view_auditevent"
# The standards library is company-wide reference data: the quality manager keeps company standards and the
# mappings between clauses (the library files stay the source of the ISO standards and regulations).
STANDARDS_LIBRARY = (
    "processes.add_standard",
    "processes.change_standard",
    "processes.add_clausemapping",
    "processes.change_clausemapping",
    "processes.delete_clausemapping",
)
# Internal-audit checklist templates are company-wide reference data too: the quality manager keeps them.
CHECKLIST_TEMPLATES = (
    "audits.add_checklisttemplate",
    "audits.change_checklisttemplate",
    "audits.add_templatequestion",
    "audits.change_templatequestion",
)
# Process Owners and Department Heads write and review controlled documents at their sites; approving
# them stays with the Quality Manager and the Compliance Officer (segregation of duties, FEATURES row 11).
DOCUMENT_AUTHORING: dict[str, tuple[str, ...]] = {
    "documents.controlleddocument": ("view", "add", "change", "review"),
    "documents.documentversion": ("view", "add", "change", "review"),
}

# Process Owners and Department Heads open CAPAs (nonconformances of their area) at their sites; as the owner of a
# CAPA they investigate it and plan its actions (the CAPA services check ownership). Approving the plan and
# verifying closure stay with the Quality Manager and the Compliance Officer (segregation of duties).
CAPA_RAISING: dict[str, tuple[str, ...]] = {"capa.capa": ("view", "add")}

# Whether a colleague has read and acknowledged a policy is for the people who manage compliance, not
# for every reader at the site: employees and trainers see their own tasks only ("My tasks").
OWN_TASKS_ONLY: dict[str, tuple[str, ...]] = {
    "policies.acknowledgement": (),
    "training.assignment": (),
    "training.trainingrecord": (),
    "training.attendance": (),
    "training.attempt": (),
    "training.question": (),
}
# Trainers see the training of their sites and verify practical skills.
TRAINING_DELIVERY: dict[str, tuple[str, ...]] = {
    "policies.acknowledgement": (),
    "training.assignment": ("view",),
    "training.trainingrecord": ("view", "verify"),
    "training.trainingsession": ("view", "run"),
    "training.attendance": ("view",),
    "training.attempt": ("view",),
    "training.question": (),
}
# Inspections (grants, their request board, evidence packs) are run by the quality manager and the compliance
# officer; other roles of a site do not see them. Inspectors read their own inspection's (``inspector_q``).
INSPECTION_HIDDEN: dict[str, tuple[str, ...]] = {
    "access.inspectorgrant": (),
    "evidence.inspectionrequest": (),
    "evidence.evidencepack": (),
}
# Internal auditors read their sites and conduct the audits they are on: the checklist, evidence and findings
# (planning, rescheduling and approving audits stay with the quality manager).
AUDIT_CONDUCT: dict[str, tuple[str, ...]] = {
    "audits.audit": ("view", "conduct"),
    "audits.checklistitem": ("view", "change"),
    "audits.finding": ("view", "add", "change"),
}


@dataclass(frozen=True)
class RoleSpec:
    code: str
    description: str
    actions: tuple[str, ...] | str
    is_global: bool = False
    is_read_only: bool = False
    # Holders must confirm every sign-in with a second factor (privileged or evidence-wide access).
    requires_mfa: bool = False
    # Extra permissions as "app_label.codename", e.g. "org.import_person".
    extra: tuple[str, ...] = field(default_factory=tuple)
    # Per-model action overrides, e.g. {"org.site": ("view", "change")}.
    per_model: dict[str, tuple[str, ...]] = field(default_factory=dict)


ROLE_SPECS: tuple[RoleSpec, ...] = (
    RoleSpec(
        RoleCode.GLOBAL_ADMIN,
        "Administers the portal for the whole company, at every site.",
        ALL,
        is_global=True,
        requires_mfa=True,
    ),
    RoleSpec(
        RoleCode.QUALITY_MANAGER,
        "Leads the IMS at a site: manages its people, documents, training, audits and CAPAs.",
        ALL,
        per_model={"org.site": ("view", "change")},
        requires_mfa=True,
        extra=("esign.view_certification_register", AUDIT_TRAIL, *STANDARDS_LIBRARY, *CHECKLIST_TEMPLATES),
    ),
    RoleSpec(
        RoleCode.COMPLIANCE_OFFICER,
        "Co-leads the IMS at a site with the quality manager; owns regulatory compliance.",
        ALL,
        per_model={"org.site": ("view",), "org.person": ("view",), "org.membership": ("view",)},
        extra=("esign.view_certification_register", AUDIT_TRAIL),
    ),
    RoleSpec(
        RoleCode.PROCESS_OWNER,
        "Owns processes and their procedures at a site.",
        READ,
        per_model={**DOCUMENT_AUTHORING, **CAPA_RAISING, **INSPECTION_HIDDEN},
    ),
    RoleSpec(
        RoleCode.DEPARTMENT_HEAD,
        "Heads a function at a site; follows its compliance.",
        READ,
        per_model={**DOCUMENT_AUTHORING, **CAPA_RAISING, **INSPECTION_HIDDEN},
    ),
    RoleSpec(
        RoleCode.INTERNAL_AUDITOR,
        "Plans and performs internal audits.",
        READ,
        extra=(AUDIT_TRAIL,),
        per_model={**AUDIT_CONDUCT, **INSPECTION_HIDDEN},
    ),
    RoleSpec(
        RoleCode.TRAINER,
        "Runs training sessions and records attendance and competency.",
        READ,
        per_model={**TRAINING_DELIVERY, **INSPECTION_HIDDEN},
    ),
    RoleSpec(
        RoleCode.EMPLOYEE,
        "Reads and acknowledges documents, completes training, gives feedback.",
        READ,
        per_model={**OWN_TASKS_ONLY, **INSPECTION_HIDDEN},
    ),
    RoleSpec(
        RoleCode.INSPECTOR,
        "Regulator or notified-body inspector: read-only access to the evidence of the sites granted.",
        READ,
        is_read_only=True,
        requires_mfa=True,
        extra=("esign.view_certification_register", AUDIT_TRAIL),
    ),
)


def role_extra_permissions() -> set[str]:
    """Every extra permission ("app_label.codename") some role holds; each gets a per-site copy."""
    return {dotted for spec in ROLE_SPECS for dotted in spec.extra}


def _permissions_for(spec: RoleSpec, by_key: dict[tuple[str, str], Permission]) -> list[Permission]:
    chosen: list[Permission] = []
    for scoped in registry.scoped_models():
        label = scoped.label
        app_label = scoped.model._meta.app_label
        if label in spec.per_model:
            actions = spec.per_model[label]
        elif spec.actions == ALL:
            actions = scoped.all_actions
        else:
            actions = tuple(a for a in spec.actions if a in scoped.all_actions)
        if spec.is_read_only:
            actions = tuple(a for a in actions if a == "view")
        for action in actions:
            perm = by_key.get((app_label, scoped.codename(action)))
            if perm is not None:
                chosen.append(perm)
    if spec.actions == ALL and spec.is_global:
        # A global administrator holds every model permission, reference data included.
        return list(by_key.values())
    for dotted in spec.extra:
        app_label, codename = dotted.split(".", 1)
        if (perm := by_key.get((app_label, codename))) is not None:
            chosen.append(perm)
    return chosen


@transaction.atomic
def roles_sync() -> None:
    """Create or update the seeded roles and their permission sets (idempotent)."""
    from ims.access.sync import role_groups_sync

    from .models import Role

    by_key = {
        (p.content_type.app_label, p.codename): p
        for p in Permission.objects.select_related("content_type").exclude(codename__contains="__")
    }
    for spec in ROLE_SPECS:
        role, _ = Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": RoleCode(spec.code).label,
                "description": spec.description,
                "is_global": spec.is_global,
                "is_read_only": spec.is_read_only,
                "requires_mfa": spec.requires_mfa,
            },
        )
        role.permissions.set(_permissions_for(spec, by_key))
    role_groups_sync()


def roles_sync_after_migrate(sender, app_config=None, using="default", plan=None, **kwargs) -> None:
    """post_migrate handler: runs once the last app has created its permissions."""
    from django.apps import apps

    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if app_config is None or app_config is not with_models[-1]:
        return
    from ims.access.sync import site_permissions_ensure

    site_permissions_ensure()
    roles_sync()
