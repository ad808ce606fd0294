from django.core.management.base import BaseCommand

from ims.audit.integrity import integrity_run


class Command(BaseCommand):
    help = (
        "Verify the audit trail (event hashes, neighbours, sealed blocks, seal chain, anchor log) and signatures, "
        "then seal what finished; name the first break."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal", action="store_true", help="Verify only; do not seal the finished transactions afterwards."
        )

    def handle(self, *args, no_seal=False, **options):
        run = integrity_run(trigger="command", seal=not no_seal)
        self.stdout.write(f"Checked {run.events_checked} audit events and {run.seals_checked} seals.")
        if run.ok:
            self.stdout.write(self.style.SUCCESS("Integrity verified: no problem found."))
            return
        self.stdout.write(self.style.ERROR(f"{len(run.problems)} problem(s); the first:"))
        for problem in run.problems:
            self.stdout.write(f"  - {problem}")
        raise SystemExit(1)
