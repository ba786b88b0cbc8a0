"""Journey at phone width: a committee member signs in normally (no Wagtail admin, no
TOTP), opens today's session on the check-in desk, types a resident's code and reads the
green "已签到：张**"; a mistyped code is refused with what to do, and kept for correcting.
The camera cannot run headless here: the page loads jsQR and offers the camera button."""

import pytest

from deliberation import services
from deliberation.models import Registration
from tests import factories
from tests.deliberation.factories import session as make_session
from tests.e2e.conftest import sign_in


@pytest.mark.django_db(transaction=True)
def test_a_committee_member_checks_a_resident_in_on_a_phone(page, shot, settings):
    settings.PORTAL_REQUIRE_STAFF_MFA = True  # as in production: the desk needs no TOTP
    tree = factories.city_tree()
    community = tree["community"]
    committee = factories.member("committee", community)
    zhang = factories.resident(tree["grid"], username="13912345678", display_name="张桂兰")
    session = make_session(community, committee, title="院议说：楼道堆物怎么办")
    code = services.registration_create(user=zhang, session=session).code

    sign_in(page, committee)
    page.goto(page.base_url + "/deliberation/desk/")
    assert page.viewport_size["width"] <= 420
    page.get_by_role("link", name="院议说：楼道堆物怎么办").click()
    page.wait_for_load_state()
    assert page.evaluate("typeof window.jsQR") == "function"
    assert page.get_by_test_id("desk-scan").is_visible()  # the camera is offered
    assert not page.locator("#desk-stop").is_visible()  # until it runs
    assert not page.locator("#desk-camera-error").is_visible()
    shot("desk-1-session")

    page.fill("#desk-code", "ZZZZ2222")
    page.get_by_test_id("desk-submit").click()
    page.wait_for_load_state()
    assert "请核对居民手机上的 8 位字母和数字" in page.locator(".messages").inner_text()
    assert page.input_value("#desk-code") == "ZZZZ2222"  # kept, to correct
    shot("desk-2-refused")

    page.fill("#desk-code", code.lower())
    page.get_by_test_id("desk-submit").click()
    page.wait_for_load_state()
    assert "已签到：张** · 尾号5678" in page.locator(".messages li.success").inner_text()
    assert "已签到 1 人，共 1 人报名" in page.get_by_test_id("desk-count").inner_text()
    assert "13912345678" not in page.content() and "张桂兰" not in page.content()
    assert page.input_value("#desk-code") == ""  # ready for the next resident
    reg = Registration.objects.get(user=zhang)
    assert reg.checked_in_at and reg.checked_in_by == committee
    shot("desk-3-checked-in")


def _qr_video(path, text: str) -> None:
    """A still Y4M video of the QR code `text`, for Chromium's fake camera."""
    import qrcode

    w, h = 640, 480
    image = qrcode.make(text, box_size=10, border=4).get_image().convert("L")
    image = image.resize((360, 360))
    frame = bytearray([255]) * (w * h)
    left, top = (w - 360) // 2, (h - 360) // 2
    pixels = image.tobytes()
    for y in range(360):
        frame[(top + y) * w + left : (top + y) * w + left + 360] = pixels[y * 360 : (y + 1) * 360]
    chroma = bytes([128]) * (w * h // 4)
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            f.write(b"FRAME\n" + bytes(frame) + chroma + chroma)


@pytest.mark.django_db(transaction=True)
def test_scanning_with_the_camera_checks_in(browser, live_server, tmp_path, settings):
    """Chromium's fake camera shows a resident's QR code: jsQR reads it and checks in."""
    from tests.e2e.conftest import ARGS, CHROMIUM

    tree = factories.city_tree()
    community = tree["community"]
    worker = factories.member("grid_worker", tree["grid2"])
    wang = factories.resident(tree["grid"], display_name="王建国")
    session = make_session(community, factories.member("committee", community))
    code = services.registration_create(user=wang, session=session).code
    video = tmp_path / "qr.y4m"
    _qr_video(video, code)
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        context.grant_permissions(["camera"])
        page = context.new_page()
        page.set_default_timeout(15000)
        page.base_url = live_server.url
        sign_in(page, worker)
        posts = []
        page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
        page.goto(f"{live_server.url}/deliberation/s/{session.pk}/desk/")
        page.get_by_test_id("desk-scan").click()
        page.wait_for_url("**/desk/?scan=1")
        assert "已签到：王**" in page.locator(".messages li.success").inner_text()
        # The camera reopens for the next person; the same code, still in view, is not
        # sent again.
        page.locator("#desk-video:not([hidden])").wait_for()
        page.wait_for_timeout(2000)
        assert len(posts) == 1 and page.locator(".messages li.success").count() == 1
        assert Registration.objects.get(user=wang).checked_in_by == worker
    finally:
        camera.close()
