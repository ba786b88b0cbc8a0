from django.db import transaction

from portal.db_router import ReplicaRouter
from portal.models import User


def test_reads_go_to_the_replica_outside_transactions(settings, transactional_db):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    router = ReplicaRouter()
    assert router.db_for_read(User) == "replica"
    with transaction.atomic():
        assert router.db_for_read(User) == "default"
    assert router.db_for_write(User) == "default"
    assert router.allow_migrate("replica", "portal") is False
