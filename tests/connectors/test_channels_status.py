"""`python -m connectors.channels` (what `make run` prints): a channel is on exactly when its secrets are set."""

import os
import subprocess

from scripts.stack import ROOT, platform_environment

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
