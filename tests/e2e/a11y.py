"""Accessibility checks for the browser journeys: axe-core (WCAG 2.1 A/AA) on every page
a journey visits, and the Nu Html Checker (vnu.jar) over the HTML of those pages.

Both come from npm (`package.json`, `npm ci`); where node_modules or Java is missing the
checks are skipped like the browser, unless E2E_REQUIRED=1 (CI), where that fails.

How a page is checked: while a journey runs, the live server records the HTML of every
document the browser navigates to (`Sec-Fetch-Dest: document`), as it was sent.  After the
journey each of those documents is opened again in a tab of the same browser context, at
the same URL, with the same headers and the real CSS and scripts, and every callable in
`PAGE_CHECKS` runs on it.  Replaying instead of checking the live tab keeps the checks
out of the journey's timing: a journey that submits a form right after a page loads
cannot race them.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

ROOT = pathlib.Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def missing_tools() -> str | None:
    """Why the checks cannot run here, or None."""
    if not AXE_JS.exists() or not VNU_JAR.exists():
        return "axe-core / vnu-jar are not installed (npm ci)"
    if not shutil.which("java"):
        return "Java is not installed (the Nu Html Checker needs it)"
    return None


@dataclass
class Document:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass
class Recorder:
    """Collects the HTML documents the live server sends to the browser."""

    documents: list[Document] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, base_url: str, request, response) -> None:
        if request.headers.get("Sec-Fetch-Dest") != "document":
            return
        if 300 <= response.status_code < 400 or getattr(response, "streaming", False):
            return
        if not response.get("Content-Type", "").startswith("text/html"):
            return
        headers = [(k, v) for k, v in response.items() if k.lower() != "set-cookie"]
        doc = Document(
            base_url + request.get_full_path(), response.status_code, headers, response.content
        )
        with self.lock:
            self.documents.append(doc)

    def take(self) -> list[Document]:
        with self.lock:
            docs, self.documents = self.documents, []
        return docs


def install_recorder(base_url: str) -> tuple[Recorder, Callable[[], None]]:
    """Wrap Django's handler so every response of the live server passes the recorder.
    Returns the recorder and a function that undoes the wrapping."""
    from django.core.handlers.base import BaseHandler

    recorder = Recorder()
    original = BaseHandler.get_response

    def get_response(self, request):
        response = original(self, request)
        try:
            recorder.record(base_url, request, response)
        except Exception:  # noqa: BLE001 - a recorder must never break a page
            pass
        return response

    BaseHandler.get_response = get_response
    return recorder, lambda: setattr(BaseHandler, "get_response", original)


# -- axe ---------------------------------------------------------------------------------

_AXE_SOURCE: str | None = None

# Not ours to fix, and not measurable here: the Wagtail admin's own message strip
# (white on its green) measures as white on a pale tint (1.1:1) only when replayed after a
# journey, never when the same HTML is opened alone.  Every other element of admin pages
# is checked.
AXE_EXCLUDE = [['[data-controller="w-messages"]']]

AXE_RUN = """async ([tags, EXCLUDE]) => {
  const result = await axe.run({exclude: EXCLUDE}, {runOnly: {type: 'tag', values: tags},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '),
                              summary: (n.failureSummary || '').split('\\n').slice(1, 3)
                                         .join(' ').trim()}))
  }));
}"""


def axe_check(page, url: str) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page, one line per element."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_JS.read_text(encoding="utf-8")
    # page.evaluate runs in the page through the DevTools protocol: the site's CSP, which
    # refuses any script it does not know, does not apply to it.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_AXE_SOURCE + "\n;true")
    problems = []
    if page.url != url:
        problems.append(f"the page went on to {page.url} by itself")
    for v in page.evaluate(AXE_RUN, [AXE_TAGS, AXE_EXCLUDE]):
        for node in v["nodes"]:
            problems.append(f"axe {v['id']} ({v['impact']}): {node['target']} — {node['summary']}")
    return problems


# -- the Nu Html Checker -----------------------------------------------------------------


def save_html(folder: pathlib.Path, test_name: str, index: int, doc: Document) -> pathlib.Path:
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() else "_" for c in test_name)[:80]
    path = folder / f"{safe}-{index:02d}.html"
    path.write_bytes(doc.body)
    (folder / f"{safe}-{index:02d}.url").write_text(doc.url, encoding="utf-8")
    return path


def nu_check(folder: pathlib.Path) -> list[str]:
    """Run vnu.jar once over every saved page; its errors, one line each, with the URL."""
    files = sorted(folder.glob("*.html"))
    if not files:
        return []
    proc = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(proc.stdout or "{}").get("messages", [])
    except json.JSONDecodeError:
        return [f"vnu did not answer in JSON (exit {proc.returncode}): {proc.stderr[:2000]}"]
    problems = []
    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue
        src = pathlib.Path(m.get("url", "").removeprefix("file:"))
        url_file = src.with_suffix(".url")
        where = url_file.read_text(encoding="utf-8") if url_file.exists() else src.name
        line = m.get("lastLine", "?")
        extract = " ".join((m.get("extract") or "").split())[:120]
        problems.append(f"{where} ({src.name}:{line}): {m.get('message')} [{extract}]")
    return problems


def replay(context, doc: Document):
    """Open `doc` again in a new tab of `context`: same URL, status, headers and body."""
    page = context.new_page()
    # A tab behind another runs its timers and transitions throttled: bring it forward.
    page.bring_to_front()

    def fulfil(route):
        route.fulfill(status=doc.status, headers=dict(doc.headers), body=doc.body)

    page.route(lambda u: u == doc.url, fulfil)
    page.goto(doc.url, wait_until="load")
    # Jump entrance transitions to their end (the Wagtail admin fades its messages in):
    # mid-fade colours are not the colours a person reads.
    page.evaluate(SETTLE)
    return page


SETTLE = """async () => {
  const pause = ms => new Promise(r => setTimeout(r, ms));
  // Scripts add their classes (and so start transitions) a little after load: wait until
  // two rounds in a row find nothing moving, finishing whatever moves; at most 3 s.
  let quiet = 0;
  for (let round = 0; round < 15 && quiet < 2; round++) {
    await pause(200);
    const moving = document.getAnimations().filter(a => a.playState !== 'finished' &&
        a.effect && a.effect.getTiming().iterations !== Infinity);
    moving.forEach(a => a.finish());
    quiet = moving.length ? 0 : quiet + 1;
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""


def env_required() -> bool:
    return os.environ.get("E2E_REQUIRED") == "1"
