"""Build a believable Chinese demo site.  Idempotent: a second run changes nothing.

Order: people and places (portal.demo), then the loaders named in
`settings.PORTAL_DEMO_LOADERS` (pages, then each domain app), in that order. The settings
are where the apps are composed, so this command (in `cms`) names no app above it.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.module_loading import import_string

from portal.demo import DemoContext, load_base


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
        for dotted in settings.PORTAL_DEMO_LOADERS:
            loader = import_string(dotted)
            with transaction.atomic():
                loader(ctx)
            self.stdout.write(f"demo: {dotted.rsplit('.', 1)[0]} ready")
