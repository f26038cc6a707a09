"""The embeddable chat widget (connectors/webchat/static/widget.js) on the demo store's pages, in Debian's Chromium
against the real bot: it survives a hostile store stylesheet on desktop and phone, keeps the conversation across page
loads, answers "is this waterproof?" about the product page it is on, opens from the store's own button, closes with
Escape, and passes axe-core with no serious or critical violations. Screenshots go to test-results/browser/; the
widget's size and load time to test-results/browser/widget-metrics.json (summarised in reports/widget.md)."""

from __future__ import annotations

import gzip
import json
import statistics
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Frame, Page, expect

from tests.browser.test_webchat import BOT, CJK, SHOTS, USER_BUBBLES, browser, send, wait_online  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.stack]

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "connectors" / "webchat" / "static" / "widget.js"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PRODUCT = "TP-JKT-001"  # Harbor Shell 2.5L Rain Jacket: "waterproof": true in data/store/catalog.jsonl
PRODUCT_NAMES = ("Harbor Shell", "港湾", PRODUCT)
HOST = "tidepool-chat-widget"
BUBBLE = f"{HOST} button.bubble"  # reachable by the test only with ?a11y=1 (an open shadow root)
QUESTIONS = {
    "en": ("How long does shipping take?", "is this waterproof?", "waterproof"),
    "zh": ("配送需要多久？", "这款防水吗？", "防水"),
}
SERIOUS = ("serious", "critical")


@pytest.fixture
def store_page(browser, stack, request):  # noqa: F811 (browser is the imported fixture)
    """Opens demo store pages in a fresh browser context (own storage); fails on JavaScript errors."""
    contexts, errors = [], []

    def open_page(path: str, viewport: dict | None = None) -> Page:
        context = browser.new_context(viewport=viewport or VIEWPORTS["desktop"], locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{stack.webchat_url}{path}")
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def chat_frame(page: Page) -> Frame:
    """The widget's chat frame once it has loaded and is connected to Rasa."""
    page.wait_for_function("() => window.Tidepool && window.Tidepool.isOpen()")
    frame = None
    for _ in range(100):
        frame = next((f for f in page.frames if "embed=1" in f.url), None)
        if frame is not None:
            break
        page.wait_for_timeout(100)
    assert frame is not None, "the chat frame never loaded"
    wait_online(frame)
    return frame


def serious(results) -> list[tuple]:
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:5])
            for v in results.response["violations"] if v["impact"] in SERIOUS]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_widget_on_a_hostile_store_keeps_the_conversation_and_knows_the_product(store_page, device, lang):
    viewport = VIEWPORTS[device]
    first, about_this, fact = QUESTIONS[lang]
    page = store_page(f"/demo/?hostile=1&a11y=1&lang={lang}", viewport)

    # The store's stylesheet hides every button and iframe and shrinks the last element of the body: not ours.
    bubble = page.locator(BUBBLE)
    expect(bubble).to_be_visible()
    box = bubble.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box
    assert box["x"] + box["width"] <= viewport["width"] and box["y"] + box["height"] <= viewport["height"], box
    assert page.evaluate(f"getComputedStyle(document.querySelector('{HOST}')).opacity") == "1"
    expect(bubble).to_have_attribute("aria-expanded", "false")

    bubble.click()
    frame = chat_frame(page)
    expect(bubble).to_have_attribute("aria-expanded", "true")
    panel = page.locator(f"{HOST} iframe").bounding_box()
    if device == "phone":  # the panel is the whole screen
        assert panel == {"x": 0, "y": 0, "width": viewport["width"], "height": viewport["height"]}, panel
    else:
        assert panel["width"] >= 320 and panel["height"] >= 400, panel
    expect(frame.locator("#embed-close")).to_be_visible()
    close_box = frame.locator("#embed-close").bounding_box()
    assert close_box["width"] >= 44 and close_box["height"] >= 44, close_box
    if lang == "zh":
        frame.locator("[data-lang=zh]").click()
    send(frame, first)
    assert frame.locator(BOT).count() >= 1

    # A second page load: the conversation is still there. On a desktop the panel stays open across the load; on a
    # phone it covers the store, so the shopper closes it (its own close button), follows the link and reopens it.
    if device == "phone":
        frame.locator("#embed-close").click()
        page.wait_for_function("() => !window.Tidepool.isOpen()")
    page.locator(f'a[href^="/demo/products/{PRODUCT}"]').click()
    page.wait_for_url(f"**/demo/products/{PRODUCT}*")
    if device == "phone":
        expect(bubble).to_have_attribute("aria-expanded", "false")
        bubble.click()
    frame = chat_frame(page)
    expect(frame.locator(USER_BUBBLES).first).to_have_text(first)
    expect(frame.locator("#page-context")).to_contain_text(PRODUCT_NAMES[1] if lang == "zh" else PRODUCT_NAMES[0])

    answered = frame.locator(BOT).count()
    send(frame, about_this)
    reply = "\n".join(frame.locator(BOT).nth(i).inner_text() for i in range(answered, frame.locator(BOT).count()))
    assert any(name in reply for name in PRODUCT_NAMES) and fact in reply, reply
    if lang == "zh":
        assert CJK.search(reply), reply
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"widget-{device}-{lang}.png"))

    # Escape closes the panel and gives focus back to the bubble.
    frame.locator("#input").focus()
    page.keyboard.press("Escape")
    page.wait_for_function("() => !window.Tidepool.isOpen()")
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.classList.contains('bubble')")
    expect(bubble).to_have_attribute("aria-expanded", "false")


