"""Builders for training tests: courses and requirements through the services."""

from __future__ import annotations

import itertools

from training import services
from training.models import Course

_codes = itertools.count(1)


def course_at(*sites, documents=(), **fields) -> Course:
    code = fields.pop("code", f"CRS-{next(_codes):04d}")
    course = Course.objects.create(code=code, title=fields.pop("title", f"Course {code}"), **fields)
    course.sites.set(sites)
    course.documents.set(documents)
    return course


def require(site, course, *, role=None, function=None, actor=None, **fields):
    return services.requirement_create(actor=actor, site=site, course=course, role=role, function=function, **fields)
