"""``manage.py verify_pack PACK.zip``: the offline checks, the portal's seal, and the pack's record here."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Verify an evidence-pack bundle: file hashes, manifest digest, seal, and the release in this portal."

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="The pack's ZIP bundle")

    def handle(self, *args, bundle: str, **options):
        from evidence.services import bundle_verify

        path = Path(bundle)
        if not path.is_file():
            raise CommandError(f"{bundle}: no such file")
        problems = bundle_verify(path)
        for problem in problems:
            self.stderr.write(f"FAIL  {problem}")
        if problems:
            raise CommandError(f"{path.name}: the pack does not verify ({len(problems)} problem(s))")
        self.stdout.write(self.style.SUCCESS(f"{path.name}: PACK OK (files, manifest digest, seal and release)"))
