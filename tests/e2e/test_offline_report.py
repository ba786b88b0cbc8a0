"""Journeys: reporting without signal (issue 13).  A resident fills in the report form
with a photo while the browser is offline; it is kept on the device and shown as 待发送;
when the connection returns it is sent, and exactly one request is made.  A draft the
server refuses stays on the device with the reason; a photo larger than the server takes
is refused on the device before anything is kept.  The site is an installable web app:
its service worker registers at the root and answers an offline navigation with the
offline page, and its manifest is valid."""

import io
import json

import pytest
from PIL import Image

from tests import factories
from tests.e2e.conftest import sign_in
from tests.triage.factories import world
from triage.models import Photo, Request

pytestmark = pytest.mark.django_db(transaction=True)


def photo(name="楼道.png", size=(64, 48)) -> dict:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return {"name": name, "mimeType": "image/png", "buffer": buf.getvalue()}


def open_form(page, user):
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(page, user)
    page.goto(page.base_url + "/triage/new/")
    page.wait_for_load_state("networkidle")


def submit(page):
    page.get_by_test_id("report-form").locator("button[type=submit]").click()


def test_a_report_made_offline_is_kept_shown_waiting_and_sent_once(page, shot):
    tree = factories.city_tree()
    world(tree)
    resident = factories.resident(tree["grid"])
    open_form(page, resident)

    page.context.set_offline(True)
    page.fill("textarea[name=text]", "地下车库没有信号，这里的排水沟堵了，积水很深")
    page.set_input_files("input[name=photos]", [photo()])
    submit(page)
    drafts = page.get_by_test_id("offline-drafts")
    draft = drafts.get_by_test_id("draft")
    assert draft.get_by_test_id("draft-state").inner_text() == "待发送"
    assert "排水沟堵了" in draft.inner_text() and "1 张照片" in draft.inner_text()
    assert page.input_value("textarea[name=text]") == ""  # the form is free for the next one
    shot("offline-1-waiting")
    assert Request.objects.count() == 0

    page.context.set_offline(False)
    drafts.get_by_text("已发送").wait_for()
    assert draft.count() == 0
    req = Request.objects.get()
    assert req.reporter == resident and req.text.startswith("地下车库")
    assert Photo.objects.filter(request=req).count() == 1 and req.client_key is not None
    link = drafts.get_by_role("link", name="查看诉求")
    assert link.get_attribute("href") == f"/triage/r/{req.pk}/"
    shot("offline-2-sent")

    # Opened again, nothing is left to send: still one request.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("draft").count() == 0
    assert Request.objects.count() == 1


def test_a_draft_the_server_refuses_stays_on_the_device_with_the_reason(page, shot):
    tree = factories.city_tree()
    world(tree)
    resident = factories.resident(tree["grid"])
    open_form(page, resident)

    page.context.set_offline(True)
    page.fill("textarea[name=text]", "路灯坏了，晚上看不见路")
    # The typed point sits behind the map picker's "或手动填写纬度和经度".
    page.eval_on_selector("#map-numbers", "d => { d.open = true; }")
    page.fill("input[name=lat]", "36.3")  # outside the grid: the server refuses it
    page.fill("input[name=lon]", "120.9")
    # Leaving the field draws the point and its "outside your grid" line, which moves the
    # button down: done before the tap, as a person does, so the tap lands on the button.
    page.press("input[name=lon]", "Tab")
    page.get_by_text("这个点在您的网格之外").wait_for()
    submit(page)
    draft = page.get_by_test_id("draft")
    assert draft.get_by_test_id("draft-state").inner_text() == "待发送"

    page.context.set_offline(False)
    draft.get_by_test_id("draft-reasons").wait_for()
    assert draft.get_by_test_id("draft-state").inner_text() == "未能发送"
    assert "第一网格" in draft.get_by_test_id("draft-reasons").inner_text()
    assert Request.objects.count() == 0
    shot("offline-3-refused")

    # Still there on the next visit, not sent again by itself.
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("draft-state").inner_text() == "未能发送"
    assert Request.objects.count() == 0

    # Put back in the form, corrected and sent: one request, and the draft is gone.
    page.get_by_test_id("draft-edit").click()
    assert page.input_value("textarea[name=text]") == "路灯坏了，晚上看不见路"
    page.eval_on_selector("#map-numbers", "d => { d.open = true; }")
    page.fill("input[name=lat]", "")
    page.fill("input[name=lon]", "")
    page.get_by_test_id("draft-delete").wait_for()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("draft-delete").click()
    page.get_by_test_id("draft").wait_for(state="detached")
    with page.expect_navigation():
        submit(page)
    assert Request.objects.get().text == "路灯坏了，晚上看不见路"


