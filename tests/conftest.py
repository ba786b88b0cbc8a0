import os

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: cached sites, pages and fragments from an
    earlier test may point at rows its flush has deleted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _serialized_snapshot_on_every_connection(django_db_setup, django_db_blocker):
    """Serialized rollback restores from `connection._test_serialized_contents`, which
    only the connection object that set up the database carries.  Playwright's sync API
    runs an event loop in the test thread, and Django's context-local connection handler
    then creates fresh connection objects: their restore was silently skipped and later
    tests lost the rows migrations made.  Every new default connection gets the snapshot.
    """
    from django.db import connections

    snapshot = getattr(connections["default"], "_test_serialized_contents", None)
    original = connections.create_connection

    def create_connection(alias):
        conn = original(alias)
        if alias == "default" and snapshot is not None:
            conn._test_serialized_contents = snapshot
        return conn

    connections.create_connection = create_connection
    yield
    connections.create_connection = original


@pytest.fixture
def tree(db):
    return factories.city_tree()


@pytest.fixture
def community(tree):
    return tree["community"]


@pytest.fixture
def grid(tree):
    return tree["grid"]


@pytest.fixture
def resident(tree):
    return factories.resident(tree["grid"])


@pytest.fixture
def committee_member(tree):
    return factories.member("committee", tree["community"])


@pytest.fixture
def w(tree):
    """The triage world (tests.triage.factories.world: organisations, staff, service
    types) on the test tree, with the tree."""
    from tests.triage.factories import world

    data = world(tree)
    data["tree"] = tree
    return data


@pytest.fixture
def is_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _floating_balances_at_insert(request):
    """A test inside one database transaction that never commits (pytest-django's
    default) would never fire the ledger's deferred trigger that adds a community's
    issuance entries to its balance at COMMIT (credits migration 0006): there it fires
    at each insert instead, so the test sees the ledger as it stands after a commit.
    Transactional tests (concurrency, browser journeys) commit, and keep it deferred."""
    marker = request.node.get_closest_marker("django_db")
    fixtures = request.fixturenames
    if marker is None and "db" not in fixtures:
        yield
        return
    transactional = bool(
        (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )
    from django.db import connection

    if not transactional and connection.vendor == "postgresql":
        request.getfixturevalue("db")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS credits_entry_float IMMEDIATE")
    yield


def pytest_configure(config):
    # DJANGO_SETTINGS_MODULE in the environment beats pyproject.toml in pytest-django:
    # refuse to run the suite on dev or production settings by accident.
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    if module != "portal.settings.test":
        raise pytest.UsageError(f"tests need portal.settings.test, not {module}")


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_pg = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (CI runs it with DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_pg:
            item.add_marker(skip_pg)
        # Transactional tests (browser journeys, concurrency) flush the database; with
        # serialized rollback what migrations made (home page, site, deliberation
        # formats) is restored for the tests after them.
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction"):
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
