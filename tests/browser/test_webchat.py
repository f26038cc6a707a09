"""The shopper's web chat page in a real browser (Debian's Chromium) against the real bot.

Assertions are on structure, ids and language rather than on wording, so the bot's replies can
be reworded without breaking these tests. One screenshot per test goes to test-results/browser/.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest
import requests
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

    def open_page(viewport=None, before_load=None, **context_options) -> Page:
        viewport = viewport or {"width": 1024, "height": 800}
        context = browser.new_context(viewport=viewport, locale="en-US", **context_options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        if before_load:  # routes, init scripts, a fake clock: things that must be in place before the page loads
            before_load(page)
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


class ReplyGate:
    """Sits on the page's socket.io connection to Rasa (playwright's WebSocket routing): forwards everything, records
    what the page sends, and while `holding` keeps Rasa's `bot_uttered` frames back until `release()`, so a test
    decides when the bot's reply reaches the page. With `refuse` set, new connections are closed at once."""

    def __init__(self, page: Page) -> None:
        self.sent: list[str] = []
        self.held: list[tuple[object, str]] = []
        self.routes: list[object] = []
        self.holding = True
        self.refuse = False
        page.route_web_socket(re.compile(r"/socket\.io/"), self._connect)

    def _connect(self, ws) -> None:
        if self.refuse:
            ws.close()
            return
        server = ws.connect_to_server()
        self.routes.append(ws)

        def from_page(message):
            self.sent.append(message if isinstance(message, str) else "")
            server.send(message)

        def from_server(message):
            # Socket.IO event frames look like 42["bot_uttered",{...}]; pings and the handshake pass through.
            if self.holding and isinstance(message, str) and message.startswith("42") and '"bot_uttered"' in message:
                self.held.append((ws, message))
            else:
                ws.send(message)

        ws.on_message(from_page)
        server.on_message(from_server)

    def wait_held(self, page: Page) -> None:
        """Waits until Rasa has replied (and the reply is being held)."""
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while not self.held:
            assert time.monotonic() < deadline, "the bot never replied"
            page.wait_for_timeout(100)

    def sent_messages(self) -> list[str]:
        """The texts the page sent as user messages, in order."""
        messages = []
        for frame in self.sent:
            if frame.startswith("42") and '"user_uttered"' in frame:
                event = json.loads(frame[2:])
                messages.append(event[1]["message"])
        return messages

    def wait_sent(self, page: Page, message: str) -> list[str]:
        """Waits until the page has sent `message` as a user message; returns all it sent."""
        deadline = time.monotonic() + 10
        while message not in self.sent_messages():
            assert time.monotonic() < deadline, f"the page never sent {message!r}: {self.sent_messages()}"
            page.wait_for_timeout(50)
        return self.sent_messages()

    def release(self) -> None:
        self.holding = False
        held, self.held = self.held, []
        for ws, message in held:
            ws.send(message)


def typing_timings(looking_up_ms: int, offer_human_ms: int):
    """A before_load hook giving the page shorter typing indicator delays (window.TIDEPOOL_CHAT_TIMINGS)."""
    script = f"window.TIDEPOOL_CHAT_TIMINGS = {{ lookingUpMs: {looking_up_ms}, offerHumanMs: {offer_human_ms} }};"
    return lambda page: page.add_init_script(script)


def type_and_send(page: Page, text: str) -> None:
    """Sends `text` without waiting for the answer."""
    page.locator("#input").fill(text)
    page.locator("#input").press("Enter")
    expect(page.locator(USER_BUBBLES).last).to_have_text(text)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


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


# Questions whose closest quote is good but not sure enough to serve at once: the reader (the local model) reads it
# while the quote is shown as a draft.
DRAFT_QUESTIONS = ["do you ship to canada?", "will I lose my points if I return something?",
                   "can I pay with apple pay?", "can you deliver to hong kong?",
                   "how long do I have to return a jacket?"]


