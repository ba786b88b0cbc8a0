"""The 长辈版 at phone width (390 px), measured in the browser (issue #13): the type in
three steps, line height and paragraph spacing, 7:1 text contrast, 4 px focus rings, task
tiles of at least 48 px in one column; the read-aloud button speaking the page's text in a
zh-CN voice and stopping on a second press; voice input on the report form.

Speech synthesis and recognition are replaced by recording stubs (page.add_init_script):
a test cannot listen to a loudspeaker, but it can see what the page asked the browser to
say, in which language, and that it asked it to stop."""

import pytest
from playwright.sync_api import expect

from cms.models import HomePage, StandardPage
from portal.models import Role
from tests import factories
from tests.e2e.conftest import sign_in
from triage.models import Request

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}

# Contrast ratio (WCAG 2.x) of an element's text against the first opaque background
# behind it, from the computed colours.
CONTRAST_JS = """
(el) => {
  const parse = (c) => {
    const p = c.match(/rgba?\\(([^)]+)\\)/)[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = { r: 255, g: 255, b: 255, a: 1 };
  for (let node = el; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.a > 0) { bg = c; break; }
  }
  const a = lum(parse(getComputedStyle(el).color)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""

# Records what the page asks the browser to say, and every cancel().
SPEECH_STUB = """
window.__spoken = [];
window.__cancels = 0;
window.SpeechSynthesisUtterance = function (text) {
  this.text = text; this.lang = ""; this.voice = null; this.rate = 1;
  this.onend = null; this.onerror = null;
};
const voices = [{ name: "Samantha", lang: "en-US" }, { name: "Tingting", lang: "zh-CN" }];
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
  speaking: false, pending: false, paused: false,
  getVoices() { return voices; },
  speak(u) {
    window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name });
  },
  cancel() { window.__cancels += 1; },
  pause() {}, resume() {}, addEventListener() {}, removeEventListener() {},
} });
"""

NO_SPEECH = """
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: undefined });
"""

# A recogniser that "hears" one sentence shortly after start().
RECOGNITION_STUB = """
window.__recognisers = [];
function FakeRecognition() { window.__recognisers.push(this); this.lang = ""; }
FakeRecognition.prototype.start = function () {
  const self = this;
  setTimeout(function () {
    const result = [{ transcript: "楼道的灯坏了，晚上看不见" }];
    result.isFinal = true;
    if (self.onresult) self.onresult({ resultIndex: 0, results: [result] });
    if (self.onend) self.onend();
  }, 50);
};
FakeRecognition.prototype.stop = function () { if (this.onend) this.onend(); };
FakeRecognition.prototype.abort = FakeRecognition.prototype.stop;
window.webkitSpeechRecognition = FakeRecognition;
window.SpeechRecognition = FakeRecognition;
"""


def article(text_paragraphs: list[str]) -> str:
    home = HomePage.objects.get()
    body = "".join(f"<p>{t}</p>" for t in text_paragraphs)
    page = StandardPage(title="冬季供暖须知", slug="gongnuan", intro="", body=body)
    home.add_child(instance=page)
    page.save_revision().publish()
    return page.url


def px(value: str) -> float:
    return float(value.removesuffix("px"))


def style(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).{prop}")


def turn_on_elder(page) -> None:
    toggle = page.locator("[data-testid=elder-toggle]")
    box = toggle.bounding_box()
    # the switch is visible at phone width, inside the screen, and big enough to press
    assert toggle.is_visible() and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 48
    with page.expect_navigation():
        toggle.click()
    assert "elder" in page.locator("html").get_attribute("class")


def test_elder_type_spacing_contrast_focus_and_tiles_at_phone_width(page, shot):
    page.set_viewport_size(PHONE)
    paragraphs = [
        "供暖期从十一月十五日开始，到次年三月三十一日结束。家里暖气不热，请先打开放气阀。",
        "如果放气以后还是不热，请联系网格员，或者拨打供热热线，工作人员会上门查看。",
        "独居老人家中暖气出现问题，社区志愿者可以陪同维修，请提前告诉网格员。",
    ]
    url = article(paragraphs)
    page.goto(page.base_url + "/")
    turn_on_elder(page)
    shot("elder-home-visitor")

    # --- the tiles: 4–6, one column, each at least 48 × 48 px
    tiles = page.locator(".elder-tile")
    assert 4 <= tiles.count() <= 6
    boxes = [tiles.nth(i).bounding_box() for i in range(tiles.count())]
    assert len({round(b["x"]) for b in boxes}) == 1  # one column
    assert all(b["width"] >= 48 and b["height"] >= 48 for b in boxes), boxes
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in boxes)
    assert page.locator("[data-testid=tile-hotline]").get_attribute("href") == "tel:12345"
    targets = page.locator(
        "header.site nav a, [data-testid=elder-toggle], [data-read-aloud], .text-size button"
    )
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box["height"] >= 48, targets.nth(i).inner_text()

    # --- contrast ≥ 7:1 for the text a reader meets, on the tiles and around them
    for selector in [
        "main h1",
        "main > p",
        ".elder-tile-label",
        ".elder-tile-hint",
        ".elder-tile.call .elder-tile-label",
        ".elder-tile.call .elder-tile-hint",
        "[data-testid=elder-sign-in] a",
        "header.site nav a",
        "[data-testid=elder-toggle]",
        ".text-size button[aria-pressed=true]",
        ".text-size button[aria-pressed=false]",
        "footer.site p",
    ]:
        ratio = page.locator(selector).first.evaluate(CONTRAST_JS)
        assert ratio >= 7, (selector, ratio)

    # --- the focus ring is at least 3 px wide (keyboard focus, on a tile)
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('elder-tile')"):
            break
    focused = page.locator(".elder-tile:focus")
    assert focused.count() == 1
    assert style(focused, "outlineStyle") != "none"
    assert px(style(focused, "outlineWidth")) >= 3

    # --- three type steps on a page of text: size, line height, paragraph spacing
    page.goto(page.base_url + url)
    sizes = {}
    for step in ("standard", "large", "xlarge"):
        button = page.locator(f"[data-testid=text-size-{step}]")
        with page.expect_navigation():
            button.click()
        assert page.locator(f"[data-testid=text-size-{step}]").get_attribute("aria-pressed") == (
            "true"
        )
        first = page.locator("article p", has_text=paragraphs[0])
        second = page.locator("article p", has_text=paragraphs[1])
        size = px(style(first, "fontSize"))
        line = px(style(first, "lineHeight"))
        gap = second.bounding_box()["y"] - (
            first.bounding_box()["y"] + first.bounding_box()["height"]
        )
        assert line / size >= 1.3, (step, size, line)
        assert gap >= 1.3 * line - 0.5, (step, gap, line)
        assert first.evaluate(CONTRAST_JS) >= 7
        sizes[step] = size
        if step == "xlarge":
            shot("elder-article-xlarge")
    assert sizes["standard"] >= 18
    assert sizes["standard"] < sizes["large"] < sizes["xlarge"], sizes
    # the step is remembered: the home page comes back at the last one chosen
    page.goto(page.base_url + "/")
    assert (
        px(page.evaluate("getComputedStyle(document.documentElement).fontSize"))
        == (sizes["xlarge"])
    )
    shot("elder-home-visitor-xlarge")


def test_read_aloud_speaks_the_main_text_in_chinese_and_stops_on_a_second_press(page):
    page.set_viewport_size(PHONE)
    paragraphs = ["供暖期从十一月十五日开始。", "家里暖气不热，请先打开放气阀。"]
    url = article(paragraphs)
    page.add_init_script(SPEECH_STUB)
    page.context.add_cookies([{"name": "elder_mode", "value": "1", "url": page.base_url}])
    page.goto(page.base_url + url)
    button = page.locator("[data-read-aloud]")
    assert button.is_visible() and button.inner_text() == "朗读"
    box = button.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48

    button.click()
    spoken = page.evaluate("window.__spoken")
    text = "".join(u["text"] for u in spoken)
    assert "冬季供暖须知" in text  # the heading
    for p in paragraphs:
        assert p in text
    assert "字号" not in text and "朗读" not in text  # not the tool bar
    assert "社区议事厅" not in text and "市民热线" not in text  # not the header or footer
    assert {u["lang"] for u in spoken} == {"zh-CN"}
    assert {u["voice"] for u in spoken} == {"Tingting"}
    assert button.inner_text() == "停止朗读"

    cancels = page.evaluate("window.__cancels")
    button.click()
    assert page.evaluate("window.__cancels") == cancels + 1
    assert len(page.evaluate("window.__spoken")) == len(spoken)  # nothing new was said
    assert button.inner_text() == "朗读"


def test_read_aloud_is_hidden_where_the_browser_cannot_speak(page):
    page.set_viewport_size(PHONE)
    page.add_init_script(NO_SPEECH)
    page.context.add_cookies([{"name": "elder_mode", "value": "1", "url": page.base_url}])
    page.goto(page.base_url + "/")
    assert page.locator("[data-read-aloud]").count() == 1
    assert not page.locator("[data-read-aloud]").is_visible()
    assert page.locator("[data-testid=text-size-large]").is_visible()  # the rest stays


def test_a_resident_s_elder_home_calls_their_grid_worker(page, shot):
    page.set_viewport_size(PHONE)
    tree = factories.city_tree()
    factories.member(Role.GRID_WORKER, tree["grid"], phone="13800000003", display_name="李娜")
    resident = factories.resident(tree["grid"], display_name="陈阿姨", elder_mode=True)
    sign_in(page, resident)
    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == "您好，陈阿姨"
    keys = page.locator(".elder-tile").evaluate_all("(tiles) => tiles.map((t) => t.dataset.testid)")
    assert keys == [
        "tile-report",
        "tile-mine",
        "tile-activities",
        "tile-credits",
        "tile-grid-worker",
        "tile-hotline",
    ]
    worker = page.locator("[data-testid=tile-grid-worker]")
    assert worker.get_attribute("href") == "tel:13800000003"
    assert "李娜" in worker.inner_text()
    box = worker.bounding_box()
    assert box["height"] >= 48 and box["x"] + box["width"] <= PHONE["width"]
    shot("elder-home-resident")
    # the report tile opens the report form, which takes voice as well as typing
    with page.expect_navigation():
        page.click("[data-testid=tile-report]")
    assert page.url.endswith("/triage/new/")


def test_voice_input_appends_what_was_heard_and_typing_stays(page, shot):
    page.set_viewport_size(PHONE)
    tree = factories.city_tree()
    resident = factories.resident(tree["grid"], elder_mode=True)
    page.add_init_script(RECOGNITION_STUB)
    sign_in(page, resident)
    page.goto(page.base_url + "/triage/new/")
    voice = page.locator("[data-testid=speech-input]")
    assert voice.is_visible() and voice.bounding_box()["height"] >= 48
    # it sits right under the text area it fills
    assert page.evaluate(
        "document.querySelector('[data-speech-input]').previousElementSibling"
        ".contains(document.getElementById('id_text'))"
    )
    page.fill("#id_text", "3号楼二单元")
    voice.click()
    # waits for the recogniser's answer (expect polls; no time is asserted)
    expect(page.locator("#id_text")).to_have_value("3号楼二单元 楼道的灯坏了，晚上看不见")
    assert page.evaluate("window.__recognisers.map((r) => r.lang)") == ["zh-CN"]
    assert "已加到上面的文字里" in page.locator("[data-speech-status]").inner_text()
    shot("elder-report-voice")
    with page.expect_navigation():
        page.locator("[data-testid=report-form] button[type=submit]").last.click()
    assert Request.objects.get(reporter=resident).text == "3号楼二单元 楼道的灯坏了，晚上看不见"


def test_voice_input_stays_hidden_where_the_browser_does_not_listen(page):
    page.set_viewport_size(PHONE)
    tree = factories.city_tree()
    resident = factories.resident(tree["grid"])
    page.add_init_script(
        "Object.defineProperty(window, 'webkitSpeechRecognition', {value: undefined});"
        "Object.defineProperty(window, 'SpeechRecognition', {value: undefined});"
    )
    sign_in(page, resident)
    page.goto(page.base_url + "/triage/new/")
    assert not page.locator("[data-testid=speech-input]").is_visible()
    assert page.locator("#id_text").is_editable()
