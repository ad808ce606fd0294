"""Writes of the training catalogue: courses, their materials and curricula.

Kept apart from ``training.services`` (requirements, assignments, completing training). A course or curriculum
belongs to one or more sites; adding one at a site needs the add permission there, changing one needs the change
permission on it (at one of its sites) and the add permission at every site newly named. A change of what a
course covers (documents, active) or of a curriculum's courses brings the assignments in line at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ims.access.permissions import user_can, user_can_at_site
from ims.documents.uploads import MATERIAL_KINDS, max_material_bytes, random_name, upload_check

from .assignments import assignments_reconcile
from .models import Course, CourseMaterial, Curriculum

COURSE_FIELDS = ("code", "title", "description", "duration_minutes", "has_assessment", "requires_practical")
MATERIAL_FIELDS = ("title", "url", "file")
CURRICULUM_FIELDS = ("code", "title")


def _require(actor, action: str, obj) -> None:
    if actor is not None and not user_can(actor, action, obj):
        raise PermissionDenied(
            _("You may not %(action)s this %(thing)s.") % {"action": action, "thing": obj._meta.verbose_name}
        )


def _require_sites(actor, perm: str, sites: Iterable) -> None:
    if actor is None:
        return
    for site in sites:
        if not user_can_at_site(actor, perm, site):
            raise PermissionDenied(_("You may not do this at site %(site)s.") % {"site": site.code})


def _sites_of(data: dict) -> list:
    sites = list(data.get("sites") or [])
    if not sites:
        raise ValidationError({"sites": _("Name at least one site.")})
    return sites


def _sites_change(actor, obj, data: dict, perm: str) -> None:
    """Set ``obj.sites`` from ``data``; adding a site needs ``perm`` there (keeping one does not)."""
    if "sites" not in data:
        return
    sites = _sites_of(data)
    current = set(obj.sites.values_list("pk", flat=True))
    _require_sites(actor, perm, [s for s in sites if s.pk not in current])
    obj.sites.set(sites)


# --- Courses --------------------------------------------------------------------------------------------------


@transaction.atomic
def course_create(*, actor, sites, documents=(), **fields) -> Course:
    sites = _sites_of({"sites": sites})
    _require_sites(actor, "training.add_course", sites)
    course = Course(**{k: v for k, v in fields.items() if k in COURSE_FIELDS})
    course.code = (course.code or "").strip().upper()
    course.full_clean()
    course.save()
    course.sites.set(sites)
    course.documents.set(list(documents))
    return course


@transaction.atomic
def course_update(*, actor, course: Course, data: dict) -> Course:
    """Change a course; the code never changes. New documents make the course due again for those trained before."""
    course = Course._base_manager.select_for_update().get(pk=course.pk)
    _require(actor, "change", course)
    for field in COURSE_FIELDS:
        if field in data and field != "code":
            setattr(course, field, data[field])
    course.full_clean()
    course.save()
    _sites_change(actor, course, data, "training.add_course")
    if "documents" in data:
        before = set(course.documents.values_list("pk", flat=True))
        course.documents.set(list(data["documents"]))
        if before != {d.pk for d in data["documents"]}:
            assignments_reconcile(course_ids=[course.pk])
    return course


@transaction.atomic
def course_deactivate(*, actor, course: Course) -> Course:
    """A deactivated course is no longer required: its open automatic assignments are cancelled (reason kept)."""
    course = Course._base_manager.select_for_update().get(pk=course.pk)
    _require(actor, "delete", course)
    if not course.is_active:
        raise ValidationError(_("The course is already inactive."), code="invalid_transition")
    course.is_active = False
    course.save(update_fields=["is_active", "updated_at"])
    assignments_reconcile(course_ids=[course.pk])
    return course


# --- Materials ------------------------------------------------------------------------------------------------


def _checked_file(upload):
    """The portal's upload rules (kinds by their bytes, real inflation of Office files, size), a random name."""
    if not upload or not hasattr(upload, "chunks") or getattr(upload, "_committed", False):
        return upload
    checked = upload_check(upload, allowed=MATERIAL_KINDS, field="file", limit=max_material_bytes())
    upload.name = random_name(checked)
    return upload


@transaction.atomic
def material_create(*, actor, course: Course, **fields) -> CourseMaterial:
    _require(actor, "change", course)
    fields = {k: v for k, v in fields.items() if k in MATERIAL_FIELDS}
    if fields.get("file"):
        fields["file"] = _checked_file(fields["file"])
    material = CourseMaterial(course=course, **fields)
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def material_update(*, actor, material: CourseMaterial, data: dict) -> CourseMaterial:
    material = CourseMaterial._base_manager.select_for_update().get(pk=material.pk)
    _require(actor, "change", material)
    for field in MATERIAL_FIELDS:
        if field in data:
            setattr(material, field, _checked_file(data[field]) if field == "file" else data[field])
    material.full_clean()
    material.save()
    return material


@transaction.atomic
def material_deactivate(*, actor, material: CourseMaterial) -> CourseMaterial:
    material = CourseMaterial._base_manager.select_for_update().get(pk=material.pk)
    _require(actor, "delete", material)
    if not material.is_active:
        raise ValidationError(_("The material is already withdrawn."), code="invalid_transition")
    material.is_active = False
    material.save(update_fields=["is_active", "updated_at"])
    return material


# --- Curricula ------------------------------------------------------------------------------------------------


@transaction.atomic
def curriculum_create(*, actor, sites, courses=(), **fields) -> Curriculum:
    sites = _sites_of({"sites": sites})
    _require_sites(actor, "training.add_curriculum", sites)
    curriculum = Curriculum(**{k: v for k, v in fields.items() if k in CURRICULUM_FIELDS})
    curriculum.code = (curriculum.code or "").strip().upper()
    curriculum.full_clean()
    curriculum.save()
    curriculum.sites.set(sites)
    curriculum.courses.set(list(courses))
    return curriculum


@transaction.atomic
def curriculum_update(*, actor, curriculum: Curriculum, data: dict) -> Curriculum:
    """Change a curriculum; changing its courses brings the assignments of the old and new courses in line."""
    curriculum = Curriculum._base_manager.select_for_update().get(pk=curriculum.pk)
    _require(actor, "change", curriculum)
    if "title" in data:
        curriculum.title = data["title"]
    curriculum.full_clean()
    curriculum.save()
    _sites_change(actor, curriculum, data, "training.add_curriculum")
    if "courses" in data:
        before = set(curriculum.courses.values_list("pk", flat=True))
        after = {c.pk for c in data["courses"]}
        curriculum.courses.set(list(data["courses"]))
        if before != after:
            assignments_reconcile(course_ids=before | after)
    return curriculum


@transaction.atomic
def curriculum_deactivate(*, actor, curriculum: Curriculum) -> Curriculum:
    curriculum = Curriculum._base_manager.select_for_update().get(pk=curriculum.pk)
    _require(actor, "delete", curriculum)
    if not curriculum.is_active:
        raise ValidationError(_("The curriculum is already inactive."), code="invalid_transition")
    curriculum.is_active = False
    curriculum.save(update_fields=["is_active", "updated_at"])
    assignments_reconcile(course_ids=list(curriculum.courses.values_list("pk", flat=True)))
    return curriculum