def drafted_then_read(stack, question: str) -> bool:
    """Whether the service streams a draft before its final answer, and the reader gave the final one."""
    events = []
    with requests.post(f"{stack.knowledge_url}/answer/stream", json={"question": question, "lang": "en"},
                       stream=True, timeout=300) as response:
        for line in response.iter_lines(decode_unicode=True):
            if line and line.startswith("event:"):
                events.append(line.split(":", 1)[1].strip())
            if line and line.startswith("data:") and events[-1] == "final":
                return events[0] == "token" and json.loads(line[5:])["route"] == "reader"
    return False


def test_a_draft_is_shown_while_the_answer_is_checked(new_page, stack):
    question = next((q for q in DRAFT_QUESTIONS if drafted_then_read(stack, q)), None)
    assert question, "every candidate was answered at once or refused: pick a question in the reader's band"
    page = new_page()
    # Keeps every text the draft bubble shows, so the test sees the draft before the checked answer arrives.
    page.evaluate("""() => {
        window.drafts = [];
        new MutationObserver(() => {
            const draft = document.querySelector("#log > [data-draft] .bubble");
            if (draft) window.drafts.push(draft.textContent);
        }).observe(document.getElementById("log"), { subtree: true, childList: true, characterData: true });
    }""")
    answered = page.locator(BOT).count()
    page.locator("#input").fill(question)
    page.locator("#input").press("Enter")
    page.locator("#log [data-card=answer]").wait_for(timeout=120_000)
    settle(page)
    expect(page.locator("#log > [data-draft]")).to_have_count(0)  # replaced by the checked answer
    drafts = [d for d in dict.fromkeys(page.evaluate("window.drafts")) if d]
    assert drafts, "no draft was shown while the reader decided"
    assert bot_texts_since(page, answered).strip()


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


TYPING = {
    "en": {"typing": "Typing…", "looking": "Looking this up in our store info…", "person": "Talk to a person",
           "hello": "hello", "policy": "Based on our store policies", "catalogue": "From our catalogue"},
    "zh": {"typing": "正在输入…", "looking": "正在为您查询…", "person": "转人工客服",
           "hello": "你好", "policy": "依据本店政策作答", "catalogue": "来自商品目录"},
}


@pytest.mark.parametrize("lang, viewport", [("en", None), ("zh", {"width": 375, "height": 667})])
def test_typing_indicator_stays_until_the_reply_then_offers_a_person(new_page, lang, viewport):
    words = TYPING[lang]
    gates = []

    def before_load(page):
        typing_timings(1000, 2500)(page)
        gates.append(ReplyGate(page))

    page = new_page(viewport=viewport, before_load=before_load)
    gate = gates[0]
    if lang == "zh":
        page.locator("button[data-lang=zh]").click()
    typing, text, person = page.locator("#typing"), page.locator("#typing-text"), page.locator("#typing-human")
    expect(typing).to_have_attribute("aria-live", "polite")
    expect(typing).to_be_hidden()

    type_and_send(page, words["hello"])
    expect(typing).to_be_visible()
    expect(text).to_have_text(words["typing"])
    expect(person).to_be_hidden()
    gate.wait_held(page)  # the bot has answered; the page has not seen it yet

    expect(text).to_have_text(words["looking"])
    expect(typing).to_have_attribute("data-phase", "lookingUp")
    expect(person).to_be_visible()
    expect(person).to_have_text(words["person"])
    expect(typing).to_be_visible()
    assert page.locator(BOT).count() == 0
    width = page.viewport_size["width"]
    box = person.bounding_box()
    assert box and box["x"] + box["width"] <= width, box  # on a phone it wraps under the text
    shot(page, f"typing-indicator-{lang}-offer")

    person.click()
    # Sent like a quick reply: the shopper sees the title, Rasa gets the payload.
    expect(page.locator(USER_BUBBLES).last).to_have_text(words["person"])
    assert gate.wait_sent(page, "/human_agent") == [words["hello"], "/human_agent"]
    expect(page.locator("#input")).to_be_focused()
    # Waiting again, from the start.
    expect(text).to_have_text(words["typing"])
    expect(person).to_be_hidden()
    expect(typing).to_be_visible()

    gate.release()
    page.locator(BOT).first.wait_for(timeout=REPLY_TIMEOUT_S * 1000)
    expect(typing).to_be_hidden()
    # The person request reached the bot: nobody is at the desk, so it records a ticket.
    expect(page.locator("[data-card=handoff_unavailable]")).to_be_visible(timeout=REPLY_TIMEOUT_S * 1000)
    settle(page)
    expect(typing).to_be_hidden()
    expect(person).to_be_hidden()


