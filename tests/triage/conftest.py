import pytest

from tests import factories
from tests.triage.factories import world


@pytest.fixture
def w(tree):
    data = world(tree)
    data["tree"] = tree
    data["resident"] = factories.resident(tree["grid"], phone="13912345678")
    return data
