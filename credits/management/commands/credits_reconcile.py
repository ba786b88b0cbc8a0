"""`manage.py credits_reconcile`: check every ledger invariant; exit 1 naming the accounts."""

from django.core.management.base import BaseCommand, CommandError

from credits.reconcile import reconcile


class Command(BaseCommand):
    help = "Check every moral-bank ledger invariant; exit non-zero naming the accounts at fault."

    def handle(self, *args, **options):
        problems = reconcile()
        for problem in problems:
            self.stderr.write(str(problem))
        if problems:
            accounts = sorted({p.account_id for p in problems if p.account_id is not None})
            raise CommandError(
                f"{len(problems)} problem(s); accounts: {', '.join(map(str, accounts)) or '-'}"
            )
        self.stdout.write("credits ledger reconciled: every invariant holds")
