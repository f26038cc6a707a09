"""Conversation polish in the web chat (issue 14), in Chromium against the real bot: timestamps, honest long waits,
long messages, translated badges, contact links, tap targets and card size on a phone, and rating the chat.

The page is served by a web chat app built here with the ratings routes (connectors/webchat/ratings.py) and its
own ratings file, talking to the stack's Rasa. Screenshots go to test-results/browser/polish-*.png.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from datetime import datetime

import pytest
from aiohttp import web
from playwright.sync_api import Page, expect

from connectors.webchat import app as webchat
from connectors.webchat import ratings
from scripts.stack import free_port
from shop import feedback
from tests.browser.test_webchat import (  # noqa: F401  (browser is a fixture)
    BOT,
    CJK,
    STORAGE_KEY,
    USER_BUBBLES,
    ReplyGate,
    browser,
    send,
    settle,
    shipped_order,
    shot,
    type_and_send,
    wait_online,
)

pytestmark = [pytest.mark.browser, pytest.mark.stack]

PHONE = {"width": 375, "height": 667}
HHMM = re.compile(r"^\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def polish_chat(stack, tmp_path_factory):
    """(page URL, ratings file) of a web chat app with the ratings routes, served from a thread."""
    tmp = tmp_path_factory.mktemp("polish")
    db = tmp / "conversation_ratings.db"
    # The stack's session secret: Rasa's channel accepts only tickets signed with it.
    app = webchat.init(stack.rasa_url, knowledge_url=stack.knowledge_url, events_db=tmp / "copy_events.db",
                       session_secret=stack.env["WEBCHAT_SESSION_SECRET"])
    ratings.add_routes(app, db)
    port, loop, started = free_port(), asyncio.new_event_loop(), threading.Event()
    runner = web.AppRunner(app)

    def serve():
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(30)
    yield f"http://127.0.0.1:{port}/", db
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.fixture
def open_chat(browser, polish_chat):  # noqa: F811
    contexts, errors = [], []

    def open_page(viewport=None, before_load=None, **options) -> Page:
        context = browser.new_context(viewport=viewport or {"width": 1024, "height": 800}, locale="en-US", **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        if before_load:
            before_load(page)
        page.goto(polish_chat[0])
        wait_online(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def session_id(page: Page) -> str:
    return json.loads(page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')"))["sessionId"]


def stamps(page: Page) -> list[tuple[str, str, str]]:
    """(who, datetime attribute, shown text) of every message's timestamp."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#log > .msg time.msg-time')].map(
            (t) => [t.closest('.msg').dataset.from, t.getAttribute('datetime'), t.textContent])"""
    )


def test_every_message_has_a_timestamp_that_survives_a_reload(open_chat):
    page = open_chat()
    send(page, "hello")
    before = stamps(page)
    assert {who for who, _, _ in before} == {"user", "bot"}, before
    for _, when, text in before:
        assert HHMM.match(text), text
        assert datetime.fromisoformat(when.replace("Z", "+00:00")).tzinfo is not None
    texts = [m for m in page.locator("#log > .msg:not(.card-msg):not([data-welcome])").all()
             if m.locator(".bubble").count()]
    assert all(m.locator("time.msg-time").count() == 1 for m in texts)
    page.reload()
    wait_online(page)
    assert stamps(page) == before
    page.locator("button[data-lang=zh]").click()
    assert [when for _, when, _ in stamps(page)] == [when for _, when, _ in before]
    shot(page, "polish-timestamps")


def test_a_long_wait_says_it_is_still_working_and_stays_until_the_reply(open_chat):
    gates = []

    def before_load(page):
        script = "window.TIDEPOOL_CHAT_TIMINGS = { lookingUpMs: 200, offerHumanMs: 400, stillWorkingMs: 900 };"
        page.add_init_script(script)
        gates.append(ReplyGate(page))

    page = open_chat(before_load=before_load)
    type_and_send(page, "hello")
    gates[0].wait_held(page)
    expect(page.locator("#typing-text")).to_have_text("Still working on it…")
    expect(page.locator("#typing")).to_have_attribute("data-phase", "stillWorking")
    expect(page.locator("#typing-human")).to_be_visible()
    page.wait_for_timeout(1500)
    expect(page.locator("#typing")).to_be_visible()  # nothing gives up
    shot(page, "polish-still-working")
    gates[0].release()
    page.locator(BOT).first.wait_for(timeout=60_000)
    expect(page.locator("#typing")).to_be_hidden()


def test_a_message_over_the_limit_is_flagged_and_never_sent_cut(open_chat):
    gates = []
    page = open_chat(before_load=lambda p: gates.append(ReplyGate(p)))
    text = ("tent " * 240).strip() + " and more"  # 1,208 characters
    page.locator("#input").fill(text)
    counter = page.locator("#counter")
    expect(counter).to_have_class(re.compile(r"\bwarn\b"))
    expect(counter).to_contain_text(f"{len(text)}/1000")
    expect(counter).to_contain_text(str(len(text) - 1000))
    expect(page.locator("#send")).to_be_disabled()
    expect(page.locator("#input")).to_have_attribute("aria-invalid", "true")
    page.locator("#input").press("Enter")
    page.wait_for_timeout(500)
    assert page.locator("#input").input_value() == text  # kept whole, nothing lost
    expect(page.locator(USER_BUBBLES)).to_have_count(0)
    assert gates[0].sent_messages() == []
    shot(page, "polish-long-message")
    page.locator("#input").fill(text[:990])  # near the limit: a live counter, no warning
    expect(counter).to_have_text("990/1000")
    expect(counter).not_to_have_class(re.compile(r"\bwarn\b"))
    expect(page.locator("#send")).to_be_enabled()


def test_contact_details_in_a_reply_are_tappable(open_chat):
    page = open_chat()
    send(page, "/human_agent")  # nobody is signed in to the desk: the reply gives the store's e-mail and phone
    mail = page.locator("#log .bubble a[href^='mailto:']").first
    phone = page.locator("#log .bubble a[href^='tel:']").first
    expect(mail).to_have_attribute("href", "mailto:support@tidepool.example")
    expect(mail).to_have_text("support@tidepool.example")
    expect(phone).to_have_attribute("href", "tel:+15035550142")
    hrefs = page.locator("#log").evaluate("(log) => [...log.querySelectorAll('.bubble a')].map((a) => a.href)")
    assert all(re.match(r"^(https?:|mailto:|tel:)", h) for h in hrefs), hrefs
    shot(page, "polish-contact-links")


def test_the_chinese_interface_shows_translated_badges_and_one_date_format(open_chat):
    order = shipped_order()
    page = open_chat()
    page.locator("button[data-lang=zh]").click()
    send(page, f"我的订单 {order['id']} 到哪了？")
    send(page, order["email"])
    card = page.locator(f"[data-card=order][data-order-id='{order['id']}']")
    expect(card).to_be_visible()
    badge = card.locator(".badge").inner_text()
    assert CJK.search(badge), badge
    facts = card.locator(".facts").inner_text()
    dates = re.findall(r"\d{4}年\d{1,2}月\d{1,2}日", facts)
    assert dates and not re.search(r"\d{4}-\d{2}-\d{2}", facts), facts
    reply = page.locator("#log > [data-from=bot] .bubble").filter(has_text=order["id"]).last.inner_text()
    assert dates[-1] in reply and not re.search(r"\d{4}-\d{2}-\d{2}", reply), reply
    # A return card (as actions/returns.py sends it) shows the label it carries.
    page.evaluate("""() => window.tidepoolChat.receive({type: "return", return_id: "RT-TEST", order_id: "TP10023",
        status: "awaiting_items", status_label: "等待寄回商品", items: []})""")
    expect(page.locator("[data-card=return] .badge")).to_have_text("等待寄回商品")
    shot(page, "polish-zh-badges")


def test_rating_the_chat_is_stored(open_chat, polish_chat):
    page = open_chat()
    send(page, "hello")
    page.locator("#rate-chat").click()
    panel = page.locator("#chat-rating")
    expect(panel).to_be_visible()
    panel.locator("button.rate[data-rating='4']").click()
    panel.locator("textarea").fill("Quick and clear, thanks!")
    expect(panel.locator(".chat-rating-counter")).to_have_text("24/500")
    panel.locator("button[type=submit]").click()
    expect(panel.locator(".chat-rating-status")).to_have_text("Thanks! Your rating was saved.")
    stored = feedback.get_rating(polish_chat[1], session_id(page))
    assert (stored["rating"], stored["comment"], stored["language"]) == (4, "Quick and clear, thanks!", "en")
    shot(page, "polish-rating")
    panel.locator("button.rate[data-rating='5']").click()  # the latest rating wins
    panel.locator("button[type=submit]").click()
    expect(panel.locator(".chat-rating-status")).to_have_text("Thanks! Your rating was saved.")
    assert feedback.get_rating(polish_chat[1], session_id(page))["rating"] == 5
    panel.locator("textarea").press("Escape")
    expect(panel).to_be_hidden()


PRODUCTS = {
    "type": "products",
    "items": [
        {"id": f"TP-TST-00{i}", "name": f"Test jacket {i} with a rather long name", "price": 129 + i,
         "copy": "Fully seam-sealed shell that keeps you dry on long wet hikes", "reason": "Waterproof and light",
         "url": "https://tidepool.example/p/test"}
        for i in range(3)
    ],
}
ANSWER = {"type": "answer", "citations": [{"title": "Returns policy", "url": "https://tidepool.example/returns"}],
          "label": "store_policy"}


def test_tap_targets_text_and_product_cards_on_a_phone(open_chat):
    page = open_chat(viewport=PHONE, is_mobile=True, has_touch=True)
    page.evaluate(f"""() => {{
        window.tidepoolChat.receive({{text: "Here are some jackets."}});
        window.tidepoolChat.receive({json.dumps(PRODUCTS)});
        window.tidepoolChat.receive({{text: "You have 30 days."}});
        window.tidepoolChat.receive({json.dumps(ANSWER)});
    }}""")
    settle(page, 0.3)
    for selector in (".product-actions .ask", ".product-actions [data-action=similar]",
                     ".product-actions [data-action=complements]", ".product-actions .view", "#rate-chat",
                     "#new-chat", "button[data-lang=zh]"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["height"] >= 44, (selector, box)
    tile = page.locator(".product").first.bounding_box()
    assert tile["height"] < PHONE["height"] / 2 - 60, tile  # well under half the screen
    size = page.locator(".sources").evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 14, size
    copy_lines = page.locator(".product .copy").first.evaluate(
        "(el) => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))")
    assert copy_lines == 1
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow == 0
    shot(page, "polish-phone")
