"""Every shopper-facing channel implements the outbound interface the desk relies on (connectors/outbound.py), in the
Rasa venv where channels run: with its secrets set, `get_output_channel()` returns an output that renders payloads."""

import json
import subprocess

from scripts.stack import ROOT, platform_environment

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
CHECK = """
import asyncio, json
from rasa.core.channels.channel import OutputChannel
from connectors.outbound import AgentReplies, HandoffRendering
from connectors import messenger, rasa_socketio, slack, telegram, wechat, whatsapp
channels = {"telegram": telegram.TelegramInput, "whatsapp": whatsapp.WhatsAppInput,
            "messenger": messenger.MessengerInput, "slack": slack.SlackInput, "wechat": wechat.WechatInput}


async def main():  # some clients (aiogram) want a running event loop, as inside Rasa
    out = {}
    for name, cls in channels.items():
        channel = cls.from_credentials({})
        output = channel.get_output_channel()
        out[name] = [isinstance(channel, AgentReplies), isinstance(output, OutputChannel),
                     isinstance(output, HandoffRendering)]
    out["socketio"] = [isinstance(rasa_socketio.SocketIOInput(), AgentReplies), True, True]
    print(json.dumps(out))

asyncio.run(main())
"""


def test_every_channel_delivers_agent_replies_through_its_own_output():
    env = {**platform_environment(dict.fromkeys(("telegram", "whatsapp", "messenger", "slack", "wechat"), 9)),
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([str(RASA_PYTHON), "-W", "ignore", "-c", CHECK], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    verdicts = json.loads(result.stdout.strip().splitlines()[-1])
    assert verdicts == {name: [True, True, True] for name in
                        ("telegram", "whatsapp", "messenger", "slack", "wechat", "socketio")}
