import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories
from tests.triage.factories import png
from triage import services
from triage.models import Request

pytestmark = pytest.mark.django_db


def hotline_request(w):
    return services.request_submit(
        channel="hotline",
        text="来电人反映：马路上的井盖丢了，很危险",
        area=w["tree"]["grid"],
        reporter=w["resident"],
        entered_by=w["people"]["hotline"],
        reporter_name="王秀英",
        reporter_phone="13711112222",
        address="湛山花园3号楼2单元",
        service_type=w["types"]["road"],
    )


def test_reporter_identity_is_shown_only_to_handlers(client, w):
    req = hotline_request(w)
    url = reverse("triage:detail", args=[req.pk])
    secrets = ["王秀英", "13711112222", "湛山花园3号楼2单元"]
    page = client.get(url).content.decode()  # anonymous public view
    assert "井盖丢了" in page
    assert not any(s in page for s in secrets)
    neighbour = factories.resident(w["tree"]["grid"])
    client.force_login(neighbour)
    page = client.get(url).content.decode()
    assert not any(s in page for s in secrets)
    client.force_login(w["people"]["shuiwu"])  # a department not handling it
    assert "13711112222" not in client.get(url).content.decode()
    client.force_login(w["people"]["chengguan"])
    page = client.get(url).content.decode()
    assert all(s in page for s in secrets)
    listing = client.get(reverse("triage:index")).content.decode()
    assert "井盖丢了" in listing and "王秀英" not in listing


def test_private_matters_are_not_public(client, w):
    req = services.request_submit(
        channel="web",
        text="家里马桶堵了，想找个疏通师傅",
        area=w["tree"]["grid"],
        reporter=w["resident"],
    )
    assert req.request_class == "private"
    assert client.get(reverse("triage:detail", args=[req.pk])).status_code == 404
    client.force_login(w["resident"])
    page = client.get(reverse("triage:detail", args=[req.pk])).content.decode()
    assert "巧手家政服务中心" in page


def test_resident_reports_through_the_form(client, w):
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"),
        {
            "text": "楼下烧烤油烟太大晚上睡不着",
            "contact": "site",
            "address": "",
            "photos": [png("a.png"), png("b.png")],
        },
    )
    req = Request.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("triage:detail", args=[req.pk])
    assert req.reporter == w["resident"] and req.channel == "web" and req.photos.count() == 2


def test_form_shows_errors_and_writes_nothing(client, w):
    client.force_login(w["resident"])
    r = client.post(
        reverse("triage:new"),
        {"text": "路灯坏了", "contact": "site", "lat": "36.3", "lon": "120.9"},
    )
    assert r.status_code == 200 and "lat" in r.context["form"].errors
    assert "第一网格范围内" in r.content.decode()
    r = client.post(
        reverse("triage:new"),
        {
            "text": "路灯坏了",
            "contact": "site",
            "photos": [png(f"{i}.png") for i in range(10)],
        },
    )
    assert r.status_code == 200 and "photos" in r.context["form"].errors
    assert Request.objects.count() == 0


def test_grid_worker_enters_a_request_for_a_resident(client, w):
    client.force_login(w["people"]["grid_worker"])
    r = client.post(
        reverse("triage:intake"),
        {
            "channel": "grid_worker",
            "grid": w["tree"]["grid"].pk,
            "resident_phone": "13912345678",
            "reporter_name": "",
            "text": "走访3号楼王大爷，反映楼道声控灯坏了两个月",
            "contact": "phone",
        },
    )
    assert r.status_code == 302
    req = Request.objects.get()
    assert req.channel == "grid_worker" and req.reporter == w["resident"]
    assert req.entered_by == w["people"]["grid_worker"]


def test_residents_cannot_use_intake(client, w):
    client.force_login(w["resident"])
    assert client.get(reverse("triage:intake")).status_code == 403


def test_handler_replies_and_resident_rates_through_pages(client, w):
    req = hotline_request(w)
    client.force_login(w["people"]["chengguan"])
    inbox = client.get(reverse("triage:inbox", args=[w["orgs"]["chengguan"].pk]))
    assert req.number in inbox.content.decode()
    client.post(reverse("triage:reply", args=[req.pk]), {"reply": "已更换井盖"})
    client.force_login(w["resident"])
    client.post(reverse("triage:rate", args=[req.pk]), {"score": "4"})
    req.refresh_from_db()
    assert req.status == "closed" and req.satisfaction == 4


def test_other_inboxes_are_closed(client, w):
    client.force_login(w["people"]["shuiwu"])
    assert client.get(reverse("triage:inbox", args=[w["orgs"]["chengguan"].pk])).status_code == 403


