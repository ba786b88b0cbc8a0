import pytest

from tests import factories as base


@pytest.fixture
def volunteer(tree):
    """A confirmed resident of the community who also volunteers there."""
    user = base.resident(tree["grid"])
    base.portal_services.membership_grant(user=user, role="volunteer", area=tree["community"])
    return user
