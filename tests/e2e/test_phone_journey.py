"""A newcomer signs up with a mobile number in a real browser, types the code texted to
them (read from the SMS outbox), reaches their page, signs out, and signs in again with a
new texted code (issue 13).  axe-core and the Nu checker read every page on the way."""

import os
import re

import pytest

from portal import sms
from portal.models import User

NUMBER = "13955550001"


def texted_code() -> str:
    return re.search(r"(?<!\d)(\d{6})(?!\d)", sms.outbox[-1].text).group(1)


def screenshot(page, name: str) -> None:
    folder = os.environ.get("PHONE_SHOTS", "/work/shots")
    if os.path.isdir(folder):
        page.screenshot(path=os.path.join(folder, f"phone-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_newcomer_signs_up_and_signs_in_with_a_texted_code(page, shot):
    sms.outbox.clear()
    page.set_viewport_size({"width": 390, "height": 844})
    base = page.base_url
    page.goto(base + "/accounts/signup/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("input[name=phone]", "139 5555 0001")
    page.fill("input[name=username]", "xiaochen2026")
    page.fill("input[name=password1]", "Qingdao-2026-strong")
    page.fill("input[name=password2]", "Qingdao-2026-strong")
    screenshot(page, "signup")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/accounts/phone/verify/" in page.url
    assert "139****0001" in page.content()
    screenshot(page, "verify")

    page.fill("input[name=code]", texted_code())
    with page.expect_navigation():
        page.click("main form:has(input[name=code]) button[type=submit]")
    user = User.objects.get(username="xiaochen2026")
    assert user.phone == NUMBER and user.phone_verified and user.email is None
    page.goto(base + "/me/")
    assert page.url.endswith("/me/")

    # Sign out, then in again with a code texted to the number.
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/code/")
    page.fill("input[name=phone]", NUMBER)
    screenshot(page, "request-code")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/accounts/login/code/confirm/" in page.url
    page.fill("input[name=code]", texted_code())
    with page.expect_navigation():
        page.click("main form:has(input[name=code]) button[type=submit]")
    page.goto(base + "/me/")
    assert page.url.endswith("/me/")
    page.goto(base + "/accounts/phone/change/")
    assert "139****0001" in page.content()
    screenshot(page, "number")