def test_typing_indicator_default_timings_and_no_cutoff(new_page):
    gates = []

    def before_load(page):
        page.clock.install()  # time runs as usual until the test pauses it
        gates.append(ReplyGate(page))

    page = new_page(before_load=before_load)
    typing, text, person = page.locator("#typing"), page.locator("#typing-text"), page.locator("#typing-human")
    type_and_send(page, "hello")
    # From here on the page's time moves only when the test says: waiting for the bot takes no page time.
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 0.1)
    gates[0].wait_held(page)

    page.clock.run_for(2000)
    expect(text).to_have_text("Typing…")
    page.clock.run_for(1200)  # past 3 s
    expect(text).to_have_text("Looking this up in our store info…")
    page.clock.run_for(10_000)
    expect(person).to_be_hidden()
    page.clock.run_for(2000)  # past 15 s
    expect(person).to_be_visible()
    page.clock.run_for(10_000)  # past the old 20 s cut-off: still waiting, still offering a person
    expect(typing).to_be_visible()
    expect(person).to_be_visible()

    page.clock.resume()
    gates[0].release()
    page.locator(BOT).first.wait_for(timeout=REPLY_TIMEOUT_S * 1000)
    expect(typing).to_be_hidden()
    settle(page)


def test_typing_indicator_gives_way_to_an_answer_being_written(new_page):
    gates, streams = [], []

    def before_load(page):
        typing_timings(500, 1000)(page)
        gates.append(ReplyGate(page))
        # The page's stream of answers being written: answered by the test.
        page.route(re.compile(r"/live/"), lambda route: streams.append(route))

    page = new_page(before_load=before_load)
    typing = page.locator("#typing")
    type_and_send(page, "hello")
    gates[0].wait_held(page)
    expect(page.locator("#typing-human")).to_be_visible()
    assert streams, "the page does not watch answers being written"

    streams[-1].fulfill(status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"},
                        body='event: token\ndata: {"text": "Standard shipping takes"}\n\n')
    expect(page.locator("#log > [data-draft] .bubble")).to_have_text("Standard shipping takes")
    expect(typing).to_be_hidden()  # the first token is a reply: the draft shows the assistant at work
    expect(page.locator("#typing-human")).to_be_hidden()

    gates[0].release()
    page.locator(BOT).first.wait_for(timeout=REPLY_TIMEOUT_S * 1000)
    expect(page.locator("#log > [data-draft]")).to_have_count(0)
    expect(typing).to_be_hidden()
    settle(page)


def test_typing_indicator_hides_when_the_connection_drops(new_page):
    gates = []

    def before_load(page):
        typing_timings(300, 600)(page)
        gates.append(ReplyGate(page))

    page = new_page(before_load=before_load)
    gate = gates[0]
    typing = page.locator("#typing")
    type_and_send(page, "hello")
    expect(page.locator("#typing-human")).to_be_visible()

    gate.refuse = True  # no reconnecting until the test allows it
    gate.routes[-1].close()
    expect(typing).to_be_hidden()  # no endless spinner: the connection state says what is going on
    expect(page.locator("body")).to_have_attribute("data-connection", "offline")
    expect(page.locator("#banner")).to_have_text("Connection lost. Reconnecting…")
    expect(page.locator("#status-text")).to_have_text("Reconnecting…")
    shot(page, "typing-indicator-en-connection-lost")

    gate.refuse, gate.holding = False, False
    wait_online(page)
    expect(page.locator("#banner")).to_be_hidden()
    expect(typing).to_be_hidden()


