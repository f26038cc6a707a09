"""The shopper's web chat page in a real browser (Debian's Chromium) against the real bot.

Assertions are on structure, ids and language rather than on wording, so the bot's replies can
be reworded without breaking these tests. One screenshot per test goes to test-results/browser/.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.conftest import demo_orders

pytestmark = [pytest.mark.browser, pytest.mark.stack]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-results" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
REPLY_TIMEOUT_S = 60  # the first turns through the action server can be slow
CJK = re.compile(r"[\u4e00-\u9fff]")
STORAGE_KEY = "tidepool.webchat.v1"

BOT = "#log > [data-from=bot]"
USER_BUBBLES = "#log > [data-from=user] .bubble"


# ---------- fixtures ----------


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, stack, request):
    """Opens the chat in a fresh browser context (own storage, so its own conversation)."""
    contexts, errors = [], []

    def open_page(viewport=None, **context_options) -> Page:
        viewport = viewport or {"width": 1024, "height": 800}
        context = browser.new_context(viewport=viewport, locale="en-US", **context_options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(stack.webchat_url)
        wait_online(page)
        return page

    yield open_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, context in enumerate(contexts):
        for page in context.pages:
            suffix = f"-{i}" if i else ""
            page.screenshot(path=str(SHOTS / f"{request.node.name}{suffix}.png"))
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# ---------- helpers ----------


def wait_online(page: Page) -> None:
    # `online` means Rasa confirmed the session on this connection, so messages can be sent.
    expect(page.locator("body")).to_have_attribute("data-connection", "online", timeout=30_000)


def settle(page: Page, quiet_s: float = 1.0) -> None:
    """Waits until the bot has finished its turn: no new messages for `quiet_s`."""
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = page.locator("#log > .msg").count()
        if count != last:
            last, since = count, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return
        page.wait_for_timeout(100)
    raise AssertionError("the bot kept sending messages")


def send(page: Page, text: str) -> None:
    """Types `text`, presses Enter and waits for the bot's whole answer."""
    answered = page.locator(BOT).count()
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text(text)
    expect(page.locator("#input")).to_have_value("")
    page.locator(BOT).nth(answered).wait_for(timeout=REPLY_TIMEOUT_S * 1000)
    settle(page)


def bot_texts_since(page: Page, start: int) -> str:
    return "\n".join(page.locator(BOT).nth(i).inner_text() for i in range(start, page.locator(BOT).count()))


def shipped_order(skip: int = 0) -> dict:
    orders = [o for o in demo_orders() if o["status"] == "shipped" and o.get("email")]
    return orders[skip]


def order_status(stack, order_id: str) -> str:
    with sqlite3.connect(stack.store_db) as db:
        return db.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]


# ---------- tests ----------


def test_order_tracking_conversation_shows_the_order_card(new_page):
    order = shipped_order()
    page = new_page()

    send(page, f"Where is my order {order['id']}?")
    # Nothing about the order is shown before the email check.
    expect(page.locator("[data-card=order]")).to_have_count(0)
    expect(page.locator("#log")).not_to_contain_text(order["tracking_number"])

    send(page, order["email"])
    card = page.locator(f"[data-card=order][data-order-id='{order['id']}']")
    expect(card).to_be_visible()
    expect(card).to_have_attribute("data-status", "shipped")
    expect(card.locator(".badge")).not_to_be_empty()
    expect(card.locator("table.items tbody tr")).to_have_count(len(order["items"]))
    expect(card.locator(".total")).to_contain_text("$")
    expect(card.locator(".facts")).to_contain_text(order["tracking_number"])


def test_quick_reply_buttons_send_their_payload(new_page, stack):
    # The last open order, so the REST conversation tests keep theirs.
    order = [o for o in demo_orders() if o["status"] in ("paid", "pending") and o.get("email")][-1]
    page = new_page()
    send(page, f"Please cancel my order {order['id']}")
    send(page, order["email"])

    group = page.locator(".quick-replies").last
    buttons = group.locator("button.quick-reply")
    expect(buttons.first).to_be_visible()
    assert buttons.count() >= 2
    keep = group.locator("button[data-payload='no']")
    title = keep.inner_text()
    answered = page.locator(BOT).count()

    keep.click()

    # The shopper sees the button's title; the bot gets its payload ("no": keep the order).
    expect(page.locator(USER_BUBBLES).last).to_have_text(title)
    for i in range(buttons.count()):
        expect(buttons.nth(i)).to_be_disabled()
    expect(keep).to_have_class(re.compile(r"\bchosen\b"))
    page.locator(BOT).nth(answered).wait_for(timeout=REPLY_TIMEOUT_S * 1000)
    settle(page)
    assert order["id"] in bot_texts_since(page, answered)
    assert order_status(stack, order["id"]) == order["status"]


