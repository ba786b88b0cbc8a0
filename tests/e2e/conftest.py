"""End-to-end harness: Playwright driving Debian's Chromium against pytest-django's
live server.  Every journey file in this folder uses the `page` fixture.

The browser is found at $CHROMIUM or /usr/bin/chromium.  Where there is none (a laptop
without it) the journeys are skipped, unless E2E_REQUIRED=1 (CI), where that fails.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser(live_server):
    """Depends on live_server so the server thread starts with the session."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("E2E_REQUIRED") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 412, "height": 900})
    context.set_default_timeout(15000)
    # Every page of a journey runs under the site's Content-Security-Policy; anything it
    # refuses (an inline script, style or handler) is reported on the console and fails
    # the journey.
    violations: list[str] = []

    def on_console(message):
        if "Content Security Policy" in message.text or "Permissions-Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()
    if violations:
        pytest.fail("the browser reported policy violations:\n" + "\n".join(violations))


@pytest.fixture
def shot(page):
    """`shot("name")` saves a screenshot when E2E_SCREENSHOTS is a folder."""

    def take(name: str):
        folder = os.environ.get("E2E_SCREENSHOTS")
        if folder:
            os.makedirs(folder, exist_ok=True)
            page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)

    return take


def sign_in(page, user, password: str = "pass-Word-2026") -> None:
    """Log `user` in through the real login form (factories' password by default)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("form").filter(has=page.locator("input[name=login]")).locator(
            "button[type=submit]"
        ).click()
