"""The agent desk's replies reach shoppers on every messaging app: a shopper asks for a person from the platform,
an agent claims the conversation on the desk, writes, and hands back; the platform double receives the notices and
the agent's words through the connector's own output (Rasa's `output_channel=latest`), in well-formed API calls."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import pytest

from scripts.desk_client import DeskAgent, add_agent
from tests.connectors.doubles.messenger import MessengerDouble
from tests.connectors.doubles.slack import SlackDouble
from tests.connectors.doubles.telegram import TelegramDouble
from tests.connectors.doubles.wechat import WechatDouble
from tests.connectors.doubles.whatsapp import WhatsAppDouble

pytestmark = pytest.mark.stack
TIMEOUT_S = 60


@dataclass
class Platform:
    """One platform as this test drives it: its double, a new shopper, a message from them, what they received."""

    double: Any
    shopper: Callable[[], Any]
    say: Callable[[Any, str], Any]
    texts: Callable[[Any], list]


def platform(name: str, stack) -> Platform:
    env, webhook = stack.env, f"{stack.rasa_url}/webhooks/{name}/webhook"
    if name == "telegram":
        double = TelegramDouble(env["TELEGRAM_BOT_TOKEN"], env["TELEGRAM_SECRET_TOKEN"], webhook)
        return Platform(double, lambda: random.randrange(10**9, 2 * 10**9), double.say, double.texts)
    if name == "slack":
        double = SlackDouble(env["SLACK_BOT_TOKEN"], env["SLACK_SIGNING_SECRET"], webhook)
        return Platform(double, lambda: "D" + uuid.uuid4().hex[:10].upper(), double.say, double.texts)
    if name == "whatsapp":  # notices with buttons arrive as interactive messages: their body is the text
        double = WhatsAppDouble.for_stack(stack)

        def texts(wa_id: str) -> list:
            return [(m.get("text") or {}).get("body") or ((m.get("interactive") or {}).get("body") or {}).get("text")
                    for m in double.sent_to(wa_id)]

        return Platform(double, WhatsAppDouble.new_shopper, double.say, texts)
    if name == "messenger":
        double = MessengerDouble.for_stack(stack)
        return Platform(double, MessengerDouble.new_shopper, double.say, double.texts_to)
    double = WechatDouble(env["WECHAT_APP_ID"], env["WECHAT_APP_SECRET"], env["WECHAT_TOKEN"], env["WECHAT_AES_KEY"])

    def say(openid: str, text: str):
        return double.run(double.push(webhook, double.message("text", openid, Content=text).encode("utf-8"), None))

    return Platform(double, lambda: "o" + uuid.uuid4().hex[:27], say, double.texts)


@pytest.fixture(params=["telegram", "whatsapp", "messenger", "slack", "wechat"])
def app(request, stack) -> Iterator[Platform]:
    chosen = platform(request.param, stack)
    with chosen.double.in_background(stack.double_ports[request.param]):
        yield chosen
        chosen.double.assert_clean()


def test_an_agents_reply_from_the_desk_reaches_the_shopper_in_their_app(stack, app, request):
    name = request.node.callspec.params["app"]
    agent = DeskAgent(stack, add_agent(stack, "Lin"))
    shopper = app.shopper()
    with agent.online():
        app.say(shopper, "I want to talk to a person")
        queued = app.double.wait_for(lambda: next((h for h in agent.get("/api/inbox").json()["waiting"]
                                                   if h["channel"] == name), None), TIMEOUT_S)
        assert queued["conversation_id"] == str(shopper)
        app.double.wait_for(lambda: any("queue" in t for t in app.texts(shopper)), TIMEOUT_S)
        agent.post(f"/api/handoffs/{queued['id']}/claim").raise_for_status()
        app.double.wait_for(lambda: any("Lin" in t and "joined" in t for t in app.texts(shopper)), TIMEOUT_S)
        agent.post(f"/api/handoffs/{queued['id']}/messages", {"text": "Hi, this is Lin from the team."}
                   ).raise_for_status()
        app.double.wait_for(lambda: "Hi, this is Lin from the team." in app.texts(shopper), TIMEOUT_S)
        app.say(shopper, "thanks Lin")  # the bot stays quiet while Lin has the conversation
        agent.post(f"/api/handoffs/{queued['id']}/close", {"resolution": "answered"}).raise_for_status()
        app.double.wait_for(lambda: any("rate" in t.lower() for t in app.texts(shopper)), TIMEOUT_S)
    texts = app.texts(shopper)
    between = texts[texts.index("Hi, this is Lin from the team.") + 1:]
    # Only the hand-back notice and its rating choices follow Lin's words: the bot did not answer "thanks Lin".
    assert not [t for t in between if t and "rate" not in t.lower() and "Pip" not in t and "★" not in t], between
