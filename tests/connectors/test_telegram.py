"""The Telegram channel through the real Rasa and action servers, with the Telegram double on its loopback port:
signed updates answered natively (greeting, product photos, the order card), forged ones refused with nothing
reaching Rasa, redeliveries answered once, a 429 retried, stickers and locations answered politely, the agent
desk's outbound path with the handoff buttons, long replies split, and webhook-to-reply latency."""

import json
import random
import re
import time

import pytest

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.telegram import TelegramDouble, markup_of
from tests.connectors.helpers import PRODUCT, agent_says, long_reply_pieces, measure_latency, user_events

pytestmark = pytest.mark.stack

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def telegram(stack):
    double = TelegramDouble(stack.env["TELEGRAM_BOT_TOKEN"], stack.env["TELEGRAM_SECRET_TOKEN"],
                            f"{stack.rasa_url}/webhooks/telegram/webhook")
    with double.in_background(stack.double_ports["telegram"]):
        yield double


@pytest.fixture(autouse=True)
def clean_double(telegram):
    """Every test starts without scripted errors and ends with no schema violation."""
    with telegram.checked():
        yield


@pytest.fixture
def chat() -> int:
    return random.randrange(10**9, 2 * 10**9)


def test_a_signed_greeting_is_answered_in_the_chat(stack, telegram, chat):
    status, _, _ = telegram.say(chat, "hi")
    assert status == 200
    texts = telegram.wait_for(lambda: telegram.texts(chat), 60)
    assert "Pip" in texts[0]
    [event] = user_events(stack, chat)
    assert event["text"] == "hi" and event["input_channel"] == "telegram"


def test_the_start_command_and_chinese_are_answered_in_the_shoppers_language(telegram, chat):
    telegram.run(telegram.deliver(telegram.update("text.json", chat, "/start", language_code="zh-hans")))
    texts = telegram.wait_for(lambda: telegram.texts(chat), 60)
    assert CJK.search(texts[0]), texts


def test_a_recommendation_arrives_as_product_photos(telegram, chat):
    telegram.say(chat, "recommend a tent")
    photos = telegram.wait_for(lambda: telegram.photos(chat), 90)
    time.sleep(1)  # the rest of the cards
    photos = telegram.photos(chat)
    intro = telegram.texts(chat)
    assert photos and intro
    for photo in photos:
        assert photo["photo"].startswith("https://") and "$" in photo["caption"]
        assert not any(line in photo["caption"] for line in intro)  # the card does not repeat the bot's text
        [[button]] = markup_of(photo)["inline_keyboard"]
        assert button["url"].startswith("https://")


def test_order_tracking_shows_the_order_card(telegram, chat):
    order = next(o for o in demo_orders() if o["status"] == "shipped" and o.get("tracking_number"))
    telegram.say(chat, f"where is my order {order['id']}?")
    telegram.wait_for(lambda: any("email" in t.lower() for t in telegram.texts(chat)), 60)
    telegram.say(chat, order["email"])
    card = telegram.wait_for(lambda: [t for t in telegram.texts(chat) if t.startswith(f"Order {order['id']} ·")], 60)
    assert order["tracking_number"] in card[0] and "Total:" in card[0]


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_a_forged_update_is_refused_and_reaches_nothing(stack, telegram, chat, secret):
    status, body, _ = telegram.run(telegram.deliver(telegram.update("text.json", chat, "hi"), secret=secret))
    assert status == 401 and "secret token" in json.loads(body)["error"]
    time.sleep(2)
    assert user_events(stack, chat) == [] and telegram.sent(chat) == []


@pytest.mark.parametrize("body", [b"{not json", b'{"update_id": "7"}', b"[]"])
def test_a_malformed_update_gets_400_not_500(telegram, body):
    status, answer, _ = telegram.run(telegram.deliver(body))
    assert status == 400 and "malformed" in json.loads(answer)["error"]


