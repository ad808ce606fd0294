# ruff: noqa: E501 - the scale rows read best one field group a line
"""Scale data of the register (``manage.py seed_scale``, through ``RisksConfig.scale_seed``).

Per scale site (``SC…``): 200 register entries at the large size (40 at the small one) spread over the three
disciplines and the site's scale processes, each with one control; 50 obligations applying at the site (10 at the
small size), each with one compliance evaluation. Bulk inserts in one transaction (the audit triggers write their
events as for any other write). Idempotent: scale entries are recognised by their reference prefix ``SCR-``.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.org.choices import RoleCode
from ims.org.models import Membership, Site

from .choices import KIND_DISCIPLINE, Band, EntryKind, EvaluationResult, ObligationType, OperatingCondition
from .models import ComplianceEvaluation, Control, Obligation, RiskEntry
from .scoring import methods

PREFIX = "SCR-"
SITE_PREFIX = "SC"
BATCH = 5000
SIZES = {"large": (200, 50), "small": (40, 10)}
KINDS = (EntryKind.QUALITY_RISK, EntryKind.ENVIRONMENTAL_ASPECT, EntryKind.OHS_HAZARD)
REGULATIONS = ("EU GMP Chapter", "21 CFR 211 Subpart", "REACH Title", "Waste permit condition", "OH&S act section",
               "Emission licence condition", "CLP Article", "Customer agreement clause")  # fmt: skip


def scale_risks_present() -> int:
    return RiskEntry._base_manager.filter(reference__startswith=PREFIX).count()


def scale_risks_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    present = scale_risks_present()
    if present:
        return f"{present:,} scale register entries already present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    if not sites:
        return "no scale sites; nothing to do"
    per_site, obligations_per_site = SIZES.get(size_name, SIZES["small"])
    started = time.monotonic()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        counts = _seed(sites, per_site, obligations_per_site, random.Random(seed * 17 + 3), log)
    tables_analyze("risks_riskentry", "risks_control", "risks_obligation", "risks_obligation_sites",
                   "risks_complianceevaluation")  # fmt: skip
    return (
        f"{counts['entries']:,} register entries with {counts['controls']:,} controls, {counts['obligations']:,} "
        f"obligations with {counts['evaluations']:,} evaluations in {time.monotonic() - started:.1f} s"
    )


def _owners(site_ids: list[int]) -> dict[int, list[int]]:
    owners: dict[int, list[int]] = defaultdict(list)
    roles = (RoleCode.QUALITY_MANAGER, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD, RoleCode.COMPLIANCE_OFFICER)
    for person_id, site_id in (
        Membership.objects.filter(site_id__in=site_ids, role__code__in=roles, person__is_active=True)
        .order_by("person_id")
        .values_list("person_id", "site_id")
    ):
        owners[site_id].append(person_id)
    return owners


def _seed(sites: list[Site], per_site: int, obligations_per_site: int, rng: random.Random, log) -> dict[str, int]:
    today = timezone.localdate()
    site_ids = [s.pk for s in sites]
    owners = _owners(site_ids)
    process_model = apps.get_model("processes", "Process")
    processes: dict[int, list[int]] = defaultdict(list)
    for process_id, site_id in (
        process_model.sites.through.objects.filter(site_id__in=site_ids, process__is_active=True)
        .order_by("process_id")
        .values_list("process_id", "site_id")
    ):
        processes[site_id].append(process_id)
    by_discipline = methods()
    entries: list[RiskEntry] = []
    for site in sites:
        if not processes[site.pk] or not owners[site.pk]:
            log(f"  {site.code}: no process or owner; skipped")
            continue
        for number in range(1, per_site + 1):
            kind = KINDS[number % 3]
            method = by_discipline[KIND_DISCIPLINE[kind]]
            values = {}
            for prefix in ("inherent", "residual"):
                top_s = method.severity_max
                severity = (
                    rng.randint(1, top_s)
                    if prefix == "inherent"
                    else max(1, values["inherent_severity"] - rng.randint(0, 1))
                )
                likelihood = (
                    rng.randint(1, method.likelihood_max)
                    if prefix == "inherent"
                    else max(1, values["inherent_likelihood"] - rng.randint(0, 2))
                )
                detect = None
                if method.uses_detectability:
                    detect = (
                        rng.randint(1, method.detectability_max)
                        if prefix == "inherent"
                        else max(1, values["inherent_detectability"] - rng.randint(0, 1))
                    )
                score = method.score(severity, likelihood, detect)
                values.update({f"{prefix}_severity": severity, f"{prefix}_likelihood": likelihood,
                               f"{prefix}_detectability": detect, f"{prefix}_score": score,
                               f"{prefix}_band": method.band(score)})  # fmt: skip
            text = {"hazard": f"Hazard {number} of the activity"} if kind != EntryKind.ENVIRONMENTAL_ASPECT else {
                "aspect": f"Aspect {number}", "impact": f"Impact {number} on air, water or soil",
                "operating_condition": rng.choice(OperatingCondition.values),
            }  # fmt: skip
            if kind == EntryKind.OHS_HAZARD:
                text.update(activity=f"Activity {number}", people_exposed="Operators", existing_controls="PPE")
            entries.append(RiskEntry(
                reference=f"{PREFIX}{site.code}-{number:04d}", kind=kind, discipline=KIND_DISCIPLINE[kind],
                site_id=site.pk, process_id=rng.choice(processes[site.pk]), owner_id=rng.choice(owners[site.pk]),
                title=f"{EntryKind(kind).label} {number} at {site.code}",
                review_date=today + datetime.timedelta(days=rng.randint(-60, 365)),
                is_significant=kind == EntryKind.ENVIRONMENTAL_ASPECT and values["inherent_band"] != Band.LOW,
                **text, **values,
            ))  # fmt: skip
    RiskEntry.objects.bulk_create(entries, batch_size=BATCH)
    log(f"  {len(entries):,} register entries")
    controls = [Control(entry_id=e.pk, description=f"Control of {e.reference}") for e in entries]
    Control.objects.bulk_create(controls, batch_size=BATCH)
    obligations: list[Obligation] = []
    obligation_sites: list[tuple[int, int]] = []
    for site in sites:
        if not owners[site.pk]:
            continue
        for number in range(1, obligations_per_site + 1):
            obligations.append(Obligation(
                title=f"{rng.choice(REGULATIONS)} {number} ({site.code})", obligation_type=rng.choice(ObligationType.values),
                jurisdiction=site.country or "EU", owner_id=rng.choice(owners[site.pk]), evaluation_interval_months=12,
                next_evaluation=today + datetime.timedelta(days=rng.randint(-30, 330)),
            ))  # fmt: skip
            obligation_sites.append((len(obligations) - 1, site.pk))
    Obligation.objects.bulk_create(obligations, batch_size=BATCH)
    through = Obligation.sites.through
    through.objects.bulk_create(
        [through(obligation_id=obligations[i].pk, site_id=site_id) for i, site_id in obligation_sites], batch_size=BATCH
    )
    evaluations = [
        ComplianceEvaluation(
            obligation_id=obligations[i].pk,
            site_id=site_id,
            evaluated_on=obligations[i].next_evaluation - datetime.timedelta(days=365),
            result=rng.choice(EvaluationResult.values),
            evidence="Checked against the legal register",
            evaluated_by_id=obligations[i].owner_id,
            next_evaluation=obligations[i].next_evaluation,
        )  # fmt: skip
        for i, site_id in obligation_sites
    ]
    ComplianceEvaluation.objects.bulk_create(evaluations, batch_size=BATCH)
    log(f"  {len(obligations):,} obligations")
    return {"entries": len(entries), "controls": len(controls), "obligations": len(obligations),
            "evaluations": len(evaluations)}  # fmt: skip
