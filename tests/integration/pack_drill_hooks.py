"""Loaded into drill workers (``celery worker -I tests.integration.pack_drill_hooks``) and the tests: an evidence
section of ``IMS_DRILL_PARTS`` parts, each taking ``IMS_DRILL_PART_SECONDS`` to render, so a kill lands mid-pack."""

from __future__ import annotations

import os
import time

from ims.reports.manifest import manifest_records
from ims.reports.registry import EvidenceSection, SectionPart, register_section
from ims.reports.render import table_html

SECTION = "zz-drill"


def _parts(scope):
    return [str(i) for i in range(int(os.environ.get("IMS_DRILL_PARTS", "6")))]


def _render(scope, key):
    from ims.org.models import Site

    time.sleep(float(os.environ.get("IMS_DRILL_PART_SECONDS", "0")))
    sites = list(Site.objects.filter(pk__in=scope.site_ids))
    rows = [(f"Drill {key}-{i}", s.code) for i in range(40) for s in sites]
    return SectionPart(
        title=f"Drill part {key}", html=table_html(columns=["Row", "Site"], rows=rows), records=manifest_records(sites)
    )


register_section(
    EvidenceSection(code=SECTION, title="Drill evidence", order=998, models=("org.site",), parts=_parts, render=_render)
)
