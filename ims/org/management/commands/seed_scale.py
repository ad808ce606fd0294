"""``manage.py seed_scale --size {small,large}``: a large organisation for benchmarks and scale tests.

large: 40 sites, 60 functions, 25,000 people, about 40,000 memberships; small: 5 sites,
12 functions, 500 people, about 800 memberships. Built with bulk inserts, one shared
unusable password hash (nobody logs in as these people) and one permission sync at the end.

Idempotent: the scale data is recognised by its employee ids (``SC-…``); when it is already
present the command reports what is there and changes nothing.

Domain apps add their scale records through ``AppConfig.scale_seed(size_name, seed, log)`` (the kernel imports
no app), called in ``INSTALLED_APPS`` order after the organisation exists, each in its own transaction and
idempotent itself: on an organisation seeded before an app had scale data, the app's data is added.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from ims.access.sync import person_permissions_sync
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Person, Role, Site

EMPLOYEE_PREFIX = "SC-"
SITE_PREFIX = "SC"
FUNCTION_PREFIX = "SF"
ADMIN_USERNAME = "scale.admin"


@dataclass(frozen=True)
class Size:
    sites: int
    functions: int
    people: int
    second_membership_share: float


SIZES = {
    "small": Size(sites=5, functions=12, people=500, second_membership_share=0.6),
    "large": Size(sites=40, functions=60, people=25_000, second_membership_share=0.6),
}

PLACES = (
    ("Basel", "CH", "Europe/Zurich"), ("Cork", "IE", "Europe/Dublin"), ("Raleigh", "US", "America/New_York"),
    ("Singapore", "SG", "Asia/Singapore"), ("Lyon", "FR", "Europe/Paris"), ("Penzberg", "DE", "Europe/Berlin"),
    ("Kalundborg", "DK", "Europe/Copenhagen"), ("Puurs", "BE", "Europe/Brussels"), ("Sligo", "IE", "Europe/Dublin"),
    ("Hyderabad", "IN", "Asia/Kolkata"), ("Suzhou", "CN", "Asia/Shanghai"), ("Osaka", "JP", "Asia/Tokyo"),
    ("São Paulo", "BR", "America/Sao_Paulo"), ("Toronto", "CA", "America/Toronto"),
    ("Boston", "US", "America/New_York"), ("San Diego", "US", "America/Los_Angeles"),
    ("Melbourne", "AU", "Australia/Melbourne"), ("Monza", "IT", "Europe/Rome"),
    ("León", "ES", "Europe/Madrid"), ("Kraków", "PL", "Europe/Warsaw"),
)  # fmt: skip
FUNCTION_NAMES = (
    "Production", "Quality Assurance", "Quality Control", "Regulatory Affairs", "Environment, Health & Safety",
    "Engineering & Maintenance", "Supply Chain", "Human Resources", "Validation", "Microbiology", "Packaging",
    "Warehouse", "Finance", "IT", "Procurement", "Medical Affairs",
)  # fmt: skip
FIRST_NAMES = (
    "Anna", "Luca", "Sofia", "Noah", "Léa", "Jonas", "Zoë", "Mateo", "Chloé", "Emil", "Aoife", "Seán", "Priya",
    "Rahul", "Mei", "Wei", "Yuki", "Haruto", "José", "Lucía", "Björn", "Åsa", "Łukasz", "Zofia", "Olivia", "Liam",
    "Fatima", "Omar", "Ngozi", "Kwame", "Ana", "João", "Élodie", "Mathis", "Ingrid", "Lars", "Chiara", "Marco",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmid", "Keller", "Dubois", "Martin", "Rossi", "Bianchi", "Murphy", "Kelly", "Smith", "Johnson",
    "Garcia", "Fernández", "Silva", "Santos", "Nowak", "Kowalski", "Andersen", "Nielsen", "Patel", "Sharma",
    "Chen", "Wang", "Tanaka", "Sato", "Kim", "Nguyen", "Okafor", "Mensah", "O'Brien", "Ó Súilleabháin", "Zürcher",
)  # fmt: skip
SPECIAL_ROLES = (  # per site: role and how many holders
    (RoleCode.QUALITY_MANAGER, 2), (RoleCode.COMPLIANCE_OFFICER, 2), (RoleCode.PROCESS_OWNER, 6),
    (RoleCode.DEPARTMENT_HEAD, 8), (RoleCode.INTERNAL_AUDITOR, 3), (RoleCode.TRAINER, 4), (RoleCode.INSPECTOR, 1),
)  # fmt: skip


def scale_people_count() -> int:
    return Person.objects.filter(employee_id__startswith=EMPLOYEE_PREFIX).count()


class Command(BaseCommand):
    help = "Create a large organisation for benchmarks (bulk inserts). Changes nothing if it is already present."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (the data is reproducible)")

    def handle(self, *args, size: str, seed: int, **options) -> None:
        present = scale_people_count()
        if present:
            self.stdout.write(
                f"Scale data already present ({present:,} people with employee ids {EMPLOYEE_PREFIX}…); "
                "nothing changed."
            )
            size = present_size_name() or size
        else:
            started = time.monotonic()
            counts = seed_scale(SIZES[size], seed=seed, log=self.stdout.write)
            elapsed = time.monotonic() - started
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {size}: {counts['sites']} sites, {counts['functions']} functions, "
                    f"{counts['people']:,} people, {counts['memberships']:,} memberships in {elapsed:.1f} s."
                )
            )
        for config in apps.get_app_configs():  # INSTALLED_APPS order: documents before policies
            # Domain apps add their scale records through ``AppConfig.scale_seed()`` (the kernel imports no app).
            scale_seed = getattr(config, "scale_seed", None)
            if callable(scale_seed):
                self.stdout.write(f"{config.verbose_name}: {scale_seed(size, seed, self.stdout.write)}.")


def present_size_name() -> str | None:
    """The size of the scale organisation already in the database (by its number of sites)."""
    sites = Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").count()
    return next((name for name, size in SIZES.items() if size.sites == sites), None)


@transaction.atomic
def seed_scale(size: Size, *, seed: int = 2026, log=print) -> dict[str, int]:
    rng = random.Random(seed)
    step = time.monotonic()

    def done(what: str) -> None:
        nonlocal step
        now = time.monotonic()
        log(f"  {what}: {now - step:.1f} s")
        step = now

    sites = []
    for index in range(size.sites):
        city, country, tz = PLACES[index % len(PLACES)]
        number = index // len(PLACES) + 1
        name = f"{city} Site {number}" if number > 1 else f"{city} Site"
        sites.append(Site(code=f"{SITE_PREFIX}{index + 1:02d}", name=name, country=country, timezone=tz))
    Site.objects.bulk_create(sites)
    functions = []
    for index in range(size.functions):
        base = FUNCTION_NAMES[index % len(FUNCTION_NAMES)]
        group = index // len(FUNCTION_NAMES)
        functions.append(
            Function(
                code=f"{FUNCTION_PREFIX}{index + 1:03d}", name=f"{base} {group + 1}" if group else f"{base} (scale)"
            )
        )
    Function.objects.bulk_create(functions)
    done("sites and functions")

    # The first site is the largest; the others shrink gently, like a real network of plants.
    weights = [1.0 / (i + 1) ** 0.6 for i in range(size.sites)]
    primary_site = [0] * size.people
    # Every site gets its special roles first, then the rest are spread by weight.
    specials: list[tuple[int, str]] = []
    for site_index in range(size.sites):
        for role, holders in SPECIAL_ROLES:
            specials.extend((site_index, role) for _ in range(holders))
    unusable = make_password(None)
    now = timezone.now()
    people: list[Person] = []
    roles_of: list[str] = []
    for index in range(size.people):
        if index < len(specials):
            site_index, role = specials[index]
        else:
            site_index, role = rng.choices(range(size.sites), weights)[0], RoleCode.EMPLOYEE
        primary_site[index] = site_index
        roles_of.append(role)
        number = index + 1
        people.append(
            Person(
                employee_id=f"{EMPLOYEE_PREFIX}{number:06d}",
                username=f"sc{number:06d}",
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"sc{number:06d}@scale.example",
                job_title=str(RoleCode(role).label) if role != RoleCode.EMPLOYEE else "Specialist",
                password=unusable,
                date_joined=now,
            )
        )
    admin = Person(
        employee_id=f"{EMPLOYEE_PREFIX}ADMIN", username=ADMIN_USERNAME, first_name="Scale", last_name="Administrator",
        email="scale.admin@scale.example", job_title="Global IMS Administrator", password=unusable, date_joined=now,
    )  # fmt: skip
    # Department heads (specials) are created first so everyone else can point at one as manager.
    head_count = len(specials)
    Person.objects.bulk_create([admin, *people[:head_count]], batch_size=5000)
    heads_by_site: dict[int, list[Person]] = {}
    for index in range(min(head_count, size.people)):
        if roles_of[index] == RoleCode.DEPARTMENT_HEAD:
            heads_by_site.setdefault(primary_site[index], []).append(people[index])
    for index in range(head_count, size.people):
        heads = heads_by_site.get(primary_site[index])
        if heads:
            people[index].manager_id = rng.choice(heads).pk
    Person.objects.bulk_create(people[head_count:], batch_size=5000)
    done(f"{size.people + 1:,} people")

    roles = {role.code: role for role in Role.objects.all()}
    today = timezone.localdate()
    start = today.replace(year=today.year - 2)
    memberships = [
        Membership(
            person=admin, site=sites[0], function=functions[0], role=roles[RoleCode.GLOBAL_ADMIN], valid_from=start
        )
    ]
    for index, person in enumerate(people):
        site = sites[primary_site[index]]
        function = functions[rng.randrange(size.functions)]
        memberships.append(
            Membership(person=person, site=site, function=function, role=roles[roles_of[index]], valid_from=start)
        )
        if rng.random() < size.second_membership_share:
            other_function = functions[(functions.index(function) + 1 + rng.randrange(size.functions - 1))
                                       % size.functions]  # fmt: skip
            other_site = site if rng.random() < 0.7 else sites[rng.randrange(size.sites)]
            memberships.append(
                Membership(
                    person=person,
                    site=other_site,
                    function=other_function,
                    role=roles[RoleCode.EMPLOYEE],
                    valid_from=start,
                )
            )
    Membership.objects.bulk_create(memberships, batch_size=5000)
    done(f"{len(memberships):,} memberships")
    person_permissions_sync()
    done("permission sync")
    return {
        "sites": len(sites),
        "functions": len(functions),
        "people": size.people + 1,
        "memberships": len(memberships),
    }
