"""Monthly request statistics per area, checked against hand-counted requests."""

import datetime

import pytest

from tests.api.conftest import SHANGHAI, make_request

pytestmark = pytest.mark.django_db

URL = "/api/v1/request-statistics/"


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, tzinfo=SHANGHAI)


@pytest.fixture
def requests_2026(tree):
    grid, grid2, other = tree["grid"], tree["grid2"], tree["other_grid"]
    deadline = at(2026, 3, 10)
    # 新湛社区, March 2026: 4 requests
    make_request(
        grid, at=at(2026, 3, 2), deadline=deadline, closed_at=at(2026, 3, 5), satisfaction=5
    )  # on time
    make_request(
        grid2,
        at=at(2026, 3, 3),
        channel="hotline",
        klass="government",
        deadline=deadline,
        closed_at=at(2026, 3, 12),
        satisfaction=2,
    )  # late
    make_request(
        grid,
        at=at(2026, 3, 4),
        channel="api",
        klass="private",
        status="assigned",
        deadline=deadline,
    )
    make_request(
        grid, at=at(2026, 3, 31, 23), channel="grid_worker", klass="", status="submitted"
    )  # 23:00 Shanghai on the 31st is still March
    # mediations in April
    make_request(grid, at=at(2026, 4, 1, 0), mediation="success", closed_at=at(2026, 4, 2))
    make_request(grid, at=at(2026, 4, 2), mediation="failed", closed_at=at(2026, 4, 3))
    # 延安三路社区, March
    make_request(other, at=at(2026, 3, 15), closed_at=at(2026, 3, 16))


def rows(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_one_row_per_community_and_month_with_the_dashboard_figures(client, tree, requests_2026):
    data = rows(client)
    keyed = {(r["area"], r["month"]): r for r in data["results"]}
    assert list(keyed) == [
        (tree["community"].code, "2026-03"),
        (tree["other_community"].code, "2026-03"),
        (tree["community"].code, "2026-04"),
    ]
    march = keyed[(tree["community"].code, "2026-03")]
    assert march["area_name"] == "新湛社区"
    assert march["received"] == 4
    assert march["by_class"] == {"government": 1, "community": 1, "private": 1, "pending": 1}
    assert march["by_channel"] == {"web": 1, "grid_worker": 1, "hotline": 1, "api": 1}
    assert march["closed"] == 2 and march["closure_rate"] == 50.0
    assert march["closed_with_deadline"] == 2 and march["closed_on_time"] == 1
    assert march["on_time_rate"] == 50.0
    assert march["rated"] == 2 and march["satisfaction_average"] == 3.5
    assert march["satisfaction_rate"] == 50.0
    assert march["mediations"] == 0 and march["mediation_success_rate"] is None
    april = keyed[(tree["community"].code, "2026-04")]
    assert (april["mediations"], april["mediations_succeeded"]) == (2, 1)
    assert april["mediation_success_rate"] == 50.0
    assert april["satisfaction_average"] is None and april["on_time_rate"] is None


def test_levels_areas_and_months(client, tree, requests_2026):
    street = rows(client, level="street")["results"]
    assert [(r["area"], r["month"], r["received"]) for r in street] == [
        (tree["street"].code, "2026-03", 5),
        (tree["street"].code, "2026-04", 2),
    ]
    city = rows(client, level="city", month_from="2026-04", month_to="2026-04")["results"]
    assert [(r["area"], r["received"]) for r in city] == [(tree["city"].code, 2)]
    mine = rows(client, area=tree["other_community"].code)["results"]
    assert [(r["area"], r["received"]) for r in mine] == [(tree["other_community"].code, 1)]
    assert rows(client, month_from="2026-05")["count"] == 0
    assert rows(client, month_to="9999-12")["count"] == 3


def test_no_request_text_or_person_appears(client, tree, requests_2026):
    body = client.get(URL).content.decode()
    assert "楼道灯" not in body
