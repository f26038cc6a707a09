"""A shopper sends a photo in the web chat (issue 14), in Chromium: against the real stack, attached to the return
they just opened, shown in their own bubble from the local file, and kept without its GPS location; and the page
alone (the web chat server with a stand-in for Rasa's socket), for the button, the checks and the payload.

The stack tests need the model trained with bot/domain/attachments.yml and bot/data/rules/attachments.yml (intent
share_photo). Screenshots go to test-results/browser/.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
import socket
import sqlite3
import threading
from datetime import date

import pytest
from aiohttp import web
from PIL import ExifTags, Image
from playwright.sync_api import Page, expect

from connectors.webchat import app as webchat
from connectors.webchat import attachments
from scripts.stack import STORE_DIR
from shop.store.loader import load_store
from shop.store.sqlite import SqliteStore
from tests.browser.test_webchat import (  # noqa: F401 (browser and new_page are fixtures)
    BOT,
    CHROMIUM,
    STORAGE_KEY,
    browser,
    new_page,
    send,
    settle,
    shot,
    wait_online,
)
from tests.conftest import demo_orders

pytestmark = [pytest.mark.browser]

PHOTO_BUBBLE = "#log > [data-from=user] .photo-bubble"


def jpeg_with_gps() -> bytes:
    """A phone-like JPEG: a red-brown 'scuff' on grey, with the place it was taken in its EXIF."""
    image = Image.new("RGB", (640, 480), (180, 180, 175))
    image.paste((150, 60, 40), (200, 180, 440, 300))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.5)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def returnable_order(stack) -> dict:
    """A delivered demo order with exactly one returnable item (so the form asks only for the reason); the last
    one, so the REST conversation tests' first pick stays theirs."""
    store = SqliteStore(stack.store_db, STORE_DIR)
    window = int(store.store_info()["returns"]["window_days"])
    for order in reversed(demo_orders()):
        found = store.find_order(order["id"], order["email"]) if order["status"] == "delivered" else None
        if found and len(found.returnable_items(window, date.today())) == 1 and len(found.items) == 1:
            return order
    raise AssertionError("no returnable demo order left")


def conversation_id(page: Page) -> str:
    return json.loads(page.evaluate(f"() => localStorage.getItem({STORAGE_KEY!r})"))["sessionId"]


def attach(page: Page, name: str, mime: str, data: bytes) -> None:
    """Chooses a file through the paperclip button, as a shopper does."""
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach a photo").click()
    chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


@pytest.mark.stack
def test_a_photo_is_attached_to_the_return_the_shopper_opened(new_page, stack):  # noqa: F811 (a fixture)
    order = returnable_order(stack)
    page = new_page()
    button = page.get_by_role("button", name="Attach a photo")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44

    send(page, f"I want to return order {order['id']}")
    send(page, order["email"])
    send(page, "damaged or faulty")
    with sqlite3.connect(stack.store_db) as db:
        [(return_id,)] = db.execute("SELECT id FROM returns WHERE order_id = ?", (order["id"],)).fetchall()
    expect(page.locator(BOT).last).to_contain_text(return_id)

    # Too big is refused on the page, before any upload.
    answered = page.locator(BOT).count()
    attach(page, "huge.jpg", "image/jpeg", b"\xff\xd8\xff" + b"\0" * (5 * 1024 * 1024 + 1))
    expect(page.locator(".photo-notice").last).to_contain_text("5 MB")
    assert page.locator(PHOTO_BUBBLE).count() == 0

    attach(page, "IMG_2041.jpg", "image/jpeg", jpeg_with_gps())
    thumbnail = page.locator(f"{PHOTO_BUBBLE} img")
    expect(thumbnail).to_be_visible(timeout=30_000)
    assert thumbnail.get_attribute("src").startswith("data:image/jpeg")  # the local file, never a server URL
    page.locator(BOT).nth(answered).wait_for(timeout=60_000)
    settle(page)
    expect(page.locator(BOT).last).to_contain_text(return_id)
    shot(page, "attachments-return-en")

    with sqlite3.connect(stack.store_db) as db:
        rows = db.execute("SELECT id, linked_kind, linked_id, content_type FROM attachments WHERE conversation_id = ?",
                          (conversation_id(page),)).fetchall()
    [(photo_id, kind, linked_id, content_type)] = rows
    assert (kind, linked_id, content_type) == ("return", return_id, "image/jpeg")
    _, data = SqliteStore(stack.store_db, STORE_DIR).read_attachment(photo_id)
    assert not Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)