def test_answer_labels_and_person_offer(new_page):
    gates = []
    page = new_page(before_load=lambda page: gates.append(ReplyGate(page)))
    gates[0].holding = False
    receive = "message => window.tidepoolChat.receive(message)"
    policy = [{"source": "returns.md", "title": "Returns policy", "url": "https://tidepool.example/returns"}]
    for message in (
        {"text": "You can return unworn items within 30 days."},
        # A checked policy answer never says "low confidence", whatever its groundedness.
        {"type": "answer", "citations": policy, "groundedness": 0.2, "label": "store_policy", "offer_human": False},
        {"text": "The Harbor Shell weighs 380 g."},
        {"type": "answer", "citations": [{"source": "catalogue", "title": "Harbor Shell 2.5L Rain Jacket"}],
         "groundedness": 0.9, "label": "catalogue"},
        {"text": "Sorry, I couldn't find that in our store information."},
        # A refusal: no sources to show, but a person to ask.
        {"type": "answer", "citations": [], "groundedness": 0.1, "label": None, "offer_human": True},
        {"text": "Older answer payload."},
        {"type": "answer", "citations": policy, "groundedness": 0.3},  # no label: the old groundedness hint
        {"type": "answer", "citations": [], "groundedness": 0.0},  # old refusal: nothing under it
    ):
        page.evaluate(receive, message)

    answers = page.locator("#log [data-card=answer]")
    expect(answers).to_have_count(4)
    policy_answer, catalogue_answer, refusal, old = (answers.nth(i) for i in range(4))
    expect(policy_answer.locator(".grounded")).to_have_text("Based on our store policies")
    expect(policy_answer).to_have_attribute("data-label", "store_policy")
    expect(policy_answer.locator(".sources li")).to_have_text("Returns policy")
    expect(policy_answer).not_to_contain_text("Low confidence")
    expect(policy_answer.locator("button")).to_have_count(0)
    expect(catalogue_answer.locator(".grounded")).to_have_text("From our catalogue")
    expect(refusal.locator(".sources")).to_have_count(0)
    expect(refusal.locator(".grounded")).to_have_count(0)
    expect(old.locator(".grounded.low")).to_contain_text("Low confidence")
    offer = refusal.locator("button.offer-human")
    expect(offer).to_have_text("Talk to a person")
    expect(offer).to_have_attribute("data-payload", "/human_agent")
    shot(page, "answer-labels-en")

    offer.click()
    expect(page.locator(USER_BUBBLES).last).to_have_text("Talk to a person")
    assert gates[0].wait_sent(page, "/human_agent")[-1] == "/human_agent"
    expect(page.locator("[data-card=handoff_unavailable]")).to_be_visible(timeout=REPLY_TIMEOUT_S * 1000)
    settle(page)
    expect(offer).to_be_disabled()  # used once, like a quick reply

    page.locator("button[data-lang=zh]").click()
    words = TYPING["zh"]
    expect(policy_answer.locator(".grounded")).to_have_text(words["policy"])
    expect(catalogue_answer.locator(".grounded")).to_have_text(words["catalogue"])
    expect(refusal.locator("button.offer-human")).to_have_text(words["person"])
    expect(refusal.locator("button.offer-human")).to_be_disabled()
    shot(page, "answer-labels-zh")

    page.reload()  # redrawn from history, still used
    wait_online(page)
    expect(page.locator("#log [data-card=answer]").nth(2).locator("button.offer-human")).to_be_disabled()
