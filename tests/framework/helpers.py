"""A small library for the framework tests: two company standards with a clause tree."""

from __future__ import annotations

import itertools

from processes.models import Clause, Standard, StandardKind

_numbers = itertools.count(1)


def standard_with(numbers: list[str], *, code: str | None = None) -> tuple[Standard, dict[str, Clause]]:
    """A company standard whose clauses are ``numbers`` ("1", "1.1", …; a dotted number's parent is its prefix)."""
    standard = Standard.objects.create(
        code=code or f"CS-FW-{next(_numbers)}", edition="1", title="Framework test standard", kind=StandardKind.COMPANY,
        disciplines=["quality"],
    )  # fmt: skip
    clauses: dict[str, Clause] = {}
    for position, number in enumerate(numbers, start=1):
        parent = clauses.get(number.rpartition(".")[0]) if "." in number else None
        clauses[number] = Clause.objects.create(
            standard=standard, number=number, title=f"Requirement {number}", parent=parent, position=position
        )
    return standard, clauses
