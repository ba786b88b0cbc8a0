"""The same offline draft sent from two tabs at the same moment (PostgreSQL: a real
second connection): one request, and both sendings are answered with it."""

import uuid

import pytest

from tests import factories
from tests.credits.test_concurrency_pg import run_concurrently
from tests.triage.factories import world
from triage.models import Request
from triage.services.intake import request_submit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_one_key_sent_at_once_from_four_tabs_makes_one_request(tree):
    world(tree)
    resident = factories.resident(tree["grid"])
    key = uuid.uuid4()
    results = run_concurrently(
        4,
        lambda i: (
            request_submit(
                channel="web",
                text="楼道里堆满了杂物，消防通道堵了",
                area=tree["grid"],
                reporter=resident,
                client_key=key,
            ).pk
        ),
    )
    assert [r[0] for r in results] == ["ok"] * 4, results
    assert len({r[1] for r in results}) == 1
    assert Request.objects.filter(client_key=key).count() == 1
