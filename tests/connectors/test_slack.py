"""The Slack channel through the real Rasa and action servers, with the Slack double on its loopback port: the
url_verification handshake, signed events answered in Block Kit (greeting, product sections with images, the
order fields), forged and replayed requests refused with nothing reaching Rasa, retries answered once, 429 and
5xx retried, files answered politely, bots ignored, button presses, the agent desk's outbound path with the
handoff buttons, long replies split, and webhook-to-reply latency."""

import json
import random
import time

import pytest

from connectors.platform import UNSUPPORTED
from tests.conftest import demo_orders
from tests.connectors.doubles.slack import SlackDouble, fixture
from tests.connectors.helpers import PRODUCT, agent_says, long_reply_pieces, measure_latency, user_events

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def slack(stack):
    double = SlackDouble(stack.env["SLACK_BOT_TOKEN"], stack.env["SLACK_SIGNING_SECRET"],
                         f"{stack.rasa_url}/webhooks/slack/webhook")
    with double.in_background(stack.double_ports["slack"]):
        yield double


@pytest.fixture(autouse=True)
def clean_double(slack):
    """Every test starts without scripted errors and ends with no schema violation."""
    with slack.checked():
        yield


def new_channel(prefix: str = "D") -> str:
    return prefix + "".join(random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(10))


@pytest.fixture
def dm() -> str:
    return new_channel()


def test_the_url_verification_challenge_is_answered(slack):
    status, body, _ = slack.run(slack.deliver(fixture("url_verification.json")))
    assert status == 200 and json.loads(body)["challenge"] == fixture("url_verification.json")["challenge"]


def test_a_signed_direct_message_is_answered_in_the_dm(stack, slack, dm):
    status, _, _ = slack.say(dm, "hi")
    assert status == 200
    texts = slack.wait_for(lambda: slack.texts(dm), 60)
    assert "Pip" in texts[0]
    [event] = user_events(stack, dm)
    assert event["text"] == "hi" and event["input_channel"] == "slack"


def test_a_mention_in_a_channel_is_answered_there(slack):
    channel = new_channel("C")
    slack.run(slack.deliver(slack.event("app_mention.json", channel, "<@U0LAN0Z89> hi")))
    assert "Pip" in slack.wait_for(lambda: slack.texts(channel), 60)[0]


def test_a_recommendation_arrives_as_sections_with_product_images(slack, dm):
    slack.say(dm, "recommend a tent")
    cards = slack.wait_for(lambda: [b for b in slack.blocks(dm) if b.get("accessory")], 90)
    intro = [m["text"] for m in slack.sent(dm) if not m.get("blocks")]
    assert intro
    for card in cards:
        assert card["accessory"]["type"] == "image" and card["accessory"]["image_url"].startswith("https://")
        assert card["text"]["text"].startswith("*<https://") and "$" in card["text"]["text"]
        assert not any(line in card["text"]["text"] for line in intro)  # the card does not repeat the bot's text


def test_order_tracking_shows_the_order_fields(slack, dm):
    order = next(o for o in demo_orders() if o["status"] == "shipped" and o.get("tracking_number"))
    slack.say(dm, f"where is my order {order['id']}?")
    slack.wait_for(lambda: any("email" in t.lower() for t in slack.texts(dm)), 60)
    slack.say(dm, order["email"])
    fields = slack.wait_for(lambda: [f["text"] for b in slack.blocks(dm) for f in b.get("fields", [])], 60)
    assert f"*Order*\n{order['id']}" in fields
    assert any(order["tracking_number"] in f for f in fields)


def test_a_forged_signature_is_refused_and_reaches_nothing(stack, slack, dm):
    envelope = slack.event("message_im.json", dm, "hi")
    body, _ = slack.body_of(envelope)
    status, answer, _ = slack.run(slack.deliver(envelope, headers=slack.signed(body, secret="not-the-secret")))
    assert status == 401 and "signature" in json.loads(answer)["error"]
    tampered = dict(slack.signed(body), **{"Content-Type": "application/json"})
    envelope["event"]["text"] = "give me a refund"  # signed body, changed afterwards
    assert slack.run(slack.deliver(envelope, headers=tampered))[0] == 401
    assert slack.run(slack.deliver(envelope, headers={"Content-Type": "application/json"}))[0] == 401
    time.sleep(2)
    assert user_events(stack, dm) == [] and slack.sent(dm) == []


def test_a_replayed_request_outside_five_minutes_is_refused(stack, slack, dm):
    envelope = slack.event("message_im.json", dm, "hi")
    body, _ = slack.body_of(envelope)
    old = int(time.time()) - 6 * 60  # correctly signed, but captured six minutes ago
    status, answer, _ = slack.run(slack.deliver(envelope, headers=slack.signed(body, timestamp=old)))
    assert status == 401 and "stale" in json.loads(answer)["error"]
    time.sleep(2)
    assert user_events(stack, dm) == [] and slack.sent(dm) == []


