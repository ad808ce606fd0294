"""``manage.py load_standards``: load the standards and regulations library (idempotent; ``make run`` runs it)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ims.audit.context import audit_context
from processes.library import LibraryError, standards_load


class Command(BaseCommand):
    help = "Load the standards library from its data files. Running it again changes nothing; nothing is deleted."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--directory", type=Path, help="Another folder of library files (default: the product's).")

    def handle(self, *args, directory: Path | None = None, **options) -> None:
        if directory is not None and not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        with audit_context(channel="command", actor_label="load_standards", reason="Standards library loaded"):
            try:
                report = standards_load(directory=directory)
            except LibraryError as error:
                raise CommandError(
                    "The library was not loaded; nothing changed:\n" + "\n".join(error.problems)
                ) from error
        self.stdout.write(report.summary())
