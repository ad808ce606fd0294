"""``manage.py rtm --junit FILE --out rtm.csv``: the requirements traceability matrix (A11-4, COMPLIANCE §6 row 35).

Reads the junit XML of a test run (each test's ``req`` markers are written as ``<property name="req">``
by ``tests/conftest.py``) and the requirement registry (``docs/validation/requirements.csv``), and
writes one row per requirement: its text and risk, the tests that give evidence for it and their
outcomes. Exits with status 1 when a test cites an unknown requirement or a requirement has a failing
test (with ``--strict``, also when a registry requirement has no passing test).
"""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET  # noqa: S405 - parses the junit file the test run just wrote
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ims.web.exports import SafeCsvWriter

DEFAULT_REGISTRY = Path(settings.BASE_DIR) / "docs" / "validation" / "requirements.csv"
PROPERTY = "req"
COLUMNS = ("requirement_id", "requirement_text", "risk", "tests", "passed", "failed", "skipped", "result")
PASS, FAIL, NOT_COVERED, UNKNOWN = "PASS", "FAIL", "NOT COVERED", "UNKNOWN REQUIREMENT"


@dataclass
class Evidence:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def tests(self) -> list[str]:
        return sorted({*self.passed, *self.failed, *self.skipped})

    @property
    def result(self) -> str:
        if self.failed:
            return FAIL
        return PASS if self.passed else NOT_COVERED


def registry_load(path: Path) -> dict[str, dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["id"].strip(): row for row in csv.DictReader(handle) if row.get("id", "").strip()}


def _outcome(case: ET.Element) -> str:
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    if case.find("skipped") is not None:
        return "skipped"
    return "passed"


def junit_evidence(path: Path) -> dict[str, Evidence]:
    """Requirement id → the tests citing it, by outcome. A test with an error in set-up or tear-down fails."""
    try:
        root = ET.parse(path).getroot()  # noqa: S314 - a local file written by pytest
    except (ET.ParseError, OSError) as error:
        raise CommandError(f"Cannot read the junit file {path}: {error}") from error
    outcomes: dict[str, tuple[str, set[str]]] = {}
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        ids = {p.get("value", "").strip() for p in case.iter("property") if p.get("name") == PROPERTY}
        outcome = _outcome(case)
        if name in outcomes:  # the same test reported twice (e.g. a tear-down error): keep the worst
            previous, previous_ids = outcomes[name]
            order = ("passed", "skipped", "failed")
            outcome = max(previous, outcome, key=order.index)
            ids |= previous_ids
        outcomes[name] = (outcome, ids)
    evidence: dict[str, Evidence] = defaultdict(Evidence)
    for name, (outcome, ids) in outcomes.items():
        for requirement in ids - {""}:
            getattr(evidence[requirement], outcome).append(name)
    return evidence


def matrix_rows(registry: dict[str, dict], evidence: dict[str, Evidence]) -> list[dict]:
    rows = []
    for requirement in [*registry, *sorted(set(evidence) - set(registry))]:
        found = evidence.get(requirement, Evidence())
        entry = registry.get(requirement)
        rows.append(
            {
                "requirement_id": requirement,
                "requirement_text": entry["text"] if entry else "",
                "risk": entry.get("risk", "") if entry else "",
                "tests": ";".join(found.tests),
                "passed": len(found.passed),
                "failed": len(found.failed),
                "skipped": len(found.skipped),
                "result": found.result if entry else UNKNOWN,
            }
        )
    return rows


class Command(BaseCommand):
    help = "Build the requirements traceability matrix (rtm.csv) from a junit XML test report."

    def add_arguments(self, parser):
        parser.add_argument("--junit", required=True, type=Path, help="junit XML written by pytest --junitxml")
        parser.add_argument("--out", default=Path("rtm.csv"), type=Path, help="CSV file to write (default rtm.csv)")
        parser.add_argument("--registry", default=DEFAULT_REGISTRY, type=Path, help="requirement registry CSV")
        parser.add_argument(
            "--strict", action="store_true", help="also fail when a registry requirement has no passing test"
        )

    def handle(self, *args, junit: Path, out: Path, registry: Path, strict: bool, **options):
        if not registry.exists():
            raise CommandError(f"The requirement registry {registry} does not exist.")
        rows = matrix_rows(registry_load(registry), junit_evidence(junit))
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = SafeCsvWriter(handle)
            writer.writerow(COLUMNS)
            writer.writerows([row.get(column, "") for column in COLUMNS] for row in rows)

        unknown = [r["requirement_id"] for r in rows if r["result"] == UNKNOWN]
        failing = [r["requirement_id"] for r in rows if r["result"] == FAIL]
        uncovered = [r["requirement_id"] for r in rows if r["result"] == NOT_COVERED]
        passing = sum(1 for r in rows if r["result"] == PASS)
        self.stdout.write(
            f"{out}: {len(rows)} requirements, {passing} passing, {len(failing)} failing, "
            f"{len(uncovered)} without a passing test, {len(unknown)} unknown."
        )
        problems = []
        if unknown:
            problems.append(f"tests cite requirements missing from the registry: {', '.join(unknown)}")
        if failing:
            problems.append(f"requirements with failing tests: {', '.join(failing)}")
        if strict and uncovered:
            problems.append(f"requirements without a passing test: {', '.join(uncovered)}")
        if problems:
            raise CommandError("; ".join(problems), returncode=1)