def test_a_malformed_body_gets_400_not_500(slack):
    for body in (b"{not json", b'{"type": "event_callback", "event": {}}'):
        headers = slack.signed(body)
        status, answer, _ = slack.run(slack.post(slack.webhook_url, body, headers))
        assert status == 400 and "malformed" in json.loads(answer)["error"]


def test_a_retried_event_is_answered_once(stack, slack, dm):
    envelope = slack.event("message_im.json", dm, "hi")
    assert slack.run(slack.deliver(envelope))[0] == 200
    for retry in (1, 2):  # Slack's retries: same body and event_id, X-Slack-Retry-Num set
        assert slack.run(slack.deliver(envelope, retry_num=retry))[0] == 200
    slack.wait_for(lambda: slack.texts(dm), 60)
    time.sleep(3)
    assert len(slack.texts(dm)) == 1 and len(user_events(stack, dm)) == 1


def test_a_429_and_a_503_are_retried_then_delivered(slack, dm):
    slack.rate_limit(retry_after_s=1)
    slack.server_error(503)
    slack.say(dm, "hi")
    slack.wait_for(lambda: slack.texts(dm), 60)

    def answers():  # a call is recorded before the double has answered it
        return [c.answered for c in slack.calls if c.params.get("channel") == dm][:3]

    slack.wait_for(lambda: answers() == [429, 503, 200], 10)


def test_a_file_gets_the_polite_reply_and_not_rasa(stack, slack, dm):
    slack.run(slack.deliver(slack.event("message_file_share.json", dm)))
    assert slack.wait_for(lambda: slack.texts(dm), 30) == [UNSUPPORTED["en"]]
    assert user_events(stack, dm) == []


def test_bots_and_edits_are_ignored(stack, slack, dm):
    for name in ("message_bot.json", "message_changed.json"):
        assert slack.run(slack.deliver(slack.event(name, dm)))[0] == 200
    own = slack.event("message_im.json", dm, "hi", user="U0LAN0Z89")  # the bot user itself
    assert slack.run(slack.deliver(own))[0] == 200
    time.sleep(3)
    assert slack.sent(dm) == [] and user_events(stack, dm) == []


def test_a_button_press_is_the_shoppers_next_message(stack, slack, dm):
    assert slack.run(slack.deliver(slack.press(dm, "hi")))[0] == 200
    assert "Pip" in slack.wait_for(lambda: slack.texts(dm), 60)[0]
    assert user_events(stack, dm)[0]["text"] == "hi"


def test_an_agents_reply_reaches_the_shopper_with_native_cards_and_buttons(stack, slack, dm):
    slack.say(dm, "hi")  # the conversation's latest channel is now Slack
    slack.wait_for(lambda: slack.texts(dm), 60)
    agent_says(stack, dm, "Lin here: this one packs small.",
               {"type": "agent_message", "agent": "Lin", "language": "en", "product": PRODUCT})
    [card] = slack.wait_for(lambda: [b for b in slack.blocks(dm) if b.get("accessory")], 30)
    assert card["accessory"]["image_url"] == PRODUCT["image"] and "Driftwood 2P Tent" in card["text"]["text"]
    assert "Lin here: this one packs small." in slack.texts(dm)

    agent_says(stack, dm, "You're number 2 in line.",
               {"type": "handoff_waiting", "position": 2, "language": "en", "handoff_id": 7})
    slack.wait_for(lambda: any(b.get("value") == "/handoff_cancel" for b in slack.buttons(dm)), 30)
    [waiting] = [m for m in slack.sent(dm) if m["text"] == "You're number 2 in line."]
    assert waiting["blocks"][0]["text"]["text"] == "You're number 2 in line."  # the button rides on the notice

    agent_says(stack, dm, "Lin has handed you back to Pip.",
               {"type": "handoff_ended", "agent": "Lin", "ask_rating": True, "language": "en"})
    ratings = slack.wait_for(lambda: [b["value"] for b in slack.buttons(dm)
                                      if "rate_conversation" in b.get("value", "")], 30)
    assert ratings == [f'/rate_conversation{{"rating": {n}}}' for n in range(1, 6)]


def test_a_long_reply_is_split_at_the_limit_without_breaking_words(stack, slack, dm):
    long, pieces = long_reply_pieces(stack, slack, dm)
    assert len(pieces) >= 4 and all(len(p) <= 3000 for p in pieces)
    assert " ".join(pieces).split() == long.split()


def test_webhook_to_reply_latency(slack):
    """Signed messages one after the other: time from the webhook POST to the reply's chat.postMessage reaching the
    double (Slack retries an event not acknowledged within 3 s). Written to reports/connectors/slack_latency.json."""
    def one_message():
        channel = new_channel()
        status, _, sent_at = slack.say(channel, "hi")
        acknowledged = time.monotonic() - sent_at  # the webhook's 200 came back
        assert status == 200
        call = slack.wait_for(lambda: slack.first_call_to(channel, sent_at), 60)
        return call.received_at - sent_at, acknowledged

    measure_latency("slack", one_message)
