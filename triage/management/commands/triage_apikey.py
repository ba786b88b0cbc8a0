from django.core.management.base import BaseCommand

from triage.models import ApiKey


class Command(BaseCommand):
    help = "Issue an Open311 API key (printed once; only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        _key, raw = ApiKey.issue(name)
        self.stdout.write(raw)
