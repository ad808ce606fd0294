"""The framework's live blocks of the IMS manual: the procedure register by clause and the monitoring plan."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ims.audit.context import audit_context
from manual.blocks import block_get
from manual.framework import services
from processes import library
from processes.models import Standard, StandardKind
from tests.framework.factories import item_at, procedure_at
from tests.framework.helpers import standard_with

pytestmark = pytest.mark.django_db


def test_both_blocks_are_registered_with_their_clause():
    assert block_get("procedure_register").clause_hint == "7"
    assert block_get("monitoring_plan").clause_hint == "9"
    assert block_get("monitoring_plan").param_name == "process"


def test_the_procedure_register_groups_procedures_by_harmonized_clause(org):
    iso, clauses = standard_with(["10", "10.2", "6.1"], code="ISO 99001")
    Standard.objects.filter(pk=iso.pk).update(kind=StandardKind.ISO)
    a = procedure_at(org.site_a, number="SOP-BLK-A", title="Nonconformity <script>")
    b = procedure_at(org.site_b, number="SOP-BLK-B")
    library.document_clause_add(actor=None, document=a, clause=clauses["10.2"])
    library.document_clause_add(actor=None, document=b, clause=clauses["6.1"])
    content = block_get("procedure_register").render(user=org.qm_a, sites=[org.site_a], params={})
    html = str(content.html)
    assert "10 Improvement" in html and "SOP-BLK-A" in html and "ISO 99001 10.2" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "SOP-BLK-B" not in html
    assert [source.ref for source in content.sources] == [f"documents.controlleddocument:{a.pk}"]
    before = content.sources[0].digest
    library.document_clause_add(actor=None, document=a, clause=clauses["6.1"])
    after = block_get("procedure_register").render(user=org.qm_a, sites=[org.site_a], params={}).sources[0].digest
    assert before != after
    # Site B's quality manager, asked for site A, sees nothing of site A.
    other = block_get("procedure_register").render(user=org.qm_b, sites=[org.site_a], params={})
    assert "SOP-BLK-A" not in str(other.html) and not other.sources


def test_the_monitoring_plan_block_shows_the_plan_of_the_sites_or_one_process(org):
    a = item_at(org.site_a, measure="Deviations closed on time")
    item_at(org.site_b, measure="Boston yield")
    block = block_get("monitoring_plan")
    content = block.render(user=org.qm_a, sites=[org.site_a], params={})
    assert "Deviations closed on time" in str(content.html) and "Boston yield" not in str(content.html)
    assert [source.ref for source in content.sources] == [f"framework.monitoringplanitem:{a.pk}"]
    digest = content.sources[0].digest
    with audit_context(reason="Quarterly"):
        services.monitoring_item_update(actor=None, item=a, data={"frequency": "quarterly"})
    assert block.render(user=org.qm_a, sites=[org.site_a], params={}).sources[0].digest != digest
    assert block.validate(user=org.qm_a, sites=[org.site_a], params={"process": a.process_id}) == {
        "process": a.process_id
    }
    one = block.render(user=org.qm_a, sites=[org.site_a], params={"process": a.process_id})
    assert len(one.sources) == 1
    assert (str(a.process_id), f"{a.process.code} · {a.process.name}") in block.param_choices(user=org.qm_a)


def test_a_block_pointing_at_a_process_the_author_cannot_see_is_refused(org):
    hidden = item_at(org.site_b)
    with pytest.raises(ValidationError, match="may not see"):
        block_get("monitoring_plan").validate(user=org.qm_a, sites=[org.site_a], params={"process": hidden.process_id})
    with pytest.raises(ValidationError, match="not a valid process"):
        block_get("monitoring_plan").validate(user=org.qm_a, sites=[org.site_a], params={"process": "abc"})
