import pytest

from tests import factories


@pytest.fixture
def neighbours(tree):
    """Three more confirmed residents of the community."""
    return [factories.resident(tree["grid"]) for _ in range(3)]


@pytest.fixture
def outsider(tree):
    """A confirmed resident of the other community."""
    return factories.resident(tree["other_grid"])


@pytest.fixture(autouse=True)
def _no_staff_mfa(settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False


@pytest.fixture(autouse=True)
def _english_messages():
    """Services speak the active language; assert on the English msgids."""
    from django.utils import translation

    with translation.override("en"):
        yield
