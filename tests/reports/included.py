"""The contract between a section's parts and its ``included`` record sets: the manifest of the parts lists exactly
the records the section says it includes (the records whose events the trail extract holds)."""

from __future__ import annotations

from ims.reports.registry import PackScope, get_section


def included_pairs(code: str, scope: PackScope) -> set[tuple[str, str]]:
    return {
        (queryset.model._meta.label_lower, str(pk))
        for queryset in get_section(code).included(scope)
        for pk in queryset.values_list("pk", flat=True)
    }


def manifest_pairs(code: str, scope: PackScope) -> set[tuple[str, str]]:
    section = get_section(code)
    return {(r.model, r.pk) for key in section.parts(scope) for r in section.render(scope, key).records}


def assert_manifest_is_the_included_records(code: str, scope: PackScope) -> set[tuple[str, str]]:
    manifest = manifest_pairs(code, scope)
    assert manifest, f"{code}: the test's data puts no record in the section"
    assert manifest == included_pairs(code, scope), code
    return manifest
