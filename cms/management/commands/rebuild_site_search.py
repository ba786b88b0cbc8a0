"""Write every site-search document again (after a bulk import, or a first deploy)."""

from django.core.management.base import BaseCommand

from cms.search_documents import rebuild


class Command(BaseCommand):
    help = "Rebuild the site search's documents from pages, topics, requests and the rest."

    def handle(self, *args, **options):
        total = rebuild(stdout=self.stdout)
        self.stdout.write(f"search: {total} documents")
