"""Send reads to a replica when one is configured; writes and migrations to default.

Reads inside a transaction on the primary stay on the primary, so a service that
reads what it has just written (and every select_for_update) never sees replica lag.
"""

import random

from django.conf import settings
from django.db import connections


def replicas() -> list[str]:
    return [name for name in settings.DATABASES if name != "default"]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections["default"].in_atomic_block:
            return "default"
        names = replicas()
        return random.choice(names) if names else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"
