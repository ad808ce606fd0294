"""The requirements traceability matrix (A11-4, COMPLIANCE §6 row 35) built from a junit report."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.req("A11-4")

REGISTRY = """id,source,risk,text
P11-10e,P11,High,Audit trail of create/modify/delete.
A11-9,A11,High,Reason for change is documented.
P11-10d,P11,High,Access limited to authorised individuals.
A11-7,A11,Medium,Backups.
"""


def junit(*cases: str) -> str:
    suite = f'<testsuite name="pytest">{"".join(cases)}</testsuite>'
    return f'<?xml version="1.0" encoding="utf-8"?><testsuites>{suite}</testsuites>'


def case(name: str, ids: tuple[str, ...] = (), outcome: str = "passed", classname: str = "tests.audit.test_x") -> str:
    properties = "".join(f'<property name="req" value="{i}"/>' for i in ids)
    body = {
        "passed": "",
        "failed": '<failure message="boom">x</failure>',
        "error": '<error message="e"/>',
        "skipped": '<skipped message="no"/>',
    }[outcome]
    props = f"<properties>{properties}</properties>" if properties else ""
    return f'<testcase classname="{classname}" name="{name}" time="0.1">{props}{body}</testcase>'


@pytest.fixture
def files(tmp_path):
    registry = tmp_path / "requirements.csv"
    registry.write_text(REGISTRY, encoding="utf-8")

    def make(xml: str) -> tuple[Path, Path, Path]:
        report = tmp_path / "junit.xml"
        report.write_text(xml, encoding="utf-8")
        return report, tmp_path / "rtm.csv", registry

    return make


def run(report: Path, out: Path, registry: Path, *extra: str) -> dict[str, dict]:
    call_command("rtm", "--junit", str(report), "--out", str(out), "--registry", str(registry), *extra)
    return read(out)


def read(out: Path) -> dict[str, dict]:
    with out.open(encoding="utf-8", newline="") as handle:
        return {row["requirement_id"]: row for row in csv.DictReader(handle)}


def test_each_requirement_lists_its_tests_and_outcomes(files):
    report, out, registry = files(
        junit(
            case("test_update", ("P11-10e", "A11-9")),
            case("test_reason", ("A11-9",)),
            case("test_later", ("A11-9",), "skipped"),
            case("test_anonymous", ("P11-10d",)),
            case("test_untagged"),
        )
    )
    rows = run(report, out, registry)
    assert list(rows) == ["P11-10e", "A11-9", "P11-10d", "A11-7"]
    assert rows["A11-9"]["tests"] == (
        "tests.audit.test_x::test_later;tests.audit.test_x::test_reason;tests.audit.test_x::test_update"
    )
    assert (rows["A11-9"]["passed"], rows["A11-9"]["failed"], rows["A11-9"]["skipped"]) == ("2", "0", "1")
    assert rows["A11-9"]["result"] == "PASS"
    assert rows["A11-9"]["requirement_text"] == "Reason for change is documented."
    assert rows["P11-10e"]["risk"] == "High"
    assert rows["A11-7"]["tests"] == "" and rows["A11-7"]["result"] == "NOT COVERED"
    with out.open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "requirement_id,requirement_text,risk,tests,passed,failed,skipped,result"


@pytest.mark.parametrize("outcome", ["failed", "error"])
def test_a_failing_test_fails_its_requirement_and_the_command(files, outcome):
    report, out, registry = files(junit(case("test_update", ("P11-10e",)), case("test_broken", ("P11-10e",), outcome)))
    with pytest.raises(CommandError, match="failing tests: P11-10e"):
        run(report, out, registry)
    rows = read(out)  # the matrix is still written, to show what failed
    assert rows["P11-10e"]["result"] == "FAIL" and rows["P11-10e"]["failed"] == "1"


def test_a_requirement_with_only_skipped_tests_is_not_covered(files):
    report, out, registry = files(junit(case("test_later", ("A11-7",), "skipped")))
    rows = run(report, out, registry)
    assert rows["A11-7"]["result"] == "NOT COVERED"
    with pytest.raises(CommandError, match="without a passing test"):
        run(report, out, registry, "--strict")


def test_an_unknown_requirement_fails_the_command(files):
    report, out, registry = files(junit(case("test_x", ("P11-10e", "P11-99z"))))
    with pytest.raises(CommandError, match="missing from the registry: P11-99z"):
        run(report, out, registry)
    assert read(out)["P11-99z"]["result"] == "UNKNOWN REQUIREMENT"


def test_the_command_exits_non_zero_on_failure(files):
    report, out, registry = files(junit(case("test_broken", ("A11-9",), "failed")))
    command = [
        sys.executable,
        "manage.py",
        "rtm",
        "--junit",
        str(report),
        "--out",
        str(out),
        "--registry",
        str(registry),
    ]
    root = Path(__file__).resolve().parent.parent
    assert subprocess.run(command, cwd=root, capture_output=True, check=False).returncode == 1
    report.write_text(junit(case("test_ok", ("A11-9",))), encoding="utf-8")
    assert subprocess.run(command, cwd=root, capture_output=True, check=False).returncode == 0


def test_every_requirement_cited_by_the_suite_is_in_the_registry(request):
    """The registry shipped in docs/validation knows every ID the collected tests cite."""
    from ims.audit.management.commands.rtm import DEFAULT_REGISTRY, registry_load

    known = set(registry_load(DEFAULT_REGISTRY))
    cited = {rid for item in request.session.items for m in item.iter_markers("req") for rid in m.args}
    assert cited and not cited - known, sorted(cited - known)


@pytest.mark.req("P11-10e")
def test_the_req_markers_become_junit_properties(request):
    """tests/conftest.py hands each test's requirement IDs to pytest's junit report as ``req`` properties."""
    assert [value for name, value in request.node.user_properties if name == "req"] == ["P11-10e", "A11-4"]
