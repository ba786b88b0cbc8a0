"""Build a believable Chinese demo site.  Idempotent: a second run changes nothing.

Order: people and places (portal.demo), pages (cms.demo), then each domain app's
`<app>/demo.py:load(ctx)` when the app provides one.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation

from portal.demo import DemoContext, load_base

APP_DEMOS = ["cms.demo", "credits.demo", "deliberation.demo", "triage.demo"]


class Command(BaseCommand):
    help = "Load demo content (areas, people, pages, activities, ledger, requests)."

    def handle(self, *args, **options):
        # Demo accounts have published passwords (admin / demo-Pass-2026): never on a
        # real site.  Checked before the first query, so nothing is written.
        if not getattr(settings, "PORTAL_ALLOW_DEMO_CONTENT", False):
            raise CommandError(
                "load_demo refuses to run here: these settings are not dev or test "
                "(PORTAL_ALLOW_DEMO_CONTENT is off). Demo accounts have published passwords."
            )
        ctx = DemoContext(stdout=self.stdout)
        # Demo content is written in the site's language, whatever language the process
        # happens to have active (a timeline note stores the label it was written with).
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            load_base(ctx)
        self.stdout.write("demo: areas, organisations and people ready")
        for module_name in APP_DEMOS:
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    continue
                raise
            with transaction.atomic():
                module.load(ctx)
            self.stdout.write(f"demo: {module_name} ready")
