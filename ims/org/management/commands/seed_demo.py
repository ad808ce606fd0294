"""``manage.py seed_demo``: the Helvetia Biologics demo organisation (idempotent: a second run changes nothing)."""

from __future__ import annotations

import logging

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction

from ims.org.demo import COMPANY, DEMO_LOGINS, demo_seed

logger = logging.getLogger("ims.demo")


class Command(BaseCommand):
    help = "Create the demo organisation with one login per role. Running it again changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--i-know-this-is-not-production",
            action="store_true",
            dest="not_production",
            help="Seed even though DJANGO_SECURE=1 (a staging copy, never production).",
        )
        parser.add_argument(
            "--no-logins", action="store_true", help="Do not list the demo logins (make run prints them once)."
        )

    def handle(self, *args, **options) -> None:
        if settings.SECURE and not options["not_production"]:
            # No default accounts in production (ASVS5-6.3.2): the demo logins share one known password.
            raise CommandError(
                "seed_demo creates logins with a shared, published password and refuses to run with "
                "DJANGO_SECURE=1. Pass --i-know-this-is-not-production for a staging copy."
            )
        created, report = demo_seed()
        self.stdout.write(
            f"{COMPANY}: {created['sites']} sites and {created['functions']} functions created; "
            f"people {report.people_created} created, {report.people_updated} updated, "
            f"{report.people_unchanged} unchanged; memberships {report.memberships_created} created, "
            f"{report.memberships_unchanged} unchanged; {created['passwords']} demo passwords set."
        )
        for config in apps.get_app_configs():
            # Domain apps add their demo records through ``AppConfig.demo_seed()`` (the kernel imports no app).
            seed = getattr(config, "demo_seed", None)
            if callable(seed):
                self.stdout.write(f"{config.verbose_name}: {seed_safely(config.verbose_name, seed)}.")
        # The trail of the demo is sealed and verified once, so the integrity page shows a verified run.
        from ims.audit.integrity import integrity_run
        from ims.audit.models import IntegrityRun

        if not IntegrityRun.objects.exists():
            run = integrity_run(trigger="demo seed")
            self.stdout.write(f"Audit trail: {'verified' if run.ok else 'NOT verified: ' + run.first_problem}.")
        if options["no_logins"]:
            return
        self.stdout.write(f"Demo logins (password {settings.IMS_DEMO_PASSWORD}):")
        for username, role, site in DEMO_LOGINS:
            self.stdout.write(f"  {username:<18} {role:<20} {site}")


def seed_safely(name, seed) -> str:
    """Run one app's demo seed in its own transaction. The seed adds what is missing; where people using the
    demo changed a record so that the seed cannot go on (a new draft, a signed step), that app's seed keeps
    what they did, says so and lets the others (and ``make run``) go on."""
    try:
        with transaction.atomic():
            return str(seed())
    except (PermissionDenied, ValidationError, IntegrityError) as exc:
        logger.warning("demo seed of %s left as the users changed it: %s", name, exc)
        return f"left as changed by its users ({exc.__class__.__name__}: {exc})"
