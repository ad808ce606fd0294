"""Site isolation of the register through the generic kit: entries, controls, obligations, evaluations."""

from __future__ import annotations

from ims.testing.kit import ScopedModelCase, SiteIsolationTests
from manual.risks.choices import EntryKind, EvaluationResult, ObligationType
from manual.risks.models import ComplianceEvaluation, Control, Obligation, RiskEntry

from .factories import control_at, entry_at, evaluation_at, in_days, obligation_at, owner_at, process_at


def entry_form(entry: RiskEntry) -> dict:
    return {
        "kind": entry.kind,
        "site": entry.site_id,
        "process": entry.process_id,
        "title": "Changed on the page",
        "owner": entry.owner_id,
        "review_date": entry.review_date.isoformat(),
        "activity": entry.activity,
        "hazard": entry.hazard,
        "people_exposed": entry.people_exposed,
        "inherent_severity": entry.inherent_severity,
        "inherent_likelihood": entry.inherent_likelihood,
        "residual_severity": entry.residual_severity,
        "residual_likelihood": entry.residual_likelihood,
    }


def new_entry(site, *, api: bool) -> dict:
    data = {
        "kind": EntryKind.OHS_HAZARD,
        "site": site.code if api else site.pk,
        "process": process_at(site).pk,
        "title": "New hazard",
        "owner": owner_at(site).pk,
        "review_date": in_days(30).isoformat(),
        "activity": "Solvent transfer",
        "hazard": "Vapour inhalation",
        "people_exposed": "Operators",
        "inherent_severity": 3,
        "inherent_likelihood": 3,
        "residual_severity": 2,
        "residual_likelihood": 2,
    }
    return data


class TestRiskEntryIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=RiskEntry,
        create=entry_at,
        list_url="risks:entry_list",
        detail_url="risks:entry_detail",
        api="risks-entry",
        edit_url="risks:entry_edit",
        edit_data=entry_form,
        api_change=lambda entry: {"title": "Changed through the API"},
        add_url="risks:entry_create",
        add_data=lambda site: new_entry(site, api=False),
        api_create=lambda site: new_entry(site, api=True),
        deactivate_url="risks:entry_retire",
        export_key="reference",
    )


class TestControlIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Control,
        create=control_at,
        list_url="risks:control_list",
        detail_url="risks:control_detail",
        api="risks-control",
        edit_url="risks:control_edit",
        edit_data=lambda control: {"description": "Changed on the page"},
        api_change=lambda control: {"description": "Changed through the API"},
        api_create=lambda site: {"entry": entry_at(site).pk, "description": "Local exhaust ventilation"},
        deactivate_url="risks:control_retire",
    )


def obligation_form(obligation: Obligation, site=None) -> dict:
    return {
        "title": "Changed on the page",
        "obligation_type": ObligationType.GMP,
        "jurisdiction": "EU",
        "sites": [site.pk] if site else list(obligation.sites.values_list("pk", flat=True)),
        "owner": obligation.owner_id if obligation else owner_at(site).pk,
        "evaluation_interval_months": 12,
        "next_evaluation": in_days(100).isoformat(),
    }


class TestObligationIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Obligation,
        create=obligation_at,
        list_url="risks:obligation_list",
        detail_url="risks:obligation_detail",
        api="risks-obligation",
        edit_url="risks:obligation_edit",
        edit_data=obligation_form,
        api_change=lambda obligation: {"title": "Changed through the API"},
        add_url="risks:obligation_create",
        add_data=lambda site: {**obligation_form(None, site), "owner": owner_at(site).pk},
        api_create=lambda site: {
            "title": "Water abstraction permit",
            "obligation_type": ObligationType.LEGAL,
            "jurisdiction": "IE",
            "sites": [site.code],
            "owner": owner_at(site).pk,
            "next_evaluation": in_days(30).isoformat(),
        },  # fmt: skip
        deactivate_url="risks:obligation_withdraw",
        export_key="title",
    )


class TestEvaluationIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=ComplianceEvaluation,
        create=evaluation_at,
        list_url="risks:evaluation_list",
        detail_url="risks:evaluation_detail",
        api="risks-evaluation",
        edit_url="risks:evaluation_edit",
        edit_data=lambda evaluation: {
            "site": evaluation.site_id,
            "evaluated_on": evaluation.evaluated_on.isoformat(),
            "result": EvaluationResult.PARTLY,
            "evidence": "Changed on the page",
            "next_evaluation": in_days(200).isoformat(),
        },
        api_change=lambda evaluation: {"evidence": "Changed through the API"},
        api_create=lambda site: {
            "obligation": obligation_at(site).pk,
            "site": site.code,
            "evaluated_on": in_days(0).isoformat(),
            "result": EvaluationResult.COMPLIANT,
            "evidence": "Checked",
        },  # fmt: skip
    )
