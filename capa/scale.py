"""Scale data of CAPA (``manage.py seed_scale``, through ``CapaConfig.scale_seed``).

10,000 CAPAs at the large size (250 per scale site over 40 sites; 1,250 at the small size) opened over the last
three years in every state, with two to four actions each and, for those past implementation, an evaluated
effectiveness check; closed CAPAs have their closing date. Built with bulk inserts inside one transaction (the
audit triggers write their events as for any other write). The signatures of the workflow are not seeded here (the
demo and the tests carry them). Idempotent: the scale CAPAs are recognised by their references (``SCA-…``).
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.documents.scale import next_ids
from ims.org.choices import RoleCode
from ims.org.models import Membership, Site

from .choices import ActionKind, ActionStatus, CapaSource, CapaState, CheckCriterion, CheckStatus, RootCauseCategory
from .models import Capa, CapaAction, EffectivenessCheck, risk_band

SITE_PREFIX = "SC"
PER_SITE = {"large": 250, "small": 250}
BATCH = 2000
TITLES = ("Temperature excursion", "Label mix-up", "Missing signature in batch record", "Out-of-spec result",
          "Supplier certificate missing", "Calibration overdue", "Cleaning record incomplete", "Spill in warehouse",
          "Near miss on the forklift route", "Training record missing")  # fmt: skip
STATES = [CapaState.OPEN] * 2 + [CapaState.INVESTIGATION] * 2 + [CapaState.PLAN_APPROVED, CapaState.IMPLEMENTATION,
          CapaState.IMPLEMENTATION, CapaState.EFFECTIVENESS_CHECK] + [CapaState.CLOSED] * 6  # fmt: skip


def scale_capa_present() -> int:
    return Capa._base_manager.filter(reference__startswith="SCA-").count()


def scale_capa_seed(size_name: str, *, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    present = scale_capa_present()
    if present:
        return f"{present:,} scale CAPAs already present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    if not sites:
        return "no scale sites; nothing to do"
    started = time.monotonic()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        counts = _seed(sites, PER_SITE.get(size_name, 250), random.Random(seed * 17 + 6), log)
    tables_analyze("capa_capa", "capa_capaaction", "capa_effectivenesscheck")
    return (
        f"{counts['capas']:,} CAPAs with {counts['actions']:,} actions and {counts['checks']:,} effectiveness checks "
        f"in {time.monotonic() - started:.1f} s"
    )


def _people(site_ids: list[int]) -> dict[int, list[int]]:
    by_site: dict[int, list[int]] = defaultdict(list)
    rows = (
        Membership.objects.filter(site_id__in=site_ids, person__is_active=True)
        .exclude(role__code__in=[RoleCode.INSPECTOR, RoleCode.GLOBAL_ADMIN])
        .order_by("person_id")
        .values_list("site_id", "person_id")
    )
    for site_id, person_id in rows.iterator(chunk_size=5000):
        if len(by_site[site_id]) < 60:
            by_site[site_id].append(person_id)
    return by_site


def _seed(sites: list[Site], per_site: int, rng: random.Random, log: Callable[[str], None]) -> dict[str, int]:
    now = timezone.now()
    today = timezone.localdate()
    people = _people([s.pk for s in sites])
    ids = iter(next_ids(Capa, per_site * len(sites)))
    capas, actions, checks = [], [], []
    for site in sites:
        staff = people.get(site.pk) or []
        if not staff:
            continue
        for n in range(per_site):
            pk = next(ids)
            state = rng.choice(STATES)
            opened = now - datetime.timedelta(days=rng.randint(1, 1095), hours=rng.randint(0, 23))
            closed = None
            if state == CapaState.CLOSED:
                closed = min(now, opened + datetime.timedelta(days=rng.randint(20, 240)))
            severity, occurrence = rng.randint(1, 5), rng.randint(1, 5)
            capas.append(
                Capa(
                    pk=pk,
                    reference=f"SCA-{pk:07d}",
                    site_id=site.pk,
                    title=f"{rng.choice(TITLES)} ({site.code}-{n})",
                    source=rng.choice(CapaSource.values),
                    owner_id=rng.choice(staff),
                    raised_by_id=staff[0],
                    severity=severity,
                    occurrence=occurrence,
                    risk_score=severity * occurrence,
                    risk_band=risk_band(severity * occurrence),
                    state=state,
                    closed_at=closed,
                    root_cause="Scale data root cause" if state != CapaState.OPEN else "",
                    root_cause_category=rng.choice(RootCauseCategory.values) if state != CapaState.OPEN else "",
                    whys=["Why one", "Why two", "Why three"] if state != CapaState.OPEN else [],
                    closed_by_id=staff[0] if closed else None,
                )
            )
            capas[-1]._opened = opened  # set after the insert (auto_now_add)
            done_phase = state in (CapaState.EFFECTIVENESS_CHECK, CapaState.CLOSED)
            for a in range(rng.randint(2, 4)):
                due = (opened + datetime.timedelta(days=rng.randint(10, 120))).date()
                done = done_phase or (state == CapaState.IMPLEMENTATION and a == 0)
                done_at = (
                    datetime.datetime.combine(due, datetime.time(10), tzinfo=datetime.UTC)
                    + datetime.timedelta(days=rng.randint(-20, 15))
                    if done
                    else None
                )
                actions.append(
                    CapaAction(
                        capa_id=pk,
                        kind=rng.choice(ActionKind.values),
                        title=f"Action {a + 1}",
                        owner_id=rng.choice(staff),
                        due_date=due,
                        status=ActionStatus.DONE if done else ActionStatus.OPEN,
                        done_at=done_at,
                        done_by_id=staff[0] if done else None,
                        evidence_note="Scale evidence" if done else "",
                    )
                )
            if done_phase:
                start = (closed or now).date() - datetime.timedelta(days=90)
                evaluated = state == CapaState.CLOSED or rng.random() < 0.3
                passed = state == CapaState.CLOSED or rng.random() < 0.5
                checks.append(
                    EffectivenessCheck(
                        capa_id=pk,
                        criterion=CheckCriterion.NO_RECURRENCE,
                        months=3,
                        window_start=start,
                        due_date=min(today, start + datetime.timedelta(days=90))
                        if evaluated
                        else today + datetime.timedelta(days=30),
                        planned_by_id=staff[0],
                        status=(CheckStatus.PASSED if passed else CheckStatus.FAILED)
                        if evaluated
                        else CheckStatus.PENDING,
                        measured_value=0 if passed else 1,
                        evaluated_at=(closed or now) if evaluated else None,
                        measured_text="Scale data",
                    )
                )
    Capa._base_manager.bulk_create(capas, batch_size=BATCH)
    log(f"  capa: {len(capas):,} CAPAs")
    with connection.cursor() as cursor:
        values = [(c._opened, c.pk) for c in capas]
        for start in range(0, len(values), BATCH):
            chunk = values[start : start + BATCH]
            cursor.execute(
                "UPDATE capa_capa c SET opened_at = v.opened FROM (SELECT unnest(%s::timestamptz[]) AS opened, "
                "unnest(%s::bigint[]) AS id) v WHERE c.id = v.id",
                [[o for o, _pk in chunk], [pk for _o, pk in chunk]],
            )
    CapaAction._base_manager.bulk_create(actions, batch_size=BATCH)
    EffectivenessCheck._base_manager.bulk_create(checks, batch_size=BATCH)
    log(f"  capa: {len(actions):,} actions, {len(checks):,} effectiveness checks")
    return {"capas": len(capas), "actions": len(actions), "checks": len(checks)}