def test_a_photo_too_large_for_the_server_is_refused_on_the_device(page, settings):
    settings.PORTAL_MAX_IMAGE_BYTES = 2000
    tree = factories.city_tree()
    world(tree)
    open_form(page, factories.resident(tree["grid"]))
    page.context.set_offline(True)
    page.fill("textarea[name=text]", "楼上漏水，照片拍得很大")
    big = photo("大照片.png", (400, 400))
    big["buffer"] = big["buffer"] + b"\0" * 4000
    page.set_input_files("input[name=photos]", [big])
    submit(page)
    status = page.get_by_test_id("offline-drafts").locator("[data-offline-status]")
    assert "大照片.png" in status.inner_text() and "MB" in status.inner_text()
    assert page.get_by_test_id("draft").count() == 0  # nothing kept
    assert page.input_value("textarea[name=text]") == "楼上漏水，照片拍得很大"
    page.context.set_offline(False)


@pytest.mark.service_workers
def test_the_site_installs_and_shows_the_offline_page_without_signal(page, shot):
    page.goto(page.base_url + "/offline/")  # as the worker keeps it (checked like any page)
    page.goto(page.base_url + "/triage/")
    scope = page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == page.base_url + "/"
    page.wait_for_function("(navigator.serviceWorker.controller || {}).state === 'activated'")
    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(page.base_url + manifest_url)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    data = json.loads(manifest.text())
    assert data["name"] == "社区议事厅"
    for icon in data["icons"]:
        assert page.request.get(page.base_url + icon["src"]).ok

    page.context.set_offline(True)
    page.goto(page.base_url + "/deliberation/")
    assert page.locator("h1").inner_text() == "您已离线"
    shot("offline-4-page")
    page.context.set_offline(False)


def test_a_grid_workers_intake_made_offline_is_sent_once(page):
    tree = factories.city_tree()
    w = world(tree)
    worker = w["people"]["grid_worker"]
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, worker)
    page.goto(page.base_url + "/triage/intake/")
    page.wait_for_load_state("networkidle")
    page.context.set_offline(True)
    page.fill("input[name=grid]", str(tree["grid"].pk))
    page.fill("textarea[name=text]", "走访地下室住户，反映排水泵坏了，积水到脚踝")
    page.locator("form.card button[type=submit]").click()
    assert page.get_by_test_id("draft-state").inner_text() == "待发送"
    page.context.set_offline(False)
    page.get_by_test_id("offline-drafts").get_by_text("已发送").wait_for()
    req = Request.objects.get()
    assert req.entered_by == worker and req.channel == "grid_worker"
    assert page.get_by_test_id("draft").count() == 0


def test_a_draft_a_proxy_refuses_as_too_large_stays_with_the_reason(page):
    tree = factories.city_tree()
    world(tree)
    open_form(page, factories.resident(tree["grid"]))
    page.context.set_offline(True)
    page.fill("textarea[name=text]", "小区健身器材坏了，拍了几张照片")
    page.set_input_files("input[name=photos]", [photo()])
    submit(page)

    # What nginx answers when a body passes client_max_body_size: 413 and an HTML page.
    def too_large(route):
        if route.request.method == "POST":
            route.fulfill(status=413, content_type="text/html", body="<h1>413</h1>")
        else:
            route.continue_()

    page.route("**/triage/new/", too_large)
    page.context.set_offline(False)
    draft = page.get_by_test_id("draft")
    draft.get_by_test_id("draft-reasons").wait_for()
    assert draft.get_by_test_id("draft-state").inner_text() == "未能发送"
    assert "照片太大" in draft.get_by_test_id("draft-reasons").inner_text()
    assert "1 张照片" in draft.inner_text() and Request.objects.count() == 0
