"""End-to-end harness: Playwright driving Debian's Chromium against pytest-django's
live server.  Every journey file in this folder uses the `page` fixture.

The browser is found at $CHROMIUM or /usr/bin/chromium.  Where there is none (a laptop
without it) the journeys are skipped, unless E2E_REQUIRED=1 (CI), where that fails.

Every page a journey visits is checked after the journey (tests/e2e/a11y.py): each
callable in PAGE_CHECKS runs on it — axe-core's WCAG 2.1 AA rules by default — and the
journey fails with a list (page, rule, element).  The HTML of all those pages is kept in
one folder and the Nu Html Checker reads it once at the end of the session.
"""

import os
import pathlib
import shutil
import tempfile
from collections.abc import Callable

import pytest

from portal.testing.english import english_words
from tests.e2e import a11y

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


def chinese_check(doc) -> list[str]:
    """On a page the server sent in 简体中文, the English words a reader would meet (not
    names).  Read from the HTML as sent: a replayed tab runs its scripts under whoever is
    signed in by then, which is not always the user the page was sent to."""
    html = doc.body.decode("utf-8", "replace")
    head = html[: html.find(">", html.find("<html")) + 1].lower()
    if 'lang="zh-hans"' not in head:
        return []
    return [f"English on a 简体中文 page: {w}" for w in english_words(html)]


# check(page, url) -> problems: run on every page every journey visits, in a replayed tab.
PAGE_CHECKS: list[Callable[..., list[str]]] = [a11y.axe_check]
# check(document) -> problems: run on the HTML of every page as the server sent it.
DOCUMENT_CHECKS: list[Callable[..., list[str]]] = [chinese_check]


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


@pytest.fixture(scope="session")
def page_checks_enabled():
    """Whether axe and the Nu checker can run; skips (or, in CI, fails) when they cannot."""
    why = a11y.missing_tools()
    if why and os.environ.get("E2E_REQUIRED") == "1":
        pytest.fail(f"{why}; CI must install them (make install)")
    return why is None


@pytest.fixture(scope="session")
def html_folder(page_checks_enabled):
    """Every visited page's HTML; the Nu Html Checker reads them all once, at the end."""
    keep = os.environ.get("E2E_HTML")
    folder = pathlib.Path(keep or tempfile.mkdtemp(prefix="e2e-html-"))
    folder.mkdir(parents=True, exist_ok=True)
    for old in list(folder.glob("*.html")) + list(folder.glob("*.url")):
        old.unlink()
    yield folder
    problems = a11y.nu_check(folder) if page_checks_enabled else []
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    if problems:
        pytest.fail(
            f"the Nu Html Checker found {len(problems)} errors:\n" + "\n".join(problems),
            pytrace=False,
        )


@pytest.fixture
def page(browser, live_server, request, page_checks_enabled, html_folder):
    recorder, uninstall = a11y.install_recorder(live_server.url)
    # Service workers are blocked unless a journey is marked `service_workers`: a page
    # replayed for the checks is served by page.route, which never sees what a worker
    # fetches (the site registers one on every page, portal/static/portal/pwa.js).
    workers = "allow" if request.node.get_closest_marker("service_workers") else "block"
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 412, "height": 900}, service_workers=workers
    )
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
    try:
        yield page
    finally:
        uninstall()
    problems = []
    if page_checks_enabled:
        page.close()
        problems = check_visited_pages(context, recorder.take(), request.node.name, html_folder)
    context.close()
    if violations:
        pytest.fail("the browser reported policy violations:\n" + "\n".join(violations))
    if problems:
        pytest.fail(
            f"{len(problems)} problems on the pages this journey visited:\n" + "\n".join(problems),
            pytrace=False,
        )


def check_visited_pages(context, documents, test_name: str, folder) -> list[str]:
    """Replay each page the journey saw, run PAGE_CHECKS on it, keep its HTML for vnu."""
    problems: list[str] = []
    seen: set[bytes] = set()
    for index, doc in enumerate(documents):
        a11y.save_html(folder, test_name, index, doc)
        if doc.body in seen:
            continue
        seen.add(doc.body)
        for doc_check in DOCUMENT_CHECKS:
            problems.extend(f"{doc.url}: {p}" for p in doc_check(doc))
        tab = a11y.replay(context, doc)
        try:
            for check in PAGE_CHECKS:
                problems.extend(f"{doc.url}: {p}" for p in check(tab, doc.url))
        finally:
            tab.close()
    return problems


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