@pytest.mark.stack
def test_a_photo_without_a_case_is_kept_for_a_person_in_chinese(new_page, stack):  # noqa: F811
    page = new_page(viewport={"width": 390, "height": 844})
    page.locator("[data-lang=zh]").click()
    button = page.get_by_role("button", name="添加照片")
    expect(button).to_be_visible()

    png = io.BytesIO()
    Image.new("RGBA", (300, 200), (20, 120, 200, 255)).save(png, format="PNG")
    with page.expect_file_chooser() as chooser:
        button.click()
    answered = page.locator(BOT).count()
    chooser.value.set_files(files=[{"name": "划痕.png", "mimeType": "image/png", "buffer": png.getvalue()}])
    expect(page.locator(f"{PHOTO_BUBBLE} img")).to_be_visible(timeout=30_000)
    page.locator(BOT).nth(answered).wait_for(timeout=60_000)
    settle(page)
    shot(page, "attachments-kept-zh-phone")

    with sqlite3.connect(stack.store_db) as db:
        rows = db.execute("SELECT linked_kind FROM attachments WHERE conversation_id = ?",
                          (conversation_id(page),)).fetchall()
    assert rows == [(None,)]
    assert "照片" in page.locator(BOT).last.inner_text()


# ---------- the page alone: no Rasa, no retrain ----------


class FakeRasaSocket:
    """Answers the page's socket.io connection as Rasa's channel would (engine.io v4 frames): confirms the session the
    page's ticket is for and answers each user message with one line, recording what the page sent."""

    def __init__(self, page: Page) -> None:
        self.sent: list[str] = []
        page.route_web_socket(re.compile(r"/socket\.io/"), self._connect)

    def _connect(self, ws) -> None:
        ws.send('0{"sid":"e","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}')

        def on_message(message) -> None:
            if message == "40":
                ws.send('40{"sid":"s"}')
            elif isinstance(message, str) and message.startswith("42"):
                name, data = json.loads(message[2:])[:2]
                if name == "session_request":  # the web chat server issued this id with the ticket
                    ws.send("42" + json.dumps(["session_confirm", data["session_id"]]))
                elif name == "user_uttered":
                    self.sent.append(data["message"])
                    ws.send("42" + json.dumps(["bot_uttered", {"text": "Got your photo."}]))

        ws.on_message(on_message)


@pytest.fixture
def page_only(tmp_path):
    """(URL of a web chat server with the attachment routes, its store) on a free port, in a thread."""
    db = tmp_path / "store.db"
    load_store(STORE_DIR, db)
    store = SqliteStore(db, STORE_DIR)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> web.AppRunner:
        app = webchat.init("http://127.0.0.1:9")  # the socket never reaches it: FakeRasaSocket answers
        attachments.add_routes(app, store)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner = loop.run_until_complete(serve())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(15)
    yield f"http://127.0.0.1:{port}/", store
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


@pytest.mark.parametrize("lang, viewport", [("en", {"width": 1024, "height": 800}),
                                            ("zh", {"width": 390, "height": 844})])
def test_the_page_checks_uploads_and_sends_the_photo_payload(browser, page_only, lang, viewport):  # noqa: F811
    url, store = page_only
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    rasa = FakeRasaSocket(page)
    page.goto(url)
    wait_online(page)
    conversation = conversation_id(page)
    if lang == "zh":
        page.locator("[data-lang=zh]").click()
    button = page.get_by_role("button", name="Attach a photo" if lang == "en" else "添加照片")
    box = button.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert page.locator("#photo-input").get_attribute("accept") == "image/jpeg,image/png,image/webp"

    def choose(name: str, mime: str, data: bytes) -> None:
        with page.expect_file_chooser() as chooser:
            button.click()
        chooser.value.set_files(files=[{"name": name, "mimeType": mime, "buffer": data}])

    # Not an image, though named and typed as one: the server refuses it by its content; the page says so.
    choose("fake.jpg", "image/jpeg", b"\xff\xd8\xffnot really a photo")
    expect(page.locator(".photo-notice").last).to_contain_text("JPEG" if lang == "en" else "JPEG、PNG")
    # Over 5 MB: refused on the page, nothing uploaded.
    choose("big.png", "image/png", b"\x89PNG" + b"\0" * (5 * 1024 * 1024))
    expect(page.locator(".photo-notice")).to_have_count(2)
    assert store.attachments_for(conversation) == [] and rasa.sent == []

    choose("IMG_2041.jpg", "image/jpeg", jpeg_with_gps())
    thumbnail = page.locator(f"{PHOTO_BUBBLE} img")
    expect(thumbnail).to_be_visible()
    assert thumbnail.get_attribute("src").startswith("data:image/jpeg")  # the local file, never a server URL
    expect(page.locator(f"{BOT} .bubble").last).to_have_text("Got your photo.")
    [photo] = store.attachments_for(conversation)
    assert rasa.sent == [f'/share_photo{{"attachment_id":"{photo.id}"}}']
    shot(page, f"attachments-page-{lang}")

    page.reload()  # the preview is not kept in the browser's storage; the bubble says a photo was sent
    wait_online(page)
    expect(page.locator(PHOTO_BUBBLE)).to_have_text("Photo sent" if lang == "en" else "已发送照片")
    context.close()
    assert not errors, errors
