"""The demo inspection: ``inspector.basel`` inspects Basel for the FDA, granted by the Basel quality manager.

``inspection_demo_seed()`` runs from ``manage.py seed_demo`` after the other apps' seeds (this app comes last, and
every app registered its evidence sections when it was ready). It grants through ``grant_create`` (the trusted
command-line channel: no signature) and is idempotent: while the inspector has a grant in force, or one a quality
manager ended early, it leaves them alone; one that simply ran out is granted again.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ims.access.choices import Agency
from ims.access.inspection import grant_create
from ims.access.models import InspectorGrant
from ims.org.models import Person, Site
from ims.reports.registry import section_choices

INSPECTOR = "inspector.basel"
GRANTED_BY = "qm.basel"
SITE = "BSL"
REFERENCE = "FDA pre-approval inspection"
ACCESS_DAYS = 30
RECORD_YEARS = 2


def inspection_demo_seed() -> str:
    inspector = Person.objects.filter(username=INSPECTOR).first()
    granted_by = Person.objects.filter(username=GRANTED_BY).first()
    site = Site.objects.filter(code=SITE).first()
    if inspector is None or granted_by is None or site is None:
        return "no demo inspection (the demo organisation is missing)"
    grants = InspectorGrant.objects.filter(inspector=inspector)
    if grants.active().exists() or grants.filter(ended_at__isnull=False).exists():
        return "demo inspection unchanged"
    sections = [code for code, _title in section_choices()]
    if not sections:
        return "no demo inspection (no evidence sections are registered)"
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    grant = grant_create(
        actor=granted_by, inspector=inspector, sites=[site], sections=sections,
        records_from=today - datetime.timedelta(days=365 * RECORD_YEARS), records_to=today,
        valid_from=now, valid_until=now + datetime.timedelta(days=ACCESS_DAYS), agency=Agency.FDA,
        reference=REFERENCE,
    )  # fmt: skip
    return f"demo inspection: {grant} ({len(sections)} sections, until {grant.valid_until:%Y-%m-%d})"
