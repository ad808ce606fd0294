"""The standards and regulations library: loaded from the repository's data files, idempotent, audited, never
deleted; a new edition is a new standard; bad files are refused with every problem named and nothing written."""

from __future__ import annotations

import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ims.audit.models import AuditEvent
from processes.library import LIBRARY, LibraryError, library_read, standards_load
from processes.models import Clause, ClauseMapping, Standard

pytestmark = pytest.mark.django_db

EXPECTED = {
    ("ISO 9001", "2015"), ("ISO 14001", "2015"), ("ISO 45001", "2018"), ("ISO 13485", "2016"),
    ("21 CFR Part 11", "1997"), ("21 CFR Part 211", "current"), ("21 CFR Part 820", "2024 QMSR"),
    ("EU GMP Part I", "current"), ("ICH Q9", "R1 2023"), ("ICH Q10", "2008"),
}  # fmt: skip


def counts() -> tuple[int, int, int, int]:
    return Standard.objects.count(), Clause.objects.count(), ClauseMapping.objects.count(), AuditEvent.objects.count()


def test_the_library_loads_every_standard_with_its_clauses_and_mappings_and_a_second_load_changes_nothing():
    out = StringIO()
    call_command("load_standards", stdout=out)
    assert set(Standard.objects.values_list("code", "edition")) == EXPECTED
    assert "10 added" in out.getvalue()
    iso9001 = Standard.objects.get(code="ISO 9001")
    numbers = set(iso9001.clauses.values_list("number", flat=True))
    assert {"4", "4.1", "7.1.5.1", "8.5.1", "10.3"} <= numbers
    clause = iso9001.clauses.get(number="7.1.5.1")
    assert clause.parent.number == "7.1.5" and clause.parent.parent.number == "7.1"
    assert all(c.summary for c in iso9001.clauses.all())  # a requirement in brief for every clause
    # The harmonized structure: 9001 and 14001 meet on the policy clause; Part 11 and Annex 11 on audit trails.
    assert ClauseMapping.objects.filter(
        source__standard=iso9001, source__number="5.2", target__standard__code="ISO 14001", target__number="5.2"
    ).exists()
    assert ClauseMapping.objects.filter(
        source__standard__code="21 CFR Part 11", target__standard__code="EU GMP Part I"
    ).exists()
    created = AuditEvent.objects.filter(model_label="processes.clause", action="I", actor_label="load_standards")
    assert created.count() == Clause.objects.count()
    before = counts()
    again = StringIO()
    call_command("load_standards", stdout=again)
    assert counts() == before
    assert "0 added, 0 updated; clauses 0 added, 0 updated; mappings 0 added" in again.getvalue()


def library_copy(tmp_path):
    target = tmp_path / "library"
    shutil.copytree(LIBRARY, target)
    return target


def test_a_new_edition_is_a_new_standard_and_a_changed_summary_is_an_audited_edit(tmp_path):
    standards_load()
    folder = library_copy(tmp_path)
    path = folder / "iso-9001-2015.json"
    data = json.loads(path.read_text())
    data["clauses"][1]["summary"] = "Know the organization's context (revised wording)."
    path.write_text(json.dumps(data))
    data["edition"] = "2026"
    (folder / "iso-9001-2026.json").write_text(json.dumps(data))
    report = standards_load(directory=folder)
    assert report.standards_created == 1 and report.clauses_updated == 1
    assert set(Standard.objects.filter(code="ISO 9001").values_list("edition", flat=True)) == {"2015", "2026"}
    old = Clause.objects.get(standard__code="ISO 9001", standard__edition="2015", number=data["clauses"][1]["number"])
    edit = AuditEvent.objects.for_record(old).get(action="U")
    assert edit.changed_fields == ["summary"] and "revised wording" in edit.new["summary"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["clauses"].append({"number": "4.1", "title": "Again"}), "clause 4.1: the number is used twice"),
        (lambda d: d["clauses"].append({"number": "99.1", "title": "Orphan", "parent": "99"}), "its parent 99 is not"),
        (lambda d: d.update(kind="law"), "'kind' is missing or not valid"),
        (lambda d: d["clauses"][0].update(title=""), "'title' is missing"),
    ],
)  # fmt: skip
def test_a_bad_standard_file_is_refused_with_its_problem_named_and_nothing_is_written(tmp_path, change, message):
    folder = library_copy(tmp_path)
    path = folder / "iso-14001-2015.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError) as refused:
        call_command("load_standards", "--directory", str(folder), stdout=StringIO())
    assert "nothing changed" in str(refused.value) and "iso-14001-2015.json: " in str(refused.value)
    assert message in str(refused.value)
    assert counts()[:3] == (0, 0, 0)


def test_bad_mappings_and_malformed_json_are_refused(tmp_path):
    folder = library_copy(tmp_path)
    mappings = json.loads((folder / "mappings.json").read_text())
    mappings.append({"from": "ISO 9001 2015|4.1", "to": "ISO 9001 2015|99.9", "relation": "equal"})
    mappings.append({"from": "ISO 9001 2015|4.1", "to": "ISO 14001 2015|4.1", "relation": "same"})
    (folder / "mappings.json").write_text(json.dumps(mappings))
    (folder / "broken.json").write_text("{ not json")
    with pytest.raises(LibraryError) as refused:
        library_read(folder)
    problems = "\n".join(refused.value.problems)
    assert "'to' 'ISO 9001 2015|99.9' names no clause of the library" in problems
    assert "'relation' must be one of" in problems
    assert "broken.json: not valid JSON" in problems
    assert counts()[:3] == (0, 0, 0)


def test_library_records_are_never_deleted():
    standards_load()
    from ims.access.querysets import RegulatedRecordDeletion

    with pytest.raises(RegulatedRecordDeletion):
        Standard.objects.first().delete()