def test_a_redelivered_update_is_answered_once(stack, telegram, chat):
    update = telegram.update("text.json", chat, "hi")
    assert telegram.run(telegram.deliver(update))[0] == 200
    assert telegram.run(telegram.deliver(update))[0] == 200  # Telegram retries with the same update_id
    telegram.wait_for(lambda: telegram.texts(chat), 60)
    time.sleep(3)
    assert len(telegram.texts(chat)) == 1
    assert len(user_events(stack, chat)) == 1


def test_a_429_is_retried_then_delivered(telegram, chat):
    telegram.rate_limit(retry_after_s=1)
    telegram.say(chat, "hi")
    telegram.wait_for(lambda: telegram.texts(chat), 60)
    answers = [c.answered for c in telegram.calls if str(c.params.get("chat_id")) == str(chat)]
    assert answers[:2] == [429, 200]


@pytest.mark.parametrize("name, language", [("sticker.json", "en"), ("voice.json", "en"), ("location.json", "zh")])
def test_what_is_not_text_gets_the_polite_reply_and_not_rasa(stack, telegram, chat, name, language):
    telegram.run(telegram.deliver(telegram.update(name, chat)))
    texts = telegram.wait_for(lambda: telegram.texts(chat), 30)
    assert texts == [UNSUPPORTED[language]]
    assert user_events(stack, chat) == []


def test_a_button_press_is_the_shoppers_next_message(stack, telegram, chat):
    telegram.run(telegram.deliver(telegram.update("callback_query.json", chat, "hi")))
    texts = telegram.wait_for(lambda: telegram.texts(chat), 60)
    assert "Pip" in texts[0]
    assert telegram.wait_for(lambda: telegram.calls_to("/answerCallbackQuery"), 10)  # the spinner stops
    assert user_events(stack, chat)[0]["text"] == "hi"


def test_an_agents_reply_reaches_the_shopper_with_native_cards_and_buttons(stack, telegram, chat):
    telegram.say(chat, "hi")  # the conversation's latest channel is now Telegram
    telegram.wait_for(lambda: telegram.texts(chat), 60)
    agent_says(stack, chat, "Lin here: this one packs small.",
               {"type": "agent_message", "agent": "Lin", "language": "en", "product": PRODUCT})
    [photo] = telegram.wait_for(lambda: telegram.photos(chat), 30)
    assert photo["photo"] == PRODUCT["image"] and "Driftwood 2P Tent" in photo["caption"]
    assert "Lin here: this one packs small." in telegram.texts(chat)

    agent_says(stack, chat, "You're number 2 in line.",
               {"type": "handoff_waiting", "position": 2, "language": "en", "handoff_id": 7})
    telegram.wait_for(lambda: any(b.get("callback_data") == "/handoff_cancel" for b in telegram.buttons(chat)), 30)
    waiting = [p for _, p in telegram.sent(chat) if p.get("text") == "You're number 2 in line."]
    assert waiting and markup_of(waiting[0])  # the button rides on the notice itself

    agent_says(stack, chat, "Lin has handed you back to Pip.",
               {"type": "handoff_ended", "agent": "Lin", "ask_rating": True, "language": "en"})
    ratings = telegram.wait_for(lambda: [b["callback_data"] for b in telegram.buttons(chat)
                                         if "rate_conversation" in b.get("callback_data", "")], 30)
    assert ratings == [f'/rate_conversation{{"rating": {n}}}' for n in range(1, 6)]


def test_a_long_reply_is_split_at_the_limit_without_breaking_words(stack, telegram, chat):
    long, pieces = long_reply_pieces(stack, telegram, chat)
    assert len(pieces) >= 3 and all(len(p) <= 4096 for p in pieces)
    assert " ".join(pieces).split() == long.split()


def test_webhook_to_reply_latency(telegram):
    """Signed messages one after the other: time from the webhook POST to the reply's API call reaching the double.
    Written to reports/connectors/telegram_latency.json."""
    def one_message():
        chat = random.randrange(10**9, 2 * 10**9)
        status, _, sent_at = telegram.say(chat, "hi")
        acknowledged = time.monotonic() - sent_at  # the webhook's 200 came back
        assert status == 200
        call = telegram.wait_for(lambda: telegram.first_call_to(chat, sent_at), 60)
        return call.received_at - sent_at, acknowledged

    measure_latency("telegram", one_message)
