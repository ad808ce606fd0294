"""``manage.py import_org FILE.csv [--dry-run] [--only-valid] [--as USERNAME]``: the org import, command line."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ims.org.importer import org_import
from ims.org.models import Person


class Command(BaseCommand):
    help = (
        "Import people and memberships from a CSV file (docs/import-format.md). Nothing is written unless every "
        "row is valid, or --only-valid is given. Without --as, the command line may import for every site."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the CSV file (UTF-8, ',' or ';' separated)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--only-valid", action="store_true", help="import the valid rows even if others fail")
        parser.add_argument(
            "--as", dest="as_username", metavar="USERNAME", help="import with this person's site permissions"
        )

    def handle(self, *args, file: str, dry_run: bool, only_valid: bool, as_username: str | None, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = None
        if as_username:
            actor = Person.objects.filter(username__iexact=as_username, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active person with the username {as_username!r}.")
        report = org_import(
            actor=actor, content=path.read_bytes(), dry_run=dry_run, only_valid_rows=only_valid, source="command line"
        )
        for line in report.summary_lines():
            self.stdout.write(line)
        self.stdout.write(f"Time: {report.duration_seconds:.2f} s")
        for notice in report.notices:
            self.stdout.write(f"Note: {notice}")
        if report.errors:
            self.stdout.write(f"Errors ({len(report.errors)}):")
            for issue in report.errors:
                where = f"line {issue.line}" if issue.line else "file"
                column = f" [{issue.column}]" if issue.column else ""
                self.stdout.write(f"  {where}{column}: {issue.message}")
        if report.rejected:
            raise CommandError("The file has errors; nothing was written.")
        if report.applied:
            self.stdout.write(self.style.SUCCESS("Import applied."))