def test_store_button_opens_the_closed_widget_and_escape_returns_focus(store_page):
    page = store_page(f"/demo/products/{PRODUCT}?hostile=1")
    assert page.evaluate(f"document.querySelector('{HOST}').shadowRoot") is None  # closed: the store can't reach in
    assert not page.evaluate("window.Tidepool.isOpen()")
    page.locator("header button.store-open").click()
    frame = chat_frame(page)
    box = frame.frame_element().bounding_box()
    assert box and box["width"] >= 320, box
    # Focus moved into the chat: its message box.
    frame.wait_for_function("() => document.activeElement && document.activeElement.id === 'input'")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !window.Tidepool.isOpen()")
    assert page.evaluate("document.activeElement.tagName") == HOST.upper()  # the bubble, inside the closed root
    # The bubble is a real button at the bottom right corner: a click there opens the panel again.
    page.mouse.click(1280 - 20 - 30, 800 - 20 - 30)
    page.wait_for_function("() => window.Tidepool.isOpen()")
    page.evaluate("window.Tidepool.toggle()")
    assert not page.evaluate("window.Tidepool.isOpen()")


def test_no_serious_accessibility_violations(store_page, stack):
    axe = Axe()
    page = store_page("/")
    wait_online(page)
    send(page, QUESTIONS["en"][0])
    assert serious(axe.run(page)) == [], "chat page"

    page = store_page(f"/demo/products/{PRODUCT}?a11y=1")
    page.locator(BUBBLE).click()
    frame = chat_frame(page)
    send(frame, QUESTIONS["en"][1])
    assert serious(axe.run(page)) == [], "demo product page with the widget open"
    assert serious(axe.run(frame)) == [], "the chat in the widget's panel"
    frame.locator("[data-lang=zh]").click()
    assert serious(axe.run(frame)) == [], "the chat in the widget's panel, in Chinese"


def test_widget_size_and_load_time(store_page):
    """Bytes of widget.js (plain and gzipped) and the time from its script starting to the bubble being drawn
    (performance marks set by widget.js), over five loads of the product page."""
    loads, from_navigation = [], []
    page = store_page(f"/demo/products/{PRODUCT}")
    for _ in range(5):
        page.reload()
        page.wait_for_function("() => performance.getEntriesByName('tidepool-widget-load').length > 0")
        loads.append(page.evaluate("performance.getEntriesByName('tidepool-widget-load')[0].duration"))
        from_navigation.append(page.evaluate("performance.getEntriesByName('tidepool-bubble-visible')[0].startTime"))
    source = WIDGET_JS.read_bytes()
    metrics = {
        "bytes": len(source),
        "gzip_bytes": len(gzip.compress(source, compresslevel=9)),
        "script_to_bubble_ms_median": round(statistics.median(loads), 1),
        "script_to_bubble_ms_max": round(max(loads), 1),
        "navigation_to_bubble_ms_median": round(statistics.median(from_navigation), 1),
        "loads": len(loads),
    }
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "widget-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    assert metrics["gzip_bytes"] < 10_000, metrics
    assert metrics["script_to_bubble_ms_median"] < 500, metrics
