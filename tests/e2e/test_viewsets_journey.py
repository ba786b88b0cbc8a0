"""Journey (issue 16): a committee member makes a session on the Wagtail viewset's form,
finds it in the list, and opens check-in from the row; every page passes the page checks
(axe, Chinese, HTML)."""

import pytest

from deliberation.models import Format, Session
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_committee_makes_a_session_in_the_admin_and_opens_check_in(page, shot, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    from tests.e2e.conftest import sign_in

    tree = factories.city_tree()
    community = tree["community"]
    committee = factories.member("committee", community)
    assert Format.objects.filter(code="speakup", community=None).exists()

    sign_in(page, committee)
    page.goto(page.base_url + "/admin/snippets/deliberation/session/add/")
    page.select_option("#id_community", str(community.pk))
    page.select_option("#id_format", str(Format.objects.get(code="speakup", community=None).pk))
    page.fill("#id_title", "有话大声说：楼道堆物")
    page.fill("#id_starts_at", "2030-05-01 19:00")
    page.fill("#id_ends_at", "2030-05-01 21:00")
    page.fill("#id_place", "社区党群服务中心")
    page.fill("#id_capacity", "20")
    shot("viewsets-1-new-session")
    page.locator("button.action-save").first.click()
    page.wait_for_load_state()
    session = Session.objects.get(title="有话大声说：楼道堆物")
    assert session.created_by == committee

    page.goto(page.base_url + "/admin/snippets/deliberation/session/")
    assert page.get_by_text("有话大声说：楼道堆物").count() >= 1
    shot("viewsets-2-list")
    page.goto(page.base_url + f"/admin/deliberation/sessions/{session.pk}/checkin/")
    assert page.locator("#code").count() == 1