def test_reload_keeps_the_conversation_and_its_context(new_page):
    order = shipped_order(skip=1)
    page = new_page()
    send(page, f"track order {order['id']}")
    session = page.evaluate(f"JSON.parse(localStorage.getItem('{STORAGE_KEY}')).sessionId")
    shown = page.locator("#log > .msg .bubble").all_inner_texts()
    assert session and len(shown) >= 3  # welcome, question, answer

    page.reload()
    wait_online(page)
    # The page redraws what was already said, under the same Rasa session...
    assert page.locator("#log > .msg .bubble").all_inner_texts() == shown
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{STORAGE_KEY}')).sessionId") == session

    # ...and the bot still knows which order it asked the email for.
    send(page, order["email"])
    card = page.locator(f"[data-card=order][data-order-id='{order['id']}']")
    expect(card).to_be_visible()

    page.reload()
    wait_online(page)
    expect(card).to_be_visible()  # cards are redrawn too


def test_chinese_interface_and_conversation(new_page):
    page = new_page()
    page.locator("button[data-lang=zh]").click()

    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    expect(page.locator("button[data-lang=zh]")).to_have_attribute("aria-pressed", "true")
    for text in (
        page.locator("#input").get_attribute("placeholder"),
        page.locator("#send").inner_text(),
        page.locator("#store-name").inner_text(),
        page.locator("#status-text").inner_text(),
    ):
        assert CJK.search(text), f"not Chinese: {text!r}"

    answered = page.locator(BOT).count()
    send(page, "你好")
    assert CJK.search(bot_texts_since(page, answered)), "the bot did not answer in Chinese"

    page.reload()
    wait_online(page)
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))


