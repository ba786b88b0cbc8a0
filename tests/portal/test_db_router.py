import pytest
from django.db import transaction

from portal import db_router
from portal.models import User


@pytest.mark.django_db(transaction=True)
def test_reads_go_to_the_replica_outside_transactions(monkeypatch):
    # Patch the replica list, not settings.DATABASES: overriding DATABASES rebuilds the
    # connections and would drop the test database's serialized snapshot.
    monkeypatch.setattr(db_router, "replicas", lambda: ["replica"])
    router = db_router.ReplicaRouter()
    assert router.db_for_read(User) == "replica"
    with transaction.atomic():
        assert router.db_for_read(User) == "default"
    assert router.db_for_write(User) == "default"
    assert router.allow_migrate("replica", "portal") is False


def test_without_replicas_everything_uses_default():
    assert db_router.ReplicaRouter().db_for_read(User) == "default"