def test_dashboard_figures_query_count_and_export(client, w, django_assert_max_num_queries):
    req = hotline_request(w)
    services.request_reply(request=req, actor=w["people"]["chengguan"], reply="已处理")
    services.request_rate(request=req, user=w["resident"], score=5)
    from triage.selectors import dashboard_stats

    # The daily counts' class x channel sums, and the overdue requests of this moment:
    # constant in the number of requests (tests/triage/test_dashboard_trends.py).
    with django_assert_max_num_queries(2):
        stats = dashboard_stats(w["tree"]["district"])
    assert stats["total"] == 1 and stats["completion_rate"] == 100.0
    by_class = {str(bar["label"]): bar["n"] for bar in stats["by_class"]}
    by_channel = {str(bar["label"]): bar["n"] for bar in stats["by_channel"]}
    assert sum(by_class.values()) == 1 and by_class[str(req.get_request_class_display())] == 1
    assert sum(by_channel.values()) == 1 and by_channel[str(req.get_channel_display())] == 1
    assert stats["on_time_rate"] == 100.0 and stats["satisfaction"] == 5
    client.force_login(w["people"]["committee"])
    page = client.get(reverse("triage:dashboard"))
    assert page.status_code == 200 and "<svg" in page.content.decode()
    x = client.get(reverse("triage:export") + f"?area={w['tree']['community'].pk}")
    wb = load_workbook(io.BytesIO(x.content))
    cells = [c for row in wb.worksheets[1].iter_rows(values_only=True) for c in row]
    assert req.number in cells and "13711112222" not in map(str, cells)


def test_grid_workers_see_their_community_figures(client, w):
    client.force_login(w["people"]["grid_worker"])
    page = client.get(reverse("triage:dashboard"))
    assert page.status_code == 200 and "新湛社区" in page.content.decode()


def test_dashboard_area_picker_is_a_form_field_that_keeps_the_chosen_area(client, w):
    client.force_login(w["people"]["committee"])
    community = w["tree"]["community"]
    html = client.get(reverse("triage:dashboard"), {"area": community.pk}).content.decode()
    select = re.search(r"<select[^>]*name=\"area\"[^>]*>", html).group(0)
    assert 'id="area"' in select and 'name="area"' in select and "data-autosubmit" in select
    assert '<label for="area">' in html
    assert re.search(rf'<option value="{community.pk}"[^>]*selected', html)


def test_residents_have_no_dashboard(client, w):
    client.force_login(w["resident"])
    assert client.get(reverse("triage:dashboard")).status_code == 403


def test_triage_queue_lists_uncertain_requests(client, w, settings):
    settings.TRIAGE_CONFIDENCE_THRESHOLD = 1.01
    req = services.request_submit(
        channel="web", text="那个事还是没人管", area=w["tree"]["grid"], reporter=w["resident"]
    )
    client.force_login(w["people"]["committee"])
    assert req.number in client.get(reverse("triage:queue")).content.decode()
    client.post(reverse("triage:confirm", args=[req.pk]), {"request_class": "community"})
    assert Request.objects.get(pk=req.pk).status == "assigned"


def test_dashboard_panel_and_pages_render(client, w):
    hotline_request(w)
    client.force_login(w["resident"])
    page = client.get(reverse("portal:dashboard")).content.decode()
    assert "SR" in page
    for name in ["triage:index", "triage:new", "triage:directory"]:
        assert client.get(reverse(name)).status_code == 200