def test_phone_screen_has_no_sideways_scroll_and_keeps_the_input_visible(new_page):
    width, height = 375, 667
    page = new_page(viewport={"width": width, "height": height}, is_mobile=True, has_touch=True)
    order = shipped_order()
    send(page, "Can you recommend a tent under $400?")  # product cards, when the search finds some
    send(page, f"Where is my order {order['id']}?")
    send(page, order["email"])  # a wide card: the items table
    send(page, "x" * 300)  # one long unbroken word

    scroll = page.evaluate(
        """() => {
            const overflow = (el) => el.scrollWidth - el.clientWidth;
            return {
                page: overflow(document.documentElement),
                body: overflow(document.body),
                chat: overflow(document.getElementById('scroller')),
            };
        }"""
    )
    assert scroll == {"page": 0, "body": 0, "chat": 0}, scroll

    for selector in ("#input", "#send", "#store-name", "button[data-lang=zh]"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0, selector
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, selector
    page.locator("#input").tap()
    expect(page.locator("#input")).to_be_focused()


def test_html_in_messages_is_shown_as_text(new_page):
    # CSP off, so this checks the rendering itself rather than the browser's safety net.
    page = new_page(bypass_csp=True)
    hostile = '<img src=x onerror="window.pwned=1"><b id="injected">hi</b><script>window.pwned=2</script>'
    send(page, hostile)
    expect(page.locator(USER_BUBBLES).last).to_have_text(hostile)

    # Bot replies with markup go through the same handler as socket events.
    evil = "javascript:window.pwned=3"
    product = {"id": "TP-X-1", "name": "<em>Jacket</em>", "price": 1, "currency": "USD",
               "url": evil, "image": evil, "reason": "<script>x</script>"}
    for message in (
        {"text": '<img src=x onerror="window.pwned=4"> **bold** <a href="javascript:x">a</a>'
                  " https://example.com/ok."},
        {"text": "<i>pick</i>", "quick_replies": [{"title": "<b>yes</b>", "payload": "yes"}]},
        {"type": "order", "order_id": '"><img src=x onerror="window.pwned=5">', "status": "shipped",
         "items": [{"name": "<u>Socks</u>", "quantity": 1, "unit_price": 5}], "total": 5, "currency": "USD",
         "tracking_number": "1Z", "tracking_url": evil},
        {"type": "products", "items": [product]},
        {"type": "answer", "citations": [{"source": "a", "title": "<b>Policy</b>", "url": evil}],
         "groundedness": 0.2},
        {"type": "constructor"},
        {"type": "no-such-card", "text": "<b>ignored</b>"},
    ):
        page.evaluate("message => window.tidepoolChat.receive(message)", message)

    log = page.locator("#log")
    expect(log).to_contain_text('<img src=x onerror="window.pwned=4">')
    expect(log).to_contain_text("<b>yes</b>")
    expect(log).to_contain_text("<u>Socks</u>")
    expect(log).to_contain_text("<em>Jacket</em>")
    expect(log.locator("strong", has_text="bold")).to_have_count(1)
    expect(log.locator("a[href='https://example.com/ok']")).to_have_count(1)
    assert log.locator("b, i, u, em, script, #injected, img[src='x']").count() == 0
    hrefs = log.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert page.locator("#log img").count() == 0  # the bad product image fell back to a placeholder
    expect(log).not_to_contain_text("ignored")
    assert page.evaluate("window.pwned") is None


def test_an_answer_is_shown_while_it_is_written(new_page):
    page = new_page()
    # Keeps every text the draft bubble shows, so the test sees the answer grow before the checked one arrives.
    page.evaluate("""() => {
        window.drafts = [];
        new MutationObserver(() => {
            const draft = document.querySelector("#log > [data-draft] .bubble");
            if (draft) window.drafts.push(draft.textContent);
        }).observe(document.getElementById("log"), { subtree: true, childList: true, characterData: true });
    }""")
    answered = page.locator(BOT).count()
    page.locator("#input").fill("How long does express shipping take?")
    page.locator("#input").press("Enter")
    page.locator("#log > [data-draft]").wait_for(timeout=120_000)
    page.locator("#log [data-card=answer]").wait_for(timeout=120_000)
    settle(page)
    expect(page.locator("#log > [data-draft]")).to_have_count(0)  # replaced by the checked answer
    drafts = [d for d in dict.fromkeys(page.evaluate("window.drafts")) if d]
    assert len(drafts) >= 3, drafts  # it grew token by token
    answer = bot_texts_since(page, answered)
    assert "express" in answer.lower() or "business day" in answer.lower(), answer


def test_product_cards_show_copy_and_record_impressions_and_clicks(new_page, stack, tmp_path):
    from shop.experiments import events as copy_events
    from scripts.report_copy import main as report_copy

    db = Path(stack.env["COPY_EVENTS_DB"])
    page = new_page()
    session = page.evaluate(f"JSON.parse(localStorage.getItem('{STORAGE_KEY}')).sessionId")
    copy_events.assign(db, session, "social", "bandit")  # as the action server does with the first cards
    items = [
        {"id": "TP-JKT-001", "name": "Harbor Shell 2.5L Rain Jacket", "price": 149, "currency": "USD",
         "url": "https://tidepool.example/products/harbor-shell-2-5l-rain-jacket", "reason": "Tidepool, rated 4.7★.",
         "copy": "Rated 4.7★ by shoppers."},
        {"id": "TP-JKT-002", "name": "Cove Long Rain Jacket", "price": 129, "currency": "USD",
         "url": "https://tidepool.example/products/cove", "reason": "Tidepool.", "copy": "Rated 4.7★ by shoppers."},
    ]
    page.evaluate("m => window.tidepoolChat.receive(m)", {"type": "products", "variant": "social", "items": items})

    cards = page.locator("[data-card=products][data-variant=social] li.product")
    expect(cards).to_have_count(2)
    first = cards.first
    expect(first.locator(".copy")).to_have_text("Rated 4.7★ by shoppers.")
    # The copy line sits above the reason.
    assert first.locator("p").evaluate_all("ps => ps.map(p => p.className)") == ["price", "copy", "reason"]

    def counts():  # this conversation's events only: other tests' cards share the database
        with sqlite3.connect(db) as con:
            rows = con.execute("SELECT kind, COUNT(DISTINCT item_id), COUNT(*) FROM events WHERE conversation_id = ? "
                               "AND variant = 'social' GROUP BY kind", (session,)).fetchall()
        by_kind = {kind: (items, events) for kind, items, events in rows}
        return {"impressions": by_kind.get("impression", (0, 0))[0], "clicks": by_kind.get("click", (0, 0))[0],
                "events": sum(events for _, events in by_kind.values())}

    def wait_for(check):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not check(counts()):
            page.wait_for_timeout(100)
        return counts()

    assert wait_for(lambda c: c["impressions"] == 2)["events"] == 2
    first.locator("button.ask").click()
    with page.context.expect_page() as popup:
        cards.nth(1).locator("a.view").click()
    popup.value.close()
    got = wait_for(lambda c: c["events"] == 4)
    assert (got["impressions"], got["clicks"], got["events"]) == (2, 2, 4)
    with sqlite3.connect(db) as con:
        clicks = con.execute("SELECT item_id, element FROM events WHERE kind = 'click' AND conversation_id = ? "
                             "ORDER BY item_id", (session,)).fetchall()
    assert clicks == [("TP-JKT-001", "button"), ("TP-JKT-002", "link")]

    settle(page)
    page.reload()  # the cards are redrawn from history: not new impressions
    wait_online(page)
    expect(page.locator("[data-card=products] li.product")).to_have_count(2)
    page.wait_for_timeout(1000)
    assert counts()["events"] == 4

    # The operator's report over the same event store counts these clicks.
    assert report_copy(["--db", str(db), "--out", str(tmp_path)]) == 0
    row = next(line for line in (tmp_path / "copy-report.md").read_text().splitlines() if line.startswith("| social"))
    impressions, clicks = (int(cell) for cell in row.split("|")[3:5])
    assert impressions >= 2 and clicks >= 2, row
    assert (tmp_path / "copy-report.png").stat().st_size > 1000
