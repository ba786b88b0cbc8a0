"""Rebuild the requests' daily counts from the requests themselves.

The counts are kept on every save of a request; run this after writes that bypass it (bulk
imports, `QuerySet.update`, raw SQL) or to repair the table.  `--check` only compares."""

from django.core.management.base import BaseCommand, CommandError

from triage import daily_counts


class Command(BaseCommand):
    help = "Rebuild triage's daily request counts from the requests (or --check them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Compare with a full count; change nothing."
        )

    def handle(self, *args, check=False, **options):
        if check:
            want, have = daily_counts.recount(), daily_counts.stored()
            wrong = {k for k in want.keys() | have.keys() if want.get(k) != have.get(k)}
            if wrong:
                raise CommandError(f"{len(wrong)} daily count rows differ from a full count.")
            self.stdout.write(f"daily counts match a full count ({len(want)} rows).")
            return
        rows = daily_counts.rebuild()
        self.stdout.write(f"daily counts rebuilt: {rows} rows.")
