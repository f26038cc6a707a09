"""`python -m connectors.channels` (what `make run` prints): a channel is on exactly when its secrets are set; while
it is off, its webhook answers every request by naming what to set."""

import json
import os
import subprocess

from scripts.stack import ROOT, free_port, platform_environment

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def channels(env):
    result = subprocess.run([str(RASA_PYTHON), "-W", "ignore", "-m", "connectors.channels"], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True, timeout=120)
    return {line.split()[0]: line.split()[1] for line in result.stdout.splitlines() if line.strip()}


def test_channels_are_off_until_their_secrets_are_set_and_on_after():
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "MESSENGER_",
                                                                       "SLACK_", "WECHAT_"))}
    assert channels(bare) == dict.fromkeys(("telegram", "whatsapp", "messenger", "slack", "wechat"), "off")
    ports = dict.fromkeys(("telegram", "whatsapp", "messenger", "slack", "wechat"), 9)
    everything = {**bare, **platform_environment(ports)}
    assert channels(everything) == dict.fromkeys(("telegram", "whatsapp", "messenger", "slack", "wechat"), "on")
    without_slack_secret = {k: v for k, v in everything.items() if k != "SLACK_SIGNING_SECRET"}
    assert channels(without_slack_secret)["slack"] == "off"


OFF_ROUTES = """
import asyncio, json, sys
import aiohttp
from sanic import Sanic
from connectors.messenger import MessengerInput
from connectors.slack import SlackInput
from connectors.telegram import TelegramInput
from connectors.wechat import WechatInput
from connectors.whatsapp import WhatsAppInput


async def main(port):
    app = Sanic("off_channels")
    channels = [c.from_credentials({}) for c in (TelegramInput, WhatsAppInput, MessengerInput, SlackInput, WechatInput)]
    for channel in channels:
        app.blueprint(channel.blueprint(lambda message: None), url_prefix=f"/webhooks/{channel.url_prefix()}")
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    answers = {}
    async with aiohttp.ClientSession() as http:
        for channel in channels:
            for method, path in (("GET", "/"), ("GET", "/webhook"), ("POST", "/webhook")):
                url = f"http://127.0.0.1:{port}/webhooks/{channel.name()}{path}"
                async with http.request(method, url, data=b"{}") as answer:
                    answers[f"{channel.name()} {method} {path}"] = [answer.status, await answer.json()]
    server.close()
    print(json.dumps([answers, {c.name(): c.get_output_channel() is None for c in channels}]))

asyncio.run(main(int(sys.argv[1])))
"""


def test_an_off_channel_answers_every_route_with_what_to_set_and_has_no_output():
    bare = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "MESSENGER_",
                                                                       "SLACK_", "WECHAT_"))}
    env = {**bare, "SLACK_BOT_TOKEN": "xoxb-test"}  # one of two secrets set: still off
    result = subprocess.run([str(RASA_PYTHON), "-W", "ignore", "-c", OFF_ROUTES, str(free_port())], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    answers, no_output = json.loads(result.stdout.strip().splitlines()[-1])
    lacking = {
        "telegram": "TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN",
        "whatsapp": "WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID",
        "messenger": "MESSENGER_PAGE_ACCESS_TOKEN, MESSENGER_APP_SECRET, MESSENGER_VERIFY_TOKEN",
        "slack": "SLACK_SIGNING_SECRET",
        "wechat": "WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN",
    }
    assert answers == {f"{name} {route}": [404, {"error": f"{name} channel is off: set {lacking[name]}"}]
                       for name in lacking for route in ("GET /", "GET /webhook", "POST /webhook")}
    assert no_output == dict.fromkeys(lacking, True)
