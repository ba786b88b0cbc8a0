"""The OpenAPI 3 document, checked against the OpenAPI specification, and a property-based
run (schemathesis, on Hypothesis) of every operation it describes against the app itself:
no 500, every status code documented, every response body matching its schema."""

import datetime

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import SHANGHAI, make_request

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/v1/areas/"),
    ("get", "/api/v1/areas/{code}/"),
    ("get", "/api/v1/communities/"),
    ("get", "/api/v1/communities/{code}/"),
    ("get", "/api/v1/topics/"),
    ("get", "/api/v1/topics/{id}/"),
    ("get", "/api/v1/sessions/"),
    ("get", "/api/v1/sessions/{id}/"),
    ("get", "/api/v1/outcomes/"),
    ("get", "/api/v1/outcomes/{id}/"),
    ("get", "/api/v1/request-statistics/"),
    ("get", "/api/v1/moral-bank/"),
    ("get", "/api/v1/moral-bank/{code}/"),
}


def test_the_document_is_valid_openapi_3_and_describes_every_endpoint(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    doc = response.json()
    validate(doc)  # raises on any violation of the OpenAPI 3 specification
    assert doc["openapi"].startswith("3.")
    found = {(m, p) for p, item in doc["paths"].items() for m in item}
    assert found == OPERATIONS
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        assert "200" in responses and "429" in responses, path
        assert "404" in responses, path  # an unknown id, or a page past the last


@pytest.fixture
def api_schema(tree, deliberation_data, moral_bank_data, settings):
    """The document as the app serves it, with data behind it to find."""
    settings.PUBLIC_API_RATE = "1000000/min"
    for i in range(3):
        make_request(tree["grid"], at=datetime.datetime(2026, 1 + i, 5, tzinfo=SHANGHAI))
    # As Django's test client does: a request's end must not close the test's connection
    # (inside its transaction) on PostgreSQL, where connections persist (CONN_MAX_AGE).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


# Cases per operation and mode; 13 operations x 2 modes x 20 stay well under a minute.
EXAMPLES = 20
# A valid-looking value that names nothing (a community code no community has), date or
# month bounds in the wrong order, a level above the area: the document cannot say these
# in JSON Schema, so a schema-valid request may still be a 400 naming one of these.
DATA_DEPENDENT = {
    "community",
    "parent",
    "area",
    "level",
    "created_before",
    "starts_before",
    "decided_before",
    "month_from",  # year 0000 matches the pattern and is no month
    "month_to",
}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_holds_to_its_schema(api_schema, mode):
    """Valid input (positive) and input the document forbids (negative): never a 500,
    every status documented, every body matching its schema, invalid input refused."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {(op.method.lower(), op.path) for op in operations} == OPERATIONS
    ran, statuses = [], set()
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,  # the same cases every run: CI stays reproducible
            database=None,
        )
        def run(case):
            response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
            statuses.add(response.status_code)
            if mode is GenerationMode.POSITIVE and response.status_code == 400:
                assert set(response.json()["errors"]) <= DATA_DEPENDENT, response.text

        try:
            run()
        except Unsatisfiable:
            # No request can break this operation's document: nothing to send.
            assert mode is GenerationMode.NEGATIVE
            continue
        ran.append(operation.path)
    assert 500 not in statuses
    if mode is GenerationMode.POSITIVE:
        assert len(ran) == len(OPERATIONS) and 200 in statuses
    else:
        assert len(ran) >= 8 and 400 in statuses, ran
