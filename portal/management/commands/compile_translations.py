"""Compile every .po file to .mo with polib, so setup needs no GNU gettext install."""

import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the project's locale files (.po → .mo) without GNU gettext."

    def handle(self, *args, **options):
        roots = [Path(p) for p in settings.LOCALE_PATHS]
        roots += [
            Path(settings.BASE_DIR) / app / "locale"
            for app in ("cms", "deliberation", "credits", "triage", "api")
        ]
        count = 0
        for root in roots:
            for po_path in root.glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                # Written aside and moved into place: a suite running beside this one (CI
                # runs SQLite and PostgreSQL together) never reads half a catalogue.
                tmp = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
                polib.pofile(str(po_path)).save_as_mofile(str(tmp))
                os.replace(tmp, mo_path)
                count += 1
        self.stdout.write(f"compiled {count} catalogue(s)")