def test_hotline_staff_enter_calls_other_departments_cannot(client, w):
    client.force_login(w["people"]["chengguan"])
    assert client.get(reverse("triage:intake")).status_code == 403
    client.force_login(w["people"]["hotline"])
    r = client.post(
        reverse("triage:intake"),
        {
            "channel": "hotline",
            "grid": w["tree"]["grid2"].pk,
            "resident_phone": "13500001111",
            "reporter_name": "赵先生",
            "text": "来电人反映：家门口马路上的供水管爆了，水流了一地",
            "contact": "phone",
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    req = Request.objects.get()
    assert req.channel == "hotline" and req.reporter is None
    assert req.reporter_name == "赵先生" and req.area == w["tree"]["grid2"]
    assert req.organisation == w["orgs"]["shuiwu"]


def test_inbox_query_count_is_pinned(client, w, django_assert_num_queries):
    def add(n):
        for i in range(n):
            services.request_submit(
                channel="web",
                text=f"路口井盖丢了第{i}个，很危险",
                area=w["tree"]["grid"],
                reporter=w["resident"],
                service_type=w["types"]["road"],
            )

    add(3)
    client.force_login(w["people"]["chengguan"])
    url = reverse("triage:inbox", args=[w["orgs"]["chengguan"].pk])
    client.get(url)  # warm per-process caches (site settings, translations)
    # session, memberships, organisation tree (who may read what), site, inbox… and the
    # list's filters (service types, areas) and its row count (portal/listing.py); the
    # user row comes from the cache (portal.middleware.CachedAuthenticationMiddleware)
    with django_assert_num_queries(9):
        client.get(url)
    add(7)
    with django_assert_num_queries(9):  # the same with 10 rows: no query per row
        page = client.get(url)
    assert page.content.decode().count("SR0") == 10


def test_community_section_shows_the_figures(rf, w):
    from django.contrib.auth.models import AnonymousUser

    from cms.sections import sections_for

    hotline_request(w)
    request = rf.get("/")
    request.user = AnonymousUser()
    from triage.selectors import section_context

    assert section_context(request, w["tree"]["community"])["stats"]["total"] == 1
    html = "".join(sections_for(request, w["tree"]["community"]))
    assert 'data-testid="triage-section"' in html


def test_the_retrain_task_uses_staff_labels(w):
    from triage import tasks
    from triage.models import Label

    Label.objects.create(target="class", text="小区喷泉的水发臭了", label="小事")
    assert tasks.retrain.delay("class").get() == 2
    assert tasks.escalate_overdue.delay().get() == 0


def test_service_types_are_edited_in_the_wagtail_admin(client, w, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = False
    admin = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    listing = client.get("/admin/snippets/triage/servicetype/")
    assert listing.status_code == 200 and "道路设施" in listing.content.decode()
    edit = client.get(f"/admin/snippets/triage/servicetype/edit/{w['types']['road'].pk}/")
    assert edit.status_code == 200 and "keywords" in edit.content.decode()


def test_detail_works_out_the_viewers_standing_once(client, w, django_assert_num_queries):
    """The page asks handle/supervise/triage/see-reporter several times; each is worked
    out once (it used to be up to three organisation look-ups for the same answer)."""
    req = hotline_request(w)
    url = reverse("triage:detail", args=[req.pk])
    supervisor = w["people"]["gov"]
    assert services.can_supervise(supervisor, req)
    client.force_login(supervisor)
    client.get(url)
    # + the organisation tree of the reading rule (the user row comes from the cache)
    with django_assert_num_queries(7):
        page = client.get(url)
    assert page.status_code == 200 and "13711112222" in page.content.decode()
    client.force_login(w["people"]["grid_worker"])  # no supervising role: no chain walk
    client.get(url)
    with django_assert_num_queries(5):  # + may they read the whole record: one EXISTS
        assert client.get(url).status_code == 200


def test_dashboard_costs_the_same_however_many_areas_the_viewer_oversees(
    client, w, django_assert_max_num_queries
):
    """The area picker drills down: the viewer's own areas, the chosen area's ancestors,
    the area and its children, never every area of a city (1,111 options for a whole
    city); the options' full names come from one query, not one per area."""
    from tests import factories

    tree = w["tree"]
    client.force_login(w["people"]["chengguan"])  # a district department
    at_street = reverse("triage:dashboard") + f"?area={tree['street'].pk}"
    client.get(at_street)
    with django_assert_max_num_queries(60) as few:
        client.get(at_street)
    for i in range(12):
        factories.area(tree["street"], "community", f"新建社区{i}")
    client.get(at_street)  # the site's cache, dropped by the new areas, is warm again
    with django_assert_max_num_queries(60) as many:
        page = client.get(at_street)
    assert "新建社区11" in page.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    choices = [label for _pk, label in page.context["form"].fields["area"].choices]
    assert len(choices) == 1 + 1 + 2 + 12  # the district, the street, its communities
    # At the district the street's communities are one step further down: not listed.
    page = client.get(reverse("triage:dashboard"))
    assert page.context["area"] == tree["district"]
    assert "新建社区11" not in page.content.decode()
    assert len(page.context["form"].fields["area"].choices) == 2  # district and street


def test_a_dashboard_area_outside_the_viewers_own_falls_back_to_theirs(client, w):
    """A community committee asking for its district's, another community's or a made-up
    area's figures sees its own community's, and the picker never offers the wider ones."""
    tree = w["tree"]
    client.force_login(w["people"]["committee"])
    for wanted in (tree["district"].pk, tree["other_community"].pk, tree["grid"].pk, "x", 10**9):
        page = client.get(reverse("triage:dashboard"), {"area": wanted})
        assert page.status_code == 200 and page.context["area"] == tree["community"], wanted
        offered = {int(pk) for pk, _label in page.context["form"].fields["area"].choices}
        assert offered == {tree["community"].pk}
